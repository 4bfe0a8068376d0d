// Finding system.yaml and showing paths: kept free of heavy imports (no yaml, no ajv) so commands
// that only need the location — analyze-deps, validate-events with cached validators — stay light.
import fs from "node:fs";
import path from "node:path";
import { CannotRunError } from "../core/diagnostics.js";

export const SYSTEM_FILE = "system.yaml";

/** `-f PATH`, else system.yaml in cwd or the nearest parent. Throws CannotRunError (exit 2) when none. */
export function locateSystemFile(cwd: string, file?: string): string {
  if (file) {
    const abs = path.resolve(cwd, file);
    const stat = fs.statSync(abs, { throwIfNoEntry: false });
    if (!stat) throw new CannotRunError(`${file} not found; create one with \`msa init\` or pass -f PATH`);
    if (stat.isDirectory()) throw new CannotRunError(`${file} is a directory; pass the path of a system.yaml`);
    return abs;
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, SYSTEM_FILE);
    const stat = fs.statSync(candidate, { throwIfNoEntry: false });
    if (stat?.isFile()) return candidate;
    if (stat?.isDirectory())
      throw new CannotRunError(`${displayPath(cwd, candidate)} is a directory, not a file; system.yaml is the file msa reads (pass -f PATH for another)`);
    if (path.dirname(dir) === dir) break;
  }
  throw new CannotRunError(`no ${SYSTEM_FILE} in ${cwd} or any parent; create one with \`msa init\` or pass -f PATH`);
}

/** How a path is shown in diagnostics: relative to cwd when inside it. */
export function displayPath(cwd: string, abs: string): string {
  const rel = path.relative(cwd, abs);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel.split(path.sep).join("/") : abs;
}
