import { CannotRunError } from "../../core/diagnostics.js";
import type { Definer } from "../main.js";

// Placeholder until the command lands; replaced by its issue's work.
export function defineAddService({ program }: Definer): void {
  program.command("add-service").description("(not implemented yet)").action(() => {
    throw new CannotRunError("add-service is not implemented yet");
  });
}
