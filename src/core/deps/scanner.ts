// The scanner core: text in, references out. Pure. All patterns are ASCII, so the I/O layer hands
// us latin1-decoded text (one char a byte: fast, and never throws on bad UTF-8).
// One combined regular expression finds every form in a single pass over the text.
import { callMayBeRecognised, createResolver, envMayBeRecognised, GENERIC_PRECHECK, isCallScheme, isStoreName, isStoreScheme, precheckHolds, recognise, urlMayBeRecognised, type PrecheckCondition, type Resolver } from "./recognise.js";
import { literalSet, scanLiterals, type LiteralSet } from "./literals.js";
import type { ReferenceForm } from "./types.js";

export interface ServiceTarget {
  /** The node the reference points at (a context or a --service-prefix service). */
  name: string;
  /** INVENTORY for inventory: matches INVENTORY_URL and ROUTE_INVENTORY_URL. */
  envName?: string;
  /** Other host names code uses for it (contexts.<c>.aliases). */
  aliases?: string[];
}

export interface PrefixTarget {
  /** As the user wrote it: http://user-service */
  prefix: string;
  service: string;
}

export interface MatcherSpec {
  services: ServiceTarget[];
  prefixes: PrefixTarget[];
  /** Declared event type names. */
  events: string[];
  /** Kubernetes namespace: http://inventory.shop… is still inventory. */
  namespace?: string;
  /** Run the recognisers for code msa did not write (recognise.ts) too. */
  generic?: boolean;
  /** Variables' values from compose/k8s: [["CART_ADDR", "cartservice:7070"]]. */
  envValues?: [string, string][];
}

export type Direction = "publish" | "consume";

export interface RawMatch {
  /** "const": a string constant's definition (target: its name, text: its value), for resolving event names. */
  form: ReferenceForm | "const";
  /** Service or event name. */
  target: string;
  /** ROUTE_<X>_URL (the node gateway's upstream variable). */
  route: boolean;
  /** For events: publish/consume read from the words around the name on its line; null when unclear. */
  direction: Direction | null;
  line: number;
  column: number;
  text: string;
  /** How the target was found (recognisers). */
  via?: string;
  /** The event name is a constant's name, resolved after the scan. */
  symbol?: boolean;
}

export interface Matcher {
  /** One expression a form, each starting with something rare (a literal), so each pass is fast. */
  passes: { form: ReferenceForm; regex: RegExp; names?: string[]; suffix?: boolean; anchor?: string }[];
  /** Literals at least one of which every reference contains ("://" aside): see mayReference. */
  literals: Buffer[];
  /** The URL expression, sticky-free, for testing the text around a "://". */
  url: RegExp | null;
  /** First bytes of the service names: a "://" followed by anything else is not one of ours. */
  urlFirstBytes: Set<number>;
  longestName: number;
  prefixes: Map<string, string>;
  envs: Map<string, string>;
  urls: Map<string, string>;
  /** Set when the generic recognisers run. */
  resolver: Resolver | null;
  /** Broker calls are read for event names (no declared events to look for, or besides them). */
  withEvents: boolean;
  /** Every literal of the pre-check, searched for in one pass: see mayReference. */
  precheck: LiteralSet;
  /** By literal id: what must surround a hit for it to count (null: any hit counts; id 0, "://", is looked at apart). */
  precheckWhen: (PrecheckCondition | "msa-env" | null)[];
  /** By literal id: its length in bytes. */
  precheckLength: number[];
  /** Hosts' first labels the pre-check has looked up: whether each names a context or a store. */
  labels: Map<string, boolean>;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const longestFirst = (a: string, b: string): number => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0);
const alt = (xs: Iterable<string>): string => [...new Set(xs)].sort(longestFirst).map(escapeRe).join("|");

/** Appends to the list under `key` (a copy per append was quadratic in the names sharing a first letter). */
const push = (m: Map<string, string[]>, key: string, v: string): void => {
  const list = m.get(key);
  if (list) list.push(v);
  else m.set(key, [v]);
};

/**
 * An alternation factored by common prefixes (order\.c(?:reated|ancelled)): the regex engine then
 * searches for a literal prefix instead of trying every alternative at every position.
 */
