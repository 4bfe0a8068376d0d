// Schema-evolution compatibility between two JSON Schemas of one event, at the level of Confluent Schema
// Registry's JSON Schema rules (docs/validate-events.md has the table side by side with Confluent's).
//
// A schema is read as the set of JSON documents it accepts (as ajv validates them: `default` is an
// annotation, nothing fills it in).
// backward: the new schema accepts every document the old one accepted (old ⊆ new);
// forward:  the old schema accepts every document the new one accepts (new ⊆ old); full: both.
// Both are one check, `covers(narrow, wide)` ("every document narrow accepts, wide accepts"), run with the
// roles swapped. The check is sound: when it says "compatible", it is (test/unit/compat.property.test.ts
// checks that with ajv on generated schemas and documents); where it cannot prove inclusion it reports
// the change. Rule ids are Confluent's change types wherever Confluent has one, and are named after the
// change old → new; `confluent` is the change type Confluent's own check of that direction reports
// (Confluent runs FORWARD as compare(new, old)), which is what the `lenient` policy looks up.
//
// Recursive schemas: a pair (narrow node, wide node) is compared once and memoised; a pair met again while
// it is being compared is assumed to hold (co-inductively), and results that rest on such an assumption
// are kept only once the assumption is confirmed (Tarjan-style), so recursive schemas compare in
// polynomial time. A step/time guard reports COMPATIBILITY_UNDECIDED (an error, at the pair it was
// comparing) instead of running on.
// Pure: values in, findings out. Paths are JSON paths inside the old/new schema, so callers can map them
// to line:col with positionOf(version.source.loaded, [...version.source.path, ...path]).
import type { PathSegment } from "../load.js";
import type { Compatibility, CompatibilityPolicy } from "../model.js";

export type CompatDirection = "backward" | "forward";
export type { CompatibilityPolicy } from "../model.js";

export interface CompatFinding {
  /** UPPER_SNAKE id of the change old → new (Confluent's change type where it has one). */
  rule: string;
  /** The change type Confluent's check of this direction reports (FORWARD compares new → old). */
  confluent: string;
  /** Which check the change breaks. */
  direction: CompatDirection;
  /**
   * Errors break the declared mode. Warnings do not: Confluent's lenient changes under `policy: lenient`, and
   * (both policies) a property with a default that old documents may lack or carry differently.
   */
  severity: "error" | "warning";
  /** One sentence, old → new, without the event name (callers add it). */
  message: string;
  /** One line on how to fix it, valid for the declared mode (for full: fixes that keep both directions). */
  fix: string;
  /** JSON path of the node concerned inside the old schema (nearest existing node). */
  oldPath: PathSegment[];
  /** JSON path of the node concerned inside the new schema (nearest existing node). */
  newPath: PathSegment[];
  /** Which schema holds the offending node: where a diagnostic should point. */
  at: "old" | "new";
}

export interface CompatOptions {
  policy?: CompatibilityPolicy;
  /** Guard: at most this many node pairs compared per direction (default 200,000). */
  maxSteps?: number;
  /** Guard: at most this long per direction, in ms (default 2,000). */
  maxMs?: number;
}

/**
 * Confluent's change types that its `lenient` policy accepts and `strict` does not (SchemaDiff's
 * COMPATIBLE_CHANGES_LENIENT minus COMPATIBLE_CHANGES_STRICT).
 */
export const LENIENT_CHANGES: ReadonlySet<string> = new Set([
  "ADDITIONAL_PROPERTIES_NARROWED", "ADDITIONAL_PROPERTIES_REMOVED",
  "UNEVALUATED_PROPERTIES_NARROWED", "UNEVALUATED_PROPERTIES_REMOVED",
  "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL",
  "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL",
  "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
]);

type Json = unknown;
type Obj = Record<string, Json>;

const ANNOTATIONS = new Set([
  "title", "description", "default", "examples", "example", "$id", "id", "$schema", "$comment",
  "deprecated", "readOnly", "writeOnly", "definitions", "$defs", "$anchor", "$dynamicAnchor", "contentSchema",
  "contentMediaType", "contentEncoding", "$vocabulary",
]);
const UPPER_BOUNDS = ["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"] as const;
const LOWER_BOUNDS = ["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"] as const;
/** The JSON type a keyword constrains (it says nothing about values of other types). */
const KEYWORD_TYPE: Record<string, string> = {
  maximum: "number", exclusiveMaximum: "number", minimum: "number", exclusiveMinimum: "number", multipleOf: "number",
  maxLength: "string", minLength: "string", pattern: "string", format: "string",
  maxItems: "array", minItems: "array", uniqueItems: "array", maxProperties: "object", minProperties: "object",
};
/** Keywords the comparison models; any other non-annotation keyword is compared for equality. */
const HANDLED = new Set<string>([
  "$ref", "type", "enum", "const", "anyOf", "oneOf", "allOf", "not", "properties", "required", "additionalProperties",
  "patternProperties", "propertyNames", "dependencies", "dependentRequired", "dependentSchemas", "items", "prefixItems",
  "additionalItems", "contains", "minContains", "maxContains", "unevaluatedProperties", "unevaluatedItems",
  "if", "then", "else", "multipleOf", "pattern", "format", "uniqueItems", ...UPPER_BOUNDS, ...LOWER_BOUNDS,
]);

type Mode = Exclude<Compatibility, "none">;

/** Fix hints, by the declared mode: for `full` only fixes that keep both directions (test: compat.hints). */
function hint(kind: string, mode: Mode, name = "the property"): string {
  const q = `"${name}"`;
  const full = mode === "full";
  switch (kind) {
    case "openAdded":
      return full
        ? `give ${q} the schema {} in the new version (under full an open model can gain only unconstrained properties), or publish the new shape as a new event type`
        : `give ${q} the schema {} (the old open model let it carry anything), or close the model with additionalProperties: false in every version, or publish a new event type`;
    case "openAddedDefault":
      return `nothing to do if old producers never sent ${q}; to make it exact, give ${q} the schema {}${full ? "" : " or close the model with additionalProperties: false in every version"}`;
    case "openRemoved":
      return `keep ${q} in the new version (optional is enough)`;
    case "closedRemoved":
      return full ? `keep ${q} in the new version (optional is enough)` : `keep ${q} in the new version (optional is enough), or drop additionalProperties: false from the new version`;
    case "closedAdded":
      return full
        ? `declare ${q} (optional) in the old version too, or publish the new shape as a new event type`
        : `drop additionalProperties: false from the old version, or declare ${q} (optional) in it`;
    case "partial":
      return `give ${q} a schema that accepts exactly what additionalProperties/patternProperties allowed for it`;
    case "requiredAddedOpen":
      return full ? `make ${q} optional and give it the schema {}, or publish a new event type` : `make ${q} optional (a default does not make old documents valid)`;
    case "requiredAdded":
      return `make ${q} optional (a default does not make old documents valid)`;
    case "madeRequired":
      return `keep ${q} optional (a default does not make old documents valid)`;
    case "madeOptional":
      return `keep ${q} required`;
    case "narrowed":
      return full ? "revert this change (under full the accepted values cannot change), or publish a new event type" : "accept at least what the old version accepted (widen the new schema)";
    case "widened":
      return full ? "revert this change (under full the accepted values cannot change), or publish a new event type" : "accept no more than the old version accepted (narrow the new schema)";
    case "undecided":
      return "simplify the schema here (fewer alternatives between recursive types), or split the event";
    default:
      return "revert this change, or publish the new shape as a new event type";
  }
}

