// `msa docs`: load → model → site model → pages (templates/site) → write (only changed files) → optionally serve.
import fs from "node:fs";
import path from "node:path";
import { hasErrors, UsageError } from "../../core/diagnostics.js";
import { createRenderer } from "../../core/render.js";
import { siteModel, type DepsReport } from "../../core/site/model.js";
import { planSite } from "../../core/site/plan.js";
import { readManifest } from "../../io/commit.js";
import { loadSiteScript, serveFolder, writeSite } from "../../io/site.js";
import { loadTemplates } from "../../io/templates.js";
import type { CliContext } from "../context.js";
import type { ExitCode } from "../main.js";
import { diagnosticsJson, formatDiagnostics, painter, plural } from "../report.js";
import { displayPath, loadSystemAt, locateSystemFile } from "../../io/system.js";
import type { DocsOptions } from "./docs.js";

export async function runDocs(opts: DocsOptions, ctx: CliContext): Promise<ExitCode> {
  if (opts.check && opts.serve) throw new UsageError("--check and --serve cannot be combined; --check writes and serves nothing");
  const systemPath = locateSystemFile(ctx.cwd, opts.file);
  const root = path.dirname(systemPath);
  const outDir = opts.out ? path.resolve(ctx.cwd, opts.out) : path.join(root, "docs", "site");
  const deps = opts.deps ? readDeps(path.resolve(ctx.cwd, opts.deps), opts.deps) : null;

  const loaded = loadSystemAt(systemPath, displayPath(ctx.cwd, systemPath));
  const p = await painter(ctx.color);
  if (!loaded.model || hasErrors(loaded.diagnostics)) {
    if (opts.format === "json") ctx.stdout(JSON.stringify({ written: false, diagnostics: diagnosticsJson(loaded.diagnostics) }, null, 2) + "\n");
    else ctx.stderr(formatDiagnostics(loaded.diagnostics, "text", p));
    ctx.stderr("docs: nothing written; fix the errors above first\n");
    return 1;
  }
  // warnings are msa validate's to show: the site is built from the model either way
  const warnings = loaded.diagnostics.length;

  const generatedFiles = (readManifest(root)?.files ?? []).map((f) => f.path);
  const rel = path.relative(outDir, root).split(path.sep).join("/");
  const site = siteModel({ model: loaded.model, generatedFiles, rootFromSite: rel ? `${rel}/` : "", deps });
  const files = planSite(site, createRenderer(loadTemplates()), { script: loadSiteScript() });
  const result = writeSite(outDir, files, opts.check ? "check" : "write");
  const shownOut = displayPath(ctx.cwd, outDir);
  const stale = result.written.length + result.removed.length;

  if (opts.format === "json") {
    ctx.stdout(
      JSON.stringify(
        {
          out: shownOut,
          mode: opts.check ? "check" : "write",
          upToDate: stale === 0,
          pages: files.filter((f) => f.path.endsWith(".html")).length,
          written: result.written,
          removed: result.removed,
          unchanged: result.unchanged,
          drift: site.drift.length,
        },
        null,
        2,
      ) + "\n",
    );
  } else {
    if (warnings) ctx.stderr(`docs: system.yaml has ${plural(warnings, "warning")} (msa validate shows them)\n`);
    if (opts.check)
      ctx.stdout(
        stale
          ? `docs --check: ${plural(stale, "file")} out of date in ${shownOut} (${result.written.length} to write, ${result.removed.length} to remove); run \`msa docs\`\n`
          : `docs --check: ${shownOut} is up to date (${files.length} files)\n`,
      );
    else
      ctx.stdout(
        `docs: ${shownOut}: ${result.written.length} written, ${result.unchanged} unchanged, ${result.removed.length} removed — ${site.contexts.length} contexts, ${site.events.length} events, ${site.sagas.length} sagas${deps ? `, ${plural(site.drift.length, "drift edge")}` : ""}\n` +
          `open ${displayPath(ctx.cwd, path.join(outDir, "index.html"))}${opts.serve ? "" : " (or msa docs --serve)"}\n`,
      );
  }
  if (opts.check) return stale ? 1 : 0;

  const indexUrl = (base: string) => `${base}/${path.relative(root, path.join(outDir, "index.html")).split(path.sep).join("/")}`;
  if (opts.serve) {
    if (path.relative(root, outDir).startsWith("..")) throw new UsageError("--serve serves the system's folder: --out must be inside it");
    const server = await serveFolder(root, opts.port);
    const url = indexUrl(`http://127.0.0.1:${opts.port}`);
    ctx.stdout(`serving ${displayPath(ctx.cwd, root)} on ${url} — Ctrl-C stops\n`);
    if (opts.open) await openInBrowser(url, ctx);
    await new Promise<void>((resolve) => {
      const stop = () => server.close(() => resolve());
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    return 0;
  }
  if (opts.open) await openInBrowser(`file://${path.join(outDir, "index.html")}`, ctx);
  return 0;
}

function readDeps(abs: string, shown: string): DepsReport {
  let text: string;
  try {
    text = fs.readFileSync(abs, "utf8");
  } catch (e) {
    throw new UsageError(`--deps: cannot read ${shown}: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UsageError(`--deps: ${shown} is not JSON; write it with msa analyze-deps --format json > ${shown}`);
  }
  const edges = (data as { edges?: unknown }).edges;
  if (!Array.isArray(edges)) throw new UsageError(`--deps: ${shown} has no "edges" list; write it with msa analyze-deps --format json > ${shown}`);
  return { edges: edges.filter((e): e is DepsReport["edges"][number] => !!e && typeof e === "object" && typeof (e as { from?: unknown }).from === "string" && typeof (e as { to?: unknown }).to === "string") };
}

/** Best effort: the platform's opener; when there is none, the URL was printed already. */
async function openInBrowser(url: string, ctx: CliContext): Promise<void> {
  const { spawn } = await import("node:child_process");
  const [cmd, args] = process.platform === "darwin" ? ["open", [url]] : process.platform === "win32" ? ["cmd", ["/c", "start", "", url]] : ["xdg-open", [url]];
  await new Promise<void>((resolve) => {
    const child = spawn(cmd, args, { stdio: "ignore", detached: true });
    child.once("error", () => {
      ctx.stderr(`docs: could not start a browser (${cmd}); open ${url} yourself\n`);
      resolve();
    });
    child.once("spawn", () => {
      child.unref();
      resolve();
    });
  });
}