export function trieRegexSource(words: Iterable<string>): string {
  const list = [...new Set(words)].filter(Boolean).sort();
  const build = (group: string[]): string => {
    // Longest common prefix of the group, then one branch per next character.
    let prefix = group[0] as string;
    for (const w of group) while (!w.startsWith(prefix)) prefix = prefix.slice(0, -1);
    const rest = group.map((w) => w.slice(prefix.length));
    const empty = rest.includes("");
    const byFirst = new Map<string, string[]>();
    for (const r of rest) if (r) push(byFirst, r[0] as string, r);
    const branches = [...byFirst.values()].map((g) => (g.length === 1 ? escapeRe(g[0] as string) : build(g)));
    if (!branches.length) return escapeRe(prefix);
    const body = branches.length === 1 && !empty ? branches[0] : `(?:${branches.join("|")})${empty ? "?" : ""}`;
    return escapeRe(prefix) + body;
  };
  if (!list.length) return "(?!)";
  // Group by first character so each top-level branch starts with a literal.
  const top = new Map<string, string[]>();
  for (const w of list) push(top, w[0] as string, w);
  return [...top.values()].map((g) => (g.length === 1 ? escapeRe(g[0] as string) : build(g))).join("|");
}

const commonPrefix = (xs: string[]): string => {
  let p = xs[0] ?? "";
  for (const x of xs) while (!x.startsWith(p)) p = p.slice(0, -1);
  return p;
};
const commonSuffix = (xs: string[]): string => {
  let p = xs[0] ?? "";
  for (const x of xs) while (!x.endsWith(p)) p = p.slice(1);
  return p;
};
/** Below this, a literal is too common to search for: such names get a pass each. */
const MIN_ANCHOR = 5;
/** More passes than this cost more than one alternation. */
const MAX_EVENT_PASSES = 12;

export interface EventAnchor {
  anchor: string;
  /** Longest first, so the longest name at a position wins. */
  names: string[];
  /** The anchor ends the names (else it starts them). */
  suffix: boolean;
}

/** Groups event names (by first character) under the longest literal each group shares. */
export function eventAnchors(events: readonly string[]): EventAnchor[] {
  const byFirst = new Map<string, string[]>();
  for (const e of [...new Set(events)].sort()) push(byFirst, e[0] as string, e);
  const out: EventAnchor[] = [];
  const add = (names: string[]) => {
    const pre = commonPrefix(names);
    const suf = commonSuffix(names);
    const suffix = suf.length > pre.length;
    out.push({ anchor: suffix ? suf : pre, names: [...names].sort(longestFirst), suffix });
  };
  // Names sharing a suffix across first letters (domain0.thing-happened, other.thing-happened) go together.
  const all = [...new Set(events)];
  const suf = commonSuffix(all);
  if (all.length > 1 && suf.length >= MIN_ANCHOR && suf.length >= commonPrefix(all).length) return [{ anchor: suf, names: all.sort(longestFirst), suffix: true }];
  for (const names of byFirst.values()) {
    if (names.length === 1 || Math.max(commonPrefix(names).length, commonSuffix(names).length) >= MIN_ANCHOR) add(names);
    else for (const n of names) add([n]);
  }
  if (out.length > MAX_EVENT_PASSES) return [{ anchor: "", names: all.sort(longestFirst), suffix: false }];
  return out;
}