/** All findings that break `mode` between two consecutive (or, transitively, any two) versions. Deterministic. */
export function checkCompatibility(oldSchema: Json, newSchema: Json, mode: Compatibility, opts: CompatOptions = {}): CompatFinding[] {
  if (mode === "none") return [];
  const out: CompatFinding[] = [];
  if (mode === "backward" || mode === "full") out.push(...runCheck(oldSchema, newSchema, "backward", mode, opts));
  if (mode === "forward" || mode === "full") out.push(...runCheck(oldSchema, newSchema, "forward", mode, opts));
  const seen = new Set<string>();
  return out.filter((f) => {
    const key = `${f.rule}\0${f.direction}\0${JSON.stringify(f.oldPath)}\0${JSON.stringify(f.newPath)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Does `mode` hold? (warnings do not break it.) */
export const isCompatible = (oldSchema: Json, newSchema: Json, mode: Compatibility, opts: CompatOptions = {}): boolean =>
  checkCompatibility(oldSchema, newSchema, mode, opts).every((f) => f.severity !== "error");

class Undecided extends Error {
  constructor(readonly nPath: PathSegment[], readonly wPath: PathSegment[], readonly why: string) { super(why); }
}

interface Budget { steps: number; maxSteps: number; deadline: number }

interface Walk {
  dir: CompatDirection;
  mode: Mode;
  narrowRoot: Json;
  wideRoot: Json;
  budget: Budget;
  /** Final results by pair key (findings; [] = covered). */
  memo: Map<string, CompatFinding[]>;
  /** Results resting on an in-progress pair's assumption: confirmed or dropped when that pair finishes. */
  tentative: Map<string, { findings: CompatFinding[]; low: number }>;
  tentativeOrder: string[];
  /** Pairs being compared → their depth. */
  stack: Map<string, number>;
  /** Lowest stack depth the current computation assumed (Infinity: none). */
  low: number;
}

function runCheck(oldSchema: Json, newSchema: Json, dir: CompatDirection, mode: Mode, opts: CompatOptions): CompatFinding[] {
  const budget: Budget = { steps: 0, maxSteps: opts.maxSteps ?? 200_000, deadline: Date.now() + (opts.maxMs ?? 2_000) };
  const w = newWalk(dir, mode, dir === "backward" ? oldSchema : newSchema, dir === "backward" ? newSchema : oldSchema, budget);
  let out: CompatFinding[];
  try {
    out = covers(w, w.narrowRoot, [], w.wideRoot, [], 0);
  } catch (caught) {
    // A $ref cycle that never descends into the document (d = allOf [d, ...]) recurses without end: undecided.
    const e = caught instanceof RangeError ? new Undecided([], [], "the schema refers to itself without descending into the document") : caught;
    if (!(e instanceof Undecided)) throw e;
    const [oldPath, newPath] = dir === "backward" ? [e.nPath, e.wPath] : [e.wPath, e.nPath];
    out = [{
      rule: "COMPATIBILITY_UNDECIDED", confluent: "COMPATIBILITY_UNDECIDED", direction: dir, severity: "error",
      message: `could not decide whether ${where(newPath)} stays ${dir} compatible: ${e.why}`,
      fix: hint("undecided", mode), oldPath: [...oldPath], newPath: [...newPath], at: "new",
    }];
  }
  const policy = opts.policy ?? "strict";
  return out.map((f) => (policy === "lenient" && LENIENT_CHANGES.has(f.confluent) ? { ...f, severity: "warning" as const } : f));
}

function newWalk(dir: CompatDirection, mode: Mode, narrowRoot: Json, wideRoot: Json, budget: Budget): Walk {
  return { dir, mode, narrowRoot, wideRoot, budget, memo: new Map(), tentative: new Map(), tentativeOrder: [], stack: new Map(), low: Infinity };
}

/** Picks a value by which side is old: (narrowValue, wideValue) → [oldValue, newValue]. */
function asOldNew<T>(w: Walk, narrowV: T, wideV: T): [T, T] {
  return w.dir === "backward" ? [narrowV, wideV] : [wideV, narrowV];
}

/**
 * A finding. `nw` names the change narrow → wide (what Confluent's compare(narrow, wide) reports), `wn`
 * the change wide → narrow; the rule is the change old → new.
 */
function finding(
  w: Walk, nw: string, wn: string, message: string, fix: string,
  narrowPath: PathSegment[], widePath: PathSegment[], at: "old" | "new",
): CompatFinding {
  const [oldPath, newPath] = asOldNew(w, narrowPath, widePath);
  return { rule: w.dir === "backward" ? nw : wn, confluent: nw, direction: w.dir, severity: "error", message, fix, oldPath: [...oldPath], newPath: [...newPath], at };
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
    else if (s === "items" && typeof p[i + 1] === "number") out += `[${String(p[++i])}]`;
    else if (s === "prefixItems" && i + 1 < p.length) out += `[${String(p[++i])}]`;
    else if (s === "items" || s === "additionalItems") out += "[]";
    else if (s === "additionalProperties") out += `${out ? "." : ""}*`;
    else if ((s === "anyOf" || s === "oneOf" || s === "allOf") && i + 1 < p.length) out += `(${s}[${String(p[++i])}])`;
  }
  return out || "the payload";
}
const newWhere = (w: Walk, nPath: PathSegment[], wPath: PathSegment[]): string => where(asOldNew(w, nPath, wPath)[1]);

// ---------------------------------------------------------------------------------------------------------
// Nodes: $ref resolution, $ref with siblings, identity for memo keys

const ids = new WeakMap<object, number>();
let nextId = 1;
const idOf = (v: Json): string => {
  if (!v || typeof v !== "object") return JSON.stringify(v) ?? "u";
  let id = ids.get(v);
  if (id === undefined) ids.set(v, (id = nextId++));
  return `#${id}`;
};

function resolvePointer(root: Json, ref: string): { node: Json; path: PathSegment[] } | undefined {
  if (ref !== "#" && !ref.startsWith("#/")) return undefined; // remote, or an anchor (#name): compared by text
  const segs = ref === "#" ? [] : ref.slice(2).split("/").map((s) => decodeURIComponent(s).replace(/~1/g, "/").replace(/~0/g, "~"));
  let target: Json = root;
  for (const s of segs) target = isObj(target) ? target[s] : Array.isArray(target) ? target[Number(s)] : undefined;
  return target === undefined ? undefined : { node: target, path: segs };
}

const siblingCache = new WeakMap<object, Obj>();
/**
 * Resolves local `$ref`s (#/definitions/x, #/$defs/x) against the schema's own root. A `$ref` with other
 * (non-annotation) keywords beside it is read as allOf [target, the siblings], as ajv (and 2019-09+) applies
 * them; the result keeps the referring node's path.
 */
function deref(root: Json, node: Json, path: PathSegment[]): { node: Json; path: PathSegment[] } {
  for (let i = 0; i < 64 && isObj(node) && typeof node.$ref === "string"; i++) {
    const target = resolvePointer(root, node.$ref);
    if (!target) break;
    const cur: Obj = node;
    const siblings = Object.keys(cur).filter((k) => k !== "$ref" && !ANNOTATIONS.has(k) && !k.startsWith("x-"));
    if (siblings.length) {
      let conj = siblingCache.get(cur);
      if (!conj) {
        const uneval = ["unevaluatedProperties", "unevaluatedItems"];
        const rest = Object.fromEntries(siblings.filter((k) => !uneval.includes(k)).map((k) => [k, cur[k]]));
        conj = { allOf: [{ $ref: cur.$ref }, rest] };
        for (const k of uneval) if (k in cur) conj[k] = cur[k];
        siblingCache.set(cur, conj);
      }
      return { node: conj, path };
    }
    node = target.node;
    path = target.path;
  }
  return { node, path };
}

/** Accepts every JSON value: true, {}, or only annotations. */
function acceptsAll(s: Json): boolean {
  if (s === true || s === undefined) return true;
  if (!isObj(s)) return false;
  return Object.keys(s).every((k) => ANNOTATIONS.has(k) || k.startsWith("x-"));
}
const rejectsAll = (root: Json, s: Json, path: PathSegment[] = []): boolean => deref(root, s, path).node === false;

function typesOf(s: Obj): Set<string> | null {
  if (typeof s.type === "string") return new Set([s.type]);
  if (Array.isArray(s.type)) return new Set(s.type.filter((t): t is string => typeof t === "string"));
  return null;
}
const typeCovered = (t: string, wide: Set<string>): boolean => wide.has(t) || (t === "integer" && wide.has("number"));
const typeOverlaps = (t: string, other: Set<string>): boolean =>
  other.has(t) || (t === "integer" && other.has("number")) || (t === "number" && other.has("integer"));
/** Can a document of JSON type `t` satisfy the schema's `type` (and enum)? */
function admits(s: Obj, t: string): boolean {
  const ts = typesOf(s);
  if (ts && !typeOverlaps(t, ts)) return false;
  const en = enumOf(s);
  if (en && !en.some((v) => jsonType(v) === t || (t === "number" && jsonType(v) === "integer"))) return false;
  return true;
}
function jsonType(v: Json): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

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

// ---------------------------------------------------------------------------------------------------------
// The memoised pair comparison

/** Why `narrow` may accept a document `wide` rejects ([] = it cannot). Subschemas of narrowRoot/wideRoot. */
function covers(w: Walk, narrowIn: Json, nPathIn: PathSegment[], wideIn: Json, wPathIn: PathSegment[], depth: number): CompatFinding[] {
  const { node: narrowNode, path: nPath } = deref(w.narrowRoot, narrowIn, nPathIn);
  const { node: wideNode, path: wPath } = deref(w.wideRoot, wideIn, wPathIn);
  if (acceptsAll(wideNode) || narrowNode === false) return [];
  if (narrowNode === wideNode ? w.narrowRoot === w.wideRoot || refFree(narrowNode) : refFree(narrowNode) && deepEqual(narrowNode, wideNode)) return [];
  // By identity: a node means the same wherever it is reached from (paths only place the findings; a $ref
  // with siblings reached through recursion has ever longer paths, but the same node).
  const key = `${idOf(narrowNode)}|${idOf(wideNode)}`;
  const done = w.memo.get(key);
  if (done) return done;
  const onStack = w.stack.get(key);
  if (onStack !== undefined) { // recursion: assume it holds, and remember that we did
    w.low = Math.min(w.low, onStack);
    return [];
  }
  const t = w.tentative.get(key);
  if (t) {
    w.low = Math.min(w.low, t.low);
    return t.findings;
  }
  if (++w.budget.steps > w.budget.maxSteps) throw new Undecided(nPath, wPath, `more than ${w.budget.maxSteps} schema pairs to compare`);
  if ((w.budget.steps & 255) === 0 && Date.now() > w.budget.deadline) throw new Undecided(nPath, wPath, "the comparison ran out of time");

  const outerLow = w.low;
  w.low = Infinity;
  w.stack.set(key, depth);
  const mark = w.tentativeOrder.length;
  const findings = coversNode(w, narrowNode, nPath, wideNode, wPath, depth + 1);
  w.stack.delete(key);
  const low = w.low;
  w.low = Math.min(outerLow, low);
  if (low >= depth) {
    // The root of what it assumed: a clean result confirms everything computed under its assumption; findings drop them.
    const confirmed = findings.length === 0;
    for (const k of w.tentativeOrder.splice(mark)) {
      const e = w.tentative.get(k);
      w.tentative.delete(k);
      if (e && confirmed) w.memo.set(k, e.findings);
    }
    w.memo.set(key, findings);
  } else if (findings.length) {
    w.memo.set(key, findings); // findings are real whatever was assumed
  } else {
    w.tentative.set(key, { findings, low });
    w.tentativeOrder.push(key);
  }
  return findings;
}

const refFreeCache = new WeakMap<object, boolean>();
/** No $ref inside: equal such nodes accept the same documents whatever their roots. */
function refFree(v: Json): boolean {
  if (!v || typeof v !== "object") return true;
  let r = refFreeCache.get(v);
  if (r === undefined) {
    const text = JSON.stringify(v); // once for both words (issue #24: ~500 version pairs in a validate)
    refFreeCache.set(v, (r = !text.includes('"$ref"') && !text.includes('"$dynamicRef"')));
  }
  return r;
}

/** Runs a comparison whose findings the caller may discard (branch trials): same memo, same guard. */
const trial = (w: Walk, n: Json, nPath: PathSegment[], x: Json, xPath: PathSegment[], depth: number): CompatFinding[] =>
  covers(w, n, nPath, x, xPath, depth);

/** The same comparison with the roles swapped (for `not`): wide ⊆ narrow. */
function reversed(w: Walk, wideNode: Json, wPath: PathSegment[], narrowNode: Json, nPath: PathSegment[]): CompatFinding[] {
  const r = newWalk(w.dir, w.mode, w.wideRoot, w.narrowRoot, w.budget);
  return covers(r, wideNode, wPath, narrowNode, nPath, 0);
}

function coversNode(w: Walk, narrowNode: Json, nPath: PathSegment[], wideNode: Json, wPath: PathSegment[], depth: number): CompatFinding[] {
  if (wideNode === false) {
    return [finding(w, "SCHEMA_CHANGED_TO_FALSE", "SCHEMA_CHANGED_FROM_FALSE",
      w.dir === "backward" ? `${where(wPath)} now accepts nothing` : `${where(nPath)} accepted nothing before and now accepts values`,
      hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), nPath, wPath, "new")];
  }
  const narrow: Obj = narrowNode === true || narrowNode === undefined ? {} : isObj(narrowNode) ? narrowNode : {};
  const wide: Obj = isObj(wideNode) ? wideNode : {};

  // Unresolvable (remote) references are compared by their text.
  if (typeof narrow.$ref === "string" || typeof wide.$ref === "string") {
    if (narrow.$ref === wide.$ref && deepEqual(narrow, wide)) return [];
    const [o, n] = asOldNew(w, narrow.$ref, wide.$ref);
    return [finding(w, "REFERENCE_CHANGED", "REFERENCE_CHANGED", `${newWhere(w, nPath, wPath)}: $ref changed from ${show(o)} to ${show(n)} (only local references are compared)`,
      hint("changed", w.mode), nPath, wPath, "new")];
  }

  // wide ∩ its allOf: narrow must be inside each conjunct
  if (Array.isArray(wide.allOf)) {
    const rest = without(wide, ["allOf"]);
    const out = covers(w, narrowNode, nPath, rest, wPath, depth);
    wide.allOf.forEach((c, i) => out.push(...covers(w, narrowNode, nPath, c, [...wPath, "allOf", i], depth)));
    return out;
  }
  // narrow ∩ its allOf: one conjunct inside wide is enough, or the conjuncts merged (an over-approximation of narrow)
  if (Array.isArray(narrow.allOf)) {
    const parts: { node: Json; path: PathSegment[] }[] = [
      { node: without(narrow, ["allOf", "unevaluatedProperties", "unevaluatedItems"]), path: nPath },
      ...narrow.allOf.map((c, i) => deref(w.narrowRoot, c, [...nPath, "allOf", i])),
    ];
    const merged = mergeConjuncts(w, parts[0]!.node as Obj, parts.map((p) => p.node));
    const viaMerge = covers(w, merged, nPath, wideNode, wPath, depth);
    if (!viaMerge.length) return [];
    for (const p of parts) if (!covers(w, p.node, p.path, wideNode, wPath, depth).length) return [];
    return viaMerge;
  }

  // wide with both anyOf and oneOf: both apply
  if (Array.isArray(wide.anyOf) && Array.isArray(wide.oneOf))
    return [...covers(w, narrowNode, nPath, without(wide, ["oneOf"]), wPath, depth), ...covers(w, narrowNode, nPath, without(wide, ["anyOf"]), wPath, depth)];

  // narrow with several types against alternatives: each type on its own
  const tn0 = typesOf(narrow);
  if (tn0 && tn0.size > 1 && branchesOf(wide)) {
    const out: CompatFinding[] = [];
    for (const t of [...tn0].sort()) out.push(...covers(w, splitType(narrow, t), nPath, wideNode, wPath, depth));
    return out;
  }

  if (branchesOf(narrow) || branchesOf(wide)) return coversBranches(w, narrow, nPath, wide, wPath, depth);

  const out: CompatFinding[] = [];
  // type
  const tn = typesOf(narrow);
  const tw = typesOf(wide);
  if (tw) {
    if (!tn) {
      const en = enumOf(narrow);
      if (!en || en.some((v) => !typeCovered(jsonType(v), tw)))
        out.push(finding(w, "TYPE_NARROWED", "TYPE_EXTENDED",
          w.dir === "backward" ? `${where(wPath)}: type ${show(wide.type)} added where any type was accepted` : `${where(nPath)}: type ${show(wide.type)} removed, any type is now accepted`,
          hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), nPath, wPath, "new"));
    } else {
      const missing = [...tn].filter((t) => !typeCovered(t, tw) && !(t === "number" && tw.has("integer") && isIntegral(narrow)));
      if (missing.length) {
        const [o, n] = asOldNew(w, narrow.type, wide.type);
        const overlap = [...tn].some((t) => typeOverlaps(t, tw));
        if (!overlap)
          return [finding(w, "TYPE_CHANGED", "TYPE_CHANGED", `${newWhere(w, nPath, wPath)}: type changed from ${show(o)} to ${show(n)}`, hint("changed", w.mode), nPath, wPath, "new")];
        out.push(finding(w, "TYPE_NARROWED", "TYPE_EXTENDED", `${newWhere(w, nPath, wPath)}: type ${w.dir === "backward" ? "narrowed" : "widened"} from ${show(o)} to ${show(n)}`,
          hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), nPath, wPath, "new"));
      }
    }
  }

  // enum / const (a wide side with both: each applies)
  const en = enumOf(narrow);
  for (const kw of ["const", "enum"] as const) {
    if (!(kw in wide) || (kw === "enum" && !Array.isArray(wide.enum))) continue;
    const ew = kw === "const" ? [wide.const] : (wide.enum as Json[]);
    if (!en) {
      out.push(finding(w, "ENUM_ARRAY_NARROWED", "ENUM_ARRAY_EXTENDED",
        w.dir === "backward" ? `${where(wPath)}: ${kw} ${show(wide[kw])} added` : `${where(nPath)}: ${kw} ${show(wide[kw])} removed`,
        hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), nPath, [...wPath, kw], "new"));
    } else {
      const missing = en.filter((v) => !ew.some((x) => deepEqual(x, v)));
      const extra = ew.filter((v) => !en.some((x) => deepEqual(x, v)));
      if (missing.length) {
        const [removed, added] = asOldNew(w, missing, extra);
        const parts = [removed.length ? `removed ${removed.map(show).join(", ")}` : "", added.length ? `added ${added.map(show).join(", ")}` : ""].filter(Boolean);
        out.push(finding(w, extra.length ? "ENUM_ARRAY_CHANGED" : "ENUM_ARRAY_NARROWED", extra.length ? "ENUM_ARRAY_CHANGED" : "ENUM_ARRAY_EXTENDED",
          `${newWhere(w, nPath, wPath)}: enum ${parts.join(" and ")}`,
          extra.length ? hint("changed", w.mode) : hint(w.dir === "backward" ? "narrowed" : "widened", w.mode),
          [...nPath, "const" in narrow ? "const" : "enum"], [...wPath, kw], "new"));
      }
    }
  }

  // value keywords: only where narrow can hold a value of the type they constrain
  const can = (kw: string): boolean => admits(narrow, KEYWORD_TYPE[kw] ?? "object");
  for (const kw of UPPER_BOUNDS) if (can(kw)) out.push(...bound(w, narrow, nPath, wide, wPath, kw, "upper"));
  for (const kw of LOWER_BOUNDS) if (can(kw)) out.push(...bound(w, narrow, nPath, wide, wPath, kw, "lower"));
  if (typeof wide.multipleOf === "number" && can("multipleOf")) {
    const a = narrow.multipleOf;
    if (typeof a !== "number") {
      out.push(finding(w, "MULTIPLE_OF_ADDED", "MULTIPLE_OF_REMOVED", `${newWhere(w, nPath, wPath)}: multipleOf ${wide.multipleOf} ${w.dir === "backward" ? "added" : "removed"}`,
        hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), nPath, [...wPath, "multipleOf"], "new"));
    } else {
      const q = a / wide.multipleOf;
      if (Math.abs(q - Math.round(q)) > 1e-9) {
        const expanded = Math.abs(wide.multipleOf / a - Math.round(wide.multipleOf / a)) < 1e-9; // wide's a multiple of narrow's
        out.push(finding(w, expanded ? "MULTIPLE_OF_EXPANDED" : "MULTIPLE_OF_CHANGED", expanded ? "MULTIPLE_OF_REDUCED" : "MULTIPLE_OF_CHANGED",
          `${newWhere(w, nPath, wPath)}: multipleOf changed from ${asOldNew(w, a, wide.multipleOf).join(" to ")}`,
          hint(expanded ? (w.dir === "backward" ? "narrowed" : "widened") : "changed", w.mode), [...nPath, "multipleOf"], [...wPath, "multipleOf"], "new"));
      }
    }
  }
  for (const kw of ["pattern", "format"] as const) {
    if (wide[kw] === undefined || !can(kw) || narrow[kw] === wide[kw]) continue;
    const K = upperSnake(kw);
    if (narrow[kw] === undefined)
      out.push(finding(w, `${K}_ADDED`, `${K}_REMOVED`, `${newWhere(w, nPath, wPath)}: ${kw} ${show(wide[kw])} ${w.dir === "backward" ? "added" : "removed"}`,
        hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), nPath, [...wPath, kw], "new"));
    else {
      const [o, n] = asOldNew(w, narrow[kw], wide[kw]);
      out.push(finding(w, `${K}_CHANGED`, `${K}_CHANGED`, `${newWhere(w, nPath, wPath)}: ${kw} changed from ${show(o)} to ${show(n)}`, hint("changed", w.mode), [...nPath, kw], [...wPath, kw], "new"));
    }
  }
  if (wide.uniqueItems === true && narrow.uniqueItems !== true && can("uniqueItems") && !(typeof narrow.maxItems === "number" && narrow.maxItems <= 1))
    out.push(finding(w, "UNIQUE_ITEMS_ADDED", "UNIQUE_ITEMS_REMOVED", `${newWhere(w, nPath, wPath)}: uniqueItems ${w.dir === "backward" ? "added" : "removed"}`,
      hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), nPath, [...wPath, "uniqueItems"], "new"));

  // not: not(A) ⊆ not(B) iff B ⊆ A; otherwise narrow must be disjoint from wide's not
  if (wide.not !== undefined) {
    const wn = deref(w.wideRoot, wide.not, [...wPath, "not"]);
    let ok = false;
    if (narrow.not !== undefined) ok = !reversed(w, wn.node, wn.path, narrow.not, [...nPath, "not"]).length;
    if (!ok) ok = disjoint(w.narrowRoot, narrow, w.wideRoot, wn.node);
    if (!ok)
      out.push(finding(w, "NOT_TYPE_EXTENDED", "NOT_TYPE_NARROWED", `${newWhere(w, nPath, wPath)}: "not" ${w.dir === "backward" ? "now excludes" : "no longer excludes"} values the ${w.dir === "backward" ? "old" : "new"} schema accepts`,
        hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), narrow.not !== undefined ? [...nPath, "not"] : nPath, [...wPath, "not"], "new"));
  }

  // if/then/else on the wide side: the same condition with inner branches, or narrow inside both branches
  if (wide.if !== undefined && (wide.then !== undefined || wide.else !== undefined)) {
    const sameIf = narrow.if !== undefined && deepEqual(narrow.if, wide.if);
    for (const kw of ["then", "else"] as const) {
      if (wide[kw] === undefined) continue;
      const direct = sameIf ? covers(w, narrow[kw] ?? true, narrow[kw] !== undefined ? [...nPath, kw] : nPath, wide[kw], [...wPath, kw], depth) : ["x"];
      if (!direct.length) continue;
      out.push(...covers(w, narrow, nPath, wide[kw], [...wPath, kw], depth));
    }
  }

  if (admits(narrow, "object")) out.push(...coversObject(w, narrow, nPath, wide, wPath, depth));
  if (admits(narrow, "array")) out.push(...coversArray(w, narrow, nPath, wide, wPath, depth));

  // Anything else the wide side constrains is compared for equality (reported rather than guessed at).
  for (const k of Object.keys(wide).sort()) {
    if (HANDLED.has(k) || ANNOTATIONS.has(k) || k.startsWith("x-")) continue;
    if (!deepEqual(narrow[k], wide[k]))
      out.push(finding(w, "KEYWORD_CHANGED", "KEYWORD_CHANGED", `${newWhere(w, nPath, wPath)}: ${k} changed (msa compares "${k}" only for equality)`,
        hint("changed", w.mode), k in narrow ? [...nPath, k] : nPath, [...wPath, k], "new"));
  }
  return out;
}

