// The `lint:` section of system.yaml: a warning rule can be turned off or raised to an error. Error rules
// cannot be lowered (they guard what the generated system needs); a rule id that does not exist is an error,
// with a suggestion. Pure: diagnostics and the document in, diagnostics out.
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import { positionOf, type LoadedDocument } from "./load.js";
import { RULES } from "./rules/index.js";
import { didYouMean } from "./suggest.js";

export type LintLevel = "off" | "warning" | "error";

export function lintSettings(data: unknown): Record<string, LintLevel> {
  const lint = (data as { lint?: { rules?: Record<string, LintLevel> } } | null)?.lint;
  return lint?.rules ?? {};
}

export function applyLint(list: Diagnostic[], loaded: LoadedDocument): Diagnostic[] {
  const settings = lintSettings(loaded.data);
  const names = Object.keys(settings);
  if (!names.length) return list;
  const problems: Diagnostic[] = [];
  const effective = new Map<string, LintLevel>();
  for (const id of names) {
    const level = settings[id] as LintLevel;
    const rule = RULES.find((r) => r.id === id);
    const at = positionOf(loaded, ["lint", "rules", id], { key: true });
    if (!rule) {
      const guess = didYouMean(id, RULES.map((r) => r.id));
      problems.push(diagnostic(loaded.file, at, "error", "lint-rule-unknown", `lint.rules: no rule "${id}"${guess ? `; did you mean "${guess}"?` : "; msa validate --list-rules lists them"}`));
    } else if (rule.severity === "error" && level !== "error") {
      problems.push(diagnostic(loaded.file, at, "error", "lint-rule-not-adjustable", `lint.rules: ${id} is an error rule and cannot be set to ${level}; only warnings can be turned off or raised`));
    } else effective.set(id, level);
  }
  const out: Diagnostic[] = [];
  for (const d of list) {
    const level = effective.get(d.rule);
    if (level === "off") continue;
    out.push(level ? { ...d, severity: level } : d);
  }
  return [...out, ...problems];
}
