// The disk side of generation: read what exists, decide with core/tree.ts, write atomically, prune, record the manifest.
import fs from "node:fs";
import path from "node:path";
import { CannotRunError } from "../core/diagnostics.js";
import { writeFileAtomic } from "./atomic.js";
import type { PlannedFile } from "../core/plan/types.js";
import {
  diffTree,
  MANIFEST_PATH,
  parseManifest,
  serializeManifest,
  sha256,
  type Manifest,
  type ManifestInputs,
  type TreeChange,
} from "../core/tree.js";

export type CommitMode = "write" | "check" | "dry-run";

export interface CommitOptions {
  /** Absolute output root. */
  root: string;
  planned: readonly PlannedFile[];
  mode: CommitMode;
  force?: boolean | readonly string[];
  only?: readonly string[];
  onProgress?: (done: number, total: number) => void;
  /** Recorded in the manifest (write mode) so an unchanged re-run can skip planning. */
  inputs?: ManifestInputs;
  /**
   * Keep the text before and after on the changes (`generate --diff`). Otherwise no text is kept: each file is
   * rendered when it is decided on or written, and dropped once hashed and written (issue #24: peak memory).
   */
  keepText?: boolean;
}

export interface CommitResult {
  /** Every decision, sorted by path (unchanged included). */
  changes: TreeChange[];
  /**
   * Temp files of msa's own naming (`.<name>.msa-<pid>.tmp`) that an interrupted write run left behind, sorted:
   * removed in write mode, only listed otherwise.
   */
  staleTemps: string[];
  /** The manifest written (or that would be written). */
  manifest: Manifest;
}

