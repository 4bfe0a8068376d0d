import { Option } from "commander";
import type { Definer } from "../main.js";
import { collect, withFileOption } from "../options.js";

export interface GenerateCommandOptions {
  file?: string;
  check?: boolean;
  diff?: boolean;
  dryRun?: boolean;
  only?: string[];
  force?: boolean | string[];
  out?: string;
  format: "text" | "json";
  verbose?: boolean;
}

export function defineGenerate({ program, ctx, setExit }: Definer): void {
  const cmd = program
    .command("generate")
    .description("render services, gateway, Kubernetes, compose, AsyncAPI, docs and scripts from system.yaml")
    .option("--check", "write nothing; exit 1 listing what would change (the CI mode)")
    .option("--diff", "with --check or --dry-run: show a unified diff of each change")
    .option("--dry-run", "write nothing; say what would be written")
    .option("--only <context>", "only the files of this context (repeatable, or a comma list)", collect)
    .option("--force [path...]", "overwrite (or prune) generated files you edited: the ones named, or every one")
    .option("--out <dir>", "output root (default: the directory of system.yaml)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--verbose", "list every file (default: a summary per folder)")
    .addHelpText(
      "after",
      "\nExamples:\n  msa generate\n  msa generate --check --diff      # CI: fail when generated files are stale or edited\n  msa generate --diff --dry-run    # what msa would write over your edits\n  msa generate --force docker-compose.yml\n  msa generate --only orders --dry-run\n  msa generate --out /tmp/shop-out\n",
    );
  withFileOption(cmd);
  cmd.action(async (opts: GenerateCommandOptions) => {
    const { runGenerate } = await import("./generate-run.js");
    setExit(await runGenerate(opts, ctx));
  });
}
