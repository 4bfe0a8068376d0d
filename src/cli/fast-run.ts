// What the fast paths of bin/msa.js (fast-validate.ts, fast-validate-events.ts) do once their flags are read: run
// the command's action in the process context and map a thrown error to its exit code, as the commander program's
// action does (the modules it needs are imported on first use, so the fast paths load no more than they need) —
// and how they read those flags (readFastFlags).
import { parseArgs, type ParseArgsConfig } from "node:util";
import type { CliContext } from "./context.js";
import type { ExitCode } from "./errors.js";

export async function runAction<O>(opts: O, run: (opts: O, ctx: CliContext) => Promise<ExitCode>, json = false): Promise<ExitCode> {
  const [{ processContext }, { exitCodeFor }] = await Promise.all([import("./context.js"), import("./errors.js")]);
  const ctx = processContext();
  try {
    return await run(opts, ctx);
  } catch (e) {
    return exitCodeFor(e, ctx, json);
  }
}

type FlagConfig = { type: "string" | "boolean"; multiple?: boolean; short?: string };
type FlagValues<O extends Readonly<Record<string, FlagConfig>>> = {
  [K in keyof O]?: O[K]["type"] extends "string" ? (O[K]["multiple"] extends true ? string[] : string) : O[K]["multiple"] extends true ? boolean[] : boolean;
};

/**
 * The parse every fast path starts with: node:util's parseArgs over the flags after the command word (strict, no
 * positionals), then `--format` among `formats` (default "text") and none of the string flags `eqChecked` (one
 * value or many) starting with "=" (`-f=x` is "=x" to parseArgs). Undefined whenever commander must parse instead.
 */
export function readFastFlags<const O extends Readonly<Record<string, FlagConfig>>>(
  args: readonly string[],
  options: O,
  formats: readonly string[],
  eqChecked: readonly (keyof O & string)[],
): { values: FlagValues<O>; format: string } | undefined {
  let values: FlagValues<O>;
  try {
    values = parseArgs({ args: [...args], options: options as ParseArgsConfig["options"], strict: true, allowPositionals: false }).values as FlagValues<O>;
  } catch {
    return undefined;
  }
  const format = (values as { format?: string }).format ?? "text";
  if (!formats.includes(format)) return undefined;
  // `-f=x` is "=x" to parseArgs; leave such spellings to commander.
  for (const k of eqChecked) {
    const v = values[k] as string | string[] | undefined;
    if (v !== undefined && (Array.isArray(v) ? v : [v]).some((s) => s.startsWith("="))) return undefined;
  }
  return { values, format };
}
