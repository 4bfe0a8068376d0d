// The in-memory tree: what the plan wants, compared with what is on disk and what msa wrote last time.
// Pure: the disk and the previous manifest are handed in as data; the result says what to do per file.
import { sortDiagnostics, type Diagnostic } from "./diagnostics.js";
import * as nodeCrypto from "node:crypto";
import { createTwoFilesPatch } from "diff";
import type { FileOwner, PlannedFile } from "./plan/types.js";
import { MSA_VERSION } from "./version.js";

export const MANIFEST_PATH = ".msa/manifest.json";
/** Machine-local data beside the manifest (the input fingerprint); ignored by git through `.msa/.gitignore`. */
export const MANIFEST_VERSION = 1;

export interface ManifestEntry {
  path: string;
  /** sha256 (hex) of the bytes msa wrote. */
  hash: string;
  owner: FileOwner;
  /** The context the file belongs to (for `--only` and pruning); absent for system-wide files. */
  context?: string;
}

export interface Manifest {
  version: number;
  /**
   * What the recorded files were generated from: a fingerprint of msa itself, its templates, system.yaml and the
   * schema files it names (`files`, relative to the output root). When it still matches and every file is as
   * recorded, a re-run (and `--check` in a fresh CI checkout, which is why it is committed with the manifest)
   * can answer "unchanged" without planning. The fingerprint hashes content only (no paths outside the root, no
   * times), so it is the same on every machine that runs the same msa on the same inputs.
   */
  inputs?: ManifestInputs;
  files: ManifestEntry[];
}

export interface ManifestInputs {
  fingerprint: string;
  files: string[];
  /** The warnings these inputs gave: an unchanged tree reports them again without validating (stable output). */
  diagnostics?: Diagnostic[];
}

export type ChangeKind = "create" | "update" | "delete" | "unchanged" | "conflict";

export interface TreeChange {
  path: string;
  kind: ChangeKind;
  /** What to write (create/update). */
  content?: string;
  executable?: boolean;
  owner?: FileOwner;
  context?: string;
  /** Bytes on disk before (update/delete/conflict). */
  before?: string;
  /** Why a file is a conflict. */
  reason?: string;
  /** The manifest entry to record after this change is applied (absent: the path leaves the manifest). */
  record?: ManifestEntry;
  /**
   * Streaming (DiffTreeInput.stream): the planned file, rendered again when it is written (create/update), since
   * its text is not kept on the change. The record's hash of a create is filled in then (see fillRecord).
   */
  file?: PlannedFile;
}

// crypto.hash (Node 20.12+; msa runs on 20.11 too): one call into OpenSSL per text. createHash made a Hash object
// (a stream, with its own state objects) per call and three calls through it: ~23,000 of them in a cold generate of
// 500 contexts (issue #24). The same digest: a string is hashed as its UTF-8 bytes either way.
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: string | Uint8Array, encoding: "hex") => string }).hash;
export const sha256: (text: string | Uint8Array) => string =
  typeof oneShot === "function" ? (text) => oneShot("sha256", text, "hex") : (text) => nodeCrypto.createHash("sha256").update(text).digest("hex");

export const EDITED_REASON = "edited by you since msa wrote it; kept";
export const FOREIGN_REASON = "exists and was not written by msa; kept";
export const ORPHAN_EDITED_REASON = "no longer generated but edited by you; kept (delete it yourself, or --force it)";

export interface DiskView {
  get(path: string): string | undefined;
}

export interface DiffTreeInput {
  planned: readonly PlannedFile[];
  /**
   * Current bytes of the files that exist, for every planned or manifest path (undefined = no file). Asked once
   * per path, so the caller may read lazily; only what a change needs (`before`) is kept.
   */
  disk: DiskView;
  /** The previous manifest (null when there is none). */
  manifest: Manifest | null;
  /** Overwrite/delete user-edited generated files: all of them (true), or only these paths. */
  force?: boolean | readonly string[];
  /** `--only`: previous-manifest entries outside these contexts are neither pruned nor dropped. */
  only?: readonly string[];
  /**
   * Streaming, for a commit that renders each file only when it writes it (issue #24: the rendered tree is never
   * held whole). A file that does not exist yet is not rendered here: its change carries the planned file and a
   * record whose hash is empty until the writer fills it (fillRecord). Every other planned file is rendered once
   * here (its decision needs the text), and no text is kept on any change unless `keepText` (a diff needs both
   * sides; then creates are rendered here too).
   */
  stream?: { keepText: boolean };
}

