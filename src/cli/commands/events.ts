// `msa events dlq list|show|replay`: the dead letters of the generated services (docs/messaging.md). Flags only;
// the run (and the broker clients) load when the command runs.
import { Option, type Command } from "commander";
import type { Definer } from "../main.js";
import { withFileOption } from "../options.js";

export interface DlqOptions {
  file?: string;
  format: "text" | "json";
  context?: string;
  brokerUrl?: string;
  all?: boolean;
  dryRun?: boolean;
}

const common = (cmd: Command): Command => {
  withFileOption(cmd);
  return cmd
    .option("--broker-url <url>", "the broker (default: $BROKER_URL)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"));
};

export function defineEvents({ program, ctx, setExit }: Definer): void {
  const events = program.command("events").description("operate on the events of a running system");
  const dlq = events
    .command("dlq")
    .description("list, show and replay dead letters (RabbitMQ, NATS, Kafka; topology from system.yaml)")
    .addHelpText(
      "after",
      "\nExamples:\n  BROKER_URL=amqp://guest:guest@localhost:5672 msa events dlq list\n  msa events dlq show 7c1e… --context inventory\n" +
        "  msa events dlq replay --all --context inventory --dry-run\n",
    );
  const run = async (action: "list" | "show" | "replay", ids: string[], opts: DlqOptions): Promise<void> => {
    const { runDlq } = await import("./events-dlq-run.js");
    setExit(await runDlq(action, ids, opts, ctx));
  };
  common(
    dlq
      .command("list")
      .description("list the dead letters of one context (--context) or of every consuming context; consumes nothing")
      .option("--context <name>", "only this context's dead letters"),
  ).action((opts: DlqOptions) => run("list", [], opts));
  common(
    dlq
      .command("show <id>")
      .description("print one dead letter: headers (reason, error, attempts) and the body as it went on the wire")
      .requiredOption("--context <name>", "the context whose dead letter it is"),
  ).action((id: string, opts: DlqOptions) => run("show", [id], opts));
  common(
    dlq
      .command("replay [ids...]")
      .description("send dead letters back to their context (after the fix), then remove them from the dead letters")
      .requiredOption("--context <name>", "the context to replay to (only it receives the events)")
      .option("--all", "replay every dead letter of the context")
      .option("--dry-run", "say what would be replayed; send and remove nothing"),
  ).action((ids: string[], opts: DlqOptions) => run("replay", ids, opts));
}
