// `msa validate …` without commander, for its common forms (issue #24: validate of a 500-context system
// in ≤ 0.3 s of CPU, where loading commander and building the program was ~25 ms). The same approach as
// fast-validate-events.ts: node:util's parseArgs reads the flags; anything it does not read exactly as
// commander would — help, an unknown flag, a positional, a missing or dash-like value, a --format outside
// its choices, an `=`-spelled short flag — returns undefined, and bin/msa.js runs the commander program.
// The flags must be validate's (commands/validate.ts); test/cli/fast-validate.test.ts checks that both
// parsers agree and that the built CLI answers the same either way.
import { raiseTierUpBudget } from "../io/tiering.js";
import type { CommonOptions } from "./options.js";
import type { ExitCode } from "./errors.js";
import { readFastFlags } from "./fast-run.js";

const OPTIONS = {
  "list-rules": { type: "boolean" },
  against: { type: "string" },
  file: { type: "string", short: "f" },
  format: { type: "string" },
} as const;

/** The flag set above, for the test that compares it with commander's definition. */
export const FAST_VALIDATE_FLAGS: Readonly<Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>> = OPTIONS;
export const FAST_VALIDATE_FORMATS = ["text", "json", "github"] as const;

type ValidateOptions = CommonOptions & { listRules?: boolean; against?: string };

/** The options commander's action would receive for `args` (after the command word), or undefined: let commander parse. */
export function fastValidateOptions(args: readonly string[]): ValidateOptions | undefined {
  const read = readFastFlags(args, OPTIONS, FAST_VALIDATE_FORMATS, ["file", "against"]);
  if (!read) return undefined;
  const { values, format } = read;
  const opts = { format } as ValidateOptions;
  if (values["list-rules"]) opts.listRules = true;
  if (values.against !== undefined) opts.against = values.against;
  if (values.file !== undefined) opts.file = values.file;
  return opts;
}

/** Runs validate when the fast parse applies; undefined when commander must parse instead. */
export async function runValidateFast(args: readonly string[]): Promise<ExitCode | undefined> {
  const opts = fastValidateOptions(args);
  if (!opts) return undefined;
  // A short run: V8's tier-up budget raised (src/io/tiering.ts). The output streams this run writes to are made
  // first — processContext() takes stdout, a text report goes to stderr — so their modules (net for a pipe, tty,
  // the file stream) come from Node's own code cache, which V8 accepts only under the flags it was made with.
  void process.stdout;
  if (opts.format === "text" && !opts.listRules) void process.stderr;
  raiseTierUpBudget();
  const [{ runValidate }, { runAction }] = await Promise.all([import("./commands/validate-run.js"), import("./fast-run.js")]);
  return runAction(opts, runValidate, opts.format === "json");
}
