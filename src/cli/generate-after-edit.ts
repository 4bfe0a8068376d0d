// init and add-service generate right after they write system.yaml: the same run as `msa generate`.
import type { CliContext } from "./context.js";

export interface GenerateAfterEditOptions {
  cwd: string;
  file: string;
  out?: string;
  only?: string[];
  format: "text" | "json";
  verbose?: boolean;
}

/** Runs `msa generate` for the edited file; returns its exit code. */
export async function generateAfterEdit(opts: GenerateAfterEditOptions, ctx: CliContext): Promise<0 | 1 | 2 | 130> {
  const { runGenerate } = await import("./commands/generate-run.js");
  return runGenerate({ file: opts.file, out: opts.out, only: opts.only ?? [], format: opts.format, verbose: opts.verbose }, ctx);
}
