// What the fast paths of bin/msa.js (fast-validate.ts, fast-validate-events.ts) do once their flags are read: run
// the command's action in the process context and map a thrown error to its exit code, as the commander program's
// action does. The modules are imported here, on first use, so the fast paths load no more than they need.
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
