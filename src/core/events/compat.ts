// Schema-evolution compatibility between two JSON Schemas of one event, after Confluent Schema
// Registry's rules for JSON Schema (see docs/validate-events.md for the table and the deviations).
//
// backward: the new schema accepts every document the old one accepted (old ⊆ new);
// forward:  the old schema accepts every document the new one accepts (new ⊆ old); full: both.
// Both are one structural check, `covers(narrow, wide)`, run with the roles swapped; rule ids are
// always named after the change old → new (e.g. MAX_LENGTH_DECREASED), whichever check found it.
// Pure: values in, findings out. Paths are JSON paths inside the old/new schema, so callers can map
// them to line:col with positionOf(version.source.loaded, [...version.source.path, ...path]).
import type { PathSegment } from "../load.js";
import type { Compatibility } from "../model.js";

export type CompatDirection = "backward" | "forward";

export interface CompatFinding {
  /** UPPER_SNAKE id of the change, e.g. PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL. */
  rule: string;
  /** Which check the change breaks. */
  direction: CompatDirection;
  /** Errors break the declared mode; warnings are accepted with a note (see ADDED_WITH_DEFAULT). */
  severity: "error" | "warning";
  /** One sentence, old → new, without the event name (callers add it). */
  message: string;
  /** One line on how to fix it. */
  fix: string;
  /** JSON path of the node concerned inside the old schema (nearest existing node). */
  oldPath: PathSegment[];
  /** JSON path of the node concerned inside the new schema (nearest existing node). */
  newPath: PathSegment[];
  /** Which schema holds the offending node: where a diagnostic should point. */
  at: "old" | "new";
}

type Json = unknown;
type Obj = Record<string, Json>;

const ANNOTATIONS = new Set([
  "title", "description", "default", "examples", "example", "$id", "id", "$schema", "$comment",
  "deprecated", "readOnly", "writeOnly", "definitions", "$defs", "$anchor", "contentSchema",
]);
const UPPER_BOUNDS = ["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"] as const;
const LOWER_BOUNDS = ["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"] as const;
/** Keywords compared structurally below; any other non-annotation keyword is compared for equality. */
const HANDLED = new Set<string>([
  "$ref", "type", "enum", "const", "anyOf", "oneOf", "properties", "required", "additionalProperties",
  "patternProperties", "items", "multipleOf", "pattern", "format", "uniqueItems", ...UPPER_BOUNDS, ...LOWER_BOUNDS,
]);

const FIX = {
  openAdded: "close the old model with additionalProperties: false in every version, give the new property the schema {} or a default, or set compatibility: none and publish a new event type",
  openAddedDefault: "nothing to do if old producers never sent this property; to make it exact, close the old model with additionalProperties: false",
  openRemoved: "keep the property in the new version (it may be optional), or set compatibility: backward",
  closedRemoved: "keep the property in the new version (optional is enough), or open the model, or set compatibility: forward",
  closedAdded: "open the old model (drop additionalProperties: false), or set compatibility: backward",
  partialAdded: "make the new property's schema accept everything the old additionalProperties/patternProperties allowed",
  requiredAdded: "add a default to the new required property, or make it optional",
  madeRequired: "add a default to the property, or keep it optional",
  madeOptional: "keep the property required, or give it a default in the old version, or set compatibility: backward",
  requiredRemoved: "keep the required property in the new version, or set compatibility: backward",
  narrowed: "accept at least what the old version accepted (widen the new schema), or set compatibility: forward",
  widened: "accept no more than the old version accepted, or set compatibility: backward",
  changed: "keep the old definition and add a new property (or a new event type) for the new shape",
  noneOrBump: "revert this change, or bump the mode (compatibility: none) and publish a new event type",
} as const;

