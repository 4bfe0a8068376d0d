// `msa generate` as a function: load → plan → compare with the disk → write (or only report).
// Used by the generate command, by init/add-service after they write system.yaml, and by deploy's drift check.
import path from "node:path";
import { hasErrors, UsageError, type Diagnostic } from "../core/diagnostics.js";
import { planSystem } from "../core/plan/index.js";
import { createRenderer } from "../core/render.js";
import { unifiedDiff } from "../core/tree.js";
import { loadSystem } from "../cli/system.js";
import { commitPlan } from "./commit.js";
import { loadTemplates } from "./templates.js";

export interface GenerateOptions {
  cwd: string;
  file?: string;
  out?: string;
  only?: string[];
  force?: boolean;
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
  conflicts: { path: string; reason: string }[];
  unchanged: number;
}

export async function generateSystem(opts: GenerateOptions): Promise<GenerateResult> {
  const loaded = loadSystem(opts.cwd, opts.file);
  const empty = { systemPath: loaded.path, diagnostics: loaded.diagnostics, changes: [], conflicts: [], unchanged: 0 };
  const model = loaded.model;
  if (!model || hasErrors(loaded.diagnostics)) return empty;

  let only: string[] | undefined;
  if (opts.only && opts.only.length) {
    only = [...new Set(opts.only)].sort();
    const known = new Set(model.contexts.map((c) => c.name));
    const unknown = only.filter((n) => !known.has(n));
    if (unknown.length)
      throw new UsageError(
        `--only: no context named ${unknown.map((n) => JSON.stringify(n)).join(", ")} in ${path.basename(loaded.path)} (contexts: ${[...known].join(", ") || "none"})`,
      );
  }

  const render = createRenderer(loadTemplates());
  const planned = planSystem(model, render, only ? { only } : {});
  const root = opts.out ? path.resolve(opts.cwd, opts.out) : path.dirname(loaded.path);
  const { changes } = commitPlan({ root, planned, mode: opts.mode, force: opts.force, only, onProgress: opts.onProgress });

  const result: GenerateResult = { systemPath: loaded.path, diagnostics: loaded.diagnostics, changes: [], conflicts: [], unchanged: 0 };
  for (const c of changes) {
    if (c.kind === "unchanged") result.unchanged++;
    else if (c.kind === "conflict") result.conflicts.push({ path: c.path, reason: c.reason ?? "edited by you; kept" });
    else result.changes.push({ path: c.path, kind: c.kind, ...(opts.diff ? { diff: unifiedDiff(c) } : {}) });
  }
  return result;
}
