// The error boundary every way into a command shares (commander's main, and the validate-events fast
// path): user mistakes print one line and no stack; only internal bugs show a stack.
import { CannotRunError, ProblemsFound, UsageError } from "../core/diagnostics.js";
import type { CliContext } from "./context.js";

export type ExitCode = 0 | 1 | 2;

/** The exit code for an error a command threw (and its one line on stderr). Commander's own errors are main's. */
export function exitCodeFor(e: unknown, ctx: CliContext): ExitCode {
  if (e instanceof UsageError || e instanceof CannotRunError) {
    ctx.stderr(`msa: ${e.message}\n`);
    return 2;
  }
  if (e instanceof ProblemsFound) return 1;
  const err = e instanceof Error ? e : new Error(String(e));
  ctx.stderr(`msa: internal error: ${err.message}\n${err.stack ?? ""}\nPlease report this with the command you ran.\n`);
  return 2;
}
