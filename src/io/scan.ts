// The file walk and the streaming read behind analyze-deps. Walks with tinyglobby (never following
// symbolic links), opens with O_NOFOLLOW (a symlink is never read, so nothing outside the tree is),
// sniffs binaries, stops at a size limit, and feeds latin1 text to the pure scanner in chunks.
import fs from "node:fs";
import path from "node:path";
import { glob } from "tinyglobby";
import { createChunkScanner, scanText, type Matcher, type RawMatch } from "../core/deps/scanner.js";

export const DEFAULT_EXCLUDES = ["node_modules", "dist", ".git"];
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
const CHUNK_BYTES = 256 * 1024;
/** Like git: a NUL byte in the first 8000 bytes means binary. */
const SNIFF_BYTES = 8000;

export interface WalkedFile {
  abs: string;
  /** Absolute scan root. */
  root: string;
  /** Path relative to the root, with '/'. */
  rel: string;
}

/**
 * User globs as tinyglobby ignore patterns. A bare name (node_modules) or a folder glob
 * (node_modules/*) excludes that folder at any depth; a pattern with a '/' inside is matched
 * from the scan root, and also at any depth unless it starts with '/'.
 */
export function excludePatterns(globs: readonly string[]): string[] {
  const out = new Set<string>();
  for (let g of globs) {
    g = g.trim().replace(/^\.\//, "");
    if (!g) continue;
    const anchored = g.startsWith("/");
    if (anchored) g = g.slice(1);
    const dir = g.replace(/\/\*\*?$/, "").replace(/\/$/, "");
    for (const p of [g, `${dir}/**`]) {
      out.add(p);
      if (!anchored && !p.startsWith("**/")) out.add(`**/${p}`);
    }
  }
  return [...out].sort();
}

/**
 * Every file under the roots, sorted, excludes applied. A user glob may be written from `base`
 * (services/payment/legacy/** while scanning services/): it is then rebased onto the root.
 */
export async function walkFiles(roots: readonly string[], excludes: readonly string[], base?: string): Promise<WalkedFile[]> {
  const out: WalkedFile[] = [];
  for (const root of roots) {
    const fromBase = base ? path.relative(base, root).split(path.sep).join("/") : "";
    const rebased = fromBase && !fromBase.startsWith("..") && !path.isAbsolute(fromBase)
      ? excludes.map((g) => g.replace(/^\.\//, "")).filter((g) => g.startsWith(fromBase + "/")).map((g) => "/" + g.slice(fromBase.length + 1))
      : [];
    const ignore = excludePatterns([...DEFAULT_EXCLUDES, ...excludes, ...rebased]);
    const st = fs.statSync(root);
    if (st.isFile()) {
      out.push({ abs: root, root: path.dirname(root), rel: path.basename(root) });
      continue;
    }
    const rels = await glob("**/*", { cwd: root, dot: true, onlyFiles: true, followSymbolicLinks: false, ignore, expandDirectories: false });
    rels.sort();
    for (const rel of rels) out.push({ abs: path.join(root, rel), root, rel });
  }
  return out;
}

export interface ScanStats {
  scanned: number;
  binary: number;
  tooLarge: number;
  symlinks: number;
  unreadable: number;
}

export interface FileMatches {
  file: WalkedFile;
  matches: RawMatch[];
}

const O_NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/** For --dry-run: the files a scan would read (symbolic links and files over the limit left out). */
export function filesToScan(files: readonly WalkedFile[], maxBytes = DEFAULT_MAX_FILE_BYTES): WalkedFile[] {
  return files.filter((f) => {
    try {
      const st = fs.lstatSync(f.abs);
      return st.isFile() && st.size <= maxBytes;
    } catch {
      return false;
    }
  });
}

/** Reads every file and returns the references in it. Synchronous reads into one reused buffer: fastest in Node for many small files. */
export function scanFiles(files: readonly WalkedFile[], matcher: Matcher, maxBytes = DEFAULT_MAX_FILE_BYTES): { results: FileMatches[]; stats: ScanStats } {
  const stats: ScanStats = { scanned: 0, binary: 0, tooLarge: 0, symlinks: 0, unreadable: 0 };
  const results: FileMatches[] = [];
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  for (const file of files) {
    let fd: number;
    try {
      fd = fs.openSync(file.abs, fs.constants.O_RDONLY | O_NOFOLLOW);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ELOOP") stats.symlinks++;
      else stats.unreadable++;
      continue;
    }
    try {
      if (!O_NOFOLLOW && fs.lstatSync(file.abs).isSymbolicLink()) {
        stats.symlinks++;
        continue;
      }
      let n = fs.readSync(fd, buf, 0, CHUNK_BYTES, null);
      if (buf.subarray(0, Math.min(n, SNIFF_BYTES)).includes(0)) {
        stats.binary++;
        continue;
      }
      let matches: RawMatch[];
      if (n < CHUNK_BYTES && n > maxBytes) {
        stats.tooLarge++;
        continue;
      }
      if (n < CHUNK_BYTES) {
        matches = scanText(matcher, buf.toString("latin1", 0, n));
      } else {
        const scanner = createChunkScanner(matcher);
        let total = 0;
        while (n > 0 && total <= maxBytes) {
          total += n;
          scanner.push(buf.toString("latin1", 0, n));
          n = fs.readSync(fd, buf, 0, CHUNK_BYTES, null);
        }
        if (total > maxBytes) {
          stats.tooLarge++;
          continue;
        }
        matches = scanner.end();
      }
      stats.scanned++;
      if (matches.length) results.push({ file, matches });
    } catch {
      stats.unreadable++;
    } finally {
      fs.closeSync(fd);
    }
  }
  return { results, stats };
}
