import { CannotRunError } from "../../core/diagnostics.js";
import type { Definer } from "../main.js";

// Placeholder until the command lands; replaced by its issue's work.
export function defineValidate({ program }: Definer): void {
  program.command("validate").description("(not implemented yet)").action(() => {
    throw new CannotRunError("validate is not implemented yet");
  });
}
