import type { Definer } from "../main.js";
import { withFileOption, withFormatOption, type CommonOptions } from "../options.js";

export function defineValidate({ program, ctx, setExit }: Definer): void {
  const cmd = program
    .command("validate")
    .description("check system.yaml against the schema and every rule (exit 1 on errors; warnings exit 0)")
    .option("--list-rules", "print the rule registry and exit")
    .addHelpText("after", "\nExamples:\n  msa validate\n  msa validate -f deploy/system.yaml --format json\n  msa validate --list-rules\n");
  withFileOption(cmd);
  withFormatOption(cmd, ["text", "json", "github"]);
  cmd.action(async (opts: CommonOptions & { listRules?: boolean }) => {
    const { runValidate } = await import("./validate-run.js");
    setExit(await runValidate(opts, ctx));
  });
}
