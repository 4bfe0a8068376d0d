// The commander program and the one error boundary that maps error classes to exit codes.
// Command modules only declare flags; each action imports its heavy code lazily, so
// `msa --version` and `msa --help` load nothing but commander.
import { Command, CommanderError } from "commander";
import { createRequire } from "node:module";
import { CannotRunError, UsageError, ProblemsFound } from "../core/diagnostics.js";
import { processContext, type CliContext } from "./context.js";
import { defineInit } from "./commands/init.js";
import { defineValidate } from "./commands/validate.js";
import { defineGenerate } from "./commands/generate.js";
import { defineAddService } from "./commands/add-service.js";
import { defineValidateEvents } from "./commands/validate-events.js";
import { defineAnalyzeDeps } from "./commands/analyze-deps.js";
import { defineDeploy } from "./commands/deploy.js";

export type ExitCode = 0 | 1 | 2;

/** What every command definition receives: the program, the context, and a setter for the exit code. */
export interface Definer {
  program: Command;
  ctx: CliContext;
  setExit: (code: ExitCode) => void;
}

export function version(): string {
  const require = createRequire(import.meta.url);
  return (require("../../package.json") as { version: string }).version;
}

export function buildProgram(ctx: CliContext, setExit: (code: ExitCode) => void): Command {
  const program = new Command("msa")
    .description("One system.yaml in: services, gateway, Kubernetes, compose, AsyncAPI and diagrams out — and kept honest.")
    .version(version(), "-V, --version", "print the version")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.stdout(s), writeErr: (s) => ctx.stderr(s) });
  const d: Definer = { program, ctx, setExit };
  for (const define of [defineInit, defineValidate, defineGenerate, defineAddService, defineValidateEvents, defineAnalyzeDeps, defineDeploy])
    define(d);
  return program;
}

export async function main(argv: string[], ctx: CliContext = processContext()): Promise<ExitCode> {
  let code: ExitCode = 0;
  const program = buildProgram(ctx, (c) => {
    code = Math.max(code, c) as ExitCode;
  });
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    return handleError(e, ctx);
  }
}

/** The error boundary: user mistakes print one line and no stack; only internal bugs show a stack. */
export function handleError(e: unknown, ctx: CliContext): ExitCode {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
    return 2; // commander already printed the message
  }
  if (e instanceof UsageError || e instanceof CannotRunError) {
    ctx.stderr(`msa: ${e.message}\n`);
    return 2;
  }
  if (e instanceof ProblemsFound) return 1;
  const err = e instanceof Error ? e : new Error(String(e));
  ctx.stderr(`msa: internal error: ${err.message}\n${err.stack ?? ""}\nPlease report this with the command you ran.\n`);
  return 2;
}
