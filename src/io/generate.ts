// `msa generate` as a function: load → plan → compare with the disk → write (or only report).
// Used by the generate command, by init/add-service after they write system.yaml, and by deploy's drift check.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { hasErrors, UsageError, type Diagnostic } from "../core/diagnostics.js";
import { MANIFEST_PATH, sha256, unifiedDiff, type ManifestInputs } from "../core/tree.js";
import { displayPath, locateSystemFile } from "./system.js";
import { commitPlan, interrupted, readIfExists, readManifest, unchangedSinceManifest } from "./commit.js";
import { loadTemplates, precompiledTemplates } from "./templates.js";

export interface GenerateOptions {
  cwd: string;
  file?: string;
  out?: string;
  only?: string[];
  /** Overwrite edited files: all (true) or these paths (relative to cwd). */
  force?: boolean | readonly string[];
  mode: "write" | "check" | "dry-run";
  diff?: boolean;
  onProgress?: (done: number, total: number) => void;
}
export interface FileChange {
  path: string;
  kind: "create" | "update" | "delete";
  diff?: string;
}
export interface GenerateResult {
  systemPath: string;
  diagnostics: Diagnostic[];
  changes: FileChange[];
  conflicts: { path: string; reason: string; diff?: string }[];
  unchanged: number;
  /** Temp files an interrupted run left (see commit.ts): removed by a write, listed by --check and --dry-run. */
  staleTemps: string[];
}

/** How the manifest names system.yaml in recorded diagnostics (each run shows it relative to its own cwd). */
const SYSTEM_FILE_MARK = "$system";

export async function generateSystem(opts: GenerateOptions): Promise<GenerateResult> {
  const systemPath = locateSystemFile(opts.cwd, opts.file);
  const root = opts.out ? path.resolve(opts.cwd, opts.out) : path.dirname(systemPath);

  // Fast path: same msa, same templates, same system.yaml and schema files, every file as recorded → nothing to do.
  // The warnings those inputs gave are recorded with the fingerprint and reported again: the same tree gives the
  // same diagnostics, cached or not.
  const fullRun = !(opts.only && opts.only.length);
  // an interrupted run may have left temp files: the full path finds them (and a write removes them)
  if (fullRun && !interrupted(root)) {
    const manifest = readManifest(root);
    if (manifest?.inputs) {
      const fingerprint = inputFingerprint(root, systemPath, manifest.inputs.files);
      if (fingerprint && unchangedSinceManifest(root, manifest, fingerprint))
        return {
          systemPath,
          diagnostics: (manifest.inputs.diagnostics ?? []).map((d) => ({ ...d, file: d.file === SYSTEM_FILE_MARK ? displayPath(opts.cwd, systemPath) : d.file })),
          changes: [],
          conflicts: [],
          unchanged: manifest.files.length,
          staleTemps: [],
        };
    }
  }

  // The heavy stages load only when there is work to do.
  const [{ loadSystemAt }, { planSystem }, { createRenderer }] = await Promise.all([
    import("./system.js"),
    import("../core/plan/index.js"),
    import("../core/render.js"),
  ]);
  const loaded = loadSystemAt(systemPath, displayPath(opts.cwd, systemPath));
  const model = loaded.model;
  if (!model || hasErrors(loaded.diagnostics)) return { systemPath, diagnostics: loaded.diagnostics, changes: [], conflicts: [], unchanged: 0, staleTemps: [] };

  let only: string[] | undefined;
  if (!fullRun) {
    only = [...new Set(opts.only)].sort();
    const known = new Set(model.contexts.map((c) => c.name));
    const unknown = only.filter((n) => !known.has(n));
    if (unknown.length)
      throw new UsageError(
        `--only: no context named ${unknown.map((n) => JSON.stringify(n)).join(", ")} in ${path.basename(systemPath)} (contexts: ${[...known].join(", ") || "none"})`,
      );
  }

  const render = createRenderer(loadTemplates(), precompiledTemplates);
  const planned = planSystem(model, render, only ? { only } : {});

  // What this output depends on besides msa: system.yaml and every schema file it names (relative to the root).
  const rel = (abs: string) => path.relative(root, abs).split(path.sep).join("/");
  const inputFiles = [
    rel(systemPath),
    ...model.events.flatMap((e) => e.versions.flatMap((v) => (v.schemaFile ? [rel(path.resolve(model.dir, v.schemaFile))] : []))),
    // the files schemas bring in with $ref: the events' and the REST contracts'
    ...model.events.flatMap((e) => e.versions.flatMap((v) => v.refFiles.map(rel))),
    ...model.contexts.flatMap((c) =>
      c.api.flatMap((ep) => [ep.request, ep.query, ...Object.values(ep.pathParams), ...ep.responses.map((r) => r.schema)].flatMap((s) => (s ? s.refFiles.map(rel) : []))),
    ),
  ];
  const fingerprint = fullRun ? inputFingerprint(root, systemPath, inputFiles) : null;
  const inputs: ManifestInputs | undefined = fingerprint ? { fingerprint, files: [...new Set(inputFiles)].sort(), diagnostics: loaded.diagnostics.map((d) => (d.file === loaded.path || d.file === displayPath(opts.cwd, systemPath) ? { ...d, file: SYSTEM_FILE_MARK } : d)) } : undefined;
  // --force PATH…: paths as the user typed them (relative to cwd), compared with the plan's (relative to the root)
  const force = Array.isArray(opts.force) ? opts.force.map((p) => path.relative(root, path.resolve(opts.cwd, p)).split(path.sep).join("/")) : opts.force;

  const { changes, staleTemps } = await commitPlan({ root, planned, mode: opts.mode, force, only, onProgress: opts.onProgress, inputs, keepText: opts.diff === true });

  const result: GenerateResult = { systemPath, diagnostics: loaded.diagnostics, changes: [], conflicts: [], unchanged: 0, staleTemps };
  for (const c of changes) {
    if (c.kind === "unchanged") result.unchanged++;
    else if (c.kind === "conflict")
      result.conflicts.push({
        path: c.path,
        reason: c.reason ?? "edited by you; kept",
        ...(opts.diff ? { diff: unifiedDiff({ path: c.path, kind: c.content === undefined ? "delete" : "update", before: c.before, content: c.content }) } : {}),
      });
    else result.changes.push({ path: c.path, kind: c.kind, ...(opts.diff ? { diff: unifiedDiff(c) } : {}) });
  }
  return result;
}

/**
 * sha256 over msa's own code and templates, the system file's place, and the bytes of each input file.
 * Null when an input cannot be read (then there is no fast path).
 */
function inputFingerprint(root: string, systemPath: string, inputFiles: readonly string[]): string | null {
  const h: string[] = [codeFingerprint(), path.relative(root, systemPath).split(path.sep).join("/")];
  for (const f of [...new Set(inputFiles)].sort()) {
    if (f === MANIFEST_PATH) return null;
    const text = readIfExists(path.resolve(root, f), f);
    if (text === undefined) return null;
    h.push(f, sha256(text));
  }
  return sha256(h.join("\0"));
}

let codeHash: string | undefined;
/** Changes whenever msa's compiled code or its templates change (a new version or a local edit). */
function codeFingerprint(): string {
  if (codeHash) return codeHash;
  const parts: string[] = [];
  for (const [name, text] of loadTemplates()) parts.push(`t:${name}`, sha256(text));
  const codeRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (/\.(js|ts|json)$/.test(e.name)) parts.push(`c:${path.relative(codeRoot, full)}`, sha256(fs.readFileSync(full)));
    }
  };
  walk(codeRoot);
  return (codeHash = sha256(parts.join("\0")));
}
