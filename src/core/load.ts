// Stage 1: YAML text → document with positions. Pure: takes text, returns data and diagnostics.
import { createRequire } from "node:module";
import type { Document, LineCounter, Node } from "yaml";
import { diagnostic, type Diagnostic, type Position } from "./diagnostics.js";

import { MAX_SYSTEM_FILE_BYTES } from "./limits.js";
import { fastYamlData, LineIndex } from "./yaml-fast.js";

export { MAX_SYSTEM_FILE_BYTES };

/**
 * The `yaml` library, loaded on first need: a fast-path load whose diagnostics all sit where the lines say
 * never needs it (loading it is ~20 ms of a 0.3 s budget, issue #24).
 */
const require = createRequire(import.meta.url);
let yamlLib: typeof import("yaml") | undefined;
const Y = (): typeof import("yaml") => (yamlLib ??= require("yaml") as typeof import("yaml"));
/** Aliases are legal YAML, but a billion-laughs document expands them exponentially. */
export const MAX_ALIAS_COUNT = 100;

export interface LoadedDocument {
  /** Path as the user named it (relative to cwd where possible): diagnostics print it. */
  file: string;
  text: string;
  /** The plain JS value of the document. */
  data: unknown;
}

/** The document with positions: made while loading on the precise path, else on the first positionOf that needs it. */
interface Precise {
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** Lines before the parsed text (a slice of the file starts at a line of its own). */
  lineOffset?: number;
}
const precise = new WeakMap<LoadedDocument, Precise>();
/**
 * Fast-path documents: their lines (split on the first position asked for: a run without diagnostics never
 * needs them) and the slices parsed for positions so far (by "start:end").
 */
const slices = new WeakMap<LoadedDocument, { lazyIndex?: LineIndex; parsed: Map<string, Precise | null> }>();
const indexOf = (loaded: LoadedDocument, fast: { lazyIndex?: LineIndex }): LineIndex => (fast.lazyIndex ??= new LineIndex(loaded.text));

const PARSE_OPTIONS = { uniqueKeys: true, prettyErrors: false, keepSourceTokens: false } as const;

/**
 * Set MSA_YAML_PRECISE=1 to always read system.yaml with the precise parser (the fast path is proved equal by
 * test/unit/yaml-fast.test.ts; this exists for benches and for ruling it out).
 */
function preciseOnly(): boolean {
  return process.env.MSA_YAML_PRECISE === "1";
}

export interface LoadResult {
  loaded?: LoadedDocument;
  diagnostics: Diagnostic[];
}

/** A referenced schema file's data (JSON or YAML); throws with the first problem when it does not parse. */
export function schemaFileData(text: string, file: string): unknown {
  const res = loadYamlText(text, file);
  if (!res.loaded) throw new Error(res.diagnostics[0]?.message ?? "not JSON or YAML");
  return res.loaded.data;
}

export function loadYamlText(text: string, file: string, opts: { precise?: boolean } = {}): LoadResult {
  const size = Buffer.byteLength(text, "utf8");
  if (size > MAX_SYSTEM_FILE_BYTES) return { diagnostics: [fileTooLarge(file, size)] };
  if (!opts.precise && !preciseOnly()) {
    const fast = fastYamlData(text);
    if (fast) {
      const loaded: LoadedDocument = { file, text, data: fast.data };
      slices.set(loaded, { parsed: new Map() });
      return { loaded, diagnostics: [] };
    }
  }
  const { LineCounter, parseDocument } = Y();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, ...PARSE_OPTIONS });
  const diagnostics: Diagnostic[] = [];
  // One error per root cause: every duplicate key is its own mistake, but after the first syntax error the
  // parser's view of the rest is guesswork (one tab gave seven errors), so only the first is reported.
  const tab = firstIndentTab(text);
  let syntaxReported = false;
  for (const err of doc.errors) {
    if (err.code === "DUPLICATE_KEY") {
      const pos = lineCounter.linePos(err.pos[0]);
      diagnostics.push(diagnostic(file, { line: pos.line, column: pos.col }, "error", "yaml-duplicate-key",
        "duplicate key: each key may appear once in a mapping; remove or rename one of them"));
      continue;
    }
    if (syntaxReported) continue;
    syntaxReported = true;
    const pos = lineCounter.linePos(err.pos[0]);
    if (tab && tab.line <= pos.line) {
      diagnostics.push(diagnostic(file, tab, "error", "yaml-syntax", "a tab in the indentation: YAML indents with spaces only; replace the tab with spaces"));
      continue;
    }
    diagnostics.push(diagnostic(file, { line: pos.line, column: pos.col }, "error", "yaml-syntax", `YAML syntax: ${firstLine(err.message)}`));
  }
  if (diagnostics.length) return { diagnostics };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/alias/i.test(message)) {
      return {
        diagnostics: [diagnostic(file, firstAliasPosition(doc, lineCounter), "error", "yaml-alias-limit",
          `too many YAML alias expansions (limit ${MAX_ALIAS_COUNT}): write the values out instead of nesting aliases`)],
      };
    }
    return { diagnostics: [diagnostic(file, undefined, "error", "yaml-syntax", `YAML: ${firstLine(message)}`)] };
  }
  const loaded: LoadedDocument = { file, text, data };
  precise.set(loaded, { doc, lineCounter });
  return { loaded, diagnostics };
}

