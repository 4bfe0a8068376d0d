import type { Definer } from "../main.js";
import { withFileOption, withFormatOption, type CommonOptions } from "../options.js";

export function defineValidate({ program, ctx, setExit }: Definer): void {
  const cmd = program
    .command("validate")
    .description("check system.yaml against the schema and every rule (exit 1 on errors; warnings exit 0)")
    .option("--list-rules", "print the rule registry and exit")
    .option("--against <ref>", "compare the REST contracts with services/<context>/openapi.yaml at this git ref (default: the files on disk)")
    .addHelpText("after", "\nExamples:\n  msa validate\n  msa validate -f deploy/system.yaml --format json\n  msa validate --list-rules\n  msa validate --against origin/main   # breaking changes of the REST contracts since main\n");
  withFileOption(cmd);
  withFormatOption(cmd, ["text", "json", "github"]);
  cmd.action(async (opts: CommonOptions & { listRules?: boolean; against?: string }) => {
    const { runValidate } = await import("./validate-run.js");
    setExit(await runValidate(opts, ctx));
  });
}
