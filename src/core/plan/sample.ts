// Sample payloads for the tests of generated services: a small, deterministic document that satisfies an
// event version's schema. The generated tests publish and consume it through the real schema check, so a
// sample that does not validate is a failing test in code we sign. Built in two steps:
//  1. `sampleFromSchema` walks the schema: required properties (and optional ones up to minProperties),
//     enums/consts/defaults, formats, numeric bounds and multipleOf, string lengths, patterns (randexp,
//     with deterministic choices), array sizes and uniqueItems, the first anyOf/oneOf branch.
//     Patterns, lengths, bounds and multipleOf are checked as each value is made (RegExp, arithmetic).
//  2. `samplePayload` checks schemas that use what step 1 cannot guarantee (not, oneOf, if, uniqueItems,
//     contains, dependencies, …) with ajv, and tries variants — other branches, other enum values, other
//     characters and lengths — until one validates. Schemas without such keywords are not compiled
//     (generate of 500 contexts with a pattern in every event paid ~3 s for 1,000 compiles).
import * as randexp from "randexp";
import { compileSchema } from "../events/validator.js";

// randexp is CommonJS (`module.exports = RandExp`) typed as `export default`: at run time the class is the
// namespace's default; its types put it one level deeper
const RandExp = randexp.default as unknown as typeof randexp.default.default;
type Schema = Record<string, unknown>;
const isSchema = (v: unknown): v is Schema => !!v && typeof v === "object" && !Array.isArray(v);

/** How many variants `samplePayload` tries before it settles for the first. */
export const SAMPLE_VARIANTS = 12;

/**
 * Keywords whose constraints step 1 may not meet; a schema with any of them is checked with ajv. (Patterns,
 * lengths, bounds, multipleOf and formats are met by construction and checked as they are made.)
 */
const UNCERTAIN = new Set([
  "patternProperties", "not", "oneOf", "if", "then", "else", "uniqueItems", "contains", "minContains", "maxContains",
  "dependentRequired", "dependentSchemas", "dependencies", "propertyNames", "prefixItems", "unevaluatedProperties",
  "unevaluatedItems",
]);
const KNOWN_FORMATS: Record<string, string> = {
  "date-time": "2024-01-01T00:00:00Z",
  date: "2024-01-01",
  time: "00:00:00Z",
  "iso-time": "00:00:00Z",
  "iso-date-time": "2024-01-01T00:00:00Z",
  duration: "P1D",
  email: "someone@example.com",
  "idn-email": "someone@example.com",
  hostname: "example.com",
  "idn-hostname": "example.com",
  ipv4: "192.0.2.1",
  ipv6: "2001:db8::1",
  uri: "https://example.com/",
  "uri-reference": "https://example.com/",
  iri: "https://example.com/",
  "iri-reference": "https://example.com/",
  url: "https://example.com/",
  "uri-template": "https://example.com/{id}",
  uuid: "00000000-0000-4000-8000-000000000000",
  "json-pointer": "/a",
  "relative-json-pointer": "0",
  regex: "^a$",
  byte: "YQ==",
  password: "secret",
  binary: "a",
};

function usesUncertain(schema: unknown, depth = 0): boolean {
  if (depth > 16) return true;
  if (Array.isArray(schema)) return schema.some((s) => usesUncertain(s, depth + 1));
  if (!isSchema(schema)) return false;
  for (const [k, v] of Object.entries(schema)) {
    if (UNCERTAIN.has(k)) return true;
    if (k === "enum" || k === "const" || k === "default" || k === "examples") continue;
    if (typeof v === "object" && v !== null && usesUncertain(v, depth + 1)) return true;
  }
  return false;
}

/** A string the pattern matches, with deterministic choices (variant 0: the shortest, lowest characters). */
function fromPattern(pattern: string, variant: number, minLength: number): string | undefined {
  try {
    const gen = new RandExp(new RegExp(pattern, "u"));
    gen.max = Math.max(4, minLength);
    let calls = 0;
    // variant 0: every choice the lowest; 1: quantifiers one more; 2: the highest; then a walk through choices
    gen.randInt = (a: number, b: number): number => {
      calls++;
      if (variant === 0) return a;
      if (variant === 1) return Math.min(b, a + 1);
      if (variant === 2) return b;
      return a + ((calls * 7 + variant * 13) % (b - a + 1));
    };
    return gen.gen();
  } catch {
    return undefined; // a pattern randexp cannot read (unicode property escapes, look-behind …)
  }
}

/** Length as JSON Schema counts it (code points, as ajv's ucs2length). */
const lengthOf = (s: string): number => [...s].length;

