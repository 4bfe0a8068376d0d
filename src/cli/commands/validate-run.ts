import { hasErrors } from "../../core/diagnostics.js";
import { RULES } from "../../core/rules/index.js";
import type { CliContext } from "../context.js";
import type { CommonOptions } from "../options.js";
import { formatDiagnostics, painter, plural } from "../report.js";
import { loadSystem } from "../system.js";

export async function runValidate(opts: CommonOptions & { listRules?: boolean }, ctx: CliContext): Promise<0 | 1> {
  if (opts.listRules) {
    if (opts.format === "json") ctx.stdout(JSON.stringify(RULES.map((r) => ({ id: r.id, severity: r.severity, summary: r.summary })), null, 2) + "\n");
    else {
      const width = Math.max(...RULES.map((r) => r.id.length));
      for (const r of RULES) ctx.stdout(`${r.id.padEnd(width)}  ${r.severity.padEnd(7)}  ${r.summary}\n`);
    }
    return 0;
  }
  const result = loadSystem(ctx.cwd, opts.file);
  const p = await painter(ctx.color && opts.format === "text");
  // one convention for every command: diagnostics as text go to stderr; a machine format (json, github) is the
  // command's result and goes to stdout
  const report = formatDiagnostics(result.diagnostics, opts.format, p);
  if (opts.format === "text") ctx.stderr(report);
  else ctx.stdout(report);
  const failed = hasErrors(result.diagnostics);
  if (opts.format === "text" && !failed && result.model) {
    const m = result.model;
    ctx.stdout(p.green(`${m.file}: valid — ${plural(m.contexts.length, "context")}, ${plural(m.events.length, "event")}, ${plural(m.gateway.routes.length, "route")}\n`));
  }
  return failed ? 1 : 0;
}
