// The commander program and the one error boundary that maps error classes to exit codes.
// Command modules only declare flags and are loaded only when needed (a run that names its command loads
// that one); each action imports its heavy code lazily.
import { Command, CommanderError } from "commander";
import { createRequire } from "node:module";
import { exitCodeFor, usageErrorJson, type ExitCode } from "./errors.js";
import { processContext, type CliContext } from "./context.js";

export type { ExitCode };

/** What every command definition receives: the program, the context, and a setter for the exit code. */
export interface Definer {
  program: Command;
  ctx: CliContext;
  setExit: (code: ExitCode) => void;
}

export function version(): string {
  const require = createRequire(import.meta.url);
  return (require("../../package.json") as { version: string }).version;
}

type Define = (d: Definer) => void;

/** Every command, by name, with the module that defines it (loaded only when the command is needed). */
const COMMANDS: ReadonlyArray<readonly [name: string, load: () => Promise<Define>]> = [
  ["init", async () => (await import("./commands/init.js")).defineInit],
  ["validate", async () => (await import("./commands/validate.js")).defineValidate],
  ["generate", async () => (await import("./commands/generate.js")).defineGenerate],
  ["add-service", async () => (await import("./commands/add-service.js")).defineAddService],
  ["validate-events", async () => (await import("./commands/validate-events.js")).defineValidateEvents],
  ["analyze-deps", async () => (await import("./commands/analyze-deps.js")).defineAnalyzeDeps],
  ["deploy", async () => (await import("./commands/deploy.js")).defineDeploy],
  ["explain", async () => (await import("./commands/explain.js")).defineExplain],
  ["completion", async () => (await import("./commands/completion.js")).defineCompletion],
  ["events", async () => (await import("./commands/events.js")).defineEvents],
  ["docs", async () => (await import("./commands/docs.js")).defineDocs],
  ["dev", async () => (await import("./commands/dev.js")).defineDev],
];

/** Every command name (completion scripts list them). */
export const COMMAND_NAMES: readonly string[] = COMMANDS.map(([name]) => name);

/** `--format json` (or an old alias of it) anywhere on the command line: errors are reported as JSON. */
export function wantsJson(argv: readonly string[]): boolean {
  return argv.some((a, i) => /^--(format|output|output-format)=json$/.test(a) || (/^--(format|output|output-format)$/.test(a) && argv[i + 1] === "json"));
}

/** The command a run names as its first word, when it is one of msa's (then only it is defined). */
export function namedCommand(argv: readonly string[]): string | undefined {
  const first = argv[2];
  return COMMANDS.some(([name]) => name === first) ? first : undefined;
}

/**
 * The program with every command, or with only `only`: a run that names its command never uses the
 * others, and loading and building their definitions was a sixth of a short run's start-up.
 */
export async function buildProgram(ctx: CliContext, setExit: (code: ExitCode) => void, only?: string, json = false): Promise<Command> {
  const program = new Command("msa")
    .description("One system.yaml in: services, gateway, Kubernetes, compose, AsyncAPI and diagrams out — and kept honest.")
    .version(version(), "-V, --version", "print the version")
    .showSuggestionAfterError(true)
    .showHelpAfterError("(run `msa --help` for the commands, `msa <command> --help` for a command's flags)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout(s),
      writeErr: (s) => ctx.stderr(s),
      // under --format json a usage error is a JSON document on stdout, like every other result
      outputError: (s, write) => (json ? ctx.stdout(usageErrorJson(s.replace(/^error: /, "").trim())) : write(s)),
    });
  const d: Definer = { program, ctx, setExit };
  const defines = await Promise.all(COMMANDS.filter(([name]) => only === undefined || name === only).map(([, load]) => load()));
  for (const define of defines) define(d);
  return program;
}

export async function main(argv: string[], ctx: CliContext = processContext()): Promise<ExitCode> {
  let code: ExitCode = 0;
  try {
    const program = await buildProgram(ctx, (c) => {
      code = Math.max(code, c) as ExitCode;
    }, namedCommand(argv), wantsJson(argv));
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    return handleError(e, ctx, wantsJson(argv));
  }
}

/** The error boundary: commander's own errors (it has printed them), then what every command shares (errors.ts). */
export function handleError(e: unknown, ctx: CliContext, json = false): ExitCode {
  if (e instanceof CommanderError) {
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version" || e.code === "commander.help") return 0;
    return 2; // commander already printed the message
  }
  return exitCodeFor(e, ctx, json);
}