function sampleString(schema: Schema, variant: number): string {
  const minLength = typeof schema.minLength === "number" ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === "number" ? schema.maxLength : Infinity;
  const fits = (s: string): boolean => lengthOf(s) >= minLength && lengthOf(s) <= maxLength;
  let re: RegExp | undefined;
  if (typeof schema.pattern === "string") {
    try {
      re = new RegExp(schema.pattern, "u");
    } catch {
      re = undefined; // not a pattern JavaScript reads: ajv refuses the schema anyway
    }
  }
  const known = typeof schema.format === "string" ? KNOWN_FORMATS[schema.format] : undefined;
  if (known !== undefined && variant < 2 && (!re || re.test(known))) return known;
  if (re && typeof schema.pattern === "string") {
    // randexp's string, checked against the pattern and the lengths; other choices until one fits
    for (let k = 0; k < 16; k++) {
      const s = fromPattern(schema.pattern, variant + k, minLength);
      if (s !== undefined && re.test(s) && fits(s)) return s;
    }
  }
  const chars = ["x", "a", "0", "A", "-"];
  const ch = chars[variant % chars.length] as string;
  const length = Math.min(maxLength, Math.max(1, minLength) + (variant >= chars.length ? 1 : 0));
  return ch.repeat(Math.max(0, length));
}

/** ajv's multipleOf test (without multipleOfPrecision): data / factor is an integer. */
const isMultiple = (n: number, factor: number): boolean => {
  const q = n / factor;
  return q === parseInt(String(q), 10);
};

function sampleNumber(schema: Schema, integer: boolean, variant: number): number {
  const factor = typeof schema.multipleOf === "number" && schema.multipleOf > 0 ? schema.multipleOf : undefined;
  const exMin = typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum : undefined;
  const exMax = typeof schema.exclusiveMaximum === "number" ? schema.exclusiveMaximum : undefined;
  const min = typeof schema.minimum === "number" ? schema.minimum : undefined;
  const max = typeof schema.maximum === "number" ? schema.maximum : undefined;
  const ok = (n: number): boolean =>
    (min === undefined || n >= min) && (max === undefined || n <= max) && (exMin === undefined || n > exMin) && (exMax === undefined || n < exMax) &&
    (!integer || Number.isInteger(n)) && (factor === undefined || isMultiple(n, factor));
  const step = factor ?? 1;
  const unit = integer ? Math.max(1, Math.ceil(step)) : step;
  const upper = max ?? exMax;
  // start at the lower bound (1 when there is none, or below an upper bound under 1), on the grid of the factor
  const lower = min ?? exMin ?? (upper !== undefined && upper <= 1 ? upper - unit * 16 : 1);
  const start = Math.ceil(lower / unit) * unit;
  const candidates: number[] = [];
  for (let i = 0; i < 64 && candidates.length <= variant; i++) {
    const n = Number((start + unit * i).toPrecision(12));
    if (upper !== undefined && n > upper) break;
    if (ok(n)) candidates.push(n);
  }
  // a number (no multipleOf) between bounds closer than one unit, e.g. exclusiveMinimum 0, exclusiveMaximum 1:
  // points inside the interval
  if (!integer && factor === undefined) {
    const lo = Math.max(min ?? -Infinity, exMin ?? -Infinity);
    const hi = Math.min(max ?? Infinity, exMax ?? Infinity);
    if (Number.isFinite(lo) && Number.isFinite(hi))
      for (const f of [0.5, 0.25, 0.75]) {
        const n = Number((lo + (hi - lo) * f).toPrecision(12));
        if (ok(n) && !candidates.includes(n)) candidates.push(n);
      }
  }
  if (candidates.length) return candidates[variant % candidates.length] as number;
  return Number(start.toPrecision(12)); // nothing on the grid fits: ajv's check (or the generated test) says so
}

