// init and add-service generate right after they write system.yaml.
import type { CliContext } from "./context.js";

export interface GenerateAfterEditOptions {
  cwd: string;
  file: string;
  out?: string;
  only?: string[];
  format: "text" | "json";
}

/** Runs `msa generate` for the edited file; returns its exit code. */
export async function generateAfterEdit(opts: GenerateAfterEditOptions, ctx: CliContext): Promise<0 | 1 | 2> {
  void opts;
  void ctx;
  return 0; // wired to the generate engine once it lands (see src/io/generate.ts)
}
