// `msa analyze-deps …` without commander, for its common forms (issue #24: analyze-deps within 1.5× `grep -rE`;
// on a small tree most of a run is start-up). The same approach as fast-validate.ts: node:util's parseArgs
// reads the flags; anything it does not read exactly as commander would — help, an unknown flag, a missing or
// dash-like value, a value outside its choices or range, an `=`-spelled short flag, `--` — returns undefined,
// and bin/msa.js runs the commander program. The flags must be analyze-deps' (commands/analyze-deps.ts);
// test/cli/fast-analyze-deps.test.ts checks that both parsers agree. Built into one file with the command's
// code (scripts/bundle-cli.mjs, dist/bundle/analyze-deps.js).
import { parseArgs } from "node:util";
import { DEFAULT_MAX_CALLEES } from "../core/vocabulary.js";
import type { AnalyzeDepsOptions } from "./commands/analyze-deps.js";
import type { ExitCode } from "./errors.js";

const OPTIONS = {
  "service-prefix": { type: "string", multiple: true },
  services: { type: "string", multiple: true },
  exclude: { type: "string", multiple: true },
  format: { type: "string" },
  "output-format": { type: "string" },
  "fail-on": { type: "string" },
  "max-callees": { type: "string" },
  "all-files": { type: "boolean" },
  "include-vendored": { type: "boolean" },
  "dry-run": { type: "boolean" },
  file: { type: "string", short: "f" },
} as const;

/** The flag set above, for the test that compares it with commander's definition. */
export const FAST_ANALYZE_DEPS_FLAGS: Readonly<Record<string, { type: "string" | "boolean"; multiple?: boolean; short?: string }>> = OPTIONS;
export const FAST_ANALYZE_DEPS_FORMATS = ["text", "json", "mermaid", "dot"] as const;
/** --max-callees' range (commands/analyze-deps.ts: intOption("max-callees", 0, 1000)). */
const MAX_CALLEES_RANGE = [0, 1000] as const;

type Format = AnalyzeDepsOptions["format"];

/** The paths and the options commander's action would receive for `args` (after the command word), or undefined: let commander parse. */
export function fastAnalyzeDepsArgs(args: readonly string[]): { paths: string[]; opts: AnalyzeDepsOptions } | undefined {
  if (args.includes("--")) return undefined;
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch {
    return undefined;
  }
  const { values, positionals } = parsed;
  const strings = [values.format, values["output-format"], values["fail-on"], values["max-callees"], values.file, ...(values["service-prefix"] ?? []), ...(values.services ?? []), ...(values.exclude ?? [])];
  // `-f=x` is "=x" to parseArgs; dash-like values and positionals are commander's to judge.
  if (strings.some((v) => v !== undefined && (v.startsWith("=") || v.startsWith("-")))) return undefined;
  if (positionals.some((p) => p.startsWith("-"))) return undefined;
  const isFormat = (f: string | undefined): f is Format | undefined => f === undefined || (FAST_ANALYZE_DEPS_FORMATS as readonly string[]).includes(f);
  const format = values.format ?? "text";
  const outputFormat = values["output-format"];
  if (!isFormat(format) || !isFormat(outputFormat)) return undefined;
  let maxCallees = DEFAULT_MAX_CALLEES;
  if (values["max-callees"] !== undefined) {
    const n = Number(values["max-callees"]);
    if (!Number.isInteger(n) || n < MAX_CALLEES_RANGE[0] || n > MAX_CALLEES_RANGE[1]) return undefined; // commander says why
    maxCallees = n;
  }
  const opts: AnalyzeDepsOptions = {
    servicePrefix: values["service-prefix"] ?? [],
    services: values.services ?? [],
    exclude: values.exclude ?? [],
    format,
    failOn: values["fail-on"] ?? "errors",
    maxCallees,
  };
  if (outputFormat !== undefined) opts.outputFormat = outputFormat;
  if (values["all-files"]) opts.allFiles = true;
  if (values["include-vendored"]) opts.includeVendored = true;
  if (values["dry-run"]) opts.dryRun = true;
  if (values.file !== undefined) opts.file = values.file;
  return { paths: positionals, opts };
}

function parse(args: readonly string[]) {
  return parseArgs({ args: [...args], options: OPTIONS, strict: true, allowPositionals: true });
}

/** Runs analyze-deps when the fast parse applies; undefined when commander must parse instead. */
export async function runAnalyzeDepsFast(args: readonly string[]): Promise<ExitCode | undefined> {
  const parsed = fastAnalyzeDepsArgs(args);
  if (!parsed) return undefined;
  const { paths, opts } = parsed;
  const [{ runAnalyzeDeps }, { runAction }] = await Promise.all([import("./commands/analyze-deps-run.js"), import("./fast-run.js")]);
  return runAction(opts, (o, ctx) => runAnalyzeDeps(paths, o, ctx), opts.format === "json" || opts.outputFormat === "json");
}
