// Names that YAML does not read as strings. A system, context, event, saga, database or host may validly be
// named `n`, `on`, `no` or `null`; `namespace: n` reaches kustomize as `namespace: false` (kubectl's
// sigs.k8s.io/yaml, Kong's lyaml and PyYAML read YAML 1.1, where y/n/yes/no/on/off are booleans), and
// `name: null` is null in any YAML. When the model holds such a word, planSystem renders with a guarded
// renderer (render.ts) that wraps every interpolated value that is such a word in two private-use marks;
// resolveMarks then double-quotes each marked value that stands as a whole plain scalar (key or value) of a
// YAML file and drops the marks everywhere else (inside quotes, longer scalars, comments, non-YAML files).
// Pure: text in, text out. Systems without such a word are rendered and written exactly as before.
import { parseAllDocuments, visit } from "yaml";
import type { SystemModel } from "./model.js";

/** Plain scalars that YAML 1.1 or 1.2 reads as a boolean or null. */
const YAML_NON_STRING = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|true|True|TRUE|false|False|FALSE|null|Null|NULL|~)$/;
const OPEN = "\uE000";
const CLOSE = "\uE001";

export const isYamlNonString = (s: string): boolean => s.length <= 5 && YAML_NON_STRING.test(s);

/** The guarded renderer's wrapper for one interpolated value. */
export const markYamlWord = (v: unknown): unknown => (typeof v === "string" && isYamlNonString(v) ? OPEN + v + CLOSE : v);

/** Whether any string in `data` (names, hosts, schema keys and enum values) is such a word. */
export function hasYamlNonStrings(data: unknown): boolean {
  const seen = new Set<object>();
  const stack: unknown[] = [data];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === "string") {
      if (isYamlNonString(v)) return true;
      continue;
    }
    if (v === null || typeof v !== "object" || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    else if (v instanceof Set) for (const x of v) stack.push(x);
    else if (Array.isArray(v)) for (const x of v) stack.push(x);
    // a model's SourceRef points into a parsed document (its AST holds the source text of every scalar, e.g. a
    // schema file's `false`): where a value came from is not data that is rendered
    // (the keys are checked here and only the values stacked: no [key, value] pair per entry — issue #24)
    else
      for (const k of Object.keys(v)) {
        const x = (v as Record<string, unknown>)[k];
        if (k === "source" && x !== null && typeof x === "object" && "loaded" in x) continue;
        if (isYamlNonString(k)) return true;
        if (x !== null && (typeof x === "object" || typeof x === "string")) stack.push(x);
      }
  }
  return false;
}

/** The model, its source document aside. */
export const modelHasYamlNonStrings = (model: SystemModel): boolean => hasYamlNonStrings({ ...model, loaded: undefined });

/** The files whose marked whole scalars are quoted. */
export const isYamlPath = (p: string): boolean => p.endsWith(".yaml") || p.endsWith(".yml");

/**
 * Quotes each marked value that is a whole plain scalar when `yaml` is true, then removes every mark. Text
 * without marks is returned as it is.
 */
export function resolveMarks(text: string, yaml: boolean): string {
  if (!text.includes(OPEN)) return text;
  let out = text;
  if (yaml) {
    const spans: [number, number, string][] = [];
    for (const doc of parseAllDocuments(text)) {
      if (!("contents" in doc) || doc.errors.length) break;
      visit(doc, {
        Scalar(_key, node) {
          if (node.type !== "PLAIN" || typeof node.value !== "string" || !node.range) return;
          const v = node.value;
          if (v.length < 3 || v[0] !== OPEN || v[v.length - 1] !== CLOSE || !isYamlNonString(v.slice(1, -1))) return;
          if (text.slice(node.range[0], node.range[1]) === v) spans.push([node.range[0], node.range[1], JSON.stringify(v.slice(1, -1))]);
        },
      });
    }
    if (spans.length) {
      spans.sort((a, b) => a[0] - b[0]);
      const parts: string[] = [];
      let at = 0;
      for (const [start, end, quoted] of spans) {
        parts.push(text.slice(at, start), quoted);
        at = end;
      }
      parts.push(text.slice(at));
      out = parts.join("");
    }
  }
  return out.replaceAll(OPEN, "").replaceAll(CLOSE, "");
}
