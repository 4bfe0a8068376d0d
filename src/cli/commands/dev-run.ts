// `msa dev` (docs/dev.md): load → plan (src/core/dev/plan.ts, pure) → infrastructure, databases, dependencies
// (src/io/dev/infra.ts) → processes (src/io/dev/supervisor.ts) and the dashboard (src/io/dev/dashboard.ts) until
// SIGINT/SIGTERM, then everything stops in reverse start order.
import fs from "node:fs";
import path from "node:path";
import { hasErrors, UsageError } from "../../core/diagnostics.js";
import { newFlow, flowList, recordFlow } from "../../core/dev/flow.js";
import { devJwt } from "../../core/dev/jwt.js";
import { composeUpCommand, DEV_COMPOSE_FILE, DevPlanError, planDev, type DevPlan } from "../../core/dev/plan.js";
import { createRenderer } from "../../core/render.js";
import { startDashboard } from "../../io/dev/dashboard.js";
import { ensureDatabase, missingNodeDependencies, missingPythonModules, npmInstall, readDotenv, tcpReachable } from "../../io/dev/infra.js";
import { Managed, type Sink } from "../../io/dev/supervisor.js";
import { loadTemplates } from "../../io/templates.js";
import type { CliContext } from "../context.js";
import type { ExitCode } from "../main.js";
import { formatDiagnostics, painter } from "../report.js";
import { displayPath, loadSystemAt, locateSystemFile } from "../../io/system.js";
import type { DevOptionsCli } from "./dev.js";

