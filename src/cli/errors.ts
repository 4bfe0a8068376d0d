// The error boundary every way into a command shares (commander's main, and the validate-events fast
// path): user mistakes print one line and no stack; only internal bugs show a stack.
import { CannotRunError, ProblemsFound, UsageError } from "../core/diagnostics.js";
import type { CliContext } from "./context.js";

export type ExitCode = 0 | 1 | 2 | 130;

/** Machine-readable runs (`--format json`) get their usage errors as JSON on stdout too. */
export function usageErrorJson(message: string): string {
  return JSON.stringify({ error: { kind: "usage", message } }, null, 2) + "\n";
}

/** The exit code for an error a command threw (and its one line on stderr). Commander's own errors are main's. */
export function exitCodeFor(e: unknown, ctx: CliContext, json = false): ExitCode {
  if (e instanceof UsageError || e instanceof CannotRunError) {
    if (json) ctx.stdout(JSON.stringify({ error: { kind: e instanceof UsageError ? "usage" : "cannot-run", message: e.message } }, null, 2) + "\n");
    else ctx.stderr(`msa: ${e.message}\n`);
    return 2;
  }
  // Ctrl-C at a prompt (@inquirer's ExitPromptError): the user chose to stop; exit 130 like a shell, no report
  if (e instanceof Error && e.name === "ExitPromptError") {
    ctx.stderr("\n");
    return 130;
  }
  if (e instanceof ProblemsFound) return 1;
  const err = e instanceof Error ? e : new Error(String(e));
  ctx.stderr(`msa: internal error: ${err.message}\n${err.stack ?? ""}\nPlease report this with the command you ran.\n`);
  return 2;
}
