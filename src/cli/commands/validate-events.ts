import type { Definer } from "../main.js";
import { collect, withFileOption, withFormatOption } from "../options.js";
import type { ValidateEventsOptions } from "./validate-events-run.js";

/** The flags here are also read without commander by ../fast-validate-events.ts; a test keeps the two in step. */
export function defineValidateEvents({ program, ctx, setExit }: Definer): void {
  const cmd = program
    .command("validate-events")
    .description("validate event documents against system.yaml's event schemas (or one --schema-file), and version histories with --compat")
    .option("--event-file <file>", "an event document (JSON; .ndjson/.jsonl are streamed); repeatable", collect)
    .option("--schema-file <file>", "validate the whole document against this JSON Schema instead of system.yaml")
    .option("--dir <dir>", "every *.json (and *.ndjson/*.jsonl) under a directory, recursively; repeatable", collect)
    .option("--ndjson <file>", "a newline-delimited JSON stream, one event a line; - for stdin; repeatable", collect)
    .option("--compat", "check every event's version history against its declared compatibility")
    .option("--transitive", "with --compat: compare each version with every earlier one, not only the previous")
    .option("--dry-run", "list what would be read and validate nothing")
    .option("--no-cache", "compile schemas afresh instead of reusing compiled validators (cache: ~/.cache/msa/validators, MSA_CACHE_DIR; MSA_NO_CACHE=1 turns it off)")
    .addHelpText(
      "after",
      `
Each event is checked against system.yaml: the envelope (schemas/event-envelope.schema.json), then
that eventType and version exist, then the payload against that version's schema. Findings name
the file (and NDJSON line) and the JSON pointer of the failing value.
Exit codes: 0 all valid (warnings allowed), 1 an invalid event or incompatible versions,
2 usage error or unreadable input (including a missing or invalid --schema-file).

Examples:
  msa validate-events --event-file events/order_created.json --schema-file schemas/order_created_schema.json
  msa validate-events --dir events/ --format github
  kafkacat -C -t shop.order.created -e | msa validate-events --ndjson -
  msa validate-events --compat --transitive
`,
    );
  withFileOption(cmd);
  withFormatOption(cmd, ["text", "json", "github"]);
  cmd.action(async (opts: ValidateEventsOptions) => {
    const { runValidateEvents } = await import("./validate-events-run.js");
    setExit(await runValidateEvents(opts, ctx));
  });
}
