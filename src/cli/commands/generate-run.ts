// `msa generate`: flags → generateSystem → a line per change and a summary (or one JSON document).
import { UsageError } from "../../core/diagnostics.js";
import { generateSystem, type GenerateResult } from "../../io/generate.js";
import { raiseTierUpBudget } from "../../io/tiering.js";
import type { CliContext } from "../context.js";
import type { ExitCode } from "../main.js";
import { diagnosticsJson, formatDiagnostics, painter, plural, summarize } from "../report.js";
import type { GenerateCommandOptions } from "./generate.js";

/** Progress is drawn only on a terminal and only when there is enough to wait for. */
const PROGRESS_MIN_FILES = 200;

export async function runGenerate(opts: GenerateCommandOptions, ctx: CliContext): Promise<ExitCode> {
  if (opts.check && opts.dryRun) throw new UsageError("--check and --dry-run cannot be combined; --check already writes nothing");
  const given = opts.only ?? [];
  const only = given.flatMap((o) => o.split(",")).map((s) => s.trim()).filter(Boolean);
  if (given.length && !only.length) throw new UsageError("--only needs a context name");
  const mode = opts.check ? "check" : opts.dryRun ? "dry-run" : "write";
  // A short run of many functions each called a few hundred times (a template per kind of file): with V8's default
  // tier-up budget TurboFan compiled hundreds of them on its own thread for more CPU than the optimized code saved
  // (issue #24: a cold 500-context generate, see src/io/tiering.ts). The output streams are made first, so their
  // modules come from Node's own code cache (accepted only under the flags it was made with), as in fast-validate.ts.
  void process.stdout;
  void process.stderr;
  raiseTierUpBudget();

  let drawn = false;
  const onProgress =
    ctx.isTTY && opts.format === "text"
      ? (done: number, total: number) => {
          if (total < PROGRESS_MIN_FILES) return;
          if (done % 50 !== 0 && done !== total) return;
          drawn = true;
          ctx.stderr(`\rwriting ${done}/${total} files…`);
        }
      : undefined;

  const result = await generateSystem({
    cwd: ctx.cwd,
    file: opts.file,
    out: opts.out,
    only: only.length ? only : undefined,
    force: opts.force,
    mode,
    diff: opts.diff,
    onProgress,
  });
  if (drawn) ctx.stderr("\r\x1b[K");

  const { errors } = summarize(result.diagnostics);
  // a temp file an interrupted run left is drift too: the tree is not what a finished generate leaves
  const drift = mode === "check" && (result.changes.length > 0 || result.staleTemps.length > 0);
  const code: ExitCode = errors > 0 || drift || result.conflicts.length > 0 ? 1 : 0;

  if (opts.format === "json") {
    ctx.stdout(JSON.stringify(jsonReport(result, mode, errors > 0), null, 2) + "\n");
    return code;
  }
  const p = await painter(ctx.color);
  const out: string[] = [];
  const diagText = formatDiagnostics(result.diagnostics, "text", p);
  if (diagText) ctx.stderr(diagText);
  if (errors > 0) {
    ctx.stderr("generate: nothing written; fix the errors above first\n");
    return 1;
  }
  const word = { create: p.green("create"), update: p.yellow("update"), delete: p.red("delete") };
  // A file per line only when asked (--verbose), for a small change, or with its diff; otherwise a line per folder.
  const listFiles = opts.verbose || opts.diff || result.changes.length <= 12;
  if (listFiles)
    for (const c of result.changes) {
      out.push(`${word[c.kind]} ${c.path}\n`);
      if (c.diff) out.push(c.diff.endsWith("\n") ? c.diff : c.diff + "\n");
    }
  else out.push(groupedSummary(result));
  const tempWord = mode === "write" ? "removed" : mode === "check" ? "stale" : "would remove";
  for (const t of result.staleTemps) out.push(`${p.red(tempWord)} ${t} (a temp file left by an interrupted msa generate)\n`);
  for (const c of result.conflicts) {
    out.push(`${p.red("conflict")} ${c.path}: ${c.reason}\n`);
    if (c.diff) out.push(c.diff.endsWith("\n") ? c.diff : c.diff + "\n");
  }
  const counts = count(result);
  const summary = `${counts.created} created, ${counts.updated} updated, ${counts.deleted} deleted, ${counts.unchanged} unchanged, ${plural(counts.conflicts, "conflict")}`;
  if (mode === "check")
    out.push(
      result.changes.length || result.conflicts.length || result.staleTemps.length
        ? `generate --check: ${plural(result.changes.length + result.conflicts.length + result.staleTemps.length, "file")} out of date (${summary}${result.staleTemps.length ? `, ${plural(result.staleTemps.length, "stale temp file")}` : ""})${result.changes.length || result.staleTemps.length ? "; run `msa generate`" : ""}\n`
        : `generate --check: up to date (${counts.unchanged} files)\n`,
    );
  else if (mode === "dry-run") out.push(`generate --dry-run: nothing written; would write: ${summary}\n`);
  else out.push(`generate: ${summary}\n`);
  if (result.conflicts.length) out.push(conflictHelp(result.conflicts.map((c) => c.path), !!opts.diff));
  ctx.stdout(out.join(""));
  return code;
}

