// `msa validate-events …` without commander, for the common case only. Its budget is half of ajv-cli's
// time over a directory of small files, and loading commander with the program was a third of what msa
// adds to `node` itself. node:util's parseArgs (in Node's start-up snapshot) reads the flags; anything it
// does not read exactly as commander would — help, an unknown or repeated-odd flag, a positional, a
// missing or dash-like value, a --format outside its choices — returns undefined, and bin/msa.js runs
// the commander program, which handles it (and explains errors) as always. The flags here must be
// validate-events' (commands/validate-events.ts); test/cli/fast-validate-events.test.ts checks that both
// parsers agree, flag by flag and on every argv it tries.
import type { ValidateEventsOptions } from "./commands/validate-events-run.js";
import type { ExitCode } from "./errors.js";
import { readFastFlags } from "./fast-run.js";

const OPTIONS = {
  "event-file": { type: "string", multiple: true },
  "schema-file": { type: "string" },
  dir: { type: "string", multiple: true },
  ndjson: { type: "string", multiple: true },
  compat: { type: "boolean" },
  transitive: { type: "boolean" },
  "dry-run": { type: "boolean" },
  "no-cache": { type: "boolean" },
  file: { type: "string", short: "f" },
  format: { type: "string" },
} as const;

/** The flag set above, for the test that compares it with commander's definition. */
export const FAST_FLAGS: Readonly<Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>> = OPTIONS;
export const FAST_FORMATS = ["text", "json", "github"] as const;

/** The options commander's action would receive for `args` (after the command word), or undefined: let commander parse. */
export function fastValidateEventsOptions(args: readonly string[]): ValidateEventsOptions | undefined {
  const read = readFastFlags(args, OPTIONS, FAST_FORMATS, ["file", "schema-file", "event-file", "dir", "ndjson"]);
  if (!read) return undefined;
  const { values, format } = read;
  const opts: ValidateEventsOptions = { format: format as ValidateEventsOptions["format"], cache: !values["no-cache"] };
  if (values["event-file"]) opts.eventFile = values["event-file"];
  if (values["schema-file"] !== undefined) opts.schemaFile = values["schema-file"];
  if (values.dir) opts.dir = values.dir;
  if (values.ndjson) opts.ndjson = values.ndjson;
  if (values.compat) opts.compat = true;
  if (values.transitive) opts.transitive = true;
  if (values["dry-run"]) opts.dryRun = true;
  if (values.file !== undefined) opts.file = values.file;
  return opts;
}

/** Runs validate-events when the fast parse applies; undefined when commander must parse instead. */
export async function runValidateEventsFast(args: readonly string[]): Promise<ExitCode | undefined> {
  const opts = fastValidateEventsOptions(args);
  if (!opts) return undefined;
  const [{ runValidateEvents }, { runAction }] = await Promise.all([import("./commands/validate-events-run.js"), import("./fast-run.js")]);
  return runAction(opts, runValidateEvents);
}
