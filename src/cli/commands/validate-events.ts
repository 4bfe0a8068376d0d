import { CannotRunError } from "../../core/diagnostics.js";
import type { Definer } from "../main.js";

// Placeholder until the command lands; replaced by its issue's work.
export function defineValidateEvents({ program }: Definer): void {
  program.command("validate-events").description("(not implemented yet)").action(() => {
    throw new CannotRunError("validate-events is not implemented yet");
  });
}
