import fs from "node:fs";
import path from "node:path";
import { hasErrors, UsageError } from "../../core/diagnostics.js";
import { contextNamesProblem, DEFAULT_CONTEXTS, renderInitialSystem, setTopLevelScalar, systemNameFrom, systemNameProblem, type InitAnswers } from "../../core/init.js";
import type { BrokerKind, GatewayKind } from "../../core/model.js";
import { createRenderer } from "../../core/render.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { loadTemplates, packageRoot } from "../../io/templates.js";
import type { CliContext } from "../context.js";
import { generateAfterEdit } from "../generate-after-edit.js";
import { painter } from "../report.js";
import { SYSTEM_FILE } from "../../io/system.js";
import type { InitOptions } from "./init.js";

/** Where the generated system's root package.json installs msa-cli, relative to system.yaml. */
export const SCHEMA_HEADER_PATH = "./node_modules/msa-cli/schemas/system.schema.json";

/** Files to write, relative to the target directory. */
type Files = Map<string, string>;

export async function runInit(dir: string | undefined, opts: InitOptions, ctx: CliContext): Promise<0 | 1 | 2 | 130> {
  const target = path.resolve(ctx.cwd, dir ?? ".");
  const systemPath = path.join(target, SYSTEM_FILE);
  const shown = path.relative(ctx.cwd, systemPath) || SYSTEM_FILE;
  if (fs.existsSync(systemPath) && !opts.force) {
    ctx.stderr(`msa: ${shown} already exists; edit it, or pass --force to overwrite it\n`);
    return 1;
  }
  if (opts.name !== undefined && systemNameProblem(opts.name)) throw new UsageError(`--name: ${systemNameProblem(opts.name)}`);
  // A directory named on the command line names the system: a name it cannot be is an error, not a silent rename.
  if (dir !== undefined && opts.name === undefined && !opts.example && systemNameProblem(path.basename(target)))
    throw new UsageError(`${systemNameProblem(path.basename(target))}; pass --name NAME to name the system, or choose another directory name`);

  const files: Files = opts.example ? exampleFiles(opts.example, opts.name) : await freshFiles(target, opts, ctx);
  const p = await painter(ctx.color);
  if (opts.dryRun) {
    for (const [rel, text] of files) ctx.stdout(`would write ${path.join(path.relative(ctx.cwd, target) || ".", rel)}${rel === SYSTEM_FILE ? ":\n" + text : ""}\n`);
    ctx.stdout(`dry run: nothing written${opts.generate ? "; msa generate would run next" : ""}\n`);
    return 0;
  }
  if (!opts.example) {
    // a fresh system.yaml must validate before it is written: a rerun would otherwise refuse the file it left
    const { loadSystemAt } = await import("../../io/system.js");
    const checked = loadSystemAt(systemPath, shown, files.get(SYSTEM_FILE) as string);
    if (hasErrors(checked.diagnostics)) {
      const { formatDiagnostics } = await import("../report.js");
      ctx.stderr(formatDiagnostics(checked.diagnostics, "text"));
      ctx.stderr(`msa: these answers would make an invalid ${shown}; nothing was written\n`);
      return 1;
    }
  }
  for (const [rel, text] of files) writeFileAtomic(path.join(target, rel), text);
  ctx.stdout(p.green(`created ${shown}`) + "\n");
  if (!opts.generate) {
    ctx.stdout(nextSteps(path.relative(ctx.cwd, target), false));
    return 0;
  }
  const code = await generateAfterEdit({ cwd: ctx.cwd, file: systemPath, format: "text", verbose: opts.verbose }, ctx);
  if (code === 0) ctx.stdout(nextSteps(path.relative(ctx.cwd, target), true));
  return code;
}

/** What to type next, after init. */
export function nextSteps(dir: string, generated: boolean): string {
  const lines = ["", "Next steps:"];
  if (dir) lines.push(`  cd ${/^[\w./-]+$/.test(dir) ? dir : JSON.stringify(dir)}`);
  if (!generated) lines.push("  npx msa generate        # render the services, gateway, k8s, compose and docs");
  lines.push(
    "  npm install             # once: msa-cli and every node service (npm workspaces)",
    "  docker compose up       # the whole system on this machine",
    "  npx msa validate        # after each edit of system.yaml, then npx msa generate",
    "  npx msa docs --open     # the architecture site: context map, events, sagas (docs/site/)",
    "  README.md               # how to test and deploy, and the Secrets to create",
    "",
  );
  return lines.join("\n");
}

