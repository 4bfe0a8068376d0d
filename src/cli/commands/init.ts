import { CannotRunError } from "../../core/diagnostics.js";
import type { Definer } from "../main.js";

// Placeholder until the command lands; replaced by its issue's work.
export function defineInit({ program }: Definer): void {
  program.command("init").description("(not implemented yet)").action(() => {
    throw new CannotRunError("init is not implemented yet");
  });
}
