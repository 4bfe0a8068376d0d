// The file walk and the streaming read behind analyze-deps. Walks with tinyglobby (never following
// symbolic links), opens with O_NOFOLLOW (a symlink is never read, so nothing outside the tree is),
// sniffs binaries, stops at a size limit, and feeds latin1 text to the pure scanner.
import fs from "node:fs";
import path from "node:path";
import type picomatchType from "picomatch";
import { Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { literalSet, scanLiterals } from "../core/deps/literals.js";
import { createMatcher, mayReference, scanText, warmPrecheck, type Matcher, type MatcherSpec, type RawMatch } from "../core/deps/scanner.js";
import { constantsIn } from "../core/deps/recognise.js";

/** Never scanned, whatever the flags. */
export const DEFAULT_EXCLUDES = [".git"];
/**
 * Third-party code, by folder name: installed or vendored dependencies, and built bundles. Not the team's
 * service-to-service edges, so skipped by default (listed in the output; --include-vendored scans them).
 */
export const VENDORED_DIRS: ReadonlyMap<string, string> = new Map([
  ["node_modules", "installed npm packages"],
  ["bower_components", "installed Bower packages"],
  ["jspm_packages", "installed jspm packages"],
  ["vendor", "vendored dependencies"],
  [".venv", "a Python virtual environment"],
  ["venv", "a Python virtual environment"],
  ["site-packages", "installed Python packages"],
  ["dist-packages", "installed Python packages"],
  ["__pypackages__", "installed Python packages"],
  ["Pods", "installed CocoaPods"],
  [".yarn", "Yarn's package cache"],
  ["dist", "built bundles"],
]);
/**
 * Files that mark a folder of installed packages whatever the folder is called (a copied or renamed
 * node_modules, a virtual environment under any name): the folder holding one is skipped like VENDORED_DIRS.
 */
export const VENDORED_MARKERS: ReadonlyMap<string, string> = new Map([
  [".package-lock.json", "installed npm packages (it holds .package-lock.json)"],
  [".yarn-integrity", "installed Yarn packages (it holds .yarn-integrity)"],
  [".modules.yaml", "installed pnpm packages (it holds .modules.yaml)"],
  ["pyvenv.cfg", "a Python virtual environment (it holds pyvenv.cfg)"],
]);

/** A folder the walk left out as third-party code, and why. */
export interface VendoredDir {
  abs: string;
  reason: string;
}

export interface WalkOptions {
  /** Scan vendored folders too (VENDORED_DIRS, VENDORED_MARKERS). */
  includeVendored?: boolean;
  /** Filled with the vendored folders left out (not those the user's --exclude already leaves out). */
  vendored?: VendoredDir[];
  /** Called once, as soon as the walk has found `count` files (to start the scan's worker while it walks on). */
  onManyFiles?: { count: number; then: () => void };
}
/**
 * Not the code that runs: tests (a generated service's tests subscribe to its own events) and
 * Markdown (a generated README lists every declared dependency, which would hide unused ones).
 * Skipped unless --all-files.
 */
export const NON_CODE_EXCLUDES = ["test", "tests", "__tests__", "*.test.*", "*.spec.*", "test_*.py", "*_test.py", "*_test.go", "*.md"];
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
/** Like git: a NUL byte in the first 8000 bytes means binary. */
const SNIFF_BYTES = 8000;

export interface WalkedFile {
  abs: string;
  /** Absolute scan root. */
  root: string;
  /** Path relative to the root, with '/'. */
  rel: string;
  /** Its folder relative to the root ("" for the root): one string shared by the folder's files. */
  dir: string;
}

/**
 * User globs as ignore patterns. A bare name (node_modules) or a folder glob (node_modules/*,
 * node_modules/**) excludes that folder at any depth, written as the folder itself so the walk
 * prunes it instead of testing every file below it; other patterns match at any depth too, unless
 * they start with '/' (anchored at the scan root).
 */
export function excludePatterns(globs: readonly string[]): string[] {
  const out = new Set<string>();
  for (let g of globs) {
    g = g.trim().replace(/^\.\//, "");
    if (!g) continue;
    const anchored = g.startsWith("/");
    if (anchored) g = g.slice(1);
    const p = g.replace(/\/\*\*?$/, "").replace(/\/$/, "");
    if (!p) continue;
    out.add(anchored || p.startsWith("**/") ? p : `**/${p}`); // **/x also matches x at the root
  }
  return [...out].sort();
}

const GLOB_CHARS = /[*?[\]{}()!+@]/;

/**
 * Whether a name or path matches any of `globs`: picomatch's expressions joined into one, so each
 * entry of the walk costs one test, not one a glob (the default excludes are ~20 globs).
 */
function anyGlob(picomatch: typeof picomatchType, globs: readonly string[]): (p: string) => boolean {
  if (!globs.length) return () => false;
  const res = globs.map((g) => picomatch.makeRe(g, { dot: true }));
  const flags = res[0]!.flags;
  if (res.some((r) => r.flags !== flags || r.flags.includes("g") || r.flags.includes("y"))) return picomatch(globs as string[], { dot: true });
  const one = new RegExp(res.map((r) => `(?:${r.source})`).join("|"), flags);
  return (p) => one.test(p);
}

/**
 * Every file under the roots, sorted, excludes applied, symbolic links never followed (nor listed).
 * A user glob may be written from `base` (services/payment/legacy/** while scanning services/): it is
 * then also applied from the root.
 *
 * Vendored folders (third-party code) are left out and listed in `options.vendored` unless
 * `options.includeVendored`; a root is never left out (naming a node_modules asks for it).
 *
 * The walk is readdir with file types (no stat a file) and picomatch for globs: tinyglobby, tried
 * first, spent 8× longer than this on the bench's 20,000 files, more than reading them.
 */
export async function walkFiles(roots: readonly string[], excludes: readonly string[], base?: string, problems?: { abs: string; reason: string }[], options: WalkOptions = {}): Promise<WalkedFile[]> {
  const skipVendored = !options.includeVendored;
  // Loaded here, not at the top: the scan worker imports this module and never walks.
  const { default: picomatch } = await import("picomatch");
  const out: WalkedFile[] = [];
  const many = options.onManyFiles;
  for (const root of roots) {
    const st = fs.statSync(root);
    if (st.isFile()) {
      out.push({ abs: root, root, rel: path.basename(root), dir: "" }); // root: the file as given
      continue;
    }
    const fromBase = base ? path.relative(base, root).split(path.sep).join("/") : "";
    const rebased = fromBase && !fromBase.startsWith("..") && !path.isAbsolute(fromBase)
      ? excludes.map((g) => g.replace(/^\.\//, "")).filter((g) => g.startsWith(fromBase + "/")).map((g) => "/" + g.slice(fromBase.length + 1))
      : [];
    const patterns = excludePatterns([...DEFAULT_EXCLUDES, ...excludes, ...rebased]);
    // **/name: a name test, no glob engine needed.
    const names = new Set(patterns.filter((p) => p.startsWith("**/") && !GLOB_CHARS.test(p.slice(3)) && !p.slice(3).includes("/")).map((p) => p.slice(3)));
    const rest = patterns.filter((p) => !(p.startsWith("**/") && names.has(p.slice(3))));
    // **/*.test.*: a glob on the entry's own name, tested on the (short) name instead of the path.
    const nameGlobs = rest.filter((p) => p.startsWith("**/") && !p.slice(3).includes("/")).map((p) => p.slice(3));
    const pathGlobs = rest.filter((p) => !(p.startsWith("**/") && !p.slice(3).includes("/")));
    const nameExcluded = anyGlob(picomatch, nameGlobs);
    const pathExcluded = anyGlob(picomatch, pathGlobs);
    const found: WalkedFile[] = [];
    const walk = (dir: string, rel: string): void => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch (e) {
        problems?.push({ abs: dir, reason: reasonOf(e, "folder") }); // reported, not silently skipped
        return;
      }
      if (skipVendored && rel) {
        // An installed package tree under another name (a copied node_modules, a virtual environment).
        const marker = entries.find((e) => VENDORED_MARKERS.has(e.name) && e.isFile());
        if (marker) {
          options.vendored?.push({ abs: dir, reason: VENDORED_MARKERS.get(marker.name)! });
          return;
        }
      }
      for (const e of entries) {
        if (names.has(e.name) || nameExcluded(e.name)) continue;
        const r = rel ? `${rel}/${e.name}` : e.name;
        if (pathExcluded(r)) continue;
        if (e.isDirectory()) {
          const vendored = skipVendored ? VENDORED_DIRS.get(e.name) : undefined;
          if (vendored) options.vendored?.push({ abs: `${dir}${path.sep}${e.name}`, reason: vendored });
          else walk(`${dir}${path.sep}${e.name}`, r);
        } else if (e.isFile()) {
          found.push({ abs: `${dir}${path.sep}${e.name}`, root, rel: r, dir: rel });
          if (many && out.length + found.length === many.count) many.then();
        }
        // symbolic links, sockets, devices: never read
      }
    };
    walk(root, "");
    found.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
    out.push(...found);
  }
  // Overlapping roots (services and services/orders) list a file once.
  const seen = new Set<string>();
  return out.filter((f) => !seen.has(f.abs) && !!seen.add(f.abs));
}

/** Why a path could not be read, in words. */
export function reasonOf(e: unknown, what: "file" | "folder"): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM") return `${what} not readable (permission denied)`;
  if (code === "ENAMETOOLONG") return "path longer than the system allows";
  if (code === "ENOENT") return `${what} vanished during the scan`;
  return `${what} not readable (${code ?? (e as Error).message})`;
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
  /**
   * Set when a match names its event by a constant (`symbol`): the file's own definitions of those names
   * (constantsIn), read while its text is at hand, so only names a file does not define itself need a
   * second read of the tree.
   */
  defs?: { name: string; value: string }[];
}

/** A file that could not be read, and why. */
export interface ScanProblem {
  file: WalkedFile;
  reason: string;
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

/**
 * Reads a whole file (up to `maxBytes` + 1 bytes) into `buf`, which must hold that many. Symbolic links
 * are not opened (O_NOFOLLOW). Returns the bytes, or why they are not text to scan.
 */
function readWhole(abs: string, buf: Buffer, maxBytes: number): { bytes: Buffer } | { skip: "binary" | "tooLarge" | "symlink" } | { error: unknown } {
  let fd: number;
  try {
    fd = fs.openSync(abs, fs.constants.O_RDONLY | O_NOFOLLOW);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ELOOP" ? { skip: "symlink" } : { error: e };
  }
  try {
    if (!O_NOFOLLOW && fs.lstatSync(abs).isSymbolicLink()) return { skip: "symlink" };
    const limit = Math.min(buf.length, maxBytes + 1);
    // One read: a regular file gives all it has up to the limit (the chunked reads before assumed as much);
    // no second read just to see the end.
    const total = fs.readSync(fd, buf, 0, limit, null);
    if (buf.subarray(0, Math.min(total, SNIFF_BYTES)).includes(0)) return { skip: "binary" };
    if (total > maxBytes) return { skip: "tooLarge" };
    return { bytes: buf.subarray(0, total) };
  } catch (e) {
    return { error: e };
  } finally {
    fs.closeSync(fd);
  }
}

/** What a scan of some of the files found, by each file's index in the whole list. */
interface IndexedScan {
  results: { index: number; matches: RawMatch[]; defs?: { name: string; value: string }[] }[];
  stats: ScanStats;
  problems: { index: number; reason: string }[];
}

/**
 * Files a thread of a scan takes at a time from the shared counter: small enough that the two threads
 * finish together, large enough that taking costs nothing next to reading.
 */
const CHUNK_FILES = 32;

/**
 * The next chunk's first index, taken from a counter both threads of a scan share (Atomics), or from a
 * plain one when a thread scans alone.
 */
type Take = () => number;
const takeAlone = (): Take => {
  let next = 0;
  return () => (next += CHUNK_FILES) - CHUNK_FILES;
};
const takeShared = (counter: Int32Array): Take => () => Atomics.add(counter, 0, CHUNK_FILES);

/** From this many files a scan first runs its pre-check on a made-up text (warmPrecheck: ~5-10 ms of CPU in a fresh process, which a small tree does not win back). */
const WARM_MIN_FILES = 2000;

/**
 * Scans the chunks of `abs` this thread takes until none is left. Synchronous reads of each whole file
 * (at most `maxBytes`) into one reused buffer: fastest in Node for many small files, and the byte pre-check
 * then spares most files (large ones too) the decoding and the expressions.
 */
function scanTaken(abs: readonly string[], matcher: Matcher, maxBytes: number, take: Take): IndexedScan & { chunks: number[] } {
  const stats: ScanStats = { scanned: 0, binary: 0, tooLarge: 0, symlinks: 0, unreadable: 0 };
  const results: IndexedScan["results"] = [];
  const problems: IndexedScan["problems"] = [];
  const chunks: number[] = [];
  const buf = Buffer.allocUnsafe(maxBytes + 1);
  if (abs.length >= WARM_MIN_FILES) warmPrecheck(matcher);
  for (let from = take(); from < abs.length; from = take()) {
    chunks.push(from);
    const to = Math.min(abs.length, from + CHUNK_FILES);
    for (let index = from; index < to; index++) {
      const r = readWhole(abs[index]!, buf, maxBytes);
      if ("error" in r) {
        stats.unreadable++;
        problems.push({ index, reason: reasonOf(r.error, "file") });
        continue;
      }
      if ("skip" in r) {
        if (r.skip === "binary") stats.binary++;
        else if (r.skip === "tooLarge") stats.tooLarge++;
        else stats.symlinks++;
        continue;
      }
      stats.scanned++;
      if (!mayReference(matcher, r.bytes)) continue;
      const text = r.bytes.toString("latin1");
      const matches = scanText(matcher, text);
      if (!matches.length) continue;
      let names: Set<string> | null = null;
      for (const m of matches) if (m.symbol) (names ??= new Set()).add(m.target);
      results.push(names ? { index, matches, defs: constantsIn(text, names) } : { index, matches });
    }
  }
  return { results, stats, problems, chunks };
}

/** For the scan worker: its share of a scan whose chunks the two threads take from `counter`. */
export function scanShared(abs: readonly string[], spec: MatcherSpec, maxBytes: number, counter: SharedArrayBuffer): IndexedScan {
  const { results, stats, problems } = scanTaken(abs, createMatcher(spec), maxBytes, takeShared(new Int32Array(counter)));
  return { results, stats, problems };
}

/** Reads every file and returns the references in it, in the files' order (see scanTaken). */
export function scanFiles(files: readonly WalkedFile[], matcher: Matcher, maxBytes = DEFAULT_MAX_FILE_BYTES): { results: FileMatches[]; stats: ScanStats; problems: ScanProblem[] } {
  return withFiles(files, scanTaken(files.map((f) => f.abs), matcher, maxBytes, takeAlone()));
}

/** Indexed scans (in any order) as the files' results and problems in the files' order. */
function withFiles(files: readonly WalkedFile[], ...parts: IndexedScan[]): { results: FileMatches[]; stats: ScanStats; problems: ScanProblem[] } {
  const stats: ScanStats = { scanned: 0, binary: 0, tooLarge: 0, symlinks: 0, unreadable: 0 };
  for (const p of parts) for (const k of Object.keys(stats) as (keyof ScanStats)[]) stats[k] += p.stats[k];
  const byIndex = <T extends { index: number }>(list: T[]): T[] => list.sort((a, b) => a.index - b.index);
  return {
    results: byIndex(parts.flatMap((p) => p.results)).map((r) => (r.defs ? { file: files[r.index]!, matches: r.matches, defs: r.defs } : { file: files[r.index]!, matches: r.matches })),
    stats,
    problems: byIndex(parts.flatMap((p) => p.problems)).map((p) => ({ file: files[p.index]!, reason: p.reason })),
  };
}

/**
 * Up to this many needles, filesContaining searches for each with Buffer#indexOf (native: on the real mixed
 * tree one needle took 22–45 ms against 175–260 ms for the one-pass search; four, 87–117 ms against 113–255 ms).
 */
const FEW_NEEDLES = 3;

/**
 * The text (latin1) of each file that holds one of `needles`, for a second pass (constants' definitions).
 * Read like scanFiles reads (binaries, files over the limit and symbolic links left out; an unreadable
 * file was reported by the scan); the needles are searched for in one pass over the bytes.
 */
function* filesContaining(abs: readonly string[], needles: readonly string[], maxBytes: number, take: Take): Generator<{ index: number; text: string }> {
  const set = literalSet(needles);
  // A few needles (often one: ROUTING_KEY): a native search each is several times faster than the pass.
  const holds = needles.length <= FEW_NEEDLES
    ? (bytes: Buffer) => needles.some((n) => bytes.indexOf(n, 0, "latin1") !== -1)
    : (bytes: Buffer) => set.matchesAll || scanLiterals(set, bytes, () => true);
  const buf = Buffer.allocUnsafe(maxBytes + 1);
  for (let from = take(); from < abs.length; from = take()) {
    const to = Math.min(abs.length, from + CHUNK_FILES);
    for (let index = from; index < to; index++) {
      const r = readWhole(abs[index]!, buf, maxBytes);
      if (!("bytes" in r)) continue;
      if (holds(r.bytes)) yield { index, text: r.bytes.toString("latin1") };
    }
  }
}

/** The definitions of the named constants (`NAME = "value"`, …) in each file that mentions a name, by the file's index. */
export interface ConstantDefs { index: number; defs: { name: string; value: string }[] }
function constantsTaken(abs: readonly string[], names: readonly string[], maxBytes: number, take: Take): ConstantDefs[] {
  const out: ConstantDefs[] = [];
  const set = new Set(names);
  for (const { index, text } of filesContaining(abs, names, maxBytes, take)) {
    const defs = constantsIn(text, set);
    if (defs.length) out.push({ index, defs });
  }
  return out;
}
export function constantDefinitions(files: readonly WalkedFile[], names: readonly string[], maxBytes = DEFAULT_MAX_FILE_BYTES): ConstantDefs[] {
  return constantsTaken(files.map((f) => f.abs), names, maxBytes, takeAlone());
}
/** For the scan worker: its share of the constants' pass (chunks taken from `counter`). */
export function constantsShared(abs: readonly string[], names: readonly string[], maxBytes: number, counter: SharedArrayBuffer): ConstantDefs[] {
  return constantsTaken(abs, names, maxBytes, takeShared(new Int32Array(counter)));
}

/** Below this many files a worker's start-up costs more than it saves. */
export const PARALLEL_MIN_FILES = 2000;

/**
 * The scan on two cores: this thread and one worker thread (the brief's limit: two cores) take chunks of
 * the files in turn from a shared counter, so whichever is free reads the next chunk — the main thread
 * arrives late (it walked the tree while the worker started) or early (the worker is still starting), and
 * neither waits for a half the other was given. Start the pool as soon as the walk has found enough
 * files, so the worker's start-up overlaps the rest of the walk; small trees (or running from TypeScript
 * sources, where there is no compiled worker) scan on this thread alone. Results come back in walk order,
 * so the output does not depend on timing.
 */
export class ScanPool {
  private constructor(private readonly worker: Worker | null) {}

  static start(): ScanPool {
    const workerFile = scanWorkerFile();
    if (!workerFile) return new ScanPool(null);
    const worker = new Worker(workerFile);
    worker.unref();
    worker.on("error", () => undefined); // reported through the job's promise when it matters
    return new ScanPool(worker);
  }

  /**
   * Runs `job` here and its message in the worker, both taking chunks of the `n` files from one shared
   * counter. If the worker dies (it should not), the chunks this thread did not take are done here by
   * `rest`, rather than fail the command. `meanwhile` runs on this thread once the message is posted, before
   * `here`: the worker takes the chunks this thread would have taken while it runs.
   */
  private async shared<T>(n: number, message: object, here: (counter: SharedArrayBuffer) => T & { chunks: number[] }, rest: (skip: ReadonlySet<number>) => T, meanwhile?: () => void): Promise<[T, T]> {
    const worker = this.worker!;
    const counter = new SharedArrayBuffer(4);
    const reply = new Promise<T>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`scan worker exited with ${code}`)));
    });
    worker.postMessage({ ...message, counter });
    meanwhile?.();
    const local = here(counter);
    try {
      return [local, await reply];
    } catch {
      return [local, rest(new Set(local.chunks))];
    }
  }

  /**
   * `meanwhile`: work of this thread's that does not need the scan (a large system.yaml's declared graph),
   * done while the worker scans — on this thread alone (no worker, a small tree) before the scan.
   */
  async scan(files: readonly WalkedFile[], spec: MatcherSpec, maxBytes = DEFAULT_MAX_FILE_BYTES, minFiles = PARALLEL_MIN_FILES, meanwhile?: () => void): Promise<{ results: FileMatches[]; stats: ScanStats; problems: ScanProblem[] }> {
    if (!this.worker || files.length < minFiles) {
      meanwhile?.();
      return scanFiles(files, createMatcher(spec), maxBytes);
    }
    const abs = files.map((f) => f.abs);
    // The job is posted first: the worker builds its matcher from the spec while this thread builds its own.
    let matcher: Matcher | null = null;
    const mine = (): Matcher => (matcher ??= createMatcher(spec));
    const [local, remote] = await this.shared(
      abs.length,
      { kind: "scan", spec, abs: joinPaths(abs), maxBytes },
      (counter) => scanTaken(abs, mine(), maxBytes, takeShared(new Int32Array(counter))),
      (skip) => scanTaken(abs, mine(), maxBytes, takeSkipping(skip)),
      meanwhile,
    );
    return withFiles(files, local, remote);
  }

  /**
   * constantDefinitions on two cores, the files shared as scan() shares them (a second read of the tree:
   * the names are known only once the scan is done). In file order.
   */
  async constants(files: readonly WalkedFile[], names: readonly string[], maxBytes = DEFAULT_MAX_FILE_BYTES, minFiles = PARALLEL_MIN_FILES): Promise<ConstantDefs[]> {
    if (!names.length) return [];
    if (!this.worker || files.length < minFiles) return constantDefinitions(files, names, maxBytes);
    const abs = files.map((f) => f.abs);
    const taken: number[] = [];
    const [local, remote] = await this.shared(
      abs.length,
      { kind: "constants", names, abs: joinPaths(abs), maxBytes },
      (counter) => {
        const shared = takeShared(new Int32Array(counter));
        return Object.assign(constantsTaken(abs, names, maxBytes, () => {
          const from = shared();
          taken.push(from);
          return from;
        }), { chunks: taken });
      },
      (skip) => constantsTaken(abs, names, maxBytes, takeSkipping(skip)),
    );
    return [...local, ...remote].sort((a, b) => a.index - b.index);
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}