/** What to do about conflicts: `msa generate` alone cannot clear them. */
export function conflictHelp(paths: readonly string[], diffShown: boolean): string {
  const one = paths[0] as string;
  const lines = [
    `${plural(paths.length, "file")} kept because you edited ${paths.length === 1 ? "it" : "them"}; msa generate alone will not change ${paths.length === 1 ? "it" : "them"}. For each:`,
    "  - keep your edit: move it into system.yaml (or a file msa does not generate) so it survives, then overwrite;",
    `  - overwrite it with what msa generates: msa generate --force ${paths.length === 1 ? one : `${one} …`}   (--force alone overwrites every conflict)`,
  ];
  if (!diffShown) lines.push("  msa generate --dry-run --diff shows each conflict against what msa would write");
  return lines.join("\n") + "\n";
}

/** One line per top-level folder: created / updated / deleted / unchanged counts ("." for root files). */
export function groupedSummary(r: GenerateResult): string {
  const groups = new Map<string, { create: number; update: number; delete: number }>();
  for (const c of r.changes) {
    const slash = c.path.indexOf("/");
    const key = slash === -1 ? "./" : c.path.slice(0, slash + 1);
    const g = groups.get(key) ?? { create: 0, update: 0, delete: 0 };
    g[c.kind]++;
    groups.set(key, g);
  }
  const keys = [...groups.keys()].sort((a, b) => (a === "./" ? -1 : b === "./" ? 1 : a < b ? -1 : 1));
  const width = Math.max(...keys.map((k) => k.length));
  const lines = keys.map((k) => {
    const g = groups.get(k) as { create: number; update: number; delete: number };
    const parts = [g.create && `${g.create} created`, g.update && `${g.update} updated`, g.delete && `${g.delete} deleted`].filter(Boolean);
    return `  ${k.padEnd(width)}  ${parts.join(", ")}\n`;
  });
  return lines.join("") + "  (--verbose lists every file)\n";
}

function count(r: GenerateResult) {
  return {
    created: r.changes.filter((c) => c.kind === "create").length,
    updated: r.changes.filter((c) => c.kind === "update").length,
    deleted: r.changes.filter((c) => c.kind === "delete").length,
    unchanged: r.unchanged,
    conflicts: r.conflicts.length,
  };
}

function jsonReport(r: GenerateResult, mode: string, failed: boolean) {
  return {
    mode,
    written: mode === "write" && !failed,
    diagnostics: diagnosticsJson(r.diagnostics),
    changes: r.changes.map((c) => ({ path: c.path, kind: c.kind, ...(c.diff !== undefined ? { diff: c.diff } : {}) })),
    conflicts: r.conflicts.map((c) => ({ path: c.path, reason: c.reason, ...(c.diff !== undefined ? { diff: c.diff } : {}) })),
    staleTemps: r.staleTemps,
    summary: count(r),
  };
}
