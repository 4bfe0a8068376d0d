// The fast path of stage 1 (issue #24). The `yaml` library's parseDocument with positions is exact but costs
// ~1 s of CPU on a 500-context system.yaml; js-yaml reads the same data ~10× faster. This module reads data
// with js-yaml under a schema that resolves plain scalars exactly as the `yaml` library's YAML 1.2 core schema
// does, and answers positions lazily by parsing only the few lines a diagnostic points into.
//
// It is only ever used when it cannot differ from the precise path (src/core/load.ts):
//  - the text has nothing whose meaning the two libraries treat differently (tabs, CR, BOM, directives,
//    document markers, anchors/aliases, tags, merge keys `<<`, explicit or empty keys, collection keys,
//    `__proto__`) — a conservative textual check: anything that merely looks like one takes the precise path;
//  - js-yaml accepts the text (on any error, including duplicate keys, the precise path reports it);
//  - no mapping key reads as null or empty (js-yaml spells a null key "null", `yaml` "").
// test/unit/yaml-fast.test.ts proves equal data and equal positions on every fixture, example and random
// system, and on thousands of mutated texts.
import { createRequire } from "node:module";

// The `yaml` library's core schema (yaml/dist/schema/core/*): same tests, same resolution, same order.
// A first-character test before each regular expression: most plain scalars are words, and js-yaml asks every
// implicit type about every plain scalar.
const NULL_RE = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_RES = [/^0o[0-7]+$/, /^[-+]?[0-9]+$/, /^0x[0-9a-fA-F]+$/];
const NAN_INF_RE = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_RES = [NAN_INF_RE, /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/];
/** Could `s` be a number: it starts with a digit, a sign or a dot. */
const numberish = (s: string): boolean => {
  const c = s.charCodeAt(0);
  return (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
};
const nullResolve = (s: string): boolean => (s.length === 0 || s.length === 1 || s.length === 4) && NULL_RE.test(s);
const boolResolve = (s: string): boolean => (s.length === 4 || s.length === 5) && BOOL_RE.test(s);
const boolConstruct = (s: string): boolean => s[0] === "t" || s[0] === "T";
const intResolve = (s: string): boolean => numberish(s) && INT_RES.some((re) => re.test(s));
const intConstruct = (s: string): number =>
  /^0o/.test(s) ? parseInt(s.substring(2), 8) : /^0x/.test(s) ? parseInt(s.substring(2), 16) : parseInt(s, 10);
const floatResolve = (s: string): boolean => numberish(s) && FLOAT_RES.some((re) => re.test(s));
const floatConstruct = (s: string): number =>
  /^[-+]?\.(?:inf|Inf|INF)$/.test(s) ? (s[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY)
    : /^\.(?:nan|NaN|NAN)$/.test(s) ? Number.NaN
      : parseFloat(s);

/** js-yaml with the core schema, loaded on first need (the plain reader below reads most system files without it). */
const require = createRequire(import.meta.url);
let coreSchema: { load(text: string): unknown } | undefined;
function jsYamlCore(): { load(text: string): unknown } {
  if (!coreSchema) {
    const jsyaml = require("js-yaml") as typeof import("js-yaml");
    const schema = jsyaml.FAILSAFE_SCHEMA.extend({
      implicit: [
        new jsyaml.Type("tag:yaml.org,2002:null", { kind: "scalar", resolve: nullResolve, construct: () => null }),
        new jsyaml.Type("tag:yaml.org,2002:bool", { kind: "scalar", resolve: boolResolve, construct: boolConstruct }),
        new jsyaml.Type("tag:yaml.org,2002:int", { kind: "scalar", resolve: intResolve, construct: intConstruct }),
        new jsyaml.Type("tag:yaml.org,2002:float", { kind: "scalar", resolve: floatResolve, construct: floatConstruct }),
      ],
    });
    coreSchema = { load: (text) => jsyaml.load(text, { schema }) };
  }
  return coreSchema;
}

/** Textual signs of YAML whose reading may differ between the two libraries (false alarms only cost speed). */
const NOT_FAST = [
  /[\t\r]/, // tabs (the precise path explains them), CR line ends
  /[\u0085\u2028\u2029]/, // line breaks in YAML 1.1, not in 1.2
  /^\uFEFF/,
  /^(?:%|---|\.\.\.)/m, // directives (`%YAML 1.1` changes the schema), document markers
  /(?:^|[\s[{,])[&*!]/m, // anchors, aliases, tags
  /<</, // merge keys (YAML 1.1)
  /^[ ]*(?:-[ ]+)*[?:](?:[ ]|$)/m, // explicit keys, empty keys
  /[?]\s/, // explicit keys in flow collections
  /[\]}][ ]*:(?:[ ]|$)/m, // collection keys
  /__proto__/,
];

/** The data of `text` as the precise path would read it, or undefined when that is not certain. */
export function fastYamlData(text: string): { data: unknown } | undefined {
  for (const re of NOT_FAST) if (re.test(text)) return undefined;
  const plain = readPlainYaml(text);
  if (plain !== undefined) return { data: plain };
  if (!flowSafe(text)) return undefined;
  return jsYamlChecked(text);
}

/** js-yaml's reading of a text that passed the textual checks, when it is certain (no error, no unsafe key). */
function jsYamlChecked(text: string): { data: unknown } | undefined {
  let data: unknown;
  try {
    data = jsYamlCore().load(text);
  } catch {
    return undefined;
  }
  if (data === undefined || !keysSafe(data, 0)) return undefined;
  return { data };
}

// ---- the plain reader ---------------------------------------------------------------------------------
// js-yaml reads a 250 kB system.yaml in ~90 ms of CPU in a fresh process, most of it spent before V8 has
// compiled its character loop. System files are almost always written in a small part of YAML: block
// mappings and sequences, one scalar or one flow collection per line, comments. readPlainYaml reads exactly
// that part line by line (regular expressions do the character work) and declines — undefined, js-yaml then
// reads the text — on anything else: block scalars, a scalar or flow collection going on over lines,
// escapes in double quotes, unusual keys, duplicate keys, anything that could be an error.

/** The core schema's reading of a plain scalar (the same tests in the same order as the js-yaml types above). */
function plainScalar(s: string): unknown {
  const c = s.charCodeAt(0);
  // only a digit, sign or dot (numbers), or ~ n N t T f F (null, booleans) can start anything but a string
  if (s.length > 0 && !numberish(s) && c !== 126 && c !== 110 && c !== 78 && c !== 116 && c !== 84 && c !== 102 && c !== 70) return s;
  if (nullResolve(s)) return null;
  if (boolResolve(s)) return boolConstruct(s);
  if (intResolve(s)) return intConstruct(s);
  if (floatResolve(s)) return floatConstruct(s);
  return s;
}

class Decline extends Error {}
const decline = (): never => {
  throw new Decline();
};
/** A block-mapping key: plain (a safe subset), or quoted; then `:` and a space or the line's end. */
const BLOCK_KEY = /^(?:([A-Za-z0-9_][A-Za-z0-9_.\-/]*)|"([^"\\]*)"|'((?:[^']|'')*)'):(?:[ ]+(.*))?$/;
/** The end of a value on its line: spaces, then nothing or a comment. */
const REST_OK = /^(?:[ ]*|[ ]+#.*)$/;

/** A document marker line alone (`---`, maybe a comment after it): where a stream's documents part. */
const DOC_MARKERS = /^---[ ]*(?:#.*)?$/gm;
const BLANK_DOC = /^(?:[ ]*(?:#.*)?(?:\n|$))*$/;
/**
 * The documents with content of a multi-document stream (`---` lines between them), each as
 * parseAllDocuments(text) reads it, or undefined when the fast path cannot read every one (then parse the
 * stream precisely). Empty and null documents are left out. Any other marker (`--- x`, `...`, a directive)
 * declines.
 */
export function fastYamlDocuments(text: string): unknown[] | undefined {
  const out: unknown[] = [];
  for (const part of text.split(DOC_MARKERS)) {
    if (BLANK_DOC.test(part)) continue;
    const fast = fastYamlData(part);
    if (!fast) return undefined;
    if (fast.data !== null) out.push(fast.data);
  }
  return out;
}

/**
 * NOT_FAST without anchors, aliases and `<<` keys (tags still decline): for fastYamlDocumentsWithAliases.
 * Under the YAML 1.2 core schema neither library merges `<<` (a plain key in both: js-yaml's merge type is not
 * in jsYamlCore's schema, and `yaml` merges only under YAML 1.1 or its `merge` option), and both give an
 * alias the data of the node it names.
 */
const NOT_FAST_BUT_ALIASES = NOT_FAST.filter((re) => re.source !== "(?:^|[\\s[{,])[&*!]" && re.source !== "<<").concat(/(?:^|[\s[{,])!/m);
/** An alias where one may stand (a superset: `*` after a space, `[`, `{` or `,`, or at a line's start). */
const ALIAS_TOKEN = /(?:^|[\s[{,])\*/gm;
/**
 * At most this many aliases in a stream: the `yaml` library throws ("excessive alias count") when an anchor's
 * uses times the aliases nested in it exceed its maxAliasCount (analyze-deps gives 100); with n aliases in all
 * that product is at most 3^(n/3), 81 for n = 12, so no stream read here is one it would refuse.
 */
const MAX_ALIASES = 12;

/**
 * For analyze-deps' compose and Kubernetes files (data only, no positions): fastYamlDocuments, and for the
 * documents it declines only for anchors, aliases or `<<` keys (compose's `logging: &logging` … `<<: *logging`),
 * js-yaml under the same core schema, checked as fastYamlData checks it. Each document as
 * parseAllDocuments(text) then toJS({ maxAliasCount: 100 }) reads it, or undefined (then parse precisely).
 */
export function fastYamlDocumentsWithAliases(text: string): unknown[] | undefined {
  const plain = fastYamlDocuments(text);
  if (plain) return plain;
  if ((text.match(ALIAS_TOKEN)?.length ?? 0) > MAX_ALIASES) return undefined;
  const out: unknown[] = [];
  for (const part of text.split(DOC_MARKERS)) {
    if (BLANK_DOC.test(part)) continue;
    const fast = fastYamlData(part) ?? (NOT_FAST_BUT_ALIASES.some((re) => re.test(part)) || !flowSafe(part) ? undefined : jsYamlChecked(part));
    if (!fast) return undefined;
    if (fast.data !== null) out.push(fast.data);
  }
  return out;
}

/** Exported for test/unit/yaml-fast.test.ts; fastYamlData calls it after the textual check. */
export function plainYamlData(text: string): { data: unknown } | undefined {
  for (const re of NOT_FAST) if (re.test(text)) return undefined;
  const data = readPlainYaml(text);
  return data === undefined ? undefined : { data };
}

function readPlainYaml(text: string): unknown {
  const lines = text.split("\n");
  // the content lines: their indentation and content (blank and comment-only lines left out), and the
  // indentation of the next line that is not blank, comment or not (-1: none)
  let next = 0;
  const indentAt: number[] = [];
  const contentAt: string[] = [];
  const nextIndent: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    let ind = 0;
    while (line.charCodeAt(ind) === 32) ind++;
    if (ind === line.length) continue;
    if (indentAt.length > nextIndent.length) nextIndent.push(ind);
    if (line.charCodeAt(ind) === 35) continue; // a comment line
    indentAt.push(ind);
    contentAt.push(ind ? line.slice(ind) : line);
  }
  if (indentAt.length > nextIndent.length) nextIndent.push(-1);
  const n = contentAt.length;
  /** Is the line after content line k (comment or not) deeper than `ind`? Then k's value may go on. */
  const continues = (k: number, ind: number): boolean => (nextIndent[k] as number) > ind;

  function node(depth: number): unknown {
    if (depth > 100) decline();
    const ind = indentAt[next] as number;
    return /^-(?: |$)/.test(contentAt[next] as string) ? seq(ind, depth) : map(ind, undefined, depth);
  }

  /** A value on a key's or an item's line (`rest`), or the block below when there is none. */
  function value(rest: string | undefined, k: number, ind: number, depth: number): unknown {
    if (rest === undefined || rest === "" || rest[0] === "#") {
      if (next < n && (indentAt[next] as number) > ind) return node(depth + 1);
      return null;
    }
    if (continues(k, ind)) decline();
    const v = inline(rest, 0, false);
    if (endAt < rest.length && !REST_OK.test(rest.slice(endAt))) decline();
    return v;
  }

  function map(ind: number, first: string | undefined, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let content = first;
    while (content !== undefined || (next < n && indentAt[next] === ind)) {
      const k = content !== undefined ? next - 1 : next++;
      const m = BLOCK_KEY.exec(content ?? (contentAt[k] as string));
      content = undefined;
      if (!m) return decline();
      const key = m[1] !== undefined ? plainKey(m[1]) : m[2] ?? (m[3] as string).replace(/''/g, "'");
      if (Object.prototype.hasOwnProperty.call(out, key)) decline();
      const rest = m[4];
      if ((rest === undefined || rest === "" || rest[0] === "#") && next < n && indentAt[next] === ind && /^-(?: |$)/.test(contentAt[next] as string)) {
        out[key] = seq(ind, depth + 1); // a block sequence at its key's indentation
      } else out[key] = value(rest, k, ind, depth);
    }
    if (next < n && (indentAt[next] as number) > ind) decline();
    return out;
  }

  function seq(ind: number, depth: number): unknown[] {
    const out: unknown[] = [];
    while (next < n && indentAt[next] === ind && /^-(?: |$)/.test(contentAt[next] as string)) {
      const k = next++;
      const line = contentAt[k] as string;
      const sp = /^-[ ]*/.exec(line)![0].length;
      const rest = line.slice(sp);
      if (/^-(?: |$)/.test(rest)) decline();
      if (rest !== "" && rest[0] !== "#" && BLOCK_KEY.test(rest)) out.push(map(ind + sp, rest, depth + 1)); // `- key: value`
      else out.push(value(rest, k, ind, depth));
    }
    if (next < n && (indentAt[next] as number) > ind) decline();
    return out;
  }

  if (n === 0) return undefined;
  try {
    const data = node(0);
    if (next < n || data === null || typeof data !== "object" || Array.isArray(data)) return undefined;
    return data;
  } catch (e) {
    if (e instanceof Decline) return undefined;
    throw e;
  }
}

/**
 * A plain scalar, as long as YAML reads it: in block context it ends before ` #`, before `: ` or a final `:`
 * (the caller then declines), before trailing spaces; in flow context also before `,`, `[`, `]`, `{`, `}`.
 * A `:` followed by anything else and a `#` after a non-space are text.
 */
const BLOCK_PLAIN = /(?:[^ :#]|:(?=[^ ])|[ ]+(?=[^ #])|#)*/y;
const FLOW_PLAIN = /(?:[^ :#,[\]{}]|:(?=[^ ,[\]{}])|[ ]+(?=[^ #,[\]{}:])|#)*/y;
/** A plain scalar's first character: not an indicator (a `-`, `?` or `:` before a space is one, too). */
const PLAIN_START_Y = /[^-?:,[\]{}#&*!|>'"%@`\s]|[-?:][^\s,[\]{}]/y;
function plainAt(s: string, i: number, flow: boolean): string {
  PLAIN_START_Y.lastIndex = i;
  if (!PLAIN_START_Y.test(s)) decline();
  const re = flow ? FLOW_PLAIN : BLOCK_PLAIN;
  re.lastIndex = i;
  re.test(s);
  return s.slice(i, re.lastIndex);
}

/** A string key as the precise reading makes it from a plain scalar (a canonical number reads back the same). */
function plainKey(raw: string): string {
  const v = plainScalar(raw);
  if (typeof v !== "string" && !(typeof v === "number" && String(v) === raw)) decline();
  return raw;
}

/** Where the last quoted() or inline() call ended: the index after its value (no tuple per value: less garbage). */
let endAt = 0;

/** A quoted scalar at s[i] on this line: its value; endAt the index after it. */
function quoted(s: string, i: number): string {
  if (s.charCodeAt(i) === 34) {
    const end = s.indexOf('"', i + 1);
    if (end < 0) decline();
    const v = s.slice(i + 1, end);
    if (v.includes("\\")) decline(); // escapes: js-yaml reads them
    endAt = end + 1;
    return v;
  }
  const end = quoteEnd(s, i, 39);
  if (end < 0) decline();
  endAt = end + 1;
  return s.slice(i + 1, end).replace(/''/g, "'");
}

/**
 * A value that starts at s[i]: a flow collection, a quoted or a plain scalar, on this line only. Returns the
 * value; endAt is the index after it. `flow`: inside a flow collection.
 */
function inline(s: string, i: number, flow: boolean): unknown {
  const c = s.charCodeAt(i);
  if (c === 91) { // [
    const out: unknown[] = [];
    i = skipSpaces(s, i + 1);
    while (s.charCodeAt(i) !== 93) {
      out.push(inline(s, i, true));
      i = skipSpaces(s, endAt);
      const d = s.charCodeAt(i);
      if (d === 44) i = skipSpaces(s, i + 1);
      else if (d !== 93) decline(); // a pair (`[a: 1]`), the line's end, anything else
    }
    endAt = i + 1;
    return out;
  }
  if (c === 123) { // {
    const out: Record<string, unknown> = {};
    i = skipSpaces(s, i + 1);
    while (s.charCodeAt(i) !== 125) {
      let key: string;
      let end: number;
      const q = s.charCodeAt(i);
      if (q === 34 || q === 39) {
        key = quoted(s, i);
        end = endAt;
      } else {
        const raw = plainAt(s, i, true);
        key = plainKey(raw);
        end = i + raw.length;
      }
      if (s.charCodeAt(end) !== 58 || s.charCodeAt(end + 1) !== 32 || Object.prototype.hasOwnProperty.call(out, key)) decline();
      out[key] = inline(s, skipSpaces(s, end + 1), true);
      i = skipSpaces(s, endAt);
      const d = s.charCodeAt(i);
      if (d === 44) i = skipSpaces(s, i + 1);
      else if (d !== 125) decline();
    }
    endAt = i + 1;
    return out;
  }
  if (c === 34 || c === 39) return quoted(s, i);
  const raw = plainAt(s, i, flow);
  if (raw === "") decline();
  endAt = i + raw.length;
  return plainScalar(raw);
}
const skipSpaces = (s: string, i: number): number => {
  while (s.charCodeAt(i) === 32) i++;
  return i;
};

/**
 * What the textual check cannot see with a regular expression, in one pass over the characters:
 *  - js-yaml accepts a flow collection continued on a line indented no deeper than the line it opened on;
 *    `yaml` rejects it ("must be sufficiently indented");
 *  - a collection as an implicit key inside a flow mapping (`{ [a], b: 1 }`): js-yaml names it "a", `yaml`
 *    "[ a ]";
 *  - a quoted scalar continued on the next line (the two differ on how deep it must be indented).
 * Flow indicators count only where YAML reads them as such (anywhere inside a flow collection, at the start of
 * a value in block context), quoted scalars and comments are skipped, block scalars' lines are skipped. Any
 * doubt (imbalance, an unclosed quote) answers false: the precise path reads the text.
 */
function flowSafe(text: string): boolean {
  const stack: number[] = []; // 123 `{` or 91 `[`
  let openerIndent = 0;
  let indent = 0;
  let blockScalarIndent = -1; // lines deeper than this belong to a block scalar
  let i = 0;
  const n = text.length;
  while (i < n) {
    // line start: indentation
    const lineStart = i;
    while (i < n && text.charCodeAt(i) === 32) i++;
    indent = i - lineStart;
    if (i >= n) break;
    let c = text.charCodeAt(i);
    if (c === 10) { i++; continue; }
    if (blockScalarIndent >= 0) {
      if (indent > blockScalarIndent) { i = eol(text, i) + 1; continue; }
      blockScalarIndent = -1;
    }
    if (stack.length > 0 && indent <= openerIndent) return false;
    let tokenStart = true; // where a value may begin
    let prev = 32; // previous non-space character on this line (32: none)
    for (; i < n; i++) {
      c = text.charCodeAt(i);
      if (c === 10) break;
      if (c === 32) {
        if (prev === 58 || prev === 45 || prev === 63) tokenStart = true; // after ": ", "- ", "? "
        continue;
      }
      if (c === 35 && (i === lineStart || text.charCodeAt(i - 1) === 32)) { i = eol(text, i); break; } // comment
      const inFlow = stack.length > 0;
      if (tokenStart && (c === 34 || c === 39)) {
        const end = quoteEnd(text, i, c);
        if (end < 0) return false;
        i = end;
        prev = c;
        tokenStart = false;
        continue;
      }
      if (c === 123 || c === 91) {
        if (inFlow || tokenStart) {
          if (inFlow && stack[stack.length - 1] === 123 && (prev === 44 || prev === 123)) return false; // collection key
          if (!inFlow) openerIndent = indent;
          stack.push(c);
          prev = c;
          tokenStart = true;
          continue;
        }
      } else if (c === 125 || c === 93) {
        if (inFlow) {
          if (stack.pop() !== (c === 125 ? 123 : 91)) return false;
          prev = c;
          tokenStart = false;
          continue;
        }
      } else if (c === 44 && inFlow) {
        prev = c;
        tokenStart = true;
        continue;
      } else if ((c === 124 || c === 62) && tokenStart && !inFlow) {
        blockScalarIndent = indent; // `|` or `>`: the lines below, deeper than this one, are its text
        i = eol(text, i);
        break;
      }
      // a plain character: a value begins after `: ` only (`:` inside a plain scalar is text)
      tokenStart = inFlow && c === 58;
      prev = c;
    }
    i++;
  }
  return stack.length === 0;
}

function eol(text: string, i: number): number {
  const e = text.indexOf("\n", i);
  return e < 0 ? text.length : e;
}

/** The index of the closing quote of the quoted scalar opened at `i` on the same line, or -1. */
function quoteEnd(text: string, i: number, q: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 10) return -1;
    if (q === 34 && c === 92) { j++; continue; } // backslash escape in "…"
    if (c === q) {
      if (q === 39 && text.charCodeAt(j + 1) === 39) { j++; continue; } // '' in '…'
      return j;
    }
  }
  return -1;
}

function keysSafe(v: unknown, depth: number): boolean {
  if (depth > 200 || v === null || typeof v !== "object") return depth <= 200;
  if (Array.isArray(v)) {
    for (const x of v) if (!keysSafe(x, depth + 1)) return false;
    return true;
  }
  for (const k in v as Record<string, unknown>) {
    if (k === "null" || k === "" || k === "[object Object]") return false;
    if (!keysSafe((v as Record<string, unknown>)[k], depth + 1)) return false;
  }
  return true;
}

// ---- positions from a slice ------------------------------------------------------------------------------

/** A block-mapping entry found by reading lines: the key's line and the line after its value. */
export interface Entry {
  start: number;
  end: number;
}

const BLANK_OR_COMMENT = /^[ ]*(?:#.*)?$/;
/** A plain key that the core schema reads as a string (or a canonical integer), then `:` and space or end. */
const SIMPLE_KEY = /^([ ]*)([A-Za-z0-9_][A-Za-z0-9_.\-/]*):(?:[ ]+(.*))?$/;
const NON_STRING = [/^(?:~|[Nn]ull|NULL)$/, /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/, /^0o[0-7]+$/, /^[-+]?[0-9]+$/, /^0x[0-9a-fA-F]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/, /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/];

function keyMatches(raw: string, seg: string): boolean {
  if (raw !== seg) return false;
  if (!NON_STRING.some((re) => re.test(raw))) return true;
  // an integer key reads as a number; String(number) gives back the same text only in canonical form
  return /^(?:0|[1-9][0-9]*)$/.test(raw) && String(Number(raw)) === raw;
}

function indentOf(line: string): number {
  let i = 0;
  while (line.charCodeAt(i) === 32) i++;
  return i;
}

/** The lines of a fast-path document and, per region read so far, its entries by key. */
export class LineIndex {
  readonly lines: string[];
  private readonly regions = new Map<string, Map<string, Entry>>();
  constructor(text: string) {
    this.lines = text.split("\n");
  }

  /**
   * The deepest block-mapping entry along `path` that plain reading of lines can find, with its depth
   * (the entry of path[depth-1]); depth 0 when not even the first key is found that way.
   */
  deepestEntry(path: readonly (string | number)[]): { entry?: Entry; depth: number } {
    const lines = this.lines;
    let from = 0;
    let to = lines.length;
    let indent = -1;
    let found: Entry | undefined;
    let depth = 0;
    for (const seg of path) {
      if (typeof seg !== "string" && typeof seg !== "number") break;
      const want = String(seg);
      // the indentation of this mapping's keys: the first content line of the region
      let first = from;
      while (first < to && BLANK_OR_COMMENT.test(lines[first] as string)) first++;
      if (first >= to) break;
      const ind = indentOf(lines[first] as string);
      if (ind <= indent) break;
      const entry = this.region(from, to, ind).get(want);
      if (!entry || !keyMatches(want, want)) break;
      found = entry;
      depth++;
      const m = SIMPLE_KEY.exec(lines[entry.start] as string) as RegExpExecArray;
      const inline = m[3] !== undefined && !/^#/.test(m[3]);
      if (inline) break; // the value starts on the key's line: go no deeper by lines
      from = entry.start + 1;
      to = entry.end;
      indent = ind;
      // a block sequence (or anything but a mapping) below: stop here
      let next = from;
      while (next < to && BLANK_OR_COMMENT.test(lines[next] as string)) next++;
      if (next >= to || !SIMPLE_KEY.test(lines[next] as string) || indentOf(lines[next] as string) <= ind) break;
    }
    return { entry: found, depth };
  }

  /**
   * Where an entry's key starts (`key`), or its value when that starts on the key's line as a plain, quoted or
   * flow scalar — read from the line alone; undefined when only a parse can tell (a value on the lines below, a
   * block scalar).
   */
  entryPosition(entry: Entry, key: boolean): { line: number; column: number } | undefined {
    const line = this.lines[entry.start] as string;
    const m = SIMPLE_KEY.exec(line);
    if (!m) return undefined;
    const ind = (m[1] as string).length;
    if (key) return { line: entry.start + 1, column: ind + 1 };
    const value = m[3];
    if (value === undefined || value === "" || /^[#|>]/.test(value)) return undefined;
    return { line: entry.start + 1, column: line.length - value.length + 1 };
  }

  /**
   * Where item `index` of a flow sequence that is an entry's whole value on the key's line starts
   * (`key: [a, "b", {c: 1}]`); undefined when the line alone cannot tell (no such item, the sequence goes on
   * below, an item that is a pair, anything unusual).
   */
  flowItemPosition(entry: Entry, index: number): { line: number; column: number } | undefined {
    const line = this.lines[entry.start] as string;
    const m = SIMPLE_KEY.exec(line);
    const value = m?.[3];
    if (value === undefined || value[0] !== "[") return undefined;
    const open = line.length - value.length;
    const starts: number[] = [];
    let depth = 0;
    let itemStart = -1; // the current item's first character, -1 before it
    let pair = false;
    for (let i = open; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 32) continue;
      if (depth === 1 && itemStart < 0 && c !== 44 && c !== 93) itemStart = i;
      if (c === 34 || c === 39) {
        const end = quoteEnd(line, i, c);
        if (end < 0) return undefined;
        i = end;
      } else if (c === 91 || c === 123) depth++;
      else if (c === 93 || c === 125) {
        depth--;
        if (depth === 0) {
          if (itemStart >= 0) starts.push(itemStart);
          // only a comment may follow the sequence
          const rest = line.slice(i + 1);
          if (pair || !/^(?:[ ]*|[ ]+#.*)$/.test(rest)) return undefined;
          const at = starts[index];
          return at === undefined ? undefined : { line: entry.start + 1, column: at + 1 };
        }
      } else if (depth === 1 && c === 44) {
        if (itemStart < 0) return undefined; // an empty item
        starts.push(itemStart);
        itemStart = -1;
      } else if (depth === 1 && (c === 58 || c === 63 || c === 35)) pair = true; // `a: b` or `? a` items, `#`
    }
    return undefined;
  }

  /**
   * Where item `index` of a block sequence that is an entry's whole value starts (`routes:` then `- …` lines):
   * the first character after the item's `- `. Undefined when the lines alone cannot tell (no such item, an
   * item whose content starts on a later line or is a comment, a nested `- - `, anything unusual).
   */
  blockItemPosition(entry: Entry, index: number): { line: number; column: number } | undefined {
    const lines = this.lines;
    const m = SIMPLE_KEY.exec(lines[entry.start] as string);
    if (!m || (m[3] !== undefined && m[3] !== "" && m[3][0] !== "#")) return undefined;
    const keyIndent = (m[1] as string).length;
    let seqIndent = -1;
    let n = -1;
    for (let i = entry.start + 1; i < entry.end; i++) {
      const line = lines[i] as string;
      if (BLANK_OR_COMMENT.test(line)) continue;
      const ind = indentOf(line);
      if (seqIndent < 0) {
        if (ind < keyIndent || !/^-(?: |$)/.test(line.slice(ind))) return undefined;
        seqIndent = ind;
      }
      if (ind < seqIndent) return undefined;
      if (ind > seqIndent) continue; // the inside of an item
      const item = /^-([ ]+)(?=[^ #-])/.exec(line.slice(ind));
      if (!/^-(?: |$)/.test(line.slice(ind))) return undefined;
      if (++n === index) return item ? { line: i + 1, column: ind + 1 + 1 + (item[1] as string).length } : undefined;
    }
    return undefined;
  }

  /** The entries of the mapping whose keys sit at `ind` in lines [from, to), by their plain key text. */
  private region(from: number, to: number, ind: number): Map<string, Entry> {
    const id = `${from}:${to}:${ind}`;
    let map = this.regions.get(id);
    if (map) return map;
    map = new Map();
    this.regions.set(id, map);
    const lines = this.lines;
    let open: { key: string; start: number } | undefined;
    let lastContent = from - 1;
    const close = () => {
      // trailing blank and comment lines belong to no one: the entry ends after its last content line
      if (open) map!.set(open.key, { start: open.start, end: lastContent + 1 });
      open = undefined;
    };
    for (let i = from; i < to; i++) {
      const line = lines[i] as string;
      if (BLANK_OR_COMMENT.test(line)) continue;
      const k = indentOf(line);
      if (k < ind) break;
      // an entry runs to the next content line at the same indentation that is not a sequence item (a block
      // sequence may sit at its key's indentation)
      if (k === ind && !/^-(?:[ ]|$)/.test(line.slice(k))) {
        close();
        const m = SIMPLE_KEY.exec(line);
        if (m && !map.has(m[2] as string)) open = { key: m[2] as string, start: i };
      }
      lastContent = i;
    }
    close();
    return map;
  }
}
