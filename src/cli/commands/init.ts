import { Option } from "commander";
import { BROKERS, EXAMPLES, GATEWAYS } from "../../core/vocabulary.js";
import type { Definer } from "../main.js";

export interface InitOptions {
  yes?: boolean;
  example?: string;
  name?: string;
  contexts?: string;
  broker?: "rabbitmq" | "nats" | "kafka" | "memory";
  gateway?: "kong" | "node" | "none";
  force?: boolean;
  dryRun?: boolean;
  generate: boolean;
  verbose?: boolean;
}

export function defineInit({ program, ctx, setExit }: Definer): void {
  program
    .command("init")
    .argument("[dir]", "directory to create the system in (default: the current one)")
    .description("create system.yaml (prompts on a terminal; --yes takes defaults) and generate the system")
    .option("-y, --yes", "take the defaults for every question not answered by a flag")
    .addOption(new Option("--example <name>", "start from a bundled example").choices(EXAMPLES))
    .option("--name <name>", "system name (default: the directory's name)")
    .option("--contexts <names>", "bounded contexts, comma-separated (default: orders,inventory)")
    .addOption(new Option("--broker <kind>", "message broker").choices(BROKERS))
    .addOption(new Option("--gateway <kind>", "API gateway").choices(GATEWAYS))
    .option("--force", "overwrite an existing system.yaml")
    .option("--dry-run", "print what would be written; write nothing")
    .option("--no-generate", "only write system.yaml")
    .option("--verbose", "list every generated file (default: a summary per folder)")
    .addHelpText("after", "\nExamples:\n  msa init demo --example shop --yes\n  msa init --name payments --contexts ledger,payouts --broker nats --gateway node --yes\n  msa init            # asks on a terminal\n")
    .action(async (dir: string | undefined, opts: InitOptions) => {
      const { runInit } = await import("./init-run.js");
      setExit(await runInit(dir, opts, ctx));
    });
}