/** All findings that break `mode` between two consecutive (or, transitively, any two) versions. */
export function checkCompatibility(oldSchema: Json, newSchema: Json, mode: Compatibility): CompatFinding[] {
  const out: CompatFinding[] = [];
  if (mode === "backward" || mode === "full") out.push(...runCheck(oldSchema, newSchema, "backward"));
  if (mode === "forward" || mode === "full") out.push(...runCheck(oldSchema, newSchema, "forward"));
  const seen = new Set<string>();
  return out.filter((f) => {
    const key = `${f.rule}\0${JSON.stringify(f.oldPath)}\0${JSON.stringify(f.newPath)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Does `mode` hold? (warnings do not break it.) */
export const isCompatible = (oldSchema: Json, newSchema: Json, mode: Compatibility): boolean =>
  checkCompatibility(oldSchema, newSchema, mode).every((f) => f.severity !== "error");

function runCheck(oldSchema: Json, newSchema: Json, dir: CompatDirection): CompatFinding[] {
  const w: Walk = dir === "backward"
    ? { dir, narrowRoot: oldSchema, wideRoot: newSchema, out: [], seen: new Set() }
    : { dir, narrowRoot: newSchema, wideRoot: oldSchema, out: [], seen: new Set() };
  covers(w, w.narrowRoot, [], w.wideRoot, []);
  return w.out;
}

interface Walk {
  dir: CompatDirection;
  narrowRoot: Json;
  wideRoot: Json;
  out: CompatFinding[];
  seen: Set<string>;
}

/** Picks a value by which side is old: (narrowValue, wideValue) → [oldValue, newValue]. */
function asOldNew<T>(w: Walk, narrowV: T, wideV: T): [T, T] {
  return w.dir === "backward" ? [narrowV, wideV] : [wideV, narrowV];
}

/** The rule id: named after the change old → new, which differs by direction. */
const ruleFor = (w: Walk, ifBackward: string, ifForward: string): string => (w.dir === "backward" ? ifBackward : ifForward);

function report(
  w: Walk,
  rule: string,
  message: string,
  fix: string,
  narrowPath: PathSegment[],
  widePath: PathSegment[],
  at: "old" | "new",
  severity: "error" | "warning" = "error",
): void {
  const [oldPath, newPath] = asOldNew(w, narrowPath, widePath);
  w.out.push({ rule, direction: w.dir, severity, message, fix, oldPath: [...oldPath], newPath: [...newPath], at });
}

const isObj = (v: Json): v is Obj => !!v && typeof v === "object" && !Array.isArray(v);
const show = (v: Json): string => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
};
const upperSnake = (k: string): string => k.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
/** A schema path as the data path a user recognises: ["properties","items","items","properties","sku"] → items[].sku. */
export function where(p: readonly PathSegment[]): string {
  let out = "";
  for (let i = 0; i < p.length; i++) {
    const s = p[i];
    if ((s === "properties" || s === "patternProperties") && i + 1 < p.length) out += `${out ? "." : ""}${String(p[++i])}`;
    else if (s === "items") out += "[]";
    else if (s === "additionalProperties") out += `${out ? "." : ""}*`;
    else if ((s === "anyOf" || s === "oneOf") && i + 1 < p.length) out += `(${s}[${String(p[++i])}])`;
  }
  return out || "the payload";
}

/** Resolves local `$ref`s (#/definitions/x, #/$defs/x) against the schema's own root. */
function deref(root: Json, node: Json, path: PathSegment[]): { node: Json; path: PathSegment[] } {
  for (let i = 0; i < 32 && isObj(node) && typeof node.$ref === "string" && node.$ref.startsWith("#"); i++) {
    const segs = node.$ref === "#" ? [] : node.$ref.slice(2).split("/").map((s) => decodeURIComponent(s).replace(/~1/g, "/").replace(/~0/g, "~"));
    let target: Json = root;
    for (const s of segs) target = isObj(target) ? target[s] : Array.isArray(target) ? target[Number(s)] : undefined;
    if (target === undefined) break;
    node = target;
    path = segs;
  }
  return { node, path };
}

/** Accepts every JSON value: true, {}, or only annotations. */
function acceptsAll(s: Json): boolean {
  if (s === true || s === undefined) return true;
  if (!isObj(s)) return false;
  return Object.keys(s).every((k) => ANNOTATIONS.has(k) || k.startsWith("x-"));
}

function typesOf(s: Obj): Set<string> | null {
  if (typeof s.type === "string") return new Set([s.type]);
  if (Array.isArray(s.type)) return new Set(s.type.filter((t): t is string => typeof t === "string"));
  return null;
}

const typeCovered = (t: string, wide: Set<string>): boolean => wide.has(t) || (t === "integer" && wide.has("number"));
const typeOverlaps = (t: string, other: Set<string>): boolean =>
  other.has(t) || (t === "integer" && other.has("number")) || (t === "number" && other.has("integer"));

function enumOf(s: Obj): Json[] | null {
  if ("const" in s) return [s.const];
  return Array.isArray(s.enum) ? s.enum : null;
}

export function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as Json[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a as Obj);
  const kb = Object.keys(b as Obj);
  return ka.length === kb.length && ka.every((k) => k in (b as Obj) && deepEqual((a as Obj)[k], (b as Obj)[k]));
}

/** Runs a check on the side and returns its error findings without recording them. */
function trial(w: Walk, fn: (sub: Walk) => void): CompatFinding[] {
  const sub: Walk = { ...w, out: [], seen: new Set(w.seen) };
  fn(sub);
  return sub.out.filter((f) => f.severity === "error");
}

/**
 * Records why `narrow` accepts a document `wide` rejects. `narrow`/`wide` are subschemas of
 * narrowRoot/wideRoot at the given paths.
 */
function covers(w: Walk, narrowIn: Json, nPathIn: PathSegment[], wideIn: Json, wPathIn: PathSegment[]): void {
  const { node: narrowNode, path: nPath } = deref(w.narrowRoot, narrowIn, nPathIn);
  const { node: wideNode, path: wPath } = deref(w.wideRoot, wideIn, wPathIn);
  const key = `${JSON.stringify(nPath)}|${JSON.stringify(wPath)}`;
  if (w.seen.has(key)) return; // recursive $ref: this pair is already being compared
  w.seen.add(key);

  if (acceptsAll(wideNode) || narrowNode === false) return;
  if (wideNode === false) {
    report(w, ruleFor(w, "SCHEMA_CHANGED_TO_FALSE", "SCHEMA_CHANGED_FROM_FALSE"),
      w.dir === "backward" ? `${where(wPath)} now accepts nothing` : `${where(nPath)} accepted nothing before and now accepts values`,
      FIX.noneOrBump, nPath, wPath, "new");
    return;
  }
  const narrow: Obj = narrowNode === true || narrowNode === undefined ? {} : isObj(narrowNode) ? narrowNode : {};
  const wide: Obj = isObj(wideNode) ? wideNode : {};

  // Unresolvable (remote) references are compared by their text.
  if (typeof narrow.$ref === "string" || typeof wide.$ref === "string") {
    if (narrow.$ref !== wide.$ref)
      report(w, "REFERENCE_CHANGED", `${where(asOldNew(w, nPath, wPath)[1])}: $ref changed from ${show(asOldNew(w, narrow.$ref, wide.$ref)[0])} to ${show(asOldNew(w, narrow.$ref, wide.$ref)[1])} (only local references are compared)`,
        FIX.changed, nPath, wPath, "new");
    return;
  }

  if (branchesOf(narrow) || branchesOf(wide)) {
    coversBranches(w, narrow, nPath, wide, wPath);
    return;
  }

  // type
  const tn = typesOf(narrow);
  const tw = typesOf(wide);
  if (tw) {
    if (!tn) {
      report(w, ruleFor(w, "TYPE_NARROWED", "TYPE_EXTENDED"),
        w.dir === "backward" ? `${where(wPath)}: type ${show(wide.type)} added where any type was accepted` : `${where(nPath)}: type ${show(wide.type)} removed, any type is now accepted`,
        w.dir === "backward" ? FIX.narrowed : FIX.widened, nPath, wPath, "new");
    } else {
      const missing = [...tn].filter((t) => !typeCovered(t, tw));
      if (missing.length) {
        const [o, n] = asOldNew(w, narrow.type, wide.type);
        const overlap = [...tn].some((t) => typeOverlaps(t, tw));
        if (!overlap) {
          report(w, "TYPE_CHANGED", `${where(asOldNew(w, nPath, wPath)[1])}: type changed from ${show(o)} to ${show(n)}`, FIX.changed, nPath, wPath, "new");
          return; // nothing else is comparable
        }
        report(w, ruleFor(w, "TYPE_NARROWED", "TYPE_EXTENDED"), `${where(asOldNew(w, nPath, wPath)[1])}: type ${w.dir === "backward" ? "narrowed" : "widened"} from ${show(o)} to ${show(n)}`,
          w.dir === "backward" ? FIX.narrowed : FIX.widened, nPath, wPath, "new");
      }
    }
  }

  // enum / const
  const en = enumOf(narrow);
  const ew = enumOf(wide);
  if (ew) {
    const kw = "const" in wide ? "const" : "enum";
    if (!en) {
      report(w, ruleFor(w, "ENUM_ADDED", "ENUM_REMOVED"),
        w.dir === "backward" ? `${where(wPath)}: ${kw} ${show(wide[kw])} added` : `${where(nPath)}: ${kw} ${show(wide[kw])} removed`,
        w.dir === "backward" ? FIX.narrowed : FIX.widened, nPath, [...wPath, kw], "new");
    } else {
      const missing = en.filter((v) => !ew.some((x) => deepEqual(x, v)));
      const extra = ew.filter((v) => !en.some((x) => deepEqual(x, v)));
      if (missing.length) {
        const rule = extra.length ? "ENUM_VALUES_REPLACED" : ruleFor(w, "ENUM_VALUE_REMOVED", "ENUM_VALUE_ADDED");
        const [removed, added] = asOldNew(w, missing, extra);
        const parts = [removed.length ? `removed ${removed.map(show).join(", ")}` : "", added.length ? `added ${added.map(show).join(", ")}` : ""].filter(Boolean);
        report(w, rule, `${where(asOldNew(w, nPath, wPath)[1])}: enum ${parts.join(" and ")}`,
          extra.length ? FIX.changed : w.dir === "backward" ? FIX.narrowed : FIX.widened,
          [...nPath, "const" in narrow ? "const" : "enum"], [...wPath, kw], "new");
      }
    }
  }

  // numeric and length bounds
  for (const kw of UPPER_BOUNDS) bound(w, narrow, nPath, wide, wPath, kw, "upper");
  for (const kw of LOWER_BOUNDS) bound(w, narrow, nPath, wide, wPath, kw, "lower");
  if (typeof wide.multipleOf === "number") {
    const a = narrow.multipleOf;
    if (typeof a !== "number") {
      report(w, ruleFor(w, "MULTIPLE_OF_ADDED", "MULTIPLE_OF_REMOVED"), `${where(asOldNew(w, nPath, wPath)[1])}: multipleOf ${wide.multipleOf} ${w.dir === "backward" ? "added" : "removed"}`,
        w.dir === "backward" ? FIX.narrowed : FIX.widened, nPath, [...wPath, "multipleOf"], "new");
    } else {
      const q = a / wide.multipleOf;
      if (Math.abs(q - Math.round(q)) > 1e-9)
        report(w, "MULTIPLE_OF_CHANGED", `${where(asOldNew(w, nPath, wPath)[1])}: multipleOf changed from ${asOldNew(w, a, wide.multipleOf).join(" to ")}`,
          FIX.changed, [...nPath, "multipleOf"], [...wPath, "multipleOf"], "new");
    }
  }
  for (const kw of ["pattern", "format"] as const) {
    if (wide[kw] === undefined) continue;
    const K = upperSnake(kw);
    if (narrow[kw] === undefined)
      report(w, ruleFor(w, `${K}_ADDED`, `${K}_REMOVED`), `${where(asOldNew(w, nPath, wPath)[1])}: ${kw} ${show(wide[kw])} ${w.dir === "backward" ? "added" : "removed"}`,
        w.dir === "backward" ? FIX.narrowed : FIX.widened, nPath, [...wPath, kw], "new");
    else if (narrow[kw] !== wide[kw]) {
      const [o, n] = asOldNew(w, narrow[kw], wide[kw]);
      report(w, `${K}_CHANGED`, `${where(asOldNew(w, nPath, wPath)[1])}: ${kw} changed from ${show(o)} to ${show(n)}`, FIX.changed, [...nPath, kw], [...wPath, kw], "new");
    }
  }
  if (wide.uniqueItems === true && narrow.uniqueItems !== true)
    report(w, ruleFor(w, "UNIQUE_ITEMS_ADDED", "UNIQUE_ITEMS_REMOVED"), `${where(asOldNew(w, nPath, wPath)[1])}: uniqueItems ${w.dir === "backward" ? "added" : "removed"}`,
      w.dir === "backward" ? FIX.narrowed : FIX.widened, nPath, [...wPath, "uniqueItems"], "new");

  coversObject(w, narrow, nPath, wide, wPath);
  coversArray(w, narrow, nPath, wide, wPath);

  // Everything else (not, if/then/else, dependentRequired, contains, prefixItems, tuple items, ...)
  // is compared for equality: a change there is reported both ways rather than guessed at.
  const keys = new Set([...Object.keys(narrow), ...Object.keys(wide)]);
  for (const k of [...keys].sort()) {
    if (HANDLED.has(k) || ANNOTATIONS.has(k) || k.startsWith("x-")) continue;
    if (k === "items" && !Array.isArray(narrow.items) && !Array.isArray(wide.items)) continue;
    if (!deepEqual(narrow[k], wide[k]))
      report(w, "KEYWORD_CHANGED", `${where(asOldNew(w, nPath, wPath)[1])}: ${k} changed (msa compares "${k}" only for equality)`,
        FIX.noneOrBump, k in narrow ? [...nPath, k] : nPath, k in wide ? [...wPath, k] : wPath, "new");
  }
  if ((Array.isArray(narrow.items) || Array.isArray(wide.items)) && !deepEqual(narrow.items, wide.items))
    report(w, "KEYWORD_CHANGED", `${where(asOldNew(w, nPath, wPath)[1])}: tuple items changed (msa compares tuple "items" only for equality)`,
      FIX.noneOrBump, [...nPath, "items"], [...wPath, "items"], "new");
}

function bound(w: Walk, narrow: Obj, nPath: PathSegment[], wide: Obj, wPath: PathSegment[], kw: string, side: "upper" | "lower"): void {
  const b = wide[kw];
  if (typeof b !== "number") return;
  const a = narrow[kw];
  const K = upperSnake(kw);
  const newWhere = where(asOldNew(w, nPath, wPath)[1]);
  if (typeof a !== "number") {
    report(w, ruleFor(w, `${K}_ADDED`, `${K}_REMOVED`), `${newWhere}: ${kw} ${b} ${w.dir === "backward" ? "added" : "removed"}`,
      w.dir === "backward" ? FIX.narrowed : FIX.widened, nPath, [...wPath, kw], "new");
    return;
  }
  const violates = side === "upper" ? a > b : a < b;
  if (!violates) return;
  const [o, n] = asOldNew(w, a, b);
  report(w, `${K}_${n > o ? "INCREASED" : "DECREASED"}`, `${newWhere}: ${kw} ${n > o ? "increased" : "decreased"} from ${o} to ${n}`,
    w.dir === "backward" ? FIX.narrowed : FIX.widened, [...nPath, kw], [...wPath, kw], "new");
}

function branchesOf(s: Obj): { kw: "anyOf" | "oneOf"; list: Json[] } | null {
  if (Array.isArray(s.anyOf)) return { kw: "anyOf", list: s.anyOf };
  if (Array.isArray(s.oneOf)) return { kw: "oneOf", list: s.oneOf };
  return null;
}

/** A branch with the keywords beside anyOf/oneOf merged in (they apply to every branch). */
function mergeBase(root: Json, base: Obj, branch: Json, path: PathSegment[]): { node: Json; path: PathSegment[] } {
  const r = deref(root, branch, path);
  if (!isObj(r.node)) return r;
  const rest = Object.fromEntries(Object.entries(base).filter(([k]) => k !== "anyOf" && k !== "oneOf"));
  if (!Object.keys(rest).length) return r;
  const merged: Obj = { ...rest, ...r.node };
  if (isObj(rest.properties) && isObj(r.node.properties)) merged.properties = { ...rest.properties, ...r.node.properties };
  if (Array.isArray(rest.required) && Array.isArray(r.node.required)) merged.required = [...new Set([...rest.required, ...r.node.required])];
  return { node: merged, path: r.path };
}

/** Every narrow branch must fit in some wide branch (adding a branch widens, removing narrows). */
function coversBranches(w: Walk, narrow: Obj, nPath: PathSegment[], wide: Obj, wPath: PathSegment[]): void {
  const bn = branchesOf(narrow);
  const bw = branchesOf(wide);
  const nList = bn ? bn.list.map((b, i) => mergeBase(w.narrowRoot, narrow, b, [...nPath, bn.kw, i])) : [{ node: narrow as Json, path: nPath }];
  const wList = bw ? bw.list.map((b, i) => mergeBase(w.wideRoot, wide, b, [...wPath, bw.kw, i])) : [{ node: wide as Json, path: wPath }];
  for (const n of nList) {
    let best: CompatFinding[] | undefined;
    for (const x of wList) {
      const found = trial(w, (sub) => covers(sub, n.node, n.path, x.node, x.path));
      if (!found.length) { best = []; break; }
      if (!best || found.length < best.length) best = found;
    }
    if (!best?.length) continue;
    if (!bn && wList.length === 1) {
      w.out.push(...best); // one schema against one: its findings say exactly what changed
      continue;
    }
    report(w, ruleFor(w, "COMBINED_TYPE_BRANCH_REMOVED", "COMBINED_TYPE_BRANCH_ADDED"),
      w.dir === "backward"
        ? `${where(wPath)}: a branch of the old ${bn?.kw ?? "schema"} (${show(n.node)}) is not accepted by any branch of the new ${bw?.kw}`
        : `${where(nPath)}: the new ${bn?.kw ?? "schema"} branch ${show(n.node)} is not accepted by any branch of the old ${bw?.kw}`,
      w.dir === "backward" ? FIX.narrowed : FIX.widened, n.path, wPath, "new");
  }
}

/** The schema that applies to property `name` when it is not in `properties`: true (open), false (closed) or a schema. */
function slotOf(root: Json, s: Obj, path: PathSegment[], name: string): { schema: Json; path: PathSegment[] } | boolean {
  if (isObj(s.patternProperties)) {
    for (const [re, sub] of Object.entries(s.patternProperties)) {
      let matches = false;
      try { matches = new RegExp(re, "u").test(name); } catch { /* an invalid pattern matches nothing */ }
      if (matches) return { schema: sub, path: [...path, "patternProperties", re] };
    }
  }
  const ap = s.additionalProperties;
  if (ap === undefined || ap === true) return true;
  if (ap === false) return false;
  const r = deref(root, ap, [...path, "additionalProperties"]);
  if (acceptsAll(r.node)) return true;
  if (r.node === false) return false;
  return { schema: ap, path: [...path, "additionalProperties"] };
}

const isObjectSchema = (s: Obj): boolean =>
  ["properties", "required", "additionalProperties", "patternProperties"].some((k) => k in s);

function coversObject(w: Walk, narrow: Obj, nPath: PathSegment[], wide: Obj, wPath: PathSegment[]): void {
  if (!isObjectSchema(narrow) && !isObjectSchema(wide)) return;
  const pn = isObj(narrow.properties) ? narrow.properties : {};
  const pw = isObj(wide.properties) ? wide.properties : {};
  const reqN = new Set(Array.isArray(narrow.required) ? narrow.required.map(String) : []);
  const reqW = new Set(Array.isArray(wide.required) ? wide.required.map(String) : []);
  const propPath = (p: PathSegment[], props: Obj, name: string): PathSegment[] => (name in props ? [...p, "properties", name] : p);
  const hasDefault = (props: Obj, name: string, root: Json, p: PathSegment[]): boolean => {
    const r = deref(root, props[name], [...p, "properties", name]);
    return isObj(r.node) && "default" in r.node;
  };
  const flagged = new Set<string>();
  const label = (name: string): string => where([...wPath, "properties", name]);

  // wide requires a property narrow does not: narrow's documents may lack it
  for (const name of [...reqW].sort()) {
    if (reqN.has(name) || hasDefault(pw, name, w.wideRoot, wPath)) continue;
    flagged.add(name);
    const known = name in pn;
    if (w.dir === "backward")
      report(w, known ? "PROPERTY_MADE_REQUIRED" : "REQUIRED_PROPERTY_ADDED",
        known ? `property "${label(name)}" changed from optional to required` : `required property "${label(name)}" added`,
        known ? FIX.madeRequired : FIX.requiredAdded, propPath(nPath, pn, name), propPath(wPath, pw, name), "new");
    else
      report(w, known ? "PROPERTY_MADE_OPTIONAL" : "REQUIRED_PROPERTY_REMOVED",
        known ? `property "${label(name)}" changed from required to optional` : `required property "${label(name)}" removed`,
        known ? FIX.madeOptional : FIX.requiredRemoved, propPath(nPath, pn, name), propPath(wPath, pw, name), known ? "new" : "old");
  }

  // properties only wide declares: narrow either never has them (closed) or allows anything there
  for (const name of Object.keys(pw).sort()) {
    if (name in pn || flagged.has(name)) continue;
    const slot = slotOf(w.narrowRoot, narrow, nPath, name);
    if (slot === false) continue;
    const wp = [...wPath, "properties", name];
    if (slot === true) {
      const r = deref(w.wideRoot, pw[name], wp);
      if (acceptsAll(r.node)) continue;
      if (w.dir === "backward") {
        // A default says the old documents did not carry it: accepted, with a warning (docs: ADDED_WITH_DEFAULT).
        const withDefault = isObj(r.node) && "default" in r.node;
        report(w, "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
          withDefault
            ? `property "${label(name)}" (with a default) added to an open content model; old documents that carried "${name}" with another shape would be rejected`
            : `property "${label(name)}" added to an open content model: old documents could carry any value as "${name}"`,
          withDefault ? FIX.openAddedDefault : FIX.openAdded, nPath, wp, "new", withDefault ? "warning" : "error");
      } else {
        report(w, "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", `property "${label(name)}" removed from an open content model: new documents may carry any value as "${name}"`,
          FIX.openRemoved, nPath, wp, "old");
      }
      continue;
    }
    const found = trial(w, (sub) => covers(sub, slot.schema, slot.path, pw[name], wp));
    if (found.length)
      report(w, ruleFor(w, "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"),
        `property "${label(name)}" ${w.dir === "backward" ? "added" : "removed"}, and its schema does not match what ${slot.path.slice(nPath.length).join(".")} allowed`,
        FIX.partialAdded, slot.path, wp, w.dir === "backward" ? "new" : "old");
  }

  // properties only narrow declares: wide must allow them
  for (const name of Object.keys(pn).sort()) {
    if (name in pw) continue;
    const slot = slotOf(w.wideRoot, wide, wPath, name);
    if (slot === true) continue;
    const np = [...nPath, "properties", name];
    if (slot === false) {
      if (w.dir === "backward")
        report(w, "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", `property "${label(name)}" removed from a closed content model (additionalProperties: false): old documents with "${name}" are rejected`,
          FIX.closedRemoved, np, wPath, "old");
      else
        report(w, "PROPERTY_ADDED_TO_CLOSED_CONTENT_MODEL", `property "${label(name)}" added, but the old content model is closed (additionalProperties: false) and rejects it`,
          FIX.closedAdded, np, wPath, "new");
      continue;
    }
    const found = trial(w, (sub) => covers(sub, pn[name], np, slot.schema, slot.path));
    if (found.length)
      report(w, ruleFor(w, "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"),
        `property "${label(name)}" ${w.dir === "backward" ? "removed" : "added"}, and ${slot.path.slice(wPath.length).join(".")} does not accept its schema`,
        FIX.partialAdded, np, slot.path, w.dir === "backward" ? "old" : "new");
  }

  // properties in both: recurse
  for (const name of Object.keys(pn).sort()) {
    if (name in pw) covers(w, pn[name], [...nPath, "properties", name], pw[name], [...wPath, "properties", name]);
  }

  // the content model itself
  const apN = narrow.additionalProperties;
  const apW = wide.additionalProperties;
  if (apW === undefined || apW === true || acceptsAll(apW)) {
    // open wide model
  } else if (apW === false) {
    if (apN !== false)
      report(w, ruleFor(w, "CONTENT_MODEL_CLOSED", "CONTENT_MODEL_OPENED"),
        w.dir === "backward" ? "additionalProperties changed to false: the model is closed now" : "additionalProperties changed from false: the model is open now",
        w.dir === "backward" ? FIX.narrowed : FIX.widened, apN === undefined ? nPath : [...nPath, "additionalProperties"], [...wPath, "additionalProperties"], "new");
  } else if (apN === false) {
    // narrow closed: never has additional properties
  } else if (apN === undefined || apN === true || acceptsAll(apN)) {
    report(w, ruleFor(w, "ADDITIONAL_PROPERTIES_NARROWED", "ADDITIONAL_PROPERTIES_EXTENDED"),
      w.dir === "backward" ? `additionalProperties restricted to ${show(apW)}` : `additionalProperties relaxed from ${show(apW)}`,
      w.dir === "backward" ? FIX.narrowed : FIX.widened, nPath, [...wPath, "additionalProperties"], "new");
  } else {
    covers(w, apN, [...nPath, "additionalProperties"], apW, [...wPath, "additionalProperties"]);
  }
  if (!deepEqual(narrow.patternProperties, wide.patternProperties))
    report(w, "PATTERN_PROPERTIES_CHANGED", "patternProperties changed (msa compares patternProperties only for equality)", FIX.noneOrBump,
      "patternProperties" in narrow ? [...nPath, "patternProperties"] : nPath, "patternProperties" in wide ? [...wPath, "patternProperties"] : wPath, "new");
}

function coversArray(w: Walk, narrow: Obj, nPath: PathSegment[], wide: Obj, wPath: PathSegment[]): void {
  const itn = narrow.items;
  const itw = wide.items;
  if (Array.isArray(itn) || Array.isArray(itw)) return; // tuples: compared for equality by the caller
  if (itn === undefined && itw === undefined) return;
  covers(w, itn ?? true, itn === undefined ? nPath : [...nPath, "items"], itw ?? true, itw === undefined ? wPath : [...wPath, "items"]);
}
