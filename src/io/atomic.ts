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
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.msa-${process.pid}.tmp`);
  const mode = opts.executable ? 0o755 : 0o644;
  try {
    if (opts.makeDir !== false) fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(tmp, content, { mode });
    if (opts.executable) fs.chmodSync(tmp, mode); // the umask may have narrowed it
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new CannotRunError(`cannot write ${file}: ${(e as Error).message}`);
  }
}