export interface DiffTreeResult {
  /** One entry per planned path and per pruned/kept orphan, sorted by path. */
  changes: TreeChange[];
  /** The manifest to write after applying every change that is not a conflict. */
  manifest: Manifest;
}

/** A planned file's manifest entry: path, hash, owner and (when it has one) context, in that order. */
function entryOf(f: PlannedFile, hash: string): ManifestEntry {
  const e: ManifestEntry = { path: f.path, hash, owner: f.owner };
  if (f.context) e.context = f.context;
  return e;
}

/** What every change of a planned file starts with: path, owner, executable (when set), context (when set). */
function changeBase(f: PlannedFile): { path: string; owner: FileOwner; executable?: true; context?: string } {
  const b: { path: string; owner: FileOwner; executable?: true; context?: string } = { path: f.path, owner: f.owner };
  if (f.executable) b.executable = true;
  if (f.context) b.context = f.context;
  return b;
}

/** Decides per file: create, update, delete, unchanged, or conflict (a user's edit msa will not overwrite). */
export function diffTree(input: DiffTreeInput): DiffTreeResult {
  const { planned, disk } = input;
  const forced = (p: string): boolean => input.force === true || (Array.isArray(input.force) && input.force.includes(p));
  const previous = new Map((input.manifest?.files ?? []).map((e) => [e.path, e]));
  const changes: TreeChange[] = [];
  const records = new Map<string, ManifestEntry>();
  const plannedPaths = new Set<string>();
  const stream = input.stream;
  const keep = !stream || stream.keepText;

  for (const f of planned) {
    plannedPaths.add(f.path);
    const current = disk.get(f.path);
    const prev = previous.get(f.path);
    const entry = (hash: string): ManifestEntry => entryOf(f, hash);
    if (current === undefined && !keep) {
      // the common case of a first run (tens of thousands of files): no spreads, the same keys in the same order
      const c = changeBase(f) as TreeChange;
      c.kind = "create";
      c.file = f;
      c.record = entryOf(f, "");
      changes.push(c);
      continue;
    }
    const base = changeBase(f);
    if (current === undefined) {
      const content = f.content;
      changes.push({ ...base, kind: "create", content, record: entry(sha256(content)) });
      continue;
    }
    if (f.owner === "user") {
      // Written once, never touched again: keep whatever the user has, remember the first hash.
      changes.push({ ...base, kind: "unchanged", record: prev && prev.owner === "user" ? { ...prev, ...entry(prev.hash) } : entry(sha256(current)) });
      continue;
    }
    const content = f.content; // rendered once per decision (a lazy file renders on every read)
    if (current === content) {
      changes.push({ ...base, kind: "unchanged", record: entry(sha256(content)) });
      continue;
    }
    const currentHash = sha256(current);
    const ours = prev !== undefined && prev.hash === currentHash;
    if (ours || forced(f.path)) {
      changes.push({ ...base, kind: "update", ...(keep ? { content, before: current } : { file: f }), record: entry(sha256(content)) });
    } else {
      changes.push({
        ...base,
        kind: "conflict",
        ...(keep ? { before: current, content } : {}),
        reason: prev ? EDITED_REASON : FOREIGN_REASON,
        // keep the old record so the file stays protected on the next run
        ...(prev ? { record: prev } : {}),
      });
    }
  }

  const inScope = (e: ManifestEntry): boolean => !input.only || (e.context !== undefined && input.only.includes(e.context));
  for (const prev of previous.values()) {
    if (plannedPaths.has(prev.path)) continue;
    if (!inScope(prev)) {
      records.set(prev.path, prev);
      continue;
    }
    const current = disk.get(prev.path);
    if (current === undefined || prev.owner === "user") continue; // gone already, or the user's: forget it
    if (forced(prev.path) || sha256(current) === prev.hash) {
      changes.push({ path: prev.path, kind: "delete", ...(keep ? { before: current } : {}), owner: prev.owner, ...(prev.context ? { context: prev.context } : {}) });
    } else {
      // kept and reported once; from now on it is the user's file
      changes.push({ path: prev.path, kind: "conflict", ...(keep ? { before: current } : {}), reason: ORPHAN_EDITED_REASON, owner: prev.owner });
    }
  }

  for (const c of changes) if (c.record) records.set(c.path, c.record);
  changes.sort((a, b) => cmp(a.path, b.path));
  return { changes, manifest: { version: MANIFEST_VERSION, files: [...records.values()].sort((a, b) => cmp(a.path, b.path)) } };
}