/** A bundled example: its system.yaml (renamed with --name) and its schema files. */
function exampleFiles(example: string, name: string | undefined): Files {
  const root = path.join(packageRoot, "examples", example);
  if (!fs.existsSync(root)) throw new UsageError(`no bundled example "${example}"`);
  const files: Files = new Map();
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, e.name);
      const rel = path.relative(root, full).split(path.sep).join("/");
      if (e.isDirectory()) walk(full);
      else if (rel === SYSTEM_FILE || rel.startsWith("schemas/")) files.set(rel, fs.readFileSync(full, "utf8"));
    }
  };
  walk(root);
  // the example's header points into this package; the new system's points into its node_modules (root package.json)
  files.set(SYSTEM_FILE, (files.get(SYSTEM_FILE) as string).replace(/^# yaml-language-server: \$schema=\S+/, `# yaml-language-server: $schema=${SCHEMA_HEADER_PATH}`));
  if (name) {
    let text = files.get(SYSTEM_FILE) as string;
    text = setTopLevelScalar(text, "name", name);
    text = setTopLevelScalar(text, "namespace", name);
    files.set(SYSTEM_FILE, text);
  }
  return files;
}

async function freshFiles(target: string, opts: InitOptions, ctx: CliContext): Promise<Files> {
  const derived = systemNameFrom(path.basename(target));
  if (opts.name === undefined && derived !== path.basename(target))
    ctx.stderr(`msa: named the system "${derived}" after the directory "${path.basename(target)}"; pass --name NAME for another\n`);
  const defaults: InitAnswers = {
    name: opts.name ?? derived,
    contexts: opts.contexts !== undefined ? splitNames(opts.contexts) : DEFAULT_CONTEXTS,
    broker: opts.broker ?? "rabbitmq",
    gateway: opts.gateway ?? "kong",
  };
  const problem = contextNamesProblem(defaults.contexts);
  if (opts.contexts !== undefined && problem) throw new UsageError(`--contexts: ${problem}`);
  const interactive = ctx.isTTY && !opts.yes && (ctx.stdin as NodeJS.ReadStream).isTTY === true;
  const answers = interactive ? await ask(defaults, opts) : defaults;
  const render = createRenderer(loadTemplates());
  return new Map([[SYSTEM_FILE, renderInitialSystem(answers, render)]]);
}

const splitNames = (s: string): string[] => s.split(",").map((x) => x.trim()).filter(Boolean);

/** The interactive questions; each one a flag already answered is skipped. */
async function ask(d: InitAnswers, opts: InitOptions): Promise<InitAnswers> {
  const { input, select } = await import("@inquirer/prompts");
  const name = opts.name ?? (await input({
    message: "System name",
    default: d.name,
    validate: (v) => systemNameProblem(v) ?? true,
  }));
  const contexts = opts.contexts !== undefined ? d.contexts : splitNames(await input({
    message: "Bounded contexts (comma-separated)",
    default: d.contexts.join(", "),
    validate: (v) => contextNamesProblem(splitNames(v)) ?? true,
  }));
  const broker = opts.broker ?? (await select<BrokerKind>({
    message: "Message broker",
    default: d.broker,
    choices: [
      { value: "rabbitmq", name: "RabbitMQ" },
      { value: "nats", name: "NATS JetStream" },
      { value: "kafka", name: "Kafka" },
      { value: "memory", name: "in-memory (tests only)" },
    ],
  }));
  const gateway = opts.gateway ?? (await select<GatewayKind>({
    message: "API gateway",
    default: d.gateway,
    choices: [
      { value: "kong", name: "Kong (DB-less kong.yml)" },
      { value: "node", name: "a generated Node gateway" },
      { value: "none", name: "none" },
    ],
  }));
  return { name, contexts, broker, gateway };
}
