// The disk side of generation: read what exists, decide with core/tree.ts, write atomically, prune, record the manifest.
import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import { CannotRunError } from "../core/diagnostics.js";
import type { PlannedFile } from "../core/plan/types.js";
import {
  CACHE_PATH,
  diffTree,
  MANIFEST_PATH,
  MSA_GITIGNORE_PATH,
  parseInputs,
  parseManifest,
  serializeInputs,
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
  force?: boolean;
  only?: readonly string[];
  onProgress?: (done: number, total: number) => void;
  /** Recorded in the manifest (write mode) so an unchanged re-run can skip planning. */
  inputs?: ManifestInputs;
}

export interface CommitResult {
  /** Every decision, sorted by path (unchanged included). */
  changes: TreeChange[];
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

/** The manifest, with the input fingerprint of the last full run from the cache beside it. */
export function readManifest(root: string): Manifest | null {
  const manifest = parseManifest(readIfExists(path.join(root, MANIFEST_PATH), MANIFEST_PATH));
  if (!manifest) return null;
  const inputs = parseInputs(readIfExists(path.join(root, CACHE_PATH), CACHE_PATH));
  return inputs ? { ...manifest, inputs } : manifest;
}

/** How many file writes are in flight at once: enough to hide disk latency, few enough for the libuv pool. */
const WRITE_CONCURRENCY = 32;

/** Plans against the disk and, in write mode, applies the result. Reads only files the plan or the manifest names. */
export async function commitPlan(opts: CommitOptions): Promise<CommitResult> {
  const { root } = opts;
  const manifestText = readIfExists(path.join(root, MANIFEST_PATH), MANIFEST_PATH);
  const manifest = parseManifest(manifestText);
  // read on demand: a file's text lives only as long as its decision needs it (peak memory ≈ one copy of the plan)
  const disk = { get: (p: string) => readIfExists(path.join(root, ...p.split("/")), p) };
  const diffed = diffTree({ planned: opts.planned, disk, manifest, force: opts.force, only: opts.only });
  const { changes } = diffed;
  // --only sees part of the system: a fingerprint would not describe every file, so none is kept
  const inputs = opts.only ? undefined : opts.inputs;
  const next: Manifest = { ...diffed.manifest, ...(inputs ? { inputs } : {}) };
  if (opts.mode !== "write") return { changes, manifest: next };

  const writes = changes.filter((c) => c.kind === "create" || c.kind === "update");
  const deletes = changes.filter((c) => c.kind === "delete");
  const total = writes.length + deletes.length;
  let done = 0;
  const tick = () => opts.onProgress?.(++done, total);

  // Directories first (deepest only: mkdir -p makes the parents), then the files, several at a time.
  const dirs = [...new Set(writes.map((c) => path.dirname(path.join(root, ...c.path.split("/")))))].sort();
  const leaves = dirs.filter((d, i) => !(dirs[i + 1]?.startsWith(d + path.sep)));
  await pool(leaves, WRITE_CONCURRENCY, (d) =>
    fsp.mkdir(d, { recursive: true }).catch((e: Error) => {
      throw new CannotRunError(`cannot create the directory ${d}: ${e.message}`);
    }),
  );
  await pool(writes, WRITE_CONCURRENCY, async (c) => {
    await writeAtomic(path.join(root, ...c.path.split("/")), c.content ?? "", c.executable === true);
    tick();
  });
  // an unchanged script that lost its +x (a checkout without modes, a copy) gets it back
  for (const c of changes) {
    if (c.kind !== "unchanged" || !c.executable) continue;
    const abs = path.join(root, ...c.path.split("/"));
    if ((fs.statSync(abs).mode & 0o111) !== 0o111) fs.chmodSync(abs, 0o755);
  }
  for (const c of deletes) {
    const abs = path.join(root, ...c.path.split("/"));
    fs.rmSync(abs, { force: true });
    removeEmptyParents(root, path.dirname(abs));
    tick();
  }
  const nextText = serializeManifest(next);
  const cacheAbs = path.join(root, CACHE_PATH);
  if (nextText !== manifestText) {
    // the old fingerprint must not outlive the manifest it described
    await fsp.rm(cacheAbs, { force: true });
    await fsp.mkdir(path.join(root, ".msa"), { recursive: true });
    await writeAtomic(path.join(root, MANIFEST_PATH), nextText, false);
  }
  if (inputs) {
    const cacheText = serializeInputs(inputs);
    if (readIfExists(cacheAbs, CACHE_PATH) !== cacheText) await writeAtomic(cacheAbs, cacheText, false);
    const ignore = path.join(root, MSA_GITIGNORE_PATH);
    if (!fs.existsSync(ignore)) await writeAtomic(ignore, "# machine-local: the manifest is shared, the cache is not\ncache.json\n", false);
  } else {
    await fsp.rm(cacheAbs, { force: true });
  }
  return { changes, manifest: next };
}

/** Runs `fn` over `items` with at most `limit` in flight; the first failure stops the rest and is thrown. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (next < items.length && failed === undefined) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

/** Temp file in the same directory (which must exist), then rename: a reader never sees half a file. */
export async function writeAtomic(abs: string, content: string, executable: boolean): Promise<void> {
  const dir = path.dirname(abs);
  const tmp = path.join(dir, `.${path.basename(abs)}.msa-${process.pid}.tmp`);
  try {
    await fsp.writeFile(tmp, content, { mode: executable ? 0o755 : 0o644 });
    if (executable) await fsp.chmod(tmp, 0o755);
    await fsp.rename(tmp, abs);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw new CannotRunError(`cannot write ${abs}: ${(e as Error).message}`);
  }
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
