// Block YAML of plain JSON data, byte for byte as the `yaml` library writes it with the options the templates'
// `yaml` helper uses (render.ts), without building a YAML document per call (issue #24: the helper runs ~15 times
// per context in the Kubernetes manifests, the OpenAPI documents and asyncapi.yaml).
// Only the layout of block collections is written here; every scalar's text (plain, quoted, which YAML 1.1 words
// need quotes…) is the library's own, asked once per distinct key and value and cached. Anything this does not
// cover — a scalar the library writes on more than one line or differently by position (document markers), an
// explicit key, null, a non-finite number, a value that is not plain data — answers undefined, and the caller
// asks the library for the whole value. test/unit/yaml-block.test.ts checks equality on random data.
import { stringify } from "yaml";

export const YAML_OPTIONS = { lineWidth: 0, sortMapEntries: false, version: "1.1" } as const;

type Scalar = string | number | boolean;
// by type, keyed by the value itself: a key made per scalar (`s${v}`) was a new string to build and hash on every
// lookup, twice per scalar per call (prime, then collect)
const stringText = new Map<string, string | null>();
const numberText = new Map<number, string | null>();
const booleanText = new Map<boolean, string | null>();
const keyText = new Map<string, string | null>();
// `%`, `---` or `...` at the start of a line: the library writes such a string by its indentation
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

/**
 * A string the library writes plain, as it is, decided without asking it (issue #24: most scalars of the
 * manifests are names, paths and event types): a letter, then letters, digits and `_ . / -`. Written plain unless
 * the YAML 1.1 schema would read it as another type; starting with a letter, only its booleans and nulls
 * (`y`, `No`, `ON`, `null`, … — every case of these words is left to the library) and the float with an empty
 * mantissa (`e5`, `E-1`) can match. test/unit/yaml-block.test.ts compares with the library on such strings.
 */
const PLAIN_SAFE = /^[A-Za-z][A-Za-z0-9_./-]*$/;
const PLAIN_EXPONENT = /^[eE][-+]?[0-9]+$/;
const PLAIN_WORDS = new Set(["y", "n", "yes", "no", "true", "false", "on", "off", "null"]);
export function plainAsItIs(s: string): boolean {
  return PLAIN_SAFE.test(s) && !PLAIN_EXPONENT.test(s) && !(s.length <= 5 && PLAIN_WORDS.has(s.toLowerCase()));
}

/** The cache of a scalar's type (-0 and non-finite numbers never reach it: see valueOf). */
function cacheOf(v: Scalar): Map<Scalar, string | null> {
  return (typeof v === "string" ? stringText : typeof v === "number" ? numberText : booleanText) as Map<Scalar, string | null>;
}

/** The text of a scalar as a block mapping's value or a sequence item; null when not one line. */
function valueOf(v: Scalar): string | null {
  // -0 would share 0's cache key, and the library writes it and non-finite numbers its own way
  if (typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0))) return null;
  const cache = cacheOf(v);
  let t = cache.get(v);
  if (t === undefined) {
    if (typeof v === "string" && DOCUMENT_MARKER.test(v)) t = null;
    else if (typeof v === "string" && plainAsItIs(v)) t = v;
    else {
      const out = stringify({ a: v }, YAML_OPTIONS);
      t = out.startsWith("a: ") && out.indexOf("\n") === out.length - 1 ? out.slice(3, -1) : null;
    }
    cache.set(v, t);
  }
  return t;
}

/** The text of a block mapping's key; null when not a one-line implicit key. */
function keyOf(k: string): string | null {
  let t = keyText.get(k);
  if (t === undefined) {
    if (DOCUMENT_MARKER.test(k)) t = null;
    else {
      const out = stringify({ [k]: 0 }, YAML_OPTIONS);
      t = out.endsWith(": 0\n") && out.indexOf("\n") === out.length - 1 && !out.startsWith("?") ? out.slice(0, -4) : null;
    }
    keyText.set(k, t);
  }
  return t;
}

const isScalar = (v: unknown): v is Scalar => typeof v === "string" || typeof v === "number" || typeof v === "boolean";
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