/** The manifest as bytes: sorted, stable keys, no timestamps. */
export function serializeManifest(m: Manifest): string {
  const files = [...m.files]
    .sort((a, b) => cmp(a.path, b.path))
    .map((e) => ({ path: e.path, hash: e.hash, owner: e.owner, ...(e.context ? { context: e.context } : {}) }));
  const inputs = m.inputs
    ? { inputs: { fingerprint: m.inputs.fingerprint, files: [...m.inputs.files].sort(), diagnostics: sortDiagnostics(m.inputs.diagnostics ?? []) } }
    : {};
  // msaVersion: the msa that wrote the tree; the generated CI pipelines install exactly this msa-cli (docs/ci.md)
  return JSON.stringify({ version: m.version, generator: "msa", msaVersion: MSA_VERSION, ...inputs, files }, null, 2) + "\n";
}

function parseInputs(raw: unknown): ManifestInputs | undefined {
  const inp = raw as { fingerprint?: unknown; files?: unknown; diagnostics?: unknown } | undefined;
  if (!(inp && typeof inp.fingerprint === "string" && Array.isArray(inp.files) && inp.files.every((f) => typeof f === "string"))) return undefined;
  // a manifest without its warnings could not replay them: no fast path then (the next full run records them)
  if (!Array.isArray(inp.diagnostics)) return undefined;
  return { fingerprint: inp.fingerprint, files: inp.files as string[], diagnostics: inp.diagnostics as Diagnostic[] };
}

/** Reads a manifest's text; null when it is missing or unreadable (every existing file is then treated as foreign). */
/**
 * A path msa may read, overwrite or prune: relative, POSIX separators, inside the output root. Every planned path
 * is one; a manifest entry that is not (an edited or hostile manifest: `../x`, `/etc/x`, `a\\b`) is dropped
 * on reading, so the file it names is never touched — it is not msa's.
 */
export function isOutputPath(p: string): boolean {
  if (p === "" || p.startsWith("/") || /^[A-Za-z]:/.test(p) || p.includes("\\") || p.includes("\0")) return false;
  return p.split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..");
}

export function parseManifest(text: string | undefined): Manifest | null {
  if (text === undefined) return null;
  try {
    const raw = JSON.parse(text) as { version?: unknown; files?: unknown; inputs?: unknown };
    if (!Array.isArray(raw.files)) return null;
    const files: ManifestEntry[] = [];
    for (const f of raw.files as Record<string, unknown>[]) {
      if (!f || typeof f.path !== "string" || typeof f.hash !== "string" || !isOutputPath(f.path)) continue;
      files.push({
        path: f.path,
        hash: f.hash,
        owner: f.owner === "user" ? "user" : "generated",
        ...(typeof f.context === "string" ? { context: f.context } : {}),
      });
    }
    const inputs = parseInputs(raw.inputs);
    return { version: typeof raw.version === "number" ? raw.version : MANIFEST_VERSION, ...(inputs ? { inputs } : {}), files };
  } catch {
    return null;
  }
}

/** A git-style unified diff of one change (`a/` → `b/`), or "" when there is nothing to show. */
export function unifiedDiff(change: Pick<TreeChange, "path" | "kind" | "before" | "content">): string {
  const before = change.kind === "create" ? "" : (change.before ?? "");
  const after = change.kind === "delete" ? "" : (change.content ?? "");
  if (before === after) return "";
  const from = change.kind === "create" ? "/dev/null" : `a/${change.path}`;
  const to = change.kind === "delete" ? "/dev/null" : `b/${change.path}`;
  const patch = createTwoFilesPatch(from, to, before, after, undefined, undefined, { context: 3 });
  // drop the "====" banner line createTwoFilesPatch starts with
  return patch.replace(/^={10,}\n/, "");
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