export function createMatcher(spec: MatcherSpec): Matcher {
  const urls = new Map(spec.services.map((s) => [s.name, s.name]));
  const envs = new Map<string, string>();
  for (const s of spec.services) if (s.envName) envs.set(s.envName, s.name);
  const prefixes = new Map(spec.prefixes.map((p) => [p.prefix, p.service]));
  // Case-sensitive on purpose: context names are lowercase DNS labels, env names upper case, and a
  // case-insensitive expression is several times slower on large trees. One alternation over all
  // forms is slow too (a quote would start a candidate at every string), hence one pass a form.
  const passes: Matcher["passes"] = [];
  if (prefixes.size) {
    // A prefix ending in a name character must end there: http://user-service is not http://user-service-v2.
    passes.push({ form: "prefix", regex: new RegExp(`(?:${alt(prefixes.keys())})(?:(?<=[^A-Za-z0-9_-])|(?![A-Za-z0-9_-]))`, "g") });
  }
  if (urls.size) {
    const ns = spec.namespace ? `${escapeRe(spec.namespace)}|` : "";
    // After the host: a port, a path, a quote, the end... or a cluster DNS suffix (.svc, .<namespace>).
    // Starts with the literal "://" (rarer than "http", so the engine skips faster); the scheme is checked by hand.
    passes.push({ form: "url", regex: new RegExp(`:\\/\\/(${trieRegexSource(urls.keys())})(?![A-Za-z0-9_-])(?!\\.(?!(?:${ns}svc)(?![A-Za-z0-9-]))[A-Za-z0-9])`, "g") });
  }
  // Anchored on the rare literal _URL; the variable's name is read backwards from there.
  if (envs.size) passes.push({ form: "env", regex: /_URL(?![A-Za-z0-9_])/g });
  // Events: one pass a group of names sharing a long literal (a prefix or a suffix): a plain literal
  // is what the regex engine skips through fastest. The name and its quotes are checked by hand.
  for (const g of eventAnchors(spec.events)) {
    // Too many groups: one factored alternation of the whole names instead.
    const source = g.anchor ? escapeRe(g.anchor) : trieRegexSource(g.names);
    passes.push({ form: "event", regex: new RegExp(source, "g"), names: g.anchor ? g.names : undefined, suffix: g.suffix, anchor: g.anchor });
  }
  // Literals for the byte-level pre-check: the event names themselves (one pass finds any of them,
  // however many groups the expressions need).
  const literals: Buffer[] = [...prefixes.keys()].map((p) => Buffer.from(p, "latin1"));
  if (envs.size) literals.push(Buffer.from("_URL", "latin1"));
  for (const e of new Set(spec.events)) literals.push(Buffer.from(e, "latin1"));
  const urlPass = passes.find((p) => p.form === "url");
  const longestName = Math.max(0, ...[...urls.keys()].map((n) => n.length));
  const urlFirstBytes = new Set([...urls.keys()].map((n) => n.charCodeAt(0)));
  const resolver = spec.generic ? createResolver(spec.services, new Map(spec.envValues ?? [])) : null;
  // One literal set for the pre-check: "://" first (id 0: looked at more closely), then the others (a hit says yes).
  // A literal too short to key (one byte, or the empty anchor of too many event groups) makes every file a candidate.
  // The recognisers' literals carry a condition on their surroundings (a call word must be followed by "(").
  const generic = resolver ? GENERIC_PRECHECK : [];
  const precheckLiterals = ["://", ...generic.map((g) => g.literal), ...literals.map((l) => l.toString("latin1"))];
  const precheck = literalSet(precheckLiterals);
  // msa's own _URL counts only after one of the contexts' variable names (or ROUTE_ and one).
  const precheckWhen = [null, ...generic.map((g) => g.when ?? null), ...literals.map((l) => (envs.size && l.toString("latin1") === "_URL" ? ("msa-env" as const) : null))];
  const precheckLength = precheckLiterals.map((l) => l.length);
  return { passes, prefixes, envs, urls, literals, url: urlPass ? new RegExp(urlPass.regex.source) : null, urlFirstBytes, longestName, resolver, withEvents: !!spec.generic, precheck, precheckWhen, precheckLength, labels: new Map() };
}

/**
 * Whether `bytes` may hold a reference: one pass over the bytes for every literal some reference
 * contains (literals.ts), and a look at the text around each "://". Most files of a tree refer to no
 * other service; for them this saves decoding the text and running the expressions (and the garbage
 * both make). False positives are fine; a false negative would lose a reference (tests compare with
 * the full scan).
 */
export function mayReference(matcher: Matcher, bytes: Buffer): boolean {
  if (matcher.precheck.matchesAll) return true;
  return scanLiterals(matcher.precheck, bytes, (id, i) => precheckHit(matcher, bytes, id, i));
}

/** Whether the pre-check literal `id`, found at `i`, counts (see mayReference). */
function precheckHit(matcher: Matcher, bytes: Buffer, id: number, i: number): boolean {
  if (id === 0) return urlMayReference(matcher, bytes, i);
  const when = matcher.precheckWhen[id];
  if (!when) return true;
  const length = matcher.precheckLength[id]!;
  if (when === "msa-env") return msaEnvMayReference(matcher, bytes, i);
  if (!precheckHolds(when, bytes, i, length)) return false;
  // The recognisers' own test of the call or variable there (the literal's first hit in a bundle rarely counts).
  if (when === "env") return envMayBeRecognised(bytes, i, length, matcher.resolver!);
  let paren = i + length;
  while (bytes[paren] !== 40) paren++; // spaces or tabs: precheckHolds found the "("
  return callMayBeRecognised(bytes, i + length, paren, matcher.resolver!);
}