/** The lines of a non-empty collection at indentation `ind`; false when something is not covered. */
function collect(v: unknown, ind: string, out: string[], seen: Set<object>): boolean {
  if (seen.has(v as object)) return false; // reached twice: the library would write an alias
  seen.add(v as object);
  if (Array.isArray(v)) {
    for (const x of v) {
      if (isScalar(x)) {
        const t = valueOf(x);
        if (t === null) return false;
        out.push(`${ind}- ${t}`);
      } else if (Array.isArray(x) ? x.length === 0 : isPlainObject(x) && Object.keys(x).length === 0) {
        out.push(`${ind}- ${Array.isArray(x) ? "[]" : "{}"}`);
      } else {
        if (!Array.isArray(x) && !isPlainObject(x)) return false;
        const start = out.length;
        if (!collect(x, ind + "  ", out, seen)) return false;
        out[start] = `${ind}- ${(out[start] as string).slice(ind.length + 2)}`;
      }
    }
    return true;
  }
  if (!isPlainObject(v)) return false;
  for (const k of Object.keys(v)) {
    const x = v[k];
    if (x === undefined) return false;
    const kt = keyOf(k);
    if (kt === null) return false;
    if (isScalar(x)) {
      const t = valueOf(x);
      if (t === null) return false;
      out.push(`${ind}${kt}: ${t}`);
    } else if (Array.isArray(x) ? x.length === 0 : isPlainObject(x) && Object.keys(x).length === 0) {
      out.push(`${ind}${kt}: ${Array.isArray(x) ? "[]" : "{}"}`);
    } else {
      if (!Array.isArray(x) && !isPlainObject(x)) return false;
      out.push(`${ind}${kt}:`);
      if (!collect(x, ind + "  ", out, seen)) return false;
    }
  }
  return true;
}

/**
 * Asks the library, in one call, for the text of every scalar of `v` not cached yet: one `stringify({ a: v })`
 * per distinct scalar (a Document and a Pair built each time) was most of the helper's cost on data with many
 * distinct strings (the alert rules, asyncapi.yaml: thousands at 500 contexts); the same scalars as the items of
 * one sequence cost ~1/6 of that. The library decides a one-line scalar's text (plain or quoted, YAML 1.1 words)
 * the same as a sequence item and as a mapping value — test/unit/yaml-block.test.ts compares with `stringify`
 * of whole values, cold caches included. When the batch is not exactly one `- <text>` line per scalar (one the
 * library writes on more lines), nothing is taken from it and valueOf asks one at a time as before. Keys repeat
 * (a few dozen distinct names) and are still asked one by one.
 */
function prime(v: unknown): void {
  const values = new Set<Scalar>();
  const seen = new Set<object>();
  const walk = (x: unknown): void => {
    if (isScalar(x)) {
      if (typeof x === "number" && (!Number.isFinite(x) || Object.is(x, -0))) return;
      const cache = cacheOf(x);
      if (cache.has(x)) return;
      if (typeof x === "string" && plainAsItIs(x)) cache.set(x, x);
      else if (!(typeof x === "string" && DOCUMENT_MARKER.test(x))) values.add(x);
      return;
    }
    if (typeof x !== "object" || x === null || seen.has(x)) return;
    seen.add(x);
    if (Array.isArray(x)) for (const y of x) walk(y);
    else if (isPlainObject(x)) for (const k of Object.keys(x)) walk(x[k]);
  };
  walk(v);
  if (values.size < 2) return;
  const lines = stringify([...values], YAML_OPTIONS).slice(0, -1).split("\n");
  if (lines.length !== values.size || !lines.every((l) => l.startsWith("- "))) return;
  let i = 0;
  for (const x of values) cacheOf(x).set(x, (lines[i++] as string).slice(2));
}

/**
 * `stringify(v, YAML_OPTIONS)` without its final newline, each line indented by `indent` spaces, for a
 * non-empty array or plain object of strings, booleans and finite numbers; undefined when not covered.
 */
export function blockYaml(v: unknown, indent: number): string | undefined {
  if (!(Array.isArray(v) ? v.length > 0 : isPlainObject(v) && Object.keys(v).length > 0)) return undefined;
  prime(v);
  const lines: string[] = [];
  return collect(v, " ".repeat(indent), lines, new Set()) ? lines.join("\n") : undefined;
}
