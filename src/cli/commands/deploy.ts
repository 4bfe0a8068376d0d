import { CannotRunError } from "../../core/diagnostics.js";
import type { Definer } from "../main.js";

// Placeholder until the command lands; replaced by its issue's work.
export function defineDeploy({ program }: Definer): void {
  program.command("deploy").description("(not implemented yet)").action(() => {
    throw new CannotRunError("deploy is not implemented yet");
  });
}
