import { hasErrors, sortDiagnostics } from "../../core/diagnostics.js";
import { RULES } from "../../core/rules/index.js";
import type { CliContext } from "../context.js";
import type { CommonOptions } from "../options.js";
import { formatDiagnostics, painter, plural } from "../report.js";
import { loadSystem } from "../../io/system.js";

export async function runValidate(opts: CommonOptions & { listRules?: boolean; against?: string }, ctx: CliContext): Promise<0 | 1> {
  if (opts.listRules) {
    if (opts.format === "json") ctx.stdout(JSON.stringify(RULES.map((r) => ({ id: r.id, severity: r.severity, summary: r.summary })), null, 2) + "\n");
    else {
      const width = Math.max(...RULES.map((r) => r.id.length));
      for (const r of RULES) ctx.stdout(`${r.id.padEnd(width)}  ${r.severity.padEnd(7)}  ${r.summary}\n`);
    }
    return 0;
  }
  const result = loadSystem(ctx.cwd, opts.file);
  // the REST contracts against the previous ones (docs/rest-contracts.md), once system.yaml itself is sound
  if (result.model && !hasErrors(result.diagnostics) && result.model.contexts.some((c) => c.api.length)) {
    const { previousContracts } = await import("../api-contracts.js");
    const { checkApiContracts } = await import("../../core/api/compat.js");
    result.diagnostics = sortDiagnostics([...result.diagnostics, ...checkApiContracts(result.model, previousContracts(result.model, opts.against))]);
  } else if (opts.against !== undefined && result.model && !hasErrors(result.diagnostics)) {
    const { previousContracts } = await import("../api-contracts.js");
    previousContracts(result.model, opts.against); // a bad ref is still an error
  }
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