const isIntegral = (s: Obj): boolean => typeof s.multipleOf === "number" && Number.isInteger(s.multipleOf);

const withoutCache = new WeakMap<object, Map<string, Obj>>();
/** The schema without some keywords (the same object for the same input, so memo keys hold). */
function without(s: Obj, keys: string[]): Obj {
  let m = withoutCache.get(s);
  if (!m) withoutCache.set(s, (m = new Map()));
  const k = keys.join(",");
  let out = m.get(k);
  if (!out) {
    out = {};
    for (const [kw, v] of Object.entries(s)) if (!keys.includes(kw)) out[kw] = v;
    m.set(k, out);
  }
  return out;
}
const splitCache = new WeakMap<object, Map<string, Obj>>();
function splitType(s: Obj, t: string): Obj {
  let m = splitCache.get(s);
  if (!m) splitCache.set(s, (m = new Map()));
  let r = m.get(t);
  if (!r) m.set(t, (r = { ...s, type: t }));
  return r;
}

/**
 * allOf conjuncts merged into one schema that accepts at least what their intersection accepts (keywords
 * that do not merge simply are dropped, which only widens it, so comparing the merge stays sound).
 */
const mergeCache = new WeakMap<object, Obj>();
function mergeConjuncts(w: Walk, owner: Obj, parts: Json[]): Json {
  const cached = mergeCache.get(owner);
  if (cached) return cached;
  mergeCache.set(owner, {}); // a conjunct that refers back to this one (an unguarded cycle) merges as {}: wider, so still sound
  if (parts.some((p) => p === false)) return false;
  const objs = parts.filter(isObj).map((p) => (Array.isArray(p.allOf) ? mergeConjuncts(w, p, [without(p, ["allOf"]), ...p.allOf.map((c) => deref(w.narrowRoot, c, []).node)]) : p)).filter(isObj);
  const out: Obj = {};
  const dropped = new Set<string>();
  for (const p of objs) {
    for (const [k, v] of Object.entries(p)) {
      if (!(k in out)) { out[k] = v; continue; }
      const cur = out[k];
      if (deepEqual(cur, v)) continue;
      if (k === "properties" && isObj(cur) && isObj(v)) {
        const props: Obj = { ...cur };
        for (const [n, s] of Object.entries(v)) props[n] = n in props ? { allOf: [props[n], s] } : s;
        out[k] = props;
      } else if (k === "required" && Array.isArray(cur) && Array.isArray(v)) out[k] = [...new Set([...cur, ...v])];
      else if (k === "type") {
        const a = typesOf(out) ?? new Set<string>();
        const b = typesOf(p) ?? new Set<string>();
        const both = [...a].filter((t) => b.has(t) || (t === "integer" && b.has("number"))).concat([...b].filter((t) => t === "integer" && a.has("number")));
        out[k] = [...new Set(both)];
      } else if ((LOWER_BOUNDS as readonly string[]).includes(k) && typeof cur === "number" && typeof v === "number") out[k] = Math.max(cur, v);
      else if ((UPPER_BOUNDS as readonly string[]).includes(k) && typeof cur === "number" && typeof v === "number") out[k] = Math.min(cur, v);
      else if (k === "enum" && Array.isArray(cur) && Array.isArray(v)) out[k] = cur.filter((x) => v.some((y) => deepEqual(x, y)));
      else if (k === "patternProperties" && isObj(cur) && isObj(v)) {
        // a union of the patterns (a name matching one is exempt from additionalProperties in its conjunct): wider
        const pp: Obj = { ...cur };
        for (const [re, sch] of Object.entries(v)) pp[re] = re in pp ? { allOf: [pp[re], sch] } : sch;
        out[k] = pp;
      } else if ((k === "items" && !Array.isArray(cur) && !Array.isArray(v)) || k === "additionalProperties") out[k] = { allOf: [cur, v] };
      else if (k === "prefixItems") {
        // without the tuples, 2020-12's items would apply from the first position: drop the rest too (wider)
        delete out[k];
        dropped.add("items").add("unevaluatedItems");
      } else delete out[k]; // dropped (not, tuples, additionalItems, conflicting consts, …): widens
    }
  }
  for (const k of dropped) delete out[k];
  mergeCache.set(owner, out);
  return out;
}

