import fs from "node:fs";
import path from "node:path";
import { UsageError } from "../../core/diagnostics.js";
import { contextNamesProblem, DEFAULT_CONTEXTS, renderInitialSystem, setTopLevelScalar, systemNameFrom, type InitAnswers } from "../../core/init.js";
import type { BrokerKind, GatewayKind } from "../../core/model.js";
import { DNS_LABEL } from "../../core/names.js";
import { createRenderer } from "../../core/render.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { loadTemplates, packageRoot } from "../../io/templates.js";
import type { CliContext } from "../context.js";
import { generateAfterEdit } from "../generate-after-edit.js";
import { painter } from "../report.js";
import { SYSTEM_FILE } from "../system.js";
import type { InitOptions } from "./init.js";

/** Files to write, relative to the target directory. */
type Files = Map<string, string>;

export async function runInit(dir: string | undefined, opts: InitOptions, ctx: CliContext): Promise<0 | 1 | 2> {
  const target = path.resolve(ctx.cwd, dir ?? ".");
  const systemPath = path.join(target, SYSTEM_FILE);
  const shown = path.relative(ctx.cwd, systemPath) || SYSTEM_FILE;
  if (fs.existsSync(systemPath) && !opts.force) {
    ctx.stderr(`msa: ${shown} already exists; edit it, or pass --force to overwrite it\n`);
    return 1;
  }
  if (opts.name !== undefined && (!DNS_LABEL.test(opts.name) || opts.name.length > 63))
    throw new UsageError(`--name "${opts.name}" is not a DNS-1123 label (lowercase letters, digits, '-'; e.g. my-shop)`);

  const files: Files = opts.example ? exampleFiles(opts.example, opts.name) : await freshFiles(target, opts, ctx);
  const p = await painter(ctx.color);
  if (opts.dryRun) {
    for (const [rel, text] of files) ctx.stdout(`would write ${path.join(path.relative(ctx.cwd, target) || ".", rel)}${rel === SYSTEM_FILE ? ":\n" + text : ""}\n`);
    ctx.stdout(`dry run: nothing written${opts.generate ? "; msa generate would run next" : ""}\n`);
    return 0;
  }
  for (const [rel, text] of files) writeFileAtomic(path.join(target, rel), text);
  ctx.stdout(p.green(`created ${shown}`) + "\n");
  if (!opts.generate) return 0;
  return generateAfterEdit({ cwd: ctx.cwd, file: systemPath, format: "text" }, ctx);
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
  if (name) {
    let text = files.get(SYSTEM_FILE) as string;
    text = setTopLevelScalar(text, "name", name);
    text = setTopLevelScalar(text, "namespace", name);
    files.set(SYSTEM_FILE, text);
  }
  return files;
}

async function freshFiles(target: string, opts: InitOptions, ctx: CliContext): Promise<Files> {
  const defaults: InitAnswers = {
    name: opts.name ?? systemNameFrom(path.basename(target)),
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
    validate: (v) => (DNS_LABEL.test(v) && v.length <= 63) || "lowercase letters, digits and '-', starting with a letter",
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