/** The first tab in a line's leading whitespace (1-based), if any. */
function firstIndentTab(text: string): Position | undefined {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^[ ]*\t/.exec(lines[i] as string);
    if (m) return { line: i + 1, column: m[0].length };
  }
  return undefined;
}

export function fileTooLarge(file: string, size: number): Diagnostic {
  return diagnostic(file, undefined, "error", "file-too-large",
    `file is ${size} bytes, more than the ${MAX_SYSTEM_FILE_BYTES} allowed; move event schemas into files referenced from versions:`);
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? s;
}

function firstAliasPosition(doc: Document.Parsed, lc: LineCounter): Position | undefined {
  let found: Position | undefined;
  const { visit } = Y();
  visit(doc, {
    Alias(_key, node) {
      if (node.range) {
        const p = lc.linePos(node.range[0]);
        found = { line: p.line, column: p.col };
      }
      return visit.BREAK;
    },
  });
  return found;
}

export type PathSegment = string | number;

/**
 * The position of the node at `path`, or of its nearest existing ancestor; with `key: true`
 * the position of the key of the last segment (used for "unknown key" and "name" diagnostics).
 */
export function positionOf(loaded: LoadedDocument, path: readonly PathSegment[], opts: { key?: boolean } = {}): Position {
  const whole = precise.get(loaded);
  if (whole) return positionIn(whole, path, opts);
  const fast = slices.get(loaded);
  if (fast && path.length > 0) {
    // Parse only the block-mapping entry the path leads into (found by reading lines): the entry's subtree is
    // the same text, so the same nodes; it starts at a line start, so columns are the file's and lines shift.
    const index = indexOf(loaded, fast);
    const { entry, depth } = index.deepestEntry(path);
    if (entry) {
      // the entry of the last segment itself: its key, or a value that starts on the key's line, is where the
      // line says (the slice parse would find the same; test/unit/yaml-fast.test.ts compares every path)
      if (depth === path.length) {
        const at = index.entryPosition(entry, opts.key === true);
        if (at) return at;
      } else if (depth === path.length - 1 && typeof path[depth] === "number") {
        // an item of a flow sequence on the key's line (`publishes: [a, b]`), or of a block sequence below it
        const at = index.flowItemPosition(entry, path[depth] as number) ?? index.blockItemPosition(entry, path[depth] as number);
        if (at) return at;
      }
      const key = `${entry.start}:${entry.end}`;
      let slice = fast.parsed.get(key);
      if (slice === undefined) {
        const { LineCounter, parseDocument } = Y();
        const lineCounter = new LineCounter();
        const text = index.lines.slice(entry.start, entry.end).join("\n") + "\n";
        const doc = parseDocument(text, { lineCounter, ...PARSE_OPTIONS });
        slice = doc.errors.length ? null : { doc, lineCounter, lineOffset: entry.start };
        fast.parsed.set(key, slice);
      }
      if (slice) return positionIn(slice, path.slice(depth - 1), opts);
    }
  }
  return positionIn(wholeDocument(loaded), path, opts);
}

/**
 * The precise document of a fast-path load, parsed once on first need. Kept apart from `precise`: a path the
 * lines cannot lead into (the root, say) must not turn every later lookup into a walk of the whole document.
 */
const whole = new WeakMap<LoadedDocument, Precise>();
function wholeDocument(loaded: LoadedDocument): Precise {
  let p = whole.get(loaded);
  if (!p) {
    const { LineCounter, parseDocument } = Y();
    const lineCounter = new LineCounter();
    p = { doc: parseDocument(loaded.text, { lineCounter, ...PARSE_OPTIONS }), lineCounter };
    whole.set(loaded, p);
  }
  return p;
}

function positionIn(loaded: Precise, path: readonly PathSegment[], opts: { key?: boolean }): Position {
  const { isMap, isScalar, isSeq } = Y();
  let node: unknown = loaded.doc.contents;
  let best: [number, number, number] | undefined = (node as Node | null)?.range ?? undefined;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) break;
      const keyNode = pair.key as Node | null;
      if (last && opts.key && keyNode?.range) { best = keyNode.range; break; }
      node = pair.value;
      const r = (pair.value as Node | null)?.range ?? keyNode?.range;
      if (r) best = r;
    } else if (isSeq(node) && /^\d+$/.test(String(seg))) {
      const item = node.items[Number(seg)] as Node | undefined;
      if (!item) break;
      node = item;
      if (item.range) best = item.range;
    } else break;
  }
  if (!best) return { line: 1, column: 1 };
  const p = loaded.lineCounter.linePos(best[0]);
  return { line: p.line + (loaded.lineOffset ?? 0), column: p.col };
}
