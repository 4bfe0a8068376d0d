import { CannotRunError } from "../../core/diagnostics.js";
import type { Definer } from "../main.js";

// Placeholder until the command lands; replaced by its issue's work.
export function defineAnalyzeDeps({ program }: Definer): void {
  program.command("analyze-deps").description("(not implemented yet)").action(() => {
    throw new CannotRunError("analyze-deps is not implemented yet");
  });
}