/** Reads a file as text; undefined when it does not exist. A directory where a file belongs cannot be fixed by msa. */
export function readIfExists(abs: string, shown: string): string | undefined {
  try {
    return fs.readFileSync(abs, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    if (code === "EISDIR") throw new CannotRunError(`${shown} is a directory, but msa generates a file there; move it away`);
    throw new CannotRunError(`cannot read ${shown}: ${(e as Error).message}`);
  }
}

/** The manifest, with the input fingerprint of the last full run. */
export function readManifest(root: string): Manifest | null {
  return parseManifest(readIfExists(path.join(root, MANIFEST_PATH), MANIFEST_PATH));
}

/** Plans against the disk and, in write mode, applies the result. Reads only files the plan or the manifest names. */
// async: callers (and tests) treat a refusal as a rejected promise, whatever the writes inside are.
export async function commitPlan(opts: CommitOptions): Promise<CommitResult> {
  const { root } = opts;
  const manifestText = readIfExists(path.join(root, MANIFEST_PATH), MANIFEST_PATH);
  const manifest = parseManifest(manifestText);
  // read on demand: a file's text lives only as long as its decision needs it (peak memory ≈ one copy of the plan);
  // a file whose directory does not exist is not looked for (a first run would fail 20,000 opens)
  const dirExists = directoryCheck(root);
  const disk = {
    get: (p: string) => {
      const slash = p.lastIndexOf("/");
      return slash !== -1 && !dirExists(p.slice(0, slash)) ? undefined : readIfExists(path.join(root, ...p.split("/")), p);
    },
  };
  // every decision (and so every conflict) is made before anything is written; files that do not exist yet are
  // rendered only when written (or, in check and dry-run, hashed and dropped), one at a time
  const diffed = diffTree({ planned: opts.planned, disk, manifest, force: opts.force, only: opts.only, stream: { keepText: opts.keepText === true } });
  const { changes } = diffed;
  // --only sees part of the system: a fingerprint would not describe every file, so none is kept
  const inputs = opts.only ? undefined : opts.inputs;
  const next: Manifest = { ...diffed.manifest, ...(inputs ? { inputs } : {}) };
  // Only a run that was interrupted leaves the mark; then (and only then) its temp files are looked for.
  const staleTemps = interrupted(root)
    ? findStaleTemps(root, [...opts.planned.map((f) => f.path), ...(manifest?.files ?? []).map((f) => f.path), MANIFEST_PATH])
    : [];
  if (opts.mode !== "write") {
    // the records of files to create get their hashes as a write would give them (rendering catches a bad plan too)
    const encode = encoder();
    for (const c of changes) if (c.record && c.record.hash === "") c.record.hash = encode(textOf(c)).hash;
    return { changes, manifest: next, staleTemps };
  }

  const writes = changes.filter((c) => c.kind === "create" || c.kind === "update");
  const deletes = changes.filter((c) => c.kind === "delete");
  const total = writes.length + deletes.length;
  let done = 0;
  const tick = () => opts.onProgress?.(++done, total);
  // the plan's paths are clean relative POSIX paths (checkPlan): on POSIX a concatenation is the joined path
  const base = path.resolve(root);
  const abs = path.sep === "/" ? (p: string) => (base === "/" ? `/${p}` : `${base}/${p}`) : (p: string) => path.join(base, ...p.split("/"));

  // Nothing is written before every target is known to stay inside the root (a symlinked directory may not lead out).
  const guard = rootGuard(root);
  for (const c of changes) if (c.kind === "create" || c.kind === "update" || c.kind === "delete" || (c.kind === "unchanged" && c.executable)) guard(c.path);
  guard(MANIFEST_PATH);

  // The mark says "a write run is under way": a run killed before the manifest is written leaves it for the next one.
  writeFileAtomic(path.join(root, WRITING_MARK), `${process.pid}\n`);
  for (const t of staleTemps) fs.rmSync(path.join(root, ...t.split("/")), { force: true });

  // Synchronous file system calls: tens of thousands of small files cost less on the main thread than as
  // promise round trips through the libuv pool (measured by bench/, see bench/README.md).
  // Directories first (deepest only: mkdir -p makes the parents), then the files.
  const dirs = [...new Set(writes.map((c) => path.dirname(abs(c.path))))].sort();
  const leaves = dirs.filter((d, i) => !(dirs[i + 1]?.startsWith(d + path.sep)));
  for (const d of leaves) {
    try {
      fs.mkdirSync(d, { recursive: true });
    } catch (e) {
      throw new CannotRunError(`cannot create the directory ${d}: ${(e as Error).message}`);
    }
  }
  // one file at a time: render (unless its text was kept), encode once, hash for the manifest, write, drop
  const encode = encoder();
  const plainFile = { makeDir: false } as const;
  const script = { executable: true, makeDir: false } as const;
  for (const c of writes) {
    const { bytes, hash } = encode(textOf(c));
    if (c.record) c.record.hash = hash;
    writeFileAtomic(abs(c.path), bytes, c.executable === true ? script : plainFile);
    tick();
  }
  // an unchanged script that lost its +x (a checkout without modes, a copy) gets it back
  for (const c of changes) {
    if (c.kind !== "unchanged" || !c.executable) continue;
    const file = abs(c.path);
    if ((fs.statSync(file).mode & 0o111) !== 0o111) fs.chmodSync(file, 0o755);
  }
  for (const c of deletes) {
    const file = abs(c.path);
    fs.rmSync(file, { force: true });
    removeEmptyParents(root, path.dirname(file));
    tick();
  }
  const nextText = serializeManifest(next);
  if (nextText !== manifestText) {
    writeFileAtomic(path.join(root, MANIFEST_PATH), nextText);
  }
  fs.rmSync(path.join(root, WRITING_MARK), { force: true });
  return { changes, manifest: next, staleTemps };
}

/**
 * UTF-8 bytes and sha256 of a text. The bytes are a view of one scratch buffer, valid until the next call (the
 * caller writes them synchronously first): no buffer is allocated per file (issue #24: ~100 MB of short-lived
 * buffers at 500 contexts, and the collections they caused). The hash is kept for the last text of each length
 * (small texts only, a few MB in all): many files are the same text (a template's output reused for many
 * contexts), and the same text comes back — compared by `===` and hashed once. A text that comes back keeps a copy
 * of its bytes from its second time on, and from its third time on is not encoded again (issue #24, tenth round:
 * at 500 contexts ~10,000 files are ~40 runtime texts, ~37 MB of UTF-8 encoding of two-byte strings).
 */
function encoder(): (text: string) => { bytes: Buffer; hash: string } {
  const MAX_TEXT = 64 * 1024;
  const MAX_KEPT = 8 * 1024 * 1024;
  let kept = 0;
  let byLength = new Map<number, { text: string; hash: string; bytes: Buffer | undefined }>();
  let scratch = Buffer.allocUnsafeSlow(256 * 1024);
  const encode = (text: string): Buffer => {
    // a UTF-16 code unit is at most 3 bytes of UTF-8
    if (text.length * 3 > scratch.length) scratch = Buffer.allocUnsafeSlow(Math.max(text.length * 3, scratch.length * 2));
    return scratch.subarray(0, scratch.write(text, 0, "utf8"));
  };
  return (text) => {
    const hit = byLength.get(text.length);
    if (hit && hit.text === text) {
      if (hit.bytes !== undefined) return { bytes: hit.bytes, hash: hit.hash };
      const bytes = encode(text);
      if (kept + bytes.length <= MAX_KEPT) {
        hit.bytes = Buffer.from(bytes);
        kept += bytes.length;
      }
      return { bytes, hash: hit.hash };
    }
    const bytes = encode(text);
    const out = { text, hash: sha256(bytes), bytes: undefined as Buffer | undefined };
    if (text.length <= MAX_TEXT) {
      if (kept + text.length > MAX_KEPT) {
        byLength = new Map();
        kept = 0;
      }
      if (hit) kept -= hit.text.length + (hit.bytes?.length ?? 0);
      byLength.set(text.length, out);
      kept += text.length;
    }
    return { bytes, hash: out.hash };
  };
}

/** The text a create or update writes: kept on the change (`keepText`), else rendered now from the planned file. */
function textOf(c: TreeChange): string {
  const text = c.content ?? c.file?.content;
  if (typeof text !== "string") throw new Error(`internal: the generation plan is invalid:\n  ${c.path}: content is not text`);
  return text;
}

/** Present while a write run is under way, and after one that was killed (beside the manifest). */
export const WRITING_MARK = ".msa/writing";

/** Whether a write run started in this root and did not finish. */
export function interrupted(root: string): boolean {
  return fs.existsSync(path.join(root, WRITING_MARK));
}

/** msa's temp file for a target, as src/io/atomic.ts names it: `.<basename>.msa-<pid>.tmp`. */
const TEMP_NAME = /^\..+\.msa-(\d+)\.tmp$/;

/**
 * The temp files of msa's naming in the directories of the given paths (POSIX, relative to root), sorted. A temp
 * file of a process that is still alive (another run writing right now) is left alone.
 */
export function findStaleTemps(root: string, paths: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const p of paths) {
    const slash = p.lastIndexOf("/");
    dirs.add(slash === -1 ? "" : p.slice(0, slash));
  }
  const found: string[] = [];
  for (const d of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(root, ...d.split("/").filter(Boolean)));
    } catch {
      continue; // a directory that is not there holds nothing stale
    }
    for (const n of names) {
      const m = TEMP_NAME.exec(n);
      if (!m || alive(Number(m[1]))) continue;
      found.push(d ? `${d}/${n}` : n);
    }
  }
  return found.sort();
}