/**
 * The worker's script: the build's one-file bundle of it (dist/bundle/scan-worker.js, scripts/bundle-cli.mjs:
 * the worker loads the scanner in its own isolate, and one file loads in less CPU than its modules one by one)
 * unless it is older than the compiled dist/io/scan-worker.js by more than 2 s (a `tsc` run after the build;
 * bin/msa.js judges its bundles the same way); else that compiled file; null when there is neither (running
 * from the TypeScript sources: this thread scans alone).
 */
function scanWorkerFile(): string | null {
  const compiled = fileURLToPath(new URL("./scan-worker.js", import.meta.url));
  let compiledMs: number;
  try {
    compiledMs = fs.statSync(compiled).mtimeMs;
  } catch {
    return null;
  }
  const bundle = fileURLToPath(new URL("../bundle/scan-worker.js", import.meta.url));
  try {
    return fs.statSync(bundle).mtimeMs >= compiledMs - 2000 ? bundle : compiled;
  } catch {
    return compiled;
  }
}

/**
 * The paths of a job as one string, NUL between them (no path holds a NUL): the worker gets one string to copy
 * instead of a structured clone of 20,000 (on this thread, before it can start its own share of the scan).
 */
export const joinPaths = (abs: readonly string[]): string => abs.join("\0");
/** joinPaths' paths back as a list. */
export const splitPaths = (joined: string): string[] => (joined ? joined.split("\0") : []);

/** Every chunk in turn but those in `skip` (the worker died: the chunks this thread did not take). */
function takeSkipping(skip: ReadonlySet<number>): Take {
  const next = takeAlone();
  return () => {
    let from = next();
    while (skip.has(from)) from = next();
    return from;
  };
}

/** One scan with a pool of its own (tests, callers that did not start one early). */
export async function scanFilesParallel(files: readonly WalkedFile[], spec: MatcherSpec, maxBytes = DEFAULT_MAX_FILE_BYTES, minFiles = PARALLEL_MIN_FILES): Promise<{ results: FileMatches[]; stats: ScanStats; problems: ScanProblem[] }> {
  const pool = ScanPool.start();
  try {
    return await pool.scan(files, spec, maxBytes, minFiles);
  } finally {
    await pool.close();
  }
}
