// `msa generate …` without commander, for its common forms (issue #24: a cold generate of 500 contexts within 2× the
// write-only floor's CPU; loading commander, building the program and loading generate's ~70 modules one by one
// was a measurable part of it). As fast-validate.ts: node:util's parseArgs reads the flags; anything it does not read
// exactly as commander would — help, an unknown flag, a positional, a missing or dash-like value, a --format outside
// its choices, an `=`-spelled short flag, and every --force (an optional variadic commander reads its own way) —
// returns undefined, and bin/msa.js runs the commander program. The flags must be generate's (commands/generate.ts);
// test/cli/fast-generate.test.ts checks that both parsers agree and that the built CLI answers the same either way.
import type { ExitCode } from "./errors.js";
import { readFastFlags } from "./fast-run.js";
import type { GenerateCommandOptions } from "./commands/generate.js";

const OPTIONS = {
  check: { type: "boolean" },
  diff: { type: "boolean" },
  "dry-run": { type: "boolean" },
  only: { type: "string", multiple: true },
  out: { type: "string" },
  format: { type: "string" },
  verbose: { type: "boolean" },
  file: { type: "string", short: "f" },
} as const;

/** The flag set above, for the test that compares it with commander's definition (--force is commander's alone). */
export const FAST_GENERATE_FLAGS: Readonly<Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>> = OPTIONS;
export const FAST_GENERATE_FORMATS = ["text", "json"] as const;

/** The options commander's action would receive for `args` (after the command word), or undefined: let commander parse. */
export function fastGenerateOptions(args: readonly string[]): GenerateCommandOptions | undefined {
  const read = readFastFlags(args, OPTIONS, FAST_GENERATE_FORMATS, ["file"]);
  if (!read) return undefined;
  const { values, format } = read;
  const opts = { format } as GenerateCommandOptions;
  if (values.check) opts.check = true;
  if (values.diff) opts.diff = true;
  if (values["dry-run"]) opts.dryRun = true;
  if (values.only !== undefined) opts.only = values.only;
  if (values.out !== undefined) opts.out = values.out;
  if (values.verbose) opts.verbose = true;
  if (values.file !== undefined) opts.file = values.file;
  return opts;
}

/** Runs generate when the fast parse applies; undefined when commander must parse instead. */
export async function runGenerateFast(args: readonly string[]): Promise<ExitCode | undefined> {
  const opts = fastGenerateOptions(args);
  if (!opts) return undefined;
  const [{ runGenerate }, { runAction }] = await Promise.all([import("./commands/generate-run.js"), import("./fast-run.js")]);
  return runAction(opts, runGenerate, opts.format === "json");
}