function bound(w: Walk, narrow: Obj, nPath: PathSegment[], wide: Obj, wPath: PathSegment[], kw: string, side: "upper" | "lower"): CompatFinding[] {
  const b = wide[kw];
  if (typeof b !== "number") return [];
  const K = upperSnake(kw);
  // exclusive and inclusive bounds of the same side are interchangeable where they imply each other
  const pair = kw === "maximum" ? "exclusiveMaximum" : kw === "exclusiveMaximum" ? "maximum" : kw === "minimum" ? "exclusiveMinimum" : kw === "exclusiveMinimum" ? "minimum" : undefined;
  const a = narrow[kw];
  const other = pair ? narrow[pair] : undefined;
  const within = (v: number, strict: boolean): boolean => {
    if (side === "upper") return kw.startsWith("exclusive") ? (strict ? v <= b : v < b) : v <= b;
    return kw.startsWith("exclusive") ? (strict ? v >= b : v > b) : v >= b;
  };
  if (typeof a === "number" && within(a, kw.startsWith("exclusive"))) return [];
  if (typeof other === "number" && within(other, !kw.startsWith("exclusive"))) return [];
  if (typeof a !== "number") {
    return [finding(w, `${K}_ADDED`, `${K}_REMOVED`, `${newWhere(w, nPath, wPath)}: ${kw} ${b} ${w.dir === "backward" ? "added" : "removed"}`,
      hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), nPath, [...wPath, kw], "new")];
  }
  const [o, n] = asOldNew(w, a, b);
  const up = n > o;
  return [finding(w, `${K}_${side === "upper" ? "DECREASED" : "INCREASED"}`, `${K}_${side === "upper" ? "INCREASED" : "DECREASED"}`,
    `${newWhere(w, nPath, wPath)}: ${kw} ${up ? "increased" : "decreased"} from ${o} to ${n}`,
    hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), [...nPath, kw], [...wPath, kw], "new")];
}

