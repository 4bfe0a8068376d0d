// msa analyze-deps: load system.yaml (if any), walk and scan the code, analyse, print.
import fs from "node:fs";
import path from "node:path";
import { analyze, DEFAULT_MAX_CHAIN, parseFailOn, type DiscoveredRef } from "../../core/deps/analyze.js";
import { attributeFile } from "../../core/deps/attribute.js";
import { declaredGraph, GATEWAY_NODE } from "../../core/deps/declared.js";
import type { Graph } from "../../core/deps/types.js";
import { findingsText, renderDot, renderJson, renderMermaid, renderText } from "../../core/deps/output.js";
import { createMatcher, type PrefixTarget, type ServiceTarget } from "../../core/deps/scanner.js";
import { CannotRunError, UsageError } from "../../core/diagnostics.js";
import { MAX_SYSTEM_FILE_BYTES } from "../../core/limits.js";
import type { SystemModel } from "../../core/model.js";
import { toEnvName } from "../../core/names.js";
import { constantDefinitions, filesToScan, NON_CODE_EXCLUDES, PARALLEL_MIN_FILES, ScanPool, scanFiles, walkFiles, type VendoredDir, type WalkedFile } from "../../io/scan.js";
import { autodetectServices, GENERATED_EXCLUDES, harvestDeployment, isDeployOrTestDir, serviceFolders, sourceOwner } from "./analyze-deps-sources.js";
import type { CliContext } from "../context.js";
import type { ExitCode } from "../main.js";
import { displayPath, locateSystemFile } from "../../io/locate.js";
import { raiseTierUpBudget, restoreTierUpBudget } from "../../io/tiering.js";
import { formatText } from "../report.js";
import type { AnalyzeDepsOptions } from "./analyze-deps.js";