function alive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // someone else's live process
  }
}

/**
 * Whether something exists at a directory path (POSIX, relative to `root`), asked of the disk once per directory
 * and never below one that is missing. Something that is not a directory counts as existing: reading below it
 * then fails as before (ENOTDIR: not there).
 */
export function directoryCheck(root: string): (dirRel: string) => boolean {
  const known = new Map<string, boolean>();
  const exists = (dirRel: string): boolean => {
    let v = known.get(dirRel);
    if (v === undefined) {
      const slash = dirRel.lastIndexOf("/");
      v = (slash === -1 || exists(dirRel.slice(0, slash))) && fs.statSync(path.join(root, ...dirRel.split("/")), { throwIfNoEntry: false }) !== undefined;
      known.set(dirRel, v);
    }
    return v;
  };
  return exists;
}

/**
 * A check for POSIX paths under `root`: throws CannotRunError when an existing directory on the way is a symlink
 * that resolves outside the root (writing, creating or deleting there would touch files msa does not own).
 * Each directory is looked at once; below one that does not exist yet nothing needs looking at.
 */
export function rootGuard(root: string): (rel: string) => void {
  let top: string;
  try {
    top = fs.realpathSync(root);
  } catch {
    return () => {}; // the root does not exist yet: nothing below it can be a symlink
  }
  const inside = (p: string) => p === top || p.startsWith(top + path.sep);
  const verdict = new Map<string, "ok" | "missing">();
  const visit = (dirRel: string): "ok" | "missing" => {
    const known = verdict.get(dirRel);
    if (known) return known;
    const slash = dirRel.lastIndexOf("/");
    let v: "ok" | "missing" = slash === -1 ? "ok" : visit(dirRel.slice(0, slash));
    if (v === "ok") {
      const full = path.join(root, ...dirRel.split("/"));
      let st: fs.Stats | undefined;
      try {
        st = fs.lstatSync(full);
      } catch {
        v = "missing";
      }
      if (st?.isSymbolicLink()) {
        let target: string;
        try {
          target = fs.realpathSync(full);
        } catch {
          target = path.resolve(path.dirname(full), fs.readlinkSync(full));
        }
        if (!inside(target))
          throw new CannotRunError(`refusing to write through ${dirRel}: it is a symlink to ${target}, outside the output directory; nothing was written`);
      }
    }
    verdict.set(dirRel, v);
    return v;
  };
  return (rel) => {
    const slash = rel.lastIndexOf("/");
    if (slash > 0) visit(rel.slice(0, slash));
  };
}

function removeEmptyParents(root: string, dir: string): void {
  const top = path.resolve(root);
  for (let d = path.resolve(dir); d.startsWith(top + path.sep); d = path.dirname(d)) {
    try {
      if (fs.readdirSync(d).length) return;
      fs.rmdirSync(d);
    } catch {
      return;
    }
  }
}

/**
 * The fast path of an unchanged re-run: true when the manifest's input fingerprint equals `fingerprint` and every
 * recorded file is on disk with the recorded bytes (user files: present). Reads each recorded file once.
 */
export function unchangedSinceManifest(root: string, manifest: Manifest | null, fingerprint: string): boolean {
  if (!manifest?.inputs || manifest.inputs.fingerprint !== fingerprint) return false;
  for (const f of manifest.files) {
    const abs = path.join(root, ...f.path.split("/"));
    if (f.owner === "user") {
      if (!fs.existsSync(abs)) return false;
      continue;
    }
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(abs); // bytes, not text: no decoding on the hot path
    } catch {
      return false;
    }
    if (sha256(bytes) !== f.hash) return false;
  }
  return true;
}
