import { Option } from "commander";
import type { AddContextRequest } from "../../core/add-context.js";
import type { Runtime } from "../../core/model.js";
import { DATABASE_ENGINES, RUNTIMES } from "../../core/vocabulary.js";
import type { Definer } from "../main.js";
import { collect, intOption, withFileOption } from "../options.js";

/** The request's fields as flags (`--type` is its runtime), plus what the command itself needs. */
export interface AddServiceOptions extends Omit<AddContextRequest, "name" | "runtime"> {
  file?: string;
  name?: string;
  type?: Runtime;
  outputDir?: string;
  dryRun?: boolean;
  generate: boolean;
  format: "text" | "json";
  verbose?: boolean;
}

export function defineAddService({ program, ctx, setExit }: Definer): void {
  const cmd = program
    .command("add-service")
    .argument("[name]", "the new context's name (a DNS label, e.g. order-processor)")
    .description("add a bounded context to system.yaml (comments and layout kept) and regenerate the system")
    .option("--name <name>", "the new context's name (alternative to the argument; the scaffold script's flag)")
    .addOption(new Option("--type <runtime>", "runtime").choices(RUNTIMES))
    .option("--port <port>", "port (default: the next free one from 3000, or 5000 for python-flask)", intOption("port", 1, 65535))
    .addOption(new Option("--database <engine>", "its database").choices([...DATABASE_ENGINES, "none"]))
    .option("--description <text>", "one line on what it does")
    .option("--api <endpoint>", 'an endpoint it serves, "METHOD /path" (repeatable)', collect, [])
    .option("--publishes <events>", "events it publishes, comma-separated (repeatable); new ones are declared", collect, [])
    .option("--consumes <events>", "events it consumes, comma-separated (repeatable)", collect, [])
    .option("--calls <contexts>", "contexts it calls synchronously, comma-separated (repeatable)", collect, [])
    .option("--output-dir <dir>", "where to generate (generate's --out; default: next to system.yaml)")
    .option("--dry-run", "print the change to system.yaml as a diff; write nothing")
    .option("--no-generate", "only edit system.yaml")
    .option("--verbose", "list every generated file (default: a summary per folder)")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .addHelpText("after", '\nExamples:\n  msa add-service shipping --publishes shipment.sent --consumes order.created --api "GET /shipments/{id}"\n  msa add-service --name product-catalog --type python-flask --port 5000\n  msa add-service test-service --type python-flask --dry-run\n');
  withFileOption(cmd);
  cmd.action(async (name: string | undefined, opts: AddServiceOptions) => {
    const { runAddService } = await import("./add-service-run.js");
    setExit(await runAddService(name, opts, ctx));
  });
}