// ---------------------------------------------------------------------------------------------------------
// anyOf / oneOf

function branchesOf(s: Obj): { kw: "anyOf" | "oneOf"; list: Json[] } | null {
  if (Array.isArray(s.anyOf)) return { kw: "anyOf", list: s.anyOf };
  if (Array.isArray(s.oneOf)) return { kw: "oneOf", list: s.oneOf };
  return null;
}

const branchCache = new WeakMap<object, Map<number, { node: Json; path: PathSegment[] }>>();
/** A branch with the keywords beside anyOf/oneOf merged in (both apply: allOf [base, branch]). */
function branchAt(root: Json, base: Obj, kw: string, i: number, list: Json[], path: PathSegment[]): { node: Json; path: PathSegment[] } {
  let m = branchCache.get(base);
  if (!m) branchCache.set(base, (m = new Map()));
  const hit = m.get(i);
  if (hit) return hit;
  const r = deref(root, list[i], [...path, kw, i]);
  const rest = without(base, ["anyOf", "oneOf"]);
  const restHasConstraints = !acceptsAll(rest);
  const out = restHasConstraints ? { node: { allOf: [rest, list[i]] } as Json, path: [...path, kw, i] } : r;
  m.set(i, out);
  return out;
}

/**
 * Every narrow branch must fit in some wide branch (adding a branch widens, removing narrows). A wide
 * oneOf accepts a document only when exactly one branch does, so it is read as anyOf only when its
 * branches exclude each other (distinct types, consts, or a required discriminator).
 */
function coversBranches(w: Walk, narrow: Obj, nPath: PathSegment[], wide: Obj, wPath: PathSegment[], depth: number): CompatFinding[] {
  const bn = branchesOf(narrow);
  const bw = branchesOf(wide);
  const nList = bn ? bn.list.map((_, i) => branchAt(w.narrowRoot, narrow, bn.kw, i, bn.list, nPath)) : [{ node: narrow as Json, path: nPath }];
  const wList = bw ? bw.list.map((_, i) => branchAt(w.wideRoot, wide, bw.kw, i, bw.list, wPath)) : [{ node: wide as Json, path: wPath }];
  const out: CompatFinding[] = [];
  if (bw?.kw === "oneOf" && wList.length > 1 && !pairwiseDisjoint(w.wideRoot, wide, wList.map((x) => x.node))) {
    if (!(bn?.kw === "oneOf" && deepEqual(narrow, wide)))
      out.push(finding(w, "COMBINED_TYPE_SUBSCHEMAS_CHANGED", "COMBINED_TYPE_SUBSCHEMAS_CHANGED",
        `${newWhere(w, nPath, wPath)}: the ${w.dir === "backward" ? "new" : "old"} oneOf's branches may overlap, so a value matching two of them is rejected; msa cannot prove the change safe`,
        hint("changed", w.mode), nPath, [...wPath, "oneOf"], "new"));
    return out;
  }
  for (const n of nList) {
    if (!bn && wList.length === 1) { out.push(...trial(w, n.node, n.path, wList[0]!.node, wList[0]!.path, depth)); continue; } // its findings say exactly what changed
    if (rejectsAll(w.narrowRoot, n.node)) continue;
    // a wide branch disjoint from this narrow branch cannot hold its documents: try only the others
    const candidates = wList.filter((x) => !disjointCached(w.narrowRoot, n.node, w.wideRoot, x.node));
    let best: CompatFinding[] | undefined;
    for (const x of candidates) {
      const found = trial(w, n.node, n.path, x.node, x.path, depth);
      if (!found.length) { best = []; break; }
      if (!best || found.length < best.length) best = found;
    }
    if (best && !best.length) continue;
    // one wide branch it can match at all (a discriminated union): that branch's findings say what changed
    if (candidates.length === 1 && best) { out.push(...best); continue; }
    const kwN = bn?.kw ?? "schema";
    const kwW = bw?.kw ?? "schema";
    out.push(finding(w, bw ? "SUM_TYPE_NARROWED" : "COMBINED_TYPE_CHANGED", bn ? "SUM_TYPE_EXTENDED" : "COMBINED_TYPE_CHANGED",
      w.dir === "backward"
        ? `${where(wPath)}: ${bn ? `a branch of the old ${kwN}` : "the old schema"} (${show(n.node)}) is not accepted by ${bw ? `any branch of the new ${kwW}` : "the new schema"}`
        : `${where(nPath)}: ${bn ? `the new ${kwN} branch` : "the new schema"} ${show(n.node)} is not accepted by ${bw ? `any branch of the old ${kwW}` : "the old schema"}`,
      hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), n.path, wPath, "new"));
  }
  return out;
}

const disjointCache = new WeakMap<object, boolean>();
const disjointPairs = new WeakMap<object, WeakMap<object, boolean>>();
function disjointCached(rootA: Json, a: Json, rootB: Json, b: Json): boolean {
  if (!isObj(a) || !isObj(b)) return disjoint(rootA, a, rootB, b);
  let m = disjointPairs.get(a);
  if (!m) disjointPairs.set(a, (m = new WeakMap()));
  let r = m.get(b);
  if (r === undefined) m.set(b, (r = disjoint(rootA, a, rootB, b)));
  return r;
}
function pairwiseDisjoint(root: Json, owner: Obj, nodes: Json[]): boolean {
  const hit = disjointCache.get(owner);
  if (hit !== undefined) return hit;
  let ok = true;
  for (let i = 0; ok && i < nodes.length; i++) for (let j = i + 1; ok && j < nodes.length; j++) if (!disjoint(root, nodes[i], root, nodes[j])) ok = false;
  disjointCache.set(owner, ok);
  return ok;
}