/** http://user-service/api → user-service: the service a --service-prefix names. */
export function prefixService(prefix: string): string {
  const host = prefix.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, "").split(/[:/?#]/)[0] ?? "";
  return host || prefix;
}

/**
 * system.yaml → model without the JSON Schema pass: compiling the schema costs more than scanning a
 * large tree, and the graph needs only names. `msa validate` is the place for validity; a document
 * the model cannot be built from falls back to the full load so its problems are printed.
 */
async function loadModel(cwd: string, file: string | undefined, ctx: CliContext): Promise<{ model: SystemModel | null; code?: ExitCode }> {
  let abs: string;
  try {
    abs = locateSystemFile(cwd, file);
  } catch (e) {
    if (e instanceof CannotRunError && !file) return { model: null };
    throw e;
  }
  const shown = displayPath(cwd, abs);
  const { loadModelOnly, loadSystem } = await import("../../io/system.js");
  if (fs.statSync(abs).size <= MAX_SYSTEM_FILE_BYTES) {
    try {
      const { model } = loadModelOnly(abs, shown, fs.readFileSync(abs, "utf8"));
      if (model) return { model };
    } catch {
      // fall through to the validating load, which reports what is wrong
    }
  }
  const full = loadSystem(cwd, file);
  if (full.model) return { model: full.model };
  ctx.stderr(formatText(full.diagnostics));
  ctx.stderr(`msa: ${shown} is not valid enough to analyse; fix the errors above (msa validate)\n`);
  return { model: null, code: 1 };
}

/**
 * Definitions of the named constants in the files that mention them (read again: the page cache has them),
 * on both cores when the pool has its worker.
 */
async function findConstants(files: readonly WalkedFile[], names: ReadonlySet<string>, pool: ScanPool | null): Promise<{ byFile: Map<string, Map<string, string>>; global: Map<string, string | null> }> {
  const byFile = new Map<string, Map<string, string>>();
  const global = new Map<string, string | null>();
  if (!names.size) return { byFile, global };
  const found = pool ? await pool.constants(files, [...names]) : constantDefinitions(files, [...names]);
  for (const { index, defs } of found) {
    const f = files[index] as WalkedFile;
    for (const { name, value } of defs) {
      let mine = byFile.get(f.abs);
      if (!mine) byFile.set(f.abs, (mine = new Map()));
      if (!mine.has(name)) mine.set(name, value);
      const prev = global.get(name);
      global.set(name, prev === undefined || prev === value ? value : null);
    }
  }
  return { byFile, global };
}

/** The note for vendored folders left out: how many, the first few, and the flag that scans them. */
function vendoredNote(vendored: readonly { path: string }[]): string {
  const shown = vendored.slice(0, 5).map((v) => v.path).join(", ");
  return `skipped ${vendored.length} vendored folder${vendored.length === 1 ? "" : "s"} (third-party code, not the team's dependencies): ${shown}${vendored.length > 5 ? ", …" : ""}; --include-vendored scans them`;
}

export async function runAnalyzeDeps(paths: string[], opts: AnalyzeDepsOptions, ctx: CliContext): Promise<ExitCode> {
  const scan: { pool: ScanPool | null } = { pool: null };
  try {
    return await analyzeDeps(paths, opts, ctx, scan);
  } finally {
    restoreTierUpBudget();
    await scan.pool?.close();
  }
}

async function analyzeDeps(paths: string[], opts: AnalyzeDepsOptions, ctx: CliContext, scan: { pool: ScanPool | null }): Promise<ExitCode> {
  const format = opts.outputFormat ?? opts.format;
  const failOn = parseFailOn(opts.failOn);
  if (typeof failOn === "string") throw new UsageError(`--fail-on: unknown "${failOn}"; use errors, warnings, none, or undeclared, unused, cycle, chain, chatty, no-consumer`);
  const cwd = ctx.cwd;
  raiseTierUpBudget();
  const { model, code } = await loadModel(cwd, opts.file, ctx);
  restoreTierUpBudget(); // before the walk starts the worker
  if (code !== undefined) return code;

  const base = model ? model.dir : cwd;
  let roots: string[];
  if (paths.length) {
    roots = paths.map((p) => path.resolve(cwd, p));
    for (const [i, r] of roots.entries()) if (!fs.existsSync(r)) throw new CannotRunError(`${paths[i]} not found`);
  } else {
    roots = ["services", "gateway"].map((d) => path.join(base, d)).filter((d) => fs.existsSync(d));
    if (!roots.length) throw new CannotRunError(`nothing to scan: no services/ or gateway/ in ${displayPath(cwd, base) || "."}; run \`msa generate\` or pass the paths to scan`);
  }
  const shownRoots = roots.map((r) => displayPath(cwd, r) || ".");
  const walkProblems: { abs: string; reason: string }[] = [];
  const vendoredDirs: VendoredDir[] = [];
  const walked = await walkFiles(roots, [...(opts.allFiles ? [] : [...NON_CODE_EXCLUDES, ...GENERATED_EXCLUDES]), ...opts.exclude], cwd, walkProblems, {
    includeVendored: opts.includeVendored,
    vendored: vendoredDirs,
    // The second core's worker, for trees large enough to repay its start-up (~0.1 s of CPU): started as soon
    // as the walk has found that many files, so its start-up overlaps the rest of the walk, reading the
    // deployment files and attributing folders.
    onManyFiles: opts.dryRun ? undefined : { count: PARALLEL_MIN_FILES, then: () => void (scan.pool = ScanPool.start()) },
  });
  // Third-party folders left out: listed (json vendored[], a note), never silently.
  const vendored = vendoredDirs.map((v) => ({ path: displayPath(cwd, v.abs) || v.abs, reason: v.reason })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // A folder's files share its `dir` string: each folder is judged once, not each of its files.
  const deployOrTest = new Map<string, boolean>();
  const inDeployOrTest = (dir: string): boolean => {
    let known = deployOrTest.get(dir);
    if (known === undefined) deployOrTest.set(dir, (known = isDeployOrTestDir(dir)));
    return known;
  };
  const files = opts.allFiles ? walked : walked.filter((f) => !inDeployOrTest(f.dir));
  // Fewer files than the walk found (deploy and test folders left out): this thread alone when too few.
  const pool = files.length >= PARALLEL_MIN_FILES ? scan.pool : null;
  // Deploy and test folders: their variables' values are read (compose, k8s), their code is not credited to a service.
  // One-off work too (the compose/k8s files' YAML): the worker, when started, is waiting for its job.
  raiseTierUpBudget();
  const deployment = harvestDeployment(walked);
  restoreTierUpBudget();

  if (opts.dryRun) {
    const list = filesToScan(files).map((f) => displayPath(cwd, f.abs));
    if (format === "json") ctx.stdout(JSON.stringify({ roots: shownRoots, files: list, vendored }, null, 2) + "\n");
    else ctx.stdout(list.map((f) => f + "\n").join("") + `would scan ${list.length} file${list.length === 1 ? "" : "s"} under ${shownRoots.join(", ")} (binary files are skipped when read)\n` + (vendored.length ? `${vendoredNote(vendored)}\n` : ""));
    return 0;
  }

  // Attribution: contexts.<c>.source (default services/<c>), --services folders, folders autodetected
  // from compose/package workspaces, else the folder that holds a file. Cached per directory.
  const contexts = new Set(model?.contexts.map((c) => c.name) ?? []);
  const sources = model ? model.contexts.map((c) => ({ name: c.name, globs: c.codeSource })) : null;
  // Every folder the walk went through: only autodetection reads them (no system.yaml, no --services).
  const walkedDirs = (): Set<string> => {
    const dirs = new Set<string>();
    let last: WalkedFile | undefined;
    for (const f of walked) {
      if (last && f.dir === last.dir && f.root === last.root) continue; // the same folder as the file before
      last = f;
      for (let d = path.dirname(f.abs); d.length >= f.root.length && !dirs.has(d); d = path.dirname(d)) dirs.add(d);
    }
    return dirs;
  };
  const folders = model ? null : opts.services.length ? serviceFolders(cwd, opts.services) : autodetectServices(roots, deployment, walkedDirs());
  const folderSources = folders && folders.size ? [...folders].map(([name, abs]) => ({ name, globs: [abs] })) : null;
  const rootSegs = new Map(roots.map((r) => {
    const shown = displayPath(cwd, r);
    const segs = !shown ? [] : path.isAbsolute(shown) ? [path.basename(r)] : shown.split("/");
    return [r, fs.statSync(r).isFile() ? segs.slice(0, -1) : segs];
  }));
  const cache = new Map<string, Map<string, string | null>>();
  const ownerOfDir = (root: string, dir: string, absDir: string): string | null => {
    let byDir = cache.get(root);
    if (!byDir) cache.set(root, (byDir = new Map()));
    let node = byDir.get(dir);
    if (node === undefined) {
      node = sources ? sourceOwner(model!.dir, absDir, sources) : folderSources ? sourceOwner(cwd, absDir, folderSources) : null;
      if (node === null && !folderSources) {
        const segs = rootSegs.get(root) ?? [];
        const dirs = [...segs, ...(dir ? dir.split("/") : [])];
        node = attributeFile({ dirs, rootDepth: segs.length, contexts, strict: model !== null });
      }
      byDir.set(dir, node);
    }
    return node;
  };
  const ownerOf = (f: WalkedFile): string | null => ownerOfDir(f.root, f.dir, path.dirname(f.abs));

  const prefixes: PrefixTarget[] = opts.servicePrefix.map((p) => ({ prefix: p, service: prefixService(p) }));
  const services = new Map<string, ServiceTarget>();
  if (model) for (const c of model.contexts) services.set(c.name, { name: c.name, envName: c.envName, aliases: c.aliases });
  else if (folders && folders.size) for (const n of folders.keys()) services.set(n, { name: n, envName: toEnvName(n) });
  else {
    for (const f of files) {
      const n = ownerOf(f);
      if (n && n !== GATEWAY_NODE && /^[a-z][a-z0-9-]*$/.test(n)) services.set(n, { name: n, envName: toEnvName(n) });
    }
  }
  const events = new Set<string>();
  if (model) {
    for (const e of model.events) events.add(e.name);
    for (const c of model.contexts) [...c.publishes, ...c.consumes].forEach((e) => events.add(e));
  }
  const spec = { services: [...services.values()], prefixes, events: [...events].sort(), namespace: model?.namespace, generic: true, envValues: [...deployment.env] };
  // The declared graph (a position in system.yaml for every declared context, event and edge: ~40 ms of CPU
  // at 400 contexts) needs no scan result: built while the worker scans, when there is one.
  let declared: Graph | null = null;
  const declare = (): void => void (declared = model ? declaredGraph(model) : null);
  const { results, stats, problems } = pool ? await pool.scan(files, spec, undefined, undefined, declare) : scanFiles(files, createMatcher(spec));
  // Event names held in constants: a second pass, only when broker calls name one, over the files that
  // hold one of those names. The same file's definition first, else the only value the tree gives the name.
  // Only names from files credited to a service: the references of the others are dropped below, so
  // resolving their names (library code names its topics in variables: topic, queue, event…) would be a
  // second read of the tree for nothing.
  // A file that defines the name itself resolves it from its own definition (read by the scan, with its
  // text at hand): only the other names need that second read, which most trees then never make.
  const ownConsts = new Map<string, Map<string, string>>();
  for (const { file, defs } of results) {
    if (!defs?.length) continue;
    const mine = new Map<string, string>();
    for (const { name, value } of defs) if (!mine.has(name)) mine.set(name, value);
    ownConsts.set(file.abs, mine);
  }
  const symbols = new Set<string>();
  for (const { file, matches } of results) if (ownerOf(file)) for (const m of matches) if (m.symbol && !ownConsts.get(file.abs)?.has(m.target)) symbols.add(m.target);
  const { byFile: constsByFile, global: constsGlobal } = await findConstants(files, symbols, pool);
  // The worker is idle from here on (both passes are done): the rest of the run is one-off work.
  raiseTierUpBudget();
  const refs: DiscoveredRef[] = [];
  let unattributed = 0;
  const unresolved: string[] = [];
  for (const { file, matches } of results) {
    const node = ownerOf(file);
    if (!node) {
      unattributed++;
      continue;
    }
    const shown = displayPath(cwd, file.abs);
    for (const match of matches) {
      if (match.symbol) {
        const value = ownConsts.get(file.abs)?.get(match.target) ?? constsByFile.get(file.abs)?.get(match.target) ?? constsGlobal.get(match.target);
        if (!value) {
          unresolved.push(`${match.target} (${shown}:${match.line})`);
          continue;
        }
        if (value === node) continue; // a service's own queue or routing key, not an event
        refs.push({ node, file: shown, match: { ...match, target: value, symbol: false, via: `${match.via ?? "broker call"}; ${match.target} = "${value}"` } });
      } else if (!(match.form === "broker" && match.target === node)) refs.push({ node, file: shown, match });
    }
  }
  const scannedNodes = new Set<string>();
  for (const f of files) {
    const n = ownerOf(f);
    if (n) scannedNodes.add(n);
  }
  const unreadable = [
    ...walkProblems.map((p) => {
      const root = roots.find((r) => p.abs === r || p.abs.startsWith(r + path.sep)) ?? "";
      const rel = path.relative(root, p.abs).split(path.sep).join("/");
      return { path: displayPath(cwd, p.abs) || p.abs, reason: p.reason, node: root ? ownerOfDir(root, rel, p.abs) : null };
    }),
    ...problems.map((p) => ({ path: displayPath(cwd, p.file.abs), reason: p.reason, node: ownerOf(p.file) })),
  ];
  const incomplete = new Set(unreadable.map((u) => u.node).filter((n): n is string => !!n));
  if (stats.scanned === 0) {
    const why = unreadable.length ? `; could not read ${unreadable.map((u) => `${u.path} (${u.reason})`).slice(0, 5).join(", ")}` : "";
    throw new CannotRunError(`nothing could be scanned under ${shownRoots.join(", ")}${why}`);
  }
  const notes: string[] = [];
  const skipped = [
    stats.binary && `${stats.binary} binary`,
    stats.tooLarge && `${stats.tooLarge} over 1 MiB`,
    stats.symlinks && `${stats.symlinks} symbolic link${stats.symlinks === 1 ? "" : "s"}`,
    stats.unreadable && `${stats.unreadable} unreadable`,
  ].filter(Boolean);
  if (skipped.length) notes.push(`skipped ${skipped.join(", ")} file(s)`);
  if (walkProblems.length) notes.push(`${walkProblems.length} folder(s) could not be read and were not scanned`);
  if (vendored.length) notes.push(vendoredNote(vendored));
  if (unattributed) notes.push(`${unattributed} file(s) with references are outside any service folder (services/<context>/, gateway/) and were not attributed`);
  if (unresolved.length) notes.push(`${unresolved.length} broker call(s) name their event by a constant whose value was not found in the scanned code: ${unresolved.slice(0, 5).join(", ")}${unresolved.length > 5 ? ", …" : ""}`);

  const analysis = analyze({
    declared: pool ? declared : model ? declaredGraph(model) : null,
    system: model ? model.file : null,
    roots: shownRoots,
    filesScanned: stats.scanned,
    scannedNodes,
    refs,
    maxCallees: opts.maxCallees,
    maxChain: DEFAULT_MAX_CHAIN,
    notes,
    incomplete,
    unreadable: unreadable.map(({ path: p, reason }) => ({ path: p, reason })),
    vendored,
  });

  if (format === "json") ctx.stdout(renderJson(analysis));
  else if (format === "mermaid" || format === "dot") {
    ctx.stdout(format === "mermaid" ? renderMermaid(analysis) : renderDot(analysis));
    if (analysis.findings.length) ctx.stderr(findingsText(analysis.findings));
  } else ctx.stdout(renderText(analysis));
  return analysis.findings.some((f) => failOn.has(f.rule)) ? 1 : 0;
}