/**
 * Runs the pre-check's every path once on a made-up text (each literal where it counts and where it does not),
 * before a scan: V8 then optimises the pre-check's loop with type feedback for all of it, instead of
 * optimising it early on the common path and throwing that code away (deoptimising, and later compiling
 * again) at each path a file first takes — on the real mixed tree that cost each thread ~0.2 s of CPU.
 * Only speed depends on it: the made-up text's answers are discarded.
 */
export function warmPrecheck(matcher: Matcher): void {
  if (matcher.precheck.matchesAll) return;
  const pieces: string[] = [];
  // Every literal with a condition (the recognisers' ~30, "://", msa's _URL), but only a few of those any hit
  // counts for (event names, --service-prefix values): they all take the same path, and a 400-context
  // system.yaml has ~400 of them (the made-up text and its two scans were ~50 ms of each thread's CPU).
  let plain = 0;
  for (const list of matcher.precheck.entries) {
    for (const e of list) {
      if (e.id !== 0 && matcher.precheckWhen[e.id] === null && ++plain > WARM_PLAIN_LITERALS) continue;
      const lit = Buffer.from(e.bytes).toString("latin1");
      pieces.push(`x${lit}`, `X_${lit}('order.created', topic) `, `New${lit}(conn) `, `${lit}\t(\n'a.b') `, `ab.${lit} = 1;\n`);
    }
  }
  pieces.push("http://cart:80/ ", "https://262.ecma-international.org/ ", "http://10.0.0.1/ ", "'http://' + host ", "`http://${CART_ADDR}/` ", "mongodb://db:27017 ", "ftp://x ", 'p+"://"+h ');
  const text = Buffer.from(pieces.join(" "), "latin1");
  for (let k = 0; k < 2; k++) scanLiterals(matcher.precheck, text, (id, i) => (precheckHit(matcher, text, id, i), false));
}

/** How many literals without a condition warmPrecheck puts in its made-up text. */
const WARM_PLAIN_LITERALS = 8;

/** The msa env pass's test of the "_URL" at `i`: a context's variable name before it (or ROUTE_ and one), no name character after. */
function msaEnvMayReference(matcher: Matcher, bytes: Buffer, i: number): boolean {
  const after = bytes[i + 4];
  if (after !== undefined && isWordCode(after)) return false;
  let start = i;
  while (start > 0 && isWordCode(bytes[start - 1]!)) start--;
  const id = bytes.toString("latin1", start, i);
  return matcher.envs.has(id) || (id.startsWith("ROUTE_") && matcher.envs.has(id.slice(6)));
}

const IPV4 = /^\d+\.\d+\.\d+\.\d+$/;

/** Characters of a host's first DNS label as hostOf() cuts it: a dot, colon, slash or anything else ends it. */
const isLabelByte = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;

/** Whether a host's first label names a context or a store; the answers are kept (licence and docs hosts repeat). */
function labelMayResolve(matcher: Matcher, label: string): boolean {
  let known = matcher.labels.get(label);
  if (known === undefined) {
    known = isStoreName(label) || matcher.resolver!.resolve(label) !== null;
    if (matcher.labels.size < 10_000) matcher.labels.set(label, known);
  }
  return known;
}

/** What the recognisers read as a scheme's characters: name characters, $, + and -. */
const isSchemeByte = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || c === 43 || c === 45;

/** A "://" at `i` matters when a template, a name's first letter or a data store's scheme is around it, or a service's URL starts there. */
function urlMayReference(matcher: Matcher, bytes: Buffer, i: number): boolean {
  const next = bytes[i + 3] ?? -1;
  if (matcher.resolver) {
    // The scheme is the word before "://": decode from its start only (a bundle's protocol + "://" has none).
    let from = i;
    while (from > 0 && i - from < 256 && isSchemeByte(bytes[from - 1]!)) from--;
    if (from < i) {
      if (isLabelByte(next) && next !== 95 && next !== 45) {
        // A literal host (the common case): TEMPLATE_HOST can only match it as a host, whose first DNS
        // label is what gets resolved; answered from the scheme and the label, without the expression.
        const scheme = bytes.toString("latin1", from, i).toLowerCase();
        if (isStoreScheme(scheme)) return true;
        if (isCallScheme(scheme)) {
          let end = i + 3;
          while (end < bytes.length && end - i - 3 < 200 && isLabelByte(bytes[end]!)) end++; // the recogniser reads 200 characters
          // hostOf keeps an IPv4 address whole (TEMPLATE_HOST's literal host: label bytes and dots, 200 at most)
          // and cuts any other host at its first dot (https://262.ecma-international.org: "262").
          let host = bytes.toString("latin1", i + 3, end);
          if (bytes[end] === 46 && /^\d+$/.test(host)) {
            let to = end;
            while (to < bytes.length && to - i - 3 < 200 && (isLabelByte(bytes[to]!) || bytes[to] === 46)) to++;
            const whole = bytes.toString("latin1", i + 3, to);
            if (IPV4.test(whole)) host = whole;
          }
          if (labelMayResolve(matcher, host)) return true;
        }
      } else if (urlMayBeRecognised(bytes.toString("latin1", from, Math.min(bytes.length, i + 203)), i - from, matcher.resolver)) return true;
    }
  }
  if (matcher.url && matcher.urlFirstBytes.has(next)) {
    const window = bytes.toString("latin1", i, Math.min(bytes.length, i + 3 + matcher.longestName + 80));
    if (matcher.url.test(window)) return true;
  }
  return false;
}