/** Provably no document matches both (false when unsure). */
function disjoint(rootA: Json, aIn: Json, rootB: Json, bIn: Json, depth = 0): boolean {
  const a = deref(rootA, aIn, []).node;
  const b = deref(rootB, bIn, []).node;
  if (a === false || b === false) return true;
  if (!isObj(a) || !isObj(b) || depth > 8) return false;
  if (Array.isArray(a.allOf) && a.allOf.some((c) => disjoint(rootA, c, rootB, b, depth + 1))) return true;
  if (Array.isArray(b.allOf) && b.allOf.some((c) => disjoint(rootA, a, rootB, c, depth + 1))) return true;
  const ba = branchesOf(a);
  if (ba) return ba.list.every((c) => disjoint(rootA, c, rootB, b, depth + 1)) || disjointFlat(rootA, a, rootB, b, depth);
  const bb = branchesOf(b);
  if (bb) return bb.list.every((c) => disjoint(rootA, a, rootB, c, depth + 1)) || disjointFlat(rootA, a, rootB, b, depth);
  return disjointFlat(rootA, a, rootB, b, depth);
}
function disjointFlat(rootA: Json, a: Obj, rootB: Json, b: Obj, depth: number): boolean {
  const ta = typesOf(a);
  const tb = typesOf(b);
  if (ta && tb && ![...ta].some((t) => typeOverlaps(t, tb))) return true;
  const ea = enumOf(a);
  const eb = enumOf(b);
  if (ea && eb && !ea.some((x) => eb.some((y) => deepEqual(x, y)))) return true;
  if (ea && tb && ea.every((v) => !typeCovered(jsonType(v), tb))) return true;
  if (eb && ta && eb.every((v) => !typeCovered(jsonType(v), ta))) return true;
  // objects: a property required by both whose values cannot agree (a discriminator)
  const ra = Array.isArray(a.required) ? a.required.map(String) : [];
  const rb = new Set(Array.isArray(b.required) ? b.required.map(String) : []);
  const pa = isObj(a.properties) ? a.properties : {};
  const pb = isObj(b.properties) ? b.properties : {};
  const bothObjects = (ta ? ta.has("object") : true) && (tb ? tb.has("object") : true);
  if (bothObjects && (ta?.size === 1 || tb?.size === 1 || (ta && tb))) {
    for (const name of ra) if (rb.has(name) && name in pa && name in pb && disjoint(rootA, pa[name], rootB, pb[name], depth + 1)) return true;
    // a closed model that forbids a property the other requires
    const forbids = (s: Obj, props: Obj, name: string): boolean =>
      props[name] === false || (!(name in props) && s.additionalProperties === false && !isObj(s.patternProperties));
    if (ra.some((n) => forbids(b, pb, n)) || [...rb].some((n) => forbids(a, pa, n))) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------
// Objects

/** additionalProperties, or unevaluatedProperties where it means the same (no in-place applicators beside it). */
function additionalOf(s: Obj): Json {
  if (s.additionalProperties !== undefined) return s.additionalProperties;
  if (s.unevaluatedProperties !== undefined && !hasInPlaceApplicators(s)) return s.unevaluatedProperties;
  return undefined;
}
const hasInPlaceApplicators = (s: Obj): boolean =>
  ["allOf", "anyOf", "oneOf", "$ref", "$dynamicRef", "if", "then", "else", "dependentSchemas", "dependencies", "not"].some((k) => k in s);

const patternCache = new Map<string, RegExp | null>();
function matches(re: string, name: string): boolean {
  let r = patternCache.get(re);
  if (r === undefined) {
    try { r = new RegExp(re, "u"); } catch { r = null; }
    patternCache.set(re, r);
  }
  return r ? r.test(name) : true; // an invalid pattern: assume it may match (keeps the check sound)
}

/**
 * The schemas a value of property `name` must satisfy when `name` is not in `properties`: the matching
 * patternProperties, or else additionalProperties. [] = anything.
 */
function slotsOf(s: Obj, path: PathSegment[], name: string): { schema: Json; path: PathSegment[] }[] {
  const out: { schema: Json; path: PathSegment[] }[] = [];
  if (isObj(s.patternProperties))
    for (const re of Object.keys(s.patternProperties).sort()) if (matches(re, name)) out.push({ schema: s.patternProperties[re], path: [...path, "patternProperties", re] });
  if (out.length) return out;
  const ap = additionalOf(s);
  if (ap === undefined || acceptsAll(ap)) return [];
  return [{ schema: ap, path: [...path, s.additionalProperties !== undefined ? "additionalProperties" : "unevaluatedProperties"] }];
}
/** The patternProperties that also apply to a declared property. */
const patternsFor = (s: Obj, path: PathSegment[], name: string): { schema: Json; path: PathSegment[] }[] =>
  isObj(s.patternProperties)
    ? Object.keys(s.patternProperties).sort().filter((re) => matches(re, name)).map((re) => ({ schema: (s.patternProperties as Obj)[re], path: [...path, "patternProperties", re] }))
    : [];

const isObjectSchema = (s: Obj): boolean =>
  ["properties", "required", "additionalProperties", "patternProperties", "unevaluatedProperties", "dependencies", "dependentRequired", "dependentSchemas", "propertyNames"].some((k) => k in s);

function coversObject(w: Walk, narrow: Obj, nPath: PathSegment[], wide: Obj, wPath: PathSegment[], depth: number): CompatFinding[] {
  if (!isObjectSchema(wide)) return [];
  const out: CompatFinding[] = [];
  const pn = isObj(narrow.properties) ? narrow.properties : {};
  const pw = isObj(wide.properties) ? wide.properties : {};
  const reqN = new Set(Array.isArray(narrow.required) ? narrow.required.map(String) : []);
  const reqW = new Set(Array.isArray(wide.required) ? wide.required.map(String) : []);
  const propPath = (p: PathSegment[], props: Obj, name: string): PathSegment[] => (name in props ? [...p, "properties", name] : p);
  const hasDefault = (props: Obj, name: string, root: Json, p: PathSegment[]): boolean => {
    const r = deref(root, props[name], [...p, "properties", name]);
    return isObj(r.node) && "default" in r.node;
  };
  const narrowOpenFor = (name: string): boolean => slotsOf(narrow, nPath, name).length === 0;
  const flagged = new Set<string>();
  const label = (name: string): string => where([...(asOldNew(w, nPath, wPath)[1]), "properties", name]);
  const narrowForbids = (name: string): boolean =>
    (name in pn && rejectsAll(w.narrowRoot, pn[name])) || (!(name in pn) && slotsOf(narrow, nPath, name).some((s) => rejectsAll(w.narrowRoot, s.schema)));

  // wide requires a property narrow does not: narrow's documents may lack it
  for (const name of [...reqW].sort()) {
    if (reqN.has(name)) continue;
    const depReq = [narrow.dependentRequired, narrow.dependencies].some((d) => isObj(d) && Object.entries(d).some(([k, v]) => reqN.has(k) && Array.isArray(v) && v.includes(name)));
    if (depReq) continue;
    flagged.add(name);
    const known = name in pn;
    const withDefault = hasDefault(pw, name, w.wideRoot, wPath);
    const open = !known && narrowOpenFor(name);
    const nw = known
      ? (withDefault ? "REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED" : "REQUIRED_ATTRIBUTE_ADDED")
      : `REQUIRED_PROPERTY${withDefault ? "_WITH_DEFAULT" : ""}_ADDED_TO_${open ? "OPEN" : "UNOPEN"}_CONTENT_MODEL`;
    if (w.dir === "backward") {
      // Deliberate, as Confluent's strict rule (REQUIRED_..._WITH_DEFAULT_...: compatible): a warning that says
      // what is at stake — the schema rejects old documents without it; a reader must apply the default.
      const f = finding(w, nw, "REQUIRED_ATTRIBUTE_REMOVED",
        withDefault
          ? `property "${label(name)}" ${known ? "changed from optional to required" : "added as required"} with a default: accepted (as Confluent does), but the new schema, as ajv validates it, rejects old documents without "${name}" — a handler reading them must apply the default`
          : known ? `property "${label(name)}" changed from optional to required` : `required property "${label(name)}" added`,
        withDefault ? `to make it exact, keep "${name}" optional (with its default)` : hint(known ? "madeRequired" : open ? "requiredAddedOpen" : "requiredAdded", w.mode, name),
        propPath(nPath, pn, name), propPath(wPath, pw, name), "new");
      out.push(withDefault ? { ...f, severity: "warning" } : f);
    }
    else
      out.push(finding(w, nw, "REQUIRED_ATTRIBUTE_REMOVED",
        known ? `property "${label(name)}" changed from required to optional` : `required property "${label(name)}" removed`,
        hint("madeOptional", w.mode, name), propPath(nPath, pn, name), propPath(wPath, pw, name), known ? "new" : "old"));
  }

  // properties only wide declares: narrow either never has them (forbidden) or allows them through its slots
  for (const name of Object.keys(pw).sort()) {
    if (name in pn || flagged.has(name) || narrowForbids(name)) continue;
    const wp = [...wPath, "properties", name];
    const slots = slotsOf(narrow, nPath, name);
    const r = deref(w.wideRoot, pw[name], wp);
    if (acceptsAll(r.node)) continue;
    if (!slots.length) {
      if (w.dir === "backward") {
        // Deliberate (docs/validate-events.md, "A default on an added optional property"): with a default, the
        // version declares that old producers did not send it; only old documents that carried an undeclared
        // "name" of another shape are rejected. A warning that says exactly that, not an error.
        const withDefault = isObj(r.node) && "default" in r.node;
        const f = finding(w, "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
          withDefault
            ? `property "${label(name)}" (with a default) added to an open content model: accepted because the default says old producers did not send it; an old document that carried an undeclared "${name}" not matching the new schema would be rejected`
            : `property "${label(name)}" added to an open content model: old documents could carry any value as "${name}"`,
          hint(withDefault ? "openAddedDefault" : "openAdded", w.mode, name), nPath, wp, "new");
        out.push(withDefault ? { ...f, severity: "warning" } : f);
      }
      else
        out.push(finding(w, "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL",
          `property "${label(name)}" removed from an open content model: new documents may carry any value as "${name}"`,
          hint("openRemoved", w.mode, name), nPath, wp, "old"));
      continue;
    }
    // the value satisfies every narrow slot: one of them inside wide's schema is enough
    const inner = slots.map((s) => covers(w, s.schema, s.path, pw[name], wp, depth));
    if (inner.some((f) => !f.length)) continue;
    out.push(withInner(finding(w, "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
      `property "${label(name)}" ${w.dir === "backward" ? "added" : "removed"}, and its schema does not match what ${slots[0]!.path.slice(nPath.length).join(".")} allowed`,
      hint("partial", w.mode, name), slots[0]!.path, wp, w.dir === "backward" ? "new" : "old"), inner[0]!));
  }

  // properties only narrow declares: wide must allow them through its slots
  for (const name of Object.keys(pn).sort()) {
    if (name in pw) continue;
    const np = [...nPath, "properties", name];
    if (rejectsAll(w.narrowRoot, pn[name], np)) continue; // PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL: compatible
    for (const slot of slotsOf(wide, wPath, name)) {
      if (rejectsAll(w.wideRoot, slot.schema, slot.path)) {
        if (w.dir === "backward")
          out.push(finding(w, "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
            `property "${label(name)}" removed from a closed content model (additionalProperties: false): old documents with "${name}" are rejected`,
            hint("closedRemoved", w.mode, name), np, wPath, "old"));
        else
          out.push(finding(w, "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL",
            `property "${label(name)}" added, but the old content model is closed (additionalProperties: false) and rejects it`,
            hint("closedAdded", w.mode, name), np, wPath, "new"));
        continue;
      }
      const inner = covers(w, pn[name], np, slot.schema, slot.path, depth);
      if (inner.length && patternsFor(narrow, nPath, name).every((q) => covers(w, q.schema, q.path, slot.schema, slot.path, depth).length))
        out.push(withInner(finding(w, "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL", "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
          `property "${label(name)}" ${w.dir === "backward" ? "removed" : "added"}, and ${slot.path.slice(wPath.length).join(".")} does not accept its schema`,
          hint("partial", w.mode, name), np, slot.path, w.dir === "backward" ? "old" : "new"), inner));
    }
  }

  // properties in both: recurse (and wide's patternProperties that also apply to them)
  for (const name of Object.keys(pn).sort()) {
    const np = [...nPath, "properties", name];
    if (name in pw) out.push(...covers(w, pn[name], np, pw[name], [...wPath, "properties", name], depth));
    for (const p of patternsFor(wide, wPath, name)) {
      const viaPattern = patternsFor(narrow, nPath, name).some((q) => deepEqual(q.schema, p.schema));
      if (!viaPattern) out.push(...covers(w, pn[name], np, p.schema, p.path, depth));
    }
  }

  // names neither declares: narrow's patterns and additionalProperties against wide's
  const pattN = isObj(narrow.patternProperties) ? narrow.patternProperties : {};
  const pattW = isObj(wide.patternProperties) ? wide.patternProperties : {};
  const apN = additionalOf(narrow);
  const apW = additionalOf(wide);
  const apWPath = [...wPath, wide.additionalProperties !== undefined ? "additionalProperties" : "unevaluatedProperties"];
  const apNPath = [...nPath, narrow.additionalProperties !== undefined ? "additionalProperties" : "unevaluatedProperties"];
  const nClosed = apN !== undefined && rejectsAll(w.narrowRoot, apN);
  for (const re of Object.keys(pattW).sort()) {
    const rp = [...wPath, "patternProperties", re];
    if (re in pattN) out.push(...covers(w, pattN[re], [...nPath, "patternProperties", re], pattW[re], rp, depth));
    for (const other of Object.keys(pattN).sort()) if (other !== re && !patternsDisjoint(other, re)) out.push(...patternOverlap(w, pattN[other], [...nPath, "patternProperties", other], pattW[re], rp, depth));
    if (!nClosed) {
      const f = covers(w, apN ?? true, apN !== undefined ? apNPath : nPath, pattW[re], rp, depth);
      if (f.length)
        out.push(finding(w, "PATTERN_PROPERTIES_NARROWED", "PATTERN_PROPERTIES_EXTENDED",
          `${newWhere(w, nPath, wPath)}: properties matching ${show(re)} ${w.dir === "backward" ? "are constrained now, and the old model let them carry other values" : "were constrained, and the new model lets them carry other values"}`,
          hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), apN !== undefined ? apNPath : nPath, rp, "new"));
    }
  }
  if (apW !== undefined && !acceptsAll(apW)) {
    const closedW = rejectsAll(w.wideRoot, apW);
    for (const re of Object.keys(pattN).sort()) {
      if (re in pattW) continue;
      const np = [...nPath, "patternProperties", re];
      if (rejectsAll(w.narrowRoot, pattN[re])) continue;
      if (closedW || covers(w, pattN[re], np, apW, apWPath, depth).length)
        out.push(finding(w, "PATTERN_PROPERTIES_NOT_COVERED", "PATTERN_PROPERTIES_NOT_COVERED",
          `${newWhere(w, nPath, wPath)}: properties matching ${show(re)} are ${closedW ? "no longer allowed" : "not accepted by additionalProperties"} in the ${w.dir === "backward" ? "new" : "old"} model`,
          hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), np, apWPath, "new"));
    }
    if (!nClosed) {
      const uneval = wide.additionalProperties === undefined;
      if (closedW)
        out.push(finding(w, uneval ? "UNEVALUATED_PROPERTIES_REMOVED" : "ADDITIONAL_PROPERTIES_REMOVED", uneval ? "UNEVALUATED_PROPERTIES_ADDED" : "ADDITIONAL_PROPERTIES_ADDED",
          w.dir === "backward" ? `${where(wPath)}: ${uneval ? "unevaluatedProperties" : "additionalProperties"} changed to false: the model is closed now` : `${where(nPath)}: ${uneval ? "unevaluatedProperties" : "additionalProperties"} changed from false: the model is open now`,
          hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), apN !== undefined ? apNPath : nPath, apWPath, "new"));
      else if (apN === undefined || acceptsAll(apN))
        out.push(finding(w, uneval ? "UNEVALUATED_PROPERTIES_NARROWED" : "ADDITIONAL_PROPERTIES_NARROWED", uneval ? "UNEVALUATED_PROPERTIES_EXTENDED" : "ADDITIONAL_PROPERTIES_EXTENDED",
          w.dir === "backward" ? `${where(wPath)}: additional properties restricted to ${show(apW)}` : `${where(nPath)}: additional properties relaxed from ${show(apW)}`,
          hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), nPath, apWPath, "new"));
      else out.push(...covers(w, apN, apNPath, apW, apWPath, depth));
    }
  }
  // unevaluatedProperties beside in-place applicators: not modelled; equal, or reported
  if (wide.unevaluatedProperties !== undefined && wide.additionalProperties === undefined && hasInPlaceApplicators(wide) && !acceptsAll(wide.unevaluatedProperties)
    && !deepEqual(narrow, wide))
    out.push(finding(w, "UNEVALUATED_PROPERTIES_NARROWED", "UNEVALUATED_PROPERTIES_EXTENDED",
      `${newWhere(w, nPath, wPath)}: unevaluatedProperties beside allOf/anyOf/oneOf/$ref/if changed around it (msa compares such a schema only for equality)`,
      hint("changed", w.mode), nPath, [...wPath, "unevaluatedProperties"], "new"));

  // propertyNames
  if (wide.propertyNames !== undefined && !acceptsAll(wide.propertyNames)) {
    const pnw = [...wPath, "propertyNames"];
    const f = narrow.propertyNames !== undefined ? covers(w, narrow.propertyNames, [...nPath, "propertyNames"], wide.propertyNames, pnw, depth) : ["x"];
    if (f.length)
      out.push(finding(w, "PROPERTY_NAMES_NARROWED", "PROPERTY_NAMES_EXTENDED", `${newWhere(w, nPath, wPath)}: propertyNames ${w.dir === "backward" ? "restricted" : "relaxed"}`,
        hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), narrow.propertyNames !== undefined ? [...nPath, "propertyNames"] : nPath, pnw, "new"));
  }

  // dependencies / dependentRequired / dependentSchemas on the wide side
  const depsOf = (s: Obj): { arrays: Map<string, string[]>; schemas: Map<string, { schema: Json; kw: string }> } => {
    const arrays = new Map<string, string[]>();
    const schemas = new Map<string, { schema: Json; kw: string }>();
    for (const kw of ["dependencies", "dependentRequired", "dependentSchemas"]) {
      const d = s[kw];
      if (!isObj(d)) continue;
      for (const [k, v] of Object.entries(d)) {
        if (Array.isArray(v)) arrays.set(k, v.map(String));
        else schemas.set(k, { schema: v, kw });
      }
    }
    return { arrays, schemas };
  };
  const dn = depsOf(narrow);
  const dw = depsOf(wide);
  for (const [k, req] of [...dw.arrays].sort(([a], [b]) => a.localeCompare(b))) {
    if (reqN.size && req.every((r) => reqN.has(r))) continue;
    if (narrowForbids(k)) continue;
    const have = dn.arrays.get(k);
    if (have && req.every((r) => have.includes(r) || reqN.has(r))) continue;
    const kw = "dependentRequired" in wide && isObj(wide.dependentRequired) && k in wide.dependentRequired ? "dependentRequired" : "dependencies";
    out.push(finding(w, have ? "DEPENDENCY_ARRAY_EXTENDED" : "DEPENDENCY_ARRAY_ADDED", have ? "DEPENDENCY_ARRAY_NARROWED" : "DEPENDENCY_ARRAY_REMOVED",
      `${newWhere(w, nPath, wPath)}: "${k}" ${w.dir === "backward" ? "now requires" : "no longer requires"} ${req.map((r) => `"${r}"`).join(", ")}`,
      hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), nPath, [...wPath, kw, k], "new"));
  }
  for (const [k, { schema, kw }] of [...dw.schemas].sort(([a], [b]) => a.localeCompare(b))) {
    if (narrowForbids(k) || acceptsAll(schema)) continue;
    const sp = [...wPath, kw, k];
    const have = dn.schemas.get(k);
    if (have && !covers(w, have.schema, [...nPath, have.kw, k], schema, sp, depth).length) continue;
    if (!covers(w, narrow, nPath, schema, sp, depth).length) continue;
    out.push(finding(w, "DEPENDENCY_SCHEMA_ADDED", "DEPENDENCY_SCHEMA_REMOVED",
      `${newWhere(w, nPath, wPath)}: when "${k}" is present, the ${w.dir === "backward" ? "new" : "old"} schema requires ${show(schema)}`,
      hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), nPath, sp, "new"));
  }
  return out;
}

