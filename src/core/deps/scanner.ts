// The scanner core: text in, references out. Pure. All patterns are ASCII, so the I/O layer hands
// us latin1-decoded text (one char a byte: fast, and never throws on bad UTF-8).
// One combined regular expression finds every form in a single pass over the text.
import type { ReferenceForm } from "./types.js";

export interface ServiceTarget {
  /** The node the reference points at (a context or a --service-prefix service). */
  name: string;
  /** INVENTORY for inventory: matches INVENTORY_URL and ROUTE_INVENTORY_URL. */
  envName?: string;
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
}

export type Direction = "publish" | "consume";

export interface RawMatch {
  form: ReferenceForm;
  /** Service or event name. */
  target: string;
  /** ROUTE_<X>_URL (the node gateway's upstream variable). */
  route: boolean;
  /** For events: publish/consume read from the words around the name on its line; null when unclear. */
  direction: Direction | null;
  line: number;
  column: number;
  text: string;
}

export interface Matcher {
  regex: RegExp | null;
  prefixes: Map<string, string>;
  envs: Map<string, string>;
  urls: Map<string, string>;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const longestFirst = (a: string, b: string): number => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0);
const alt = (xs: Iterable<string>): string => [...new Set(xs)].sort(longestFirst).map(escapeRe).join("|");

export function createMatcher(spec: MatcherSpec): Matcher {
  const urls = new Map(spec.services.map((s) => [s.name, s.name]));
  const envs = new Map<string, string>();
  for (const s of spec.services) if (s.envName) envs.set(s.envName, s.name);
  const prefixes = new Map(spec.prefixes.map((p) => [p.prefix, p.service]));
  const parts: string[] = [];
  if (prefixes.size) {
    // A prefix ending in a name character must end there: http://user-service is not http://user-service-v2.
    parts.push(`(?<prefix>${alt(prefixes.keys())})(?:(?<=[^A-Za-z0-9_-])|(?![A-Za-z0-9_-]))`);
  }
  if (urls.size) {
    const ns = spec.namespace ? `${escapeRe(spec.namespace)}|` : "";
    // After the host: a port, a path, a quote, the end... or a cluster DNS suffix (.svc, .<namespace>).
    parts.push(`https?:\\/\\/(?<url>${alt(urls.keys())})(?![A-Za-z0-9_-])(?!\\.(?!(?:${ns}svc)(?![A-Za-z0-9-]))[A-Za-z0-9])`);
  }
  if (envs.size) parts.push(`(?<![A-Za-z0-9_])(?<route>ROUTE_)?(?<env>${alt(envs.keys())})_URL(?![A-Za-z0-9_])`);
  if (spec.events.length) parts.push(`(?<q>["'\`])(?<event>${alt(spec.events)})\\k<q>`);
  // Case-sensitive on purpose: context names are lowercase DNS labels, env names upper case, and a
  // case-insensitive expression is several times slower on large trees.
  return { regex: parts.length ? new RegExp(parts.join("|"), "g") : null, prefixes, envs, urls };
}

// Words that say what a line does with an event name. The nearest one to the name wins.
const PUBLISH_WORDS = /publish|emit|produce|send|dispatch|outbox/gi;
const CONSUME_WORDS = /subscri|consum|handle|listen|on\(|bind|process/gi;

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

/** Column (1-based, in characters of the UTF-8 text) of `index` in a latin1 line starting at `lineStart`. */
function columnOf(text: string, lineStart: number, index: number): number {
  const before = text.slice(lineStart, index);
  return (NON_ASCII.test(before) ? Buffer.from(before, "latin1").toString("utf8").length : before.length) + 1;
}

/** Every reference in `text`, whose first line is line `firstLine`. */
export function scanText(matcher: Matcher, text: string, firstLine = 1): RawMatch[] {
  const re = matcher.regex;
  if (!re) return [];
  const out: RawMatch[] = [];
  let line = firstLine;
  let counted = 0; // text before this index has been counted into `line`
  let lineStart = 0;
  re.lastIndex = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    for (let nl = text.indexOf("\n", counted); nl !== -1 && nl < m.index; nl = text.indexOf("\n", nl + 1)) {
      line++;
      lineStart = nl + 1;
    }
    counted = m.index;
    const g = m.groups ?? {};
    const column = columnOf(text, lineStart, m.index);
    let match: RawMatch | undefined;
    if (g.prefix !== undefined) {
      const service = matcher.prefixes.get(g.prefix);
      if (service) match = { form: "prefix", target: service, route: false, direction: null, line, column, text: m[0] };
    } else if (g.url !== undefined) {
      const name = matcher.urls.get(g.url);
      if (name) match = { form: "url", target: name, route: false, direction: null, line, column, text: m[0] };
    } else if (g.env !== undefined) {
      const name = matcher.envs.get(g.env);
      if (name) match = { form: "env", target: name, route: g.route !== undefined, direction: null, line, column, text: m[0] };
    } else if (g.event !== undefined) {
      let end = text.indexOf("\n", m.index);
      if (end === -1) end = text.length;
      const lineText = text.slice(lineStart, end);
      const direction = directionOf(lineText, m.index - lineStart, m[0].length) ?? headerDirection(text, lineStart);
      match = { form: "event", target: g.event, route: false, direction, line, column, text: m[0] };
    }
    if (match) out.push(match);
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
