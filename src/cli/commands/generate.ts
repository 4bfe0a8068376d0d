import { CannotRunError } from "../../core/diagnostics.js";
import type { Definer } from "../main.js";

// Placeholder until the command lands; replaced by its issue's work.
export function defineGenerate({ program }: Definer): void {
  program.command("generate").description("(not implemented yet)").action(() => {
    throw new CannotRunError("generate is not implemented yet");
  });
}
