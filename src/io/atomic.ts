// Atomic file writes, the one implementation: a temp file beside the target, then rename over it,
// so a reader (or a run interrupted half-way) never sees half a file.
import fs from "node:fs";
import path from "node:path";
import { CannotRunError } from "../core/diagnostics.js";

export interface AtomicWriteOptions {
  /** chmod 755 (scripts); otherwise 644. */
  executable?: boolean;
  /** Create the parent directory first (default). Callers that made every directory already pass false. */
  makeDir?: boolean;
}

/** Throws CannotRunError naming the file when it cannot be written; leaves no temp file behind. */
export function writeFileAtomic(file: string, content: string | Uint8Array, opts: AtomicWriteOptions = {}): void {
  const tmp = tempPath(file);
  const mode = opts.executable ? 0o755 : 0o644;
  try {
    if (opts.makeDir !== false) fs.mkdirSync(path.dirname(file), { recursive: true });
    if (typeof content === "string") fs.writeFileSync(tmp, content, { mode });
    else writeBytes(tmp, content, mode);
    if (opts.executable) fs.chmodSync(tmp, mode); // the umask may have narrowed it
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new CannotRunError(`cannot write ${file}: ${(e as Error).message}`);
  }
}

// writeFileSync's own flags for "w", as numbers: O_CLOEXEC is libuv's to add, as it does for every open.
const WRITE_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC;

/**
 * What fs.writeFileSync(file, bytes, { mode }) does, the same system calls (open, write until done, close), without
 * its per-call option object, flag-string and mode parsing and the validation of each argument again in openSync
 * and writeSync (issue #24: a cold generate writes ~23,000 files at 500 contexts).
 */
function writeBytes(file: string, bytes: Uint8Array, mode: number): void {
  const fd = fs.openSync(file, WRITE_FLAGS, mode);
  try {
    for (let off = 0; off < bytes.byteLength; ) off += fs.writeSync(fd, bytes, off, bytes.byteLength - off);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * `.<basename>.msa-<pid>.tmp` beside `file`. A clean absolute POSIX path (no empty, `.` or `..` segment, no
 * trailing slash: what the commit hands in for every file) gets it by slicing; path.join normalised the whole
 * path again for each of tens of thousands of files (issue #24). Anything else is joined as before.
 */
export function tempPath(file: string): string {
  const clean =
    path.sep === "/" && file.startsWith("/") && !file.endsWith("/") && !file.includes("//") && !file.includes("/./") && !file.includes("/../") && !file.endsWith("/.") && !file.endsWith("/..");
  if (!clean) return path.join(path.dirname(file), `.${path.basename(file)}.msa-${process.pid}.tmp`);
  const slash = file.lastIndexOf("/");
  return `${file.slice(0, slash + 1)}.${file.slice(slash + 1)}.msa-${process.pid}.tmp`;
}