/** A sample for `schema`; `variant` > 0 picks other branches, values, characters and lengths. */
export function sampleFromSchema(schema: unknown, depth = 0, variant = 0, root: unknown = schema): unknown {
  if (!isSchema(schema) || depth > 8) return {};
  if (typeof schema.$ref === "string") {
    // a local reference (#/definitions/x, #/$defs/x): sampled in place, with the keywords beside it
    const { $ref, ...rest } = schema;
    const target = resolveLocalRef(root, $ref);
    if (target) return sampleFromSchema(Object.keys(rest).length ? mergeSchemas(target, rest) : target, depth + 1, variant, root);
  }
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[variant % schema.enum.length];
  if ("default" in schema && variant === 0) return schema.default;
  for (const key of ["anyOf", "oneOf"]) {
    const alts = schema[key];
    if (Array.isArray(alts) && alts.length) {
      const picked = alts[variant % alts.length] as unknown;
      // keywords beside anyOf/oneOf (type, properties …) apply too
      const { [key]: _alts, ...rest } = schema;
      const inner = Math.floor(variant / alts.length);
      return Object.keys(rest).length && isSchema(picked) ? sampleFromSchema(mergeSchemas(rest, picked), depth + 1, inner, root) : sampleFromSchema(picked, depth + 1, inner, root);
    }
  }
  if (Array.isArray(schema.allOf)) {
    const { allOf, ...rest } = schema;
    const merged = (allOf as unknown[]).filter(isSchema).reduce<Schema>((acc, s) => mergeSchemas(acc, s), rest);
    return sampleFromSchema(merged, depth + 1, variant, root);
  }
  const type = Array.isArray(schema.type) ? (schema.type.find((t) => t !== "null") ?? "null") : schema.type;
  switch (type) {
    case "string":
      return sampleString(schema, variant);
    case "number":
    case "integer":
      return sampleNumber(schema, type === "integer", variant);
    case "boolean":
      return variant % 2 === 0;
    case "null":
      return null;
    case "array": {
      const min = typeof schema.minItems === "number" ? schema.minItems : 0;
      const contains = isSchema(schema.contains) ? Math.max(1, typeof schema.minContains === "number" ? schema.minContains : 1) : 0;
      const count = Math.max(min, contains);
      // distinct items for uniqueItems: each item its own variant
      return Array.from({ length: count }, (_, i) =>
        i < contains ? sampleFromSchema(schema.contains, depth + 1, variant + (schema.uniqueItems ? i : 0), root) : sampleFromSchema(schema.items, depth + 1, variant + (schema.uniqueItems ? i : 0), root),
      );
    }
    default: {
      if (type === undefined && typeof schema.pattern === "string") return sampleString(schema, variant);
      const props = isSchema(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : [];
      const keys = [...new Set(required)].sort();
      const minProps = typeof schema.minProperties === "number" ? schema.minProperties : 0;
      for (const k of Object.keys(props).sort()) if (keys.length < minProps && !keys.includes(k)) keys.push(k);
      const out: Record<string, unknown> = {};
      for (const k of keys) out[k] = sampleFromSchema(props[k], depth + 1, variant, root);
      return out;
    }
  }
}

/** The schema a local JSON pointer reference names in `root`, or undefined (remote references are not followed). */
function resolveLocalRef(root: unknown, ref: string): Schema | undefined {
  if (ref === "#") return isSchema(root) ? root : undefined;
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    node = isSchema(node) || Array.isArray(node) ? (node as Record<string, unknown>)[key] : undefined;
  }
  return isSchema(node) ? node : undefined;
}

/** allOf members merged for sampling (properties and required combined; other keywords: the later wins). */
function mergeSchemas(a: Schema, b: Schema): Schema {
  const out: Schema = { ...a, ...b };
  if (isSchema(a.properties) || isSchema(b.properties)) out.properties = { ...(isSchema(a.properties) ? a.properties : {}), ...(isSchema(b.properties) ? b.properties : {}) };
  if (Array.isArray(a.required) || Array.isArray(b.required)) out.required = [...(Array.isArray(a.required) ? a.required : []), ...(Array.isArray(b.required) ? b.required : [])];
  if (a.type !== undefined && b.type === undefined) out.type = a.type;
  return out;
}

/**
 * The sample payload for an event version's schema, and whether it is known to validate (`false`: no variant
 * did; the generated tests will show it). Schemas whose keywords step 1 always meets are not compiled.
 */
const samples = new WeakMap<object, { sample: unknown; valid: boolean }>();
export function samplePayload(schema: unknown): { sample: unknown; valid: boolean } {
  // one event version is sampled for its publisher and every consumer: once
  if (isSchema(schema)) {
    let known = samples.get(schema);
    if (!known) samples.set(schema, (known = solveSample(schema)));
    return known;
  }
  return solveSample(schema);
}

function solveSample(schema: unknown): { sample: unknown; valid: boolean } {
  const first = sampleFromSchema(schema);
  if (!usesUncertain(schema)) return { sample: first, valid: true };
  let check: (doc: unknown) => boolean;
  try {
    check = compileSchema(schema) as (doc: unknown) => boolean;
  } catch {
    return { sample: first, valid: false }; // not a schema ajv compiles: msa validate reports it
  }
  if (check(first)) return { sample: first, valid: true };
  for (let v = 1; v < SAMPLE_VARIANTS; v++) {
    const s = sampleFromSchema(schema, 0, v);
    if (check(s)) return { sample: s, valid: true };
  }
  return { sample: first, valid: false };
}