const COLOURS = [36, 35, 33, 32, 34, 91, 96, 95, 93, 92];
const PY_DEBIAN: Record<string, string> = {
  flask: "python3-flask",
  gunicorn: "gunicorn",
  jsonschema: "python3-jsonschema",
  prometheus_client: "python3-prometheus-client",
  pika: "python3-pika",
  psycopg2: "python3-psycopg2",
  pymysql: "python3-pymysql",
  pymongo: "python3-pymongo",
  redis: "python3-redis",
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function runDev(opts: DevOptionsCli, ctx: CliContext): Promise<ExitCode> {
  const systemPath = locateSystemFile(ctx.cwd, opts.file);
  const root = path.dirname(systemPath);
  const loaded = loadSystemAt(systemPath, displayPath(ctx.cwd, systemPath));
  const p = await painter(ctx.color);
  if (!loaded.model || hasErrors(loaded.diagnostics)) {
    ctx.stderr(formatDiagnostics(loaded.diagnostics, "text", p));
    ctx.stderr("dev: nothing started; fix the errors above first\n");
    return 1;
  }
  const model = loaded.model;
  const say = (t: string): void => ctx.stdout(`${p.bold("msa dev")}  ${t}\n`);

  // ---------------------------------------------------------------- plan
  const dotenv = readDotenv(root);
  const otlp = dotenv.OTEL_EXPORTER_OTLP_ENDPOINT ?? model.dev.otlp ?? "http://127.0.0.1:4318";
  const otlpUrl = safeUrl(otlp);
  const tracing = otlpUrl ? await tcpReachable(otlpUrl.hostname, Number(otlpUrl.port || 4318), 500) : false;
  let plan: DevPlan;
  try {
    plan = planDev(model, {
      only: (opts.only ?? "").split(",").map((s) => s.trim()).filter(Boolean),
      gateway: opts.gateway,
      portOffset: opts.portOffset ?? null,
      dotenv,
      tracing,
      python: opts.python ?? ctx.env.MSA_DEV_PYTHON ?? "python3",
    });
  } catch (e) {
    if (e instanceof DevPlanError) throw new UsageError(e.message);
    throw e;
  }
  const notGenerated = plan.processes.filter((pr) => !fs.existsSync(path.join(root, pr.dir)));
  if (notGenerated.length) {
    ctx.stderr(`dev: ${notGenerated.map((pr) => pr.dir).join(", ")} not generated yet; run \`msa generate\` first\n`);
    return 1;
  }
  for (const n of plan.notes) say(p.yellow(n));
  if (plan.gateway.note) say(p.yellow(plan.gateway.note));

  // a Ctrl-C before the processes run: leave at once
  let interrupted = false;
  const earlyStop = (): void => {
    interrupted = true;
  };
  process.on("SIGINT", earlyStop);
  process.on("SIGTERM", earlyStop);
  const clearEarly = (): void => {
    process.off("SIGINT", earlyStop);
    process.off("SIGTERM", earlyStop);
  };

  // ---------------------------------------------------------------- infrastructure
  const reachable = async (): Promise<typeof plan.infra> => {
    const down: typeof plan.infra = [];
    for (const i of plan.infra) if (!(await tcpReachable(i.host, i.port))) down.push(i);
    return down;
  };
  let down = await reachable();
  if (down.length) {
    const render = createRenderer(loadTemplates());
    const devCompose = path.join(root, DEV_COMPOSE_FILE);
    fs.mkdirSync(path.dirname(devCompose), { recursive: true });
    fs.writeFileSync(devCompose, render("dev/dev-compose.yml", { file: DEV_COMPOSE_FILE, services: plan.composePorts }));
    say(`${p.yellow("not reachable:")} ${down.map((i) => `${i.what} at ${i.host}:${i.port}`).join(", ")}`);
    say(`start it with:\n\n    ${composeUpCommand(down.map((i) => i.composeService))}\n`);
    if (down.some((i) => !i.publish)) say(p.dim("(a dev:/.env URL points elsewhere: start that one where it points)"));
    const until = Date.now() + opts.waitInfra * 1000;
    if (opts.waitInfra > 0) say(`waiting up to ${opts.waitInfra} s…`);
    while (down.length && Date.now() < until && !interrupted) {
      await sleep(1_000);
      down = await reachable();
    }
    if (down.length) {
      clearEarly();
      ctx.stderr(`dev: still not reachable: ${down.map((i) => `${i.what} (${i.host}:${i.port})`).join(", ")}; nothing started\n`);
      return interrupted ? 130 as ExitCode : 1;
    }
    say(p.green("infrastructure is up"));
  }

  // ---------------------------------------------------------------- databases
  for (const db of plan.databases) {
    try {
      const did = await ensureDatabase(root, db);
      if (did === "created") say(`database of ${db.context} created (${redact(db.url)})`);
    } catch (e) {
      clearEarly();
      ctx.stderr(`dev: could not check or create the database of ${db.context} (${redact(db.url)}): ${(e as Error).message}\n`);
      return 1;
    }
  }

  // ---------------------------------------------------------------- dependencies
  const nodeDirs = plan.processes.filter((pr) => pr.runtime === "node").map((pr) => path.join(root, pr.dir));
  let missing = nodeDirs.filter((d) => missingNodeDependencies(d).length);
  if (missing.length) {
    const rootPkg = readJson(path.join(root, "package.json")) as { workspaces?: unknown } | null;
    const where = rootPkg?.workspaces ? [root] : missing;
    for (const dir of where) {
      say(`npm install in ${displayPath(ctx.cwd, dir) || "."} (${missing.map((d) => path.relative(root, d)).join(", ")} lack dependencies)`);
      try {
        await npmInstall(dir, (t) => ctx.stdout(`  ${p.dim(t)}\n`));
      } catch (e) {
        ctx.stderr(`dev: ${(e as Error).message}\n`);
      }
    }
    missing = nodeDirs.filter((d) => missingNodeDependencies(d).length);
    if (missing.length) {
      clearEarly();
      ctx.stderr(`dev: still missing after npm install: ${missing.map((d) => `${path.relative(root, d)} (${missingNodeDependencies(d).join(", ")})`).join("; ")}\n`);
      return 1;
    }
  }
  for (const pr of plan.processes.filter((x) => x.runtime === "python")) {
    const python = pr.command[0]!;
    const lack = await missingPythonModules(python, pr.pythonModules);
    if (!Array.isArray(lack)) {
      clearEarly();
      ctx.stderr(`dev: ${pr.name}: ${lack.error} (--python PATH chooses the interpreter)\n`);
      return 1;
    }
    if (lack.length) {
      clearEarly();
      ctx.stderr(
        `dev: ${pr.name}: ${python} cannot import ${lack.join(", ")}; install them: pip install -r ${pr.dir}/requirements.txt` +
          ` (Debian: apt-get install ${lack.map((m) => PY_DEBIAN[m] ?? m).join(" ")}), or point --python at an interpreter that has them\n`,
      );
      return 1;
    }
  }
  if (interrupted) {
    clearEarly();
    return 130 as ExitCode;
  }

  // ---------------------------------------------------------------- processes and the dashboard
  const width = Math.max(...plan.processes.map((pr) => pr.name.length), 3);
  const colourOf = new Map(plan.processes.map((pr, i) => [pr.name, COLOURS[i % COLOURS.length]!]));
  const flow = newFlow();
  const sink: Sink = {
    line(name, stream, text, json) {
      if (json) recordFlow(flow, name, json, Date.now());
      const c = colourOf.get(name) ?? 37;
      const prefix = ctx.color ? `\x1b[${c}m${name.padEnd(width)}\x1b[0m │` : `${name.padEnd(width)} |`;
      const body = stream === "msa" ? (ctx.color ? `\x1b[1m[msa dev] ${text}\x1b[0m` : `[msa dev] ${text}`) : json ? pretty(json) : text;
      ctx.stdout(`${prefix} ${body}\n`);
    },
  };
  const baseEnv: NodeJS.ProcessEnv = { ...ctx.env };
  delete baseEnv.NODE_OPTIONS;
  const procs = plan.processes.map((pr) => new Managed(pr, path.join(root, pr.dir), sink, baseEnv));
  const startedAt = Date.now();
  const state = (): unknown => ({
    system: plan.system,
    startedAt,
    portOffset: plan.portOffset,
    gateway: { kind: plan.gateway.kind, url: plan.gateway.url, note: plan.gateway.note },
    tracing: plan.otlp,
    processes: procs.map((m) => ({
      name: m.spec.name,
      kind: m.spec.kind,
      runtime: m.spec.runtime,
      state: m.state,
      pid: m.pid,
      buildPid: m.buildPid,
      restarts: m.restarts,
      reloads: m.reloads,
      lastExit: m.lastExit,
      startedAt: m.startedAt,
      url: m.spec.url,
      healthUrl: m.spec.healthUrl,
      readyUrl: m.spec.readyUrl,
      metricsUrl: m.spec.metricsUrl,
      recent: m.recent.slice(-30),
    })),
    events: flowList(flow, Date.now()).slice(0, 200),
  });
  const html = createRenderer(loadTemplates())("dev/dashboard.html", { system: plan.system, windowMinutes: flow.windowMs / 60_000 });
  let dashboard;
  try {
    dashboard = await startDashboard(plan.dashboardPort, html, state);
  } catch (e) {
    clearEarly();
    ctx.stderr(`dev: the dashboard cannot listen on 127.0.0.1:${plan.dashboardPort}: ${(e as Error).message} (--port-offset or dev.dashboard chooses another)\n`);
    return 1;
  }
  clearEarly();

  let resolveDone: (code: ExitCode) => void = () => undefined;
  const done = new Promise<ExitCode>((r) => (resolveDone = r));
  let stopping = false;
  const stopAll = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping ${[...procs].reverse().map((m) => m.spec.name).join(", ")}`);
    // the gateway first, then callers before callees: the reverse of the start order
    for (const m of [...procs].reverse()) await m.stop();
    await dashboard.close();
    say("stopped; nothing of it runs");
    resolveDone(0);
  };
  const onSignal = (sig: NodeJS.Signals): void => void stopAll(sig);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);

  say(`starting ${procs.map((m) => m.spec.name).join(", ")} — dashboard ${dashboard.url}`);
  for (const m of procs) m.start();
  if (interrupted) void stopAll("SIGINT");

  // ---------------------------------------------------------------- ready: the table, the JWT, traces
  const readyBy = Date.now() + opts.readyTimeout * 1000;
  while (!stopping && Date.now() < readyBy && procs.some((m) => m.state !== "ready")) await sleep(250);
  if (!stopping) {
    const notReady = procs.filter((m) => m.state !== "ready");
    const rows = [["name", "url", "health", "metrics", "state"], ...procs.map((m) => [m.spec.name, m.spec.url, m.spec.healthUrl, m.spec.metricsUrl, m.state])];
    const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const table = rows.map((r) => "    " + r.map((c, i) => c.padEnd(w[i]!)).join("  ").trimEnd()).join("\n");
    const lines = [
      notReady.length
        ? p.yellow(`not ready after ${opts.readyTimeout} s: ${notReady.map((m) => `${m.spec.name} (${m.state})`).join(", ")} — see their log lines`)
        : p.green(`ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`),
      table,
      `dashboard   ${dashboard.url}`,
    ];
    if (plan.gateway.url) lines.push(`gateway     ${plan.gateway.url}`);
    if (plan.gateway.jwt) {
      lines.push(`JWT         ${devJwt(plan.gateway.jwt, Math.floor(Date.now() / 1000))}`);
      lines.push(p.dim(`            (HS256, iss ${plan.gateway.jwt.issuer}, aud ${plan.gateway.jwt.audience}, 12 h; curl -H "Authorization: Bearer <JWT>" ${plan.gateway.url}/…)`));
    }
    lines.push(
      plan.otlp.tracing
        ? `traces      ${plan.otlp.endpoint} (OTLP) → Jaeger ${plan.otlp.jaeger}; metrics: each /metrics above`
        : `traces      off: nothing listens on ${plan.otlp.endpoint} (docker compose up -d otel-collector jaeger, then restart msa dev; Jaeger ${plan.otlp.jaeger}); metrics: each /metrics above`,
    );
    lines.push(p.dim("Ctrl-C stops everything"));
    say(lines.join("\n"));
  }
  const code = await done;
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  process.off("SIGHUP", onSignal);
  return code;
}

function safeUrl(u: string): URL | null {
  try {
    return new URL(u);
  } catch {
    return null;
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

/** A URL without its password. */
function redact(url: string): string {
  const u = safeUrl(url);
  if (!u) return url;
  if (u.password) u.password = "***";
  return u.toString();
}

const LEVELS: Record<number, string> = { 10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal" };
const QUIET = new Set(["level", "time", "timestamp", "msg", "message", "pid", "hostname", "service", "name", "v", "logger"]);

/** A JSON log line as `level msg key=value …` (the whole line stays in the dashboard's recent lines). */
function pretty(line: Record<string, unknown>): string {
  const level = typeof line.level === "number" ? (LEVELS[line.level] ?? String(line.level)) : String(line.level ?? "");
  const msg = String(line.msg ?? line.message ?? "");
  const rest = Object.entries(line)
    .filter(([k]) => !QUIET.has(k))
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
  const text = `${level.padEnd(5)} ${msg}${rest ? `  ${rest}` : ""}`;
  return text.length > 400 ? `${text.slice(0, 400)}…` : text;
}