// Words that say what a line does with an event name. The nearest one to the name wins.
const PUBLISH_WORDS = /publish|emit|produce|send|dispatch|outbox/gi;
const CONSUME_WORDS = /subscri|consum|handle|listen|on\(|bind/gi;

export function directionOf(line: string, at: number, length: number): Direction | null {
  let best: { d: Direction; dist: number } | null = null;
  const consider = (re: RegExp, d: Direction) => {
    re.lastIndex = 0;
    for (let m = re.exec(line); m; m = re.exec(line)) {
      const end = m.index + m[0].length;
      const dist = end <= at ? at - end : m.index >= at + length ? m.index - (at + length) + 0.5 : 0;
      if (!best || dist < best.dist) best = { d, dist };
    }
  };
  consider(PUBLISH_WORDS, "publish");
  consider(CONSUME_WORDS, "consume");
  return (best as { d: Direction } | null)?.d ?? null;
}

const indentOf = (line: string): number => line.length - line.trimStart().length;

/**
 * An entry of a multi-line map or list (`"order.created": 2,` inside `PUBLISHED_VERSIONS = {`)
 * takes its direction from the block's header: the nearest line above it that is indented less.
 */
export function headerDirection(text: string, lineStart: number, maxLines = 200): Direction | null {
  let end = text.indexOf("\n", lineStart);
  if (end === -1) end = text.length;
  const indent = indentOf(text.slice(lineStart, end));
  if (indent === 0) return null;
  let start = lineStart;
  for (let i = 0; i < maxLines && start > 0; i++) {
    const prevEnd = start - 1;
    const prevStart = text.lastIndexOf("\n", prevEnd - 1) + 1;
    const line = text.slice(prevStart, prevEnd);
    start = prevStart;
    if (!line.trim()) continue;
    if (indentOf(line) < indent) return directionOf(line, line.length, 0);
  }
  return null;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** Width in characters of the UTF-8 text a latin1 slice holds. */
const charWidth = (slice: string): number => (NON_ASCII.test(slice) ? Buffer.from(slice, "latin1").toString("utf8").length : slice.length);

/** Around a hit, the words that say what a line does: at most this many characters each side (a minified line is one line). */
const DIRECTION_WINDOW = 200;

const QUOTES = new Set(['"', "'", "`"]);
const isWordCode = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

interface Hit {
  index: number;
  form: RawMatch["form"];
  target: string;
  text: string;
  route: boolean;
  via?: string;
  direction?: Direction | null;
  symbol?: boolean;
}

function hits(matcher: Matcher, text: string): Hit[] {
  const out: Hit[] = [];
  for (const { form, regex, names, suffix } of matcher.passes) {
    regex.lastIndex = 0;
    for (let m = regex.exec(text); m; m = regex.exec(text)) {
      if (form === "prefix") {
        const service = matcher.prefixes.get(m[0]);
        if (service) out.push({ index: m.index, form, target: service, text: m[0], route: false });
      } else if (form === "url") {
        const name = matcher.urls.get(m[1] as string);
        const scheme = text.startsWith("https", m.index - 5) ? 5 : text.startsWith("http", m.index - 4) ? 4 : 0;
        if (name && scheme) out.push({ index: m.index - scheme, form, target: name, text: text.slice(m.index - scheme, m.index + m[0].length), route: false });
      } else if (form === "env") {
        let start = m.index;
        while (start > 0 && isWordCode(text.charCodeAt(start - 1))) start--;
        const id = text.slice(start, m.index);
        const route = id.startsWith("ROUTE_") && matcher.envs.has(id.slice(6));
        const name = route ? matcher.envs.get(id.slice(6)) : matcher.envs.get(id);
        if (name && matcher.resolver && isStoreName(id)) continue; // MONGO_URL: a data store (the recognisers say so)
        if (name) out.push({ index: start, form, target: name, text: text.slice(start, m.index + 4), route });
      } else {
        // Which name is at the anchor: the longest that fits, with the same quote on both sides.
        const candidates = names ?? [m[0]];
        const anchorEnd = m.index + m[0].length;
        for (const name of candidates) {
          const start = suffix ? anchorEnd - name.length : m.index;
          if (start < 1 || !text.startsWith(name, start)) continue;
          const q = text[start - 1] as string;
          if (QUOTES.has(q) && text[start + name.length] === q) {
            out.push({ index: start - 1, form, target: name, text: `${q}${name}${q}`, route: false });
            break;
          }
        }
      }
    }
  }
  if (matcher.resolver) {
    // The msa forms first: a generic hit at the same place for the same target says nothing more.
    const seen = new Set(out.map((h) => `${h.index} ${h.target}`));
    for (const r of recognise(text, matcher.resolver, matcher.withEvents)) {
      if (seen.has(`${r.index} ${r.target}`)) continue;
      seen.add(`${r.index} ${r.target}`);
      out.push({ index: r.index, form: r.form, target: r.target, text: r.text, route: false, via: r.via, direction: r.direction, symbol: r.symbol });
    }
  }
  return out.sort((a, b) => a.index - b.index);
}

/** Every reference in `text`, whose first line is line `firstLine`. Linear: lines and columns are counted forward only. */
export function scanText(matcher: Matcher, text: string, firstLine = 1): RawMatch[] {
  if (!matcher.passes.length && !matcher.resolver) return [];
  const found = hits(matcher, text);
  const out: RawMatch[] = [];
  let line = firstLine;
  let lineStart = 0;
  // The column is carried from the previous hit on the same line, never recounted from the line start.
  let colIndex = 0;
  let column = 1;
  // The next newline at or after lineStart (text.length when none): searched once per line, not once per hit.
  let nextNl = text.indexOf("\n");
  if (nextNl === -1) nextNl = text.length;
  for (const h of found) {
    while (nextNl < h.index) {
      line++;
      lineStart = nextNl + 1;
      nextNl = text.indexOf("\n", lineStart);
      if (nextNl === -1) nextNl = text.length;
    }
    if (colIndex < lineStart) {
      colIndex = lineStart;
      column = 1;
    }
    column += charWidth(text.slice(colIndex, h.index));
    colIndex = h.index;
    let direction: Direction | null = h.direction ?? null;
    if (h.form === "event") {
      const end = nextNl;
      const from = Math.max(lineStart, h.index - DIRECTION_WINDOW);
      const to = Math.min(end, h.index + h.text.length + DIRECTION_WINDOW);
      direction = directionOf(text.slice(from, to), h.index - from, h.text.length) ?? (h.index - lineStart < DIRECTION_WINDOW ? headerDirection(text, lineStart) : null);
    }
    const m: RawMatch = { form: h.form, target: h.target, route: h.route, direction, line, column, text: h.text.length > 200 ? h.text.slice(0, 200) : h.text };
    if (h.via) m.via = h.via;
    if (h.symbol) m.symbol = true;
    out.push(m);
  }
  return out;
}

/**
 * Scans a text that arrives in chunks (a file read with a fixed buffer). No reference spans
 * lines, so the unfinished last line of a chunk is carried into the next one.
 */
export function createChunkScanner(matcher: Matcher) {
  let carry = "";
  let line = 1;
  const matches: RawMatch[] = [];
  const countLines = (s: string): number => {
    let n = 0;
    for (let i = s.indexOf("\n"); i !== -1; i = s.indexOf("\n", i + 1)) n++;
    return n;
  };
  return {
    push(chunk: string): void {
      const text = carry + chunk;
      const cut = text.lastIndexOf("\n") + 1;
      if (cut === 0) {
        carry = text;
        return;
      }
      const complete = text.slice(0, cut);
      carry = text.slice(cut);
      matches.push(...scanText(matcher, complete, line));
      line += countLines(complete);
    },
    end(): RawMatch[] {
      if (carry) matches.push(...scanText(matcher, carry, line));
      carry = "";
      return matches;
    },
  };
}
