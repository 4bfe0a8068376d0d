import fs from "node:fs";
import { createTwoFilesPatch } from "diff";
import { addContext } from "../../core/add-context.js";
import { hasErrors, UsageError } from "../../core/diagnostics.js";
import { DNS_LABEL } from "../../core/names.js";
import { writeFileAtomic } from "../../io/atomic.js";
import type { CliContext } from "../context.js";
import { formatDiagnostics, painter } from "../report.js";
import { displayPath, loadSystemAt, locateSystemFile } from "../../io/system.js";
import { generateAfterEdit } from "../generate-after-edit.js";
import type { AddServiceOptions } from "./add-service.js";

const list = (values: string[]): string[] => [...new Set(values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean))];

export async function runAddService(arg: string | undefined, opts: AddServiceOptions, ctx: CliContext): Promise<0 | 1 | 2 | 130> {
  const name = arg ?? opts.name;
  if (!name) throw new UsageError("add-service needs a name: msa add-service <name> (e.g. msa add-service shipping)");
  if (arg && opts.name && arg !== opts.name) throw new UsageError(`two names given (${arg} and --name ${opts.name}); give one`);
  if (!DNS_LABEL.test(name) || name.length > 63)
    throw new UsageError(`"${name}" is not a valid context name: use lowercase letters, digits and '-', starting with a letter (e.g. order-processor)`);
  const abs = locateSystemFile(ctx.cwd, opts.file);
  const shown = displayPath(ctx.cwd, abs);
  const before = fs.readFileSync(abs, "utf8");
  const result = addContext(before, {
    name,
    runtime: opts.type,
    port: opts.port,
    database: opts.database,
    description: opts.description,
    api: opts.api.map((a) => a.trim()).filter(Boolean),
    publishes: list(opts.publishes),
    consumes: list(opts.consumes),
    calls: list(opts.calls),
  });

  // Validate the edited file before anything is written: a bad request writes nothing.
  const checked = loadSystemAt(abs, shown, result.text);
  const p = await painter(ctx.color && opts.format === "text");
  if (hasErrors(checked.diagnostics)) {
    ctx.stderr(`msa: adding ${name} would make ${shown} invalid; nothing was written:\n`);
    const report = formatDiagnostics(checked.diagnostics.filter((d) => d.severity === "error"), opts.format, p);
    if (opts.format === "text") ctx.stderr(report);
    else ctx.stdout(report);
    return 1;
  }
  const patch = createTwoFilesPatch(shown, shown, before, result.text, "", "", { context: 3 });
  if (opts.dryRun) {
    if (opts.format === "json") ctx.stdout(JSON.stringify({ dryRun: true, context: name, port: result.port, declaredEvents: result.declaredEvents, diff: patch }, null, 2) + "\n");
    else {
      ctx.stdout(patch);
      ctx.stdout(`dry run: would add context ${name} (port ${result.port}) to ${shown}${opts.generate ? ` and regenerate the system (services/${name}/ and every file that names it)` : ""}; nothing written\n`);
    }
    return 0;
  }
  writeFileAtomic(abs, result.text);
  if (opts.format === "text") {
    ctx.stdout(p.green(`added context ${name} (port ${result.port}) to ${shown}\n`));
    for (const e of result.declaredEvents) ctx.stdout(`declared event ${e} with an open schema: describe its payload under events.${e}.schema\n`);
  }
  let code: 0 | 1 | 2 | 130 = 0;
  // the whole system, not only the new context: compose, kustomize, AsyncAPI, the gateway and the docs name it too,
  // and `generate --check` (and deploy's drift check) must be clean right after
  if (opts.generate) code = await generateAfterEdit({ cwd: ctx.cwd, file: abs, out: opts.outputDir, format: opts.format, verbose: opts.verbose }, ctx);
  if (opts.format === "json") ctx.stdout(JSON.stringify({ context: name, port: result.port, declaredEvents: result.declaredEvents, file: shown }, null, 2) + "\n");
  return code;
}