/**
 * A not-covered property whose schema change is one Confluent's lenient policy does not accept (it reports
 * TYPE_CHANGED beside PROPERTY_..._NOT_COVERED...): the finding carries that change type for the policy.
 */
function withInner(f: CompatFinding, inner: CompatFinding[]): CompatFinding {
  const strictOne = inner.find((x) => !LENIENT_CHANGES.has(x.confluent));
  return strictOne ? { ...f, confluent: strictOne.confluent } : f;
}

/** Two patterns anchored on literal prefixes neither of which starts the other (^S_ and ^I_) match no common name. */
function patternsDisjoint(a: string, b: string): boolean {
  const lit = (re: string): string | null => (re.includes("|") ? null : /^\^([A-Za-z0-9_-]+)(?![*?{+])/.exec(re)?.[1] ?? null);
  const pa = lit(a);
  const pb = lit(b);
  return !!pa && !!pb && !pa.startsWith(pb) && !pb.startsWith(pa);
}

/** A narrow pattern that may overlap a wide one (msa does not intersect regular expressions). */
function patternOverlap(w: Walk, nSchema: Json, nPath: PathSegment[], wSchema: Json, wPath: PathSegment[], depth: number): CompatFinding[] {
  return covers(w, nSchema, nPath, wSchema, wPath, depth).length
    ? [finding(w, "PATTERN_PROPERTIES_CHANGED", "PATTERN_PROPERTIES_CHANGED",
      `${newWhere(w, nPath, wPath)}: patternProperties changed, and msa cannot tell whether the patterns overlap`,
      hint("changed", w.mode), nPath, wPath, "new")]
    : [];
}

// ---------------------------------------------------------------------------------------------------------
// Arrays: tuples (items array + additionalItems, prefixItems + items), contains bounds

/** unevaluatedItems means "the items after the tuple" when nothing else evaluates items (applicators, contains). */
const unevaluatedItemsIsRest = (s: Obj): boolean => s.unevaluatedItems !== undefined && !hasInPlaceApplicators(s) && s.contains === undefined;

interface ArrayShape { prefix: Json[]; prefixKw: string; rest: Json; restPath: PathSegment[] }
function arrayShape(s: Obj, path: PathSegment[]): ArrayShape {
  if (Array.isArray(s.items)) {
    const rest = s.additionalItems ?? (unevaluatedItemsIsRest(s) ? s.unevaluatedItems : true);
    return { prefix: s.items, prefixKw: "items", rest, restPath: [...path, s.additionalItems !== undefined ? "additionalItems" : "unevaluatedItems"] };
  }
  const prefix = Array.isArray(s.prefixItems) ? s.prefixItems : [];
  const rest = s.items ?? (unevaluatedItemsIsRest(s) ? s.unevaluatedItems : true);
  return { prefix, prefixKw: "prefixItems", rest, restPath: [...path, s.items !== undefined ? "items" : "unevaluatedItems"] };
}

function coversArray(w: Walk, narrow: Obj, nPath: PathSegment[], wide: Obj, wPath: PathSegment[], depth: number): CompatFinding[] {
  const out: CompatFinding[] = [];
  const an = arrayShape(narrow, nPath);
  const aw = arrayShape(wide, wPath);
  const maxN = typeof narrow.maxItems === "number" ? narrow.maxItems : Infinity;
  const len = Math.min(Math.max(an.prefix.length, aw.prefix.length), maxN);
  for (let i = 0; i < len; i++) {
    const nIsPrefix = i < an.prefix.length;
    const wIsPrefix = i < aw.prefix.length;
    const ns = nIsPrefix ? an.prefix[i] : an.rest;
    const ws = wIsPrefix ? aw.prefix[i] : aw.rest;
    const np = nIsPrefix ? [...nPath, an.prefixKw, i] : an.restPath;
    const wp = wIsPrefix ? [...wPath, aw.prefixKw, i] : aw.restPath;
    if (rejectsAll(w.narrowRoot, ns, np)) break; // narrow arrays never get this long
    if (nIsPrefix && wIsPrefix) { out.push(...covers(w, ns, np, ws, wp, depth)); continue; }
    const f = covers(w, ns, np, ws, wp, depth);
    if (!f.length) continue;
    const at = `${newWhere(w, nPath, wPath)}[${i}]`;
    if (!nIsPrefix && acceptsAll(deref(w.narrowRoot, ns, np).node))
      out.push(finding(w, "ITEM_ADDED_TO_OPEN_CONTENT_MODEL", "ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL",
        `${at}: tuple item ${w.dir === "backward" ? "added where any value was accepted" : "removed, any value is accepted there now"}`, hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), np, wp, "new"));
    else if (!wIsPrefix && rejectsAll(w.wideRoot, ws, wp))
      out.push(finding(w, "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL", "ITEM_ADDED_TO_CLOSED_CONTENT_MODEL",
        `${at}: tuple item ${w.dir === "backward" ? "removed from a closed tuple" : "added, but the old tuple is closed"}`, hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), np, wp, "new"));
    else
      out.push(finding(w, nIsPrefix ? "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL" : "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        nIsPrefix ? "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL" : "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL",
        `${at}: tuple item and the additional items' schema do not match`, hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), np, wp, "new"));
  }
  // the rest: narrow items beyond both prefixes against wide's rest
  if (maxN > Math.max(an.prefix.length, aw.prefix.length) && !acceptsAll(deref(w.wideRoot, aw.rest, aw.restPath).node)) {
    const nOpen = acceptsAll(deref(w.narrowRoot, an.rest, an.restPath).node);
    const tuple = an.prefix.length > 0 || aw.prefix.length > 0 || narrow.additionalItems !== undefined || wide.additionalItems !== undefined;
    if (nOpen && tuple) {
      const closed = rejectsAll(w.wideRoot, aw.rest, aw.restPath);
      out.push(finding(w, closed ? "ADDITIONAL_ITEMS_REMOVED" : "ADDITIONAL_ITEMS_NARROWED", closed ? "ADDITIONAL_ITEMS_ADDED" : "ADDITIONAL_ITEMS_EXTENDED",
        `${newWhere(w, nPath, wPath)}: additional items ${closed ? (w.dir === "backward" ? "no longer allowed" : "allowed now") : (w.dir === "backward" ? "restricted" : "relaxed")}`,
        hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), an.restPath, aw.restPath, "new"));
    } else out.push(...covers(w, an.rest, an.restPath, aw.rest, aw.restPath, depth));
  }

  // contains / minContains / maxContains
  if (wide.contains !== undefined) {
    const minW = typeof wide.minContains === "number" ? wide.minContains : 1;
    const minN = typeof narrow.minContains === "number" ? narrow.minContains : 1;
    if (minW > 0) {
      const cp = [...wPath, "contains"];
      if (narrow.contains === undefined)
        out.push(finding(w, "CONTAINS_ADDED", "CONTAINS_REMOVED", `${newWhere(w, nPath, wPath)}: contains ${w.dir === "backward" ? "added" : "removed"}`,
          hint(w.dir === "backward" ? "narrowed" : "widened", w.mode), nPath, cp, "new"));
      else {
        out.push(...covers(w, narrow.contains, [...nPath, "contains"], wide.contains, cp, depth));
        if (minN < minW)
          out.push(finding(w, typeof narrow.minContains === "number" || typeof wide.minContains === "number" ? (typeof narrow.minContains === "number" ? "MIN_CONTAINS_INCREASED" : "MIN_CONTAINS_ADDED") : "MIN_CONTAINS_INCREASED",
            typeof narrow.minContains === "number" ? "MIN_CONTAINS_DECREASED" : "MIN_CONTAINS_REMOVED",
            `${newWhere(w, nPath, wPath)}: minContains ${w.dir === "backward" ? `raised to ${minW}` : `lowered to ${minN}`}`, hint(w.dir === "backward" ? "narrowed" : "widened", w.mode),
            [...nPath, "minContains"], [...wPath, "minContains"], "new"));
      }
    }
    if (typeof wide.maxContains === "number") {
      const maxNC = typeof narrow.maxContains === "number" ? narrow.maxContains : Infinity;
      // narrow's count bounds wide's count only when wide's contains is inside narrow's
      const same = narrow.contains !== undefined && !reversed(w, wide.contains, [...wPath, "contains"], narrow.contains, [...nPath, "contains"]).length;
      if (!same || maxNC > wide.maxContains)
        out.push(finding(w, typeof narrow.maxContains === "number" ? "MAX_CONTAINS_DECREASED" : "MAX_CONTAINS_ADDED", typeof narrow.maxContains === "number" ? "MAX_CONTAINS_INCREASED" : "MAX_CONTAINS_REMOVED",
          `${newWhere(w, nPath, wPath)}: maxContains ${w.dir === "backward" ? "tightened" : "relaxed"}`, hint(w.dir === "backward" ? "narrowed" : "widened", w.mode),
          [...nPath, "maxContains"], [...wPath, "maxContains"], "new"));
    }
  }
  if (wide.unevaluatedItems !== undefined && !unevaluatedItemsIsRest(wide) && wide.items === undefined && wide.additionalItems === undefined
    && !acceptsAll(wide.unevaluatedItems) && !deepEqual(narrow, wide))
    out.push(finding(w, "UNEVALUATED_ITEMS_NARROWED", "UNEVALUATED_ITEMS_EXTENDED",
      `${newWhere(w, nPath, wPath)}: unevaluatedItems beside allOf/anyOf/oneOf/$ref/if changed around it (msa compares such a schema only for equality)`,
      hint("changed", w.mode), nPath, [...wPath, "unevaluatedItems"], "new"));
  return out;
}
