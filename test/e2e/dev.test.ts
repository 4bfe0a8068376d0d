// `msa dev` (issue #20, docs/dev.md) on a system with PostgreSQL and RabbitMQ, a node context (orders), a python
// context (ledger, consumes orders' event) and the node gateway with JWT routes: it comes up within a bounded time,
// a request through the gateway with the JWT it printed reaches orders, an edited handler is served without a
// manual restart (node and python), kill -9 of orders shows a restart in the dashboard's JSON, the dashboard (headless Chromium)
// lists every context and shows the event published during the test, and SIGINT leaves no process and no open
// port. Before that: with the broker unreachable it prints the docker compose command and gives up (exit 1).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPython } from "./flask-support.js";
import {
  buildSystemCached,
  httpGet,
  httpPost,
  IN_CI,
  POSTGRES_URL,
  RABBITMQ_URL,
  REPO_ROOT,
  requireBroker,
  SHARED_ROOT,
  sharedRequire,
  tcpReachable,
  waitFor,
} from "./harness.js";

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, "bin", "msa.js");
const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => fs.existsSync(p));
if (!CHROMIUM && IN_CI) throw new Error("chromium is missing: .ci/run installs the Debian package chromium");
const SUFFIX = (process.env.MSA_E2E_SUFFIX ?? "").replace(/[^a-z0-9-]/gi, "").toLowerCase();
const SYSTEM = `devsys${SUFFIX}`;
const RUN = randomUUID().slice(0, 8);
const DATABASE = `msadev_${RUN}`;

const YAML = `
version: 1
name: ${SYSTEM}
broker: { kind: rabbitmq }
gateway:
  kind: node
  auth: jwt
  routes:
    - { path: /api/orders, context: orders, methods: [GET, POST] }
contexts:
  orders:
    runtime: node-express
    port: 3101
    database: postgres
    api: ["POST /orders", "GET /orders/{id}"]
    publishes: [order.created]
  ledger:
    runtime: python-flask
    port: 5101
    database: none
    consumes: [order.created]
events:
  order.created:
    schema:
      type: object
      required: [orderId]
      properties:
        orderId: { type: string }
`;

const handler = (version: number): string => `import type { Request, Response } from "express";
import type { HandlerContext } from "../generated/routes.js";

export async function getOrdersById(req: Request<{ id: string }>, res: Response, ctx: HandlerContext): Promise<void> {
  ctx.log.info({ id: req.params.id }, "order asked for");
  res.json({ orderId: req.params.id, handler: ${version}, subject: req.get("x-auth-subject") ?? null });
}
`;
const POST_ORDERS = `import type { Request, Response } from "express";
import type { HandlerContext } from "../generated/routes.js";

export async function postOrders(req: Request, res: Response, ctx: HandlerContext): Promise<void> {
  const body = (req.body ?? {}) as { orderId?: string };
  const event = await ctx.events.publishOrderCreated({ orderId: String(body.orderId) }, { aggregateId: String(body.orderId) });
  res.status(201).json({ eventId: event.eventId });
}
`;

interface DevState {
  processes: { name: string; state: string; pid: number | null; buildPid: number | null; restarts: number; url: string; metricsUrl: string }[];
  events: { eventId: string; eventType: string; publishedBy: string | null; consumedBy: { context: string }[] }[];
}

let skip: string | null = null;
let dir = "";
let python = "";
let offset = 0;
let child: ChildProcess | undefined;
let out = "";
const pids = new Set<number>();

/** An offset that leaves every port msa dev will listen on free (services, gateway, its metrics, dashboard). */
async function freeOffset(): Promise<number> {
  const base = [3101, 5101, 8080, 9464, 4190];
  const free = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const s = net.createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
  for (let i = 0; i < 50; i++) {
    const o = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await Promise.all(base.map((p) => free(p + o)))).every(Boolean)) return o;
  }
  throw new Error("no free port offset");
}

const dashboard = (): string => `http://127.0.0.1:${4190 + offset}`;
const gateway = (): string => `http://127.0.0.1:${8080 + offset}`;
const state = async (): Promise<DevState> => (await httpGet(`${dashboard()}/api/state`)).body as DevState;

/** The gateway: its dependencies once per built system (the npm registry or its cache), then its build. */
async function prepareGateway(builtDir: string): Promise<void> {
  const gw = path.join(builtDir, "gateway");
  if (fs.existsSync(path.join(gw, ".dev-e2e-ready"))) return;
  // in the gateway folder alone, as its Dockerfile does: the root workspace would install msa-cli, not on the registry yet
  fs.rmSync(path.join(builtDir, "package.json"), { force: true });
  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline"], { cwd: gw, timeout: 300_000 });
  await run(process.execPath, [path.join(gw, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: gw, timeout: 180_000 });
  fs.writeFileSync(path.join(gw, ".dev-e2e-ready"), "ok\n");
}

describe("msa dev", () => {
  beforeAll(async () => {
    skip = (await requireBroker("rabbitmq")) ?? (await requireBroker("postgres"));
    const py = await findPython(["flask", "gunicorn", "pika", "jsonschema", "prometheus_client"]);
    if (!skip && !py.python) {
      if (IN_CI) throw new Error(`msa dev e2e needs ${py.missing} (CI=true: e2e tests must not skip)`);
      skip = `missing ${py.missing}`;
    }
    if (skip) return;
    python = py.python!;
    const built = await buildSystemCached("devsys", YAML, { "services/orders/src/handlers/getOrdersById.ts": handler(1), "services/orders/src/handlers/postOrders.ts": POST_ORDERS }, ["orders"]);
    await prepareGateway(built.dir);
    // a copy of our own (the test edits a handler); under the shared root, so the services find its node_modules
    dir = path.join(SHARED_ROOT, "systems", `devsys-${RUN}`);
    fs.cpSync(built.dir, dir, { recursive: true, filter: (src) => !src.startsWith(path.join(built.dir, "gateway", "node_modules")) });
    fs.symlinkSync(path.join(built.dir, "gateway", "node_modules"), path.join(dir, "gateway", "node_modules"));
    offset = await freeOffset();
  }, 600_000);

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    for (const pid of pids) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        /* gone */
      }
    }
    if (skip) return;
    const pg = await sharedRequire<{ Client: new (o: { connectionString: string }) => { connect(): Promise<void>; query(s: string): Promise<unknown>; end(): Promise<void> } }>("pg");
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${DATABASE}" WITH (FORCE)`).catch(() => undefined);
    await c.end();
    const amqp = await sharedRequire<{ connect(u: string): Promise<{ createChannel(): Promise<{ deleteQueue(q: string): Promise<unknown>; deleteExchange(e: string): Promise<unknown> }>; close(): Promise<void> }> }>("amqplib");
    const conn = await amqp.connect(RABBITMQ_URL);
    const ch = await conn.createChannel();
    for (const q of [`${SYSTEM}.ledger`, `${SYSTEM}.ledger.dead-letter`]) await ch.deleteQueue(q).catch(() => undefined);
    for (const e of [`${SYSTEM}.events`, `${SYSTEM}.dlx`]) await ch.deleteExchange(e).catch(() => undefined);
    await conn.close().catch(() => undefined);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("prints the docker compose command for an unreachable broker and gives up after --wait-infra (exit 1)", async (t) => {
    if (skip) return t.skip(skip);
    fs.writeFileSync(path.join(dir, "unreachable.yaml"), YAML + "dev:\n  broker: amqp://guest:guest@127.0.0.1:1\n");
    const r = await run(process.execPath, [CLI, "dev", "-f", "unreachable.yaml", "--wait-infra", "1", "--python", python], { cwd: dir, env: { ...process.env, NO_COLOR: "1" } }).then(
      () => ({ code: 0, stdout: "", stderr: "" }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain("not reachable: rabbitmq at 127.0.0.1:1");
    expect(r.stdout).toContain("docker compose -f docker-compose.yml -f .msa/dev-compose.yml up -d rabbitmq");
    expect(r.stderr).toContain("still not reachable: rabbitmq (127.0.0.1:1); nothing started");
    expect(fs.readFileSync(path.join(dir, ".msa/dev-compose.yml"), "utf8")).toContain('"127.0.0.1:5432:5432"');
  }, 60_000);

  it("comes up: every /ready, the URL table and a JWT the gateway accepts; the request reaches orders", async (t) => {
    if (skip) return t.skip(skip);
    // .env: the machine's broker and a database of this run's own (msa dev creates it)
    fs.writeFileSync(path.join(dir, ".env"), `BROKER_URL=${RABBITMQ_URL}\nORDERS_DATABASE_URL=${POSTGRES_URL.replace(/\/postgres$/, `/${DATABASE}`)}\n`);
    child = spawn(process.execPath, [CLI, "dev", "--port-offset", String(offset), "--python", python, "--ready-timeout", "150"], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout!.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (out += d));
    await waitFor(() => {
      if (child!.exitCode !== null) throw new Error(`msa dev exited with ${child!.exitCode}:\n${out.slice(-3000)}`);
      return /ready in [\d.]+ s/.test(out) || /not ready after/.test(out);
    }, 180_000, "msa dev to report ready");
    expect(out, out.slice(-3000)).toMatch(/ready in [\d.]+ s/);
    expect(out).toContain(`database of orders created`);
    for (const url of [`http://127.0.0.1:${3101 + offset}/health`, `http://127.0.0.1:${5101 + offset}/health`, `http://127.0.0.1:${9464 + offset}/metrics`]) expect(out).toContain(url);
    const jwt = /^JWT\s+(\S+)$/m.exec(out)?.[1];
    expect(jwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    for (const p of (await state()).processes) for (const pid of [p.pid, p.buildPid]) if (pid) pids.add(pid);

    expect((await httpGet(`${gateway()}/api/orders/42`)).status).toBe(401);
    const res = await httpGet(`${gateway()}/api/orders/42`, { authorization: `Bearer ${jwt}` });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ orderId: "42", handler: 1, subject: "msa-dev" });

    // an event through the gateway: orders publishes, ledger (python) consumes; the dashboard's flow shows both
    const posted = await httpPost(`${gateway()}/api/orders`, { orderId: `o-${RUN}` }, { authorization: `Bearer ${jwt}` });
    expect(posted.status).toBe(201);
    const eventId = (posted.body as { eventId: string }).eventId;
    await waitFor(async () => (await state()).events.some((e) => e.eventId === eventId && e.consumedBy.some((c) => c.context === "ledger")), 30_000, "the event in the dashboard's flow");
    expect((await state()).events.find((e) => e.eventId === eventId)).toMatchObject({ eventType: "order.created", publishedBy: "orders" });
  }, 240_000);

  it("serves an edited handler without a manual restart", async (t) => {
    if (skip || !child) return t.skip(skip ?? "msa dev did not start");
    const jwt = /^JWT\s+(\S+)$/m.exec(out)![1]!;
    fs.writeFileSync(path.join(dir, "services/orders/src/handlers/getOrdersById.ts"), handler(2));
    await waitFor(async () => {
      const r = await httpGet(`${gateway()}/api/orders/7`, { authorization: `Bearer ${jwt}` }).catch(() => null);
      return r?.status === 200 && (r.body as { handler: number }).handler === 2;
    }, 90_000, "the edited handler's answer").catch((e: Error) => {
      throw new Error(`${e.message}\nmsa dev's output:\n${out.slice(-4000)}`);
    });
    expect(out).toMatch(/orders\s+\| \[msa dev\] rebuilt: reloading/);
  }, 120_000);

  it("reloads the python context when its handler file changes", async (t) => {
    if (skip || !child) return t.skip(skip ?? "msa dev did not start");
    const jwt = /^JWT\s+(\S+)$/m.exec(out)![1]!;
    const file = path.join(dir, "services/ledger/app/event_handlers.py");
    const text = fs.readFileSync(file, "utf8");
    expect(text).toContain('log.info("received order.created"');
    fs.writeFileSync(file, text.replace('log.info("received order.created"', 'log.info("ledger v2 got order.created"'));
    await waitFor(() => /ledger\s+\| \[msa dev\] app\/event_handlers\.py changed: reloading/.test(out), 30_000, "the python reload");
    const posted = await httpPost(`${gateway()}/api/orders`, { orderId: `p-${RUN}` }, { authorization: `Bearer ${jwt}` });
    expect(posted.status).toBe(201);
    await waitFor(() => /ledger\s+\| .*ledger v2 got order\.created/.test(out), 60_000, "the edited python handler's log line").catch((e: Error) => {
      throw new Error(`${e.message}\nmsa dev's output:\n${out.slice(-4000)}`);
    });
  }, 90_000);

  it("restarts a service killed with SIGKILL and shows it in the dashboard's JSON", async (t) => {
    if (skip || !child) return t.skip(skip ?? "msa dev did not start");
    const before = (await state()).processes.find((p) => p.name === "orders")!;
    expect(before.pid).toBeTruthy();
    process.kill(before.pid!, "SIGKILL");
    await waitFor(async () => {
      const o = (await state()).processes.find((p) => p.name === "orders")!;
      if (o.pid) pids.add(o.pid);
      return o.restarts === before.restarts + 1 && o.state === "ready" && o.pid !== before.pid;
    }, 60_000, "orders restarted and ready");
    expect(out).toMatch(/orders\s+\| \[msa dev\] exited \(SIGKILL\) after [\d.]+ s; restart #1 in/);
  }, 90_000);

  it.skipIf(!CHROMIUM)("the dashboard in Chromium lists every context and the event published during the test", async (t) => {
    if (skip || !child) return t.skip(skip ?? "msa dev did not start");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      await page.goto(dashboard());
      await page.locator('tr[data-context="ledger"]').waitFor();
      expect(await page.locator("tr[data-context]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-context")))).toEqual(["ledger", "orders", "gateway"]);
      const row = page.locator('tr[data-event="order.created"]').first();
      await row.waitFor();
      expect(await row.innerText()).toMatch(/orders[\s\S]*ledger/);
      expect(await page.locator('tr[data-context="orders"] .state').innerText()).toBe("ready");
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 90_000);

  it("SIGINT stops everything: no process and no open port left", async (t) => {
    if (skip || !child) return t.skip(skip ?? "msa dev did not start");
    for (const p of (await state()).processes) for (const pid of [p.pid, p.buildPid]) if (pid) pids.add(pid);
    expect(pids.size).toBeGreaterThanOrEqual(5); // 3 processes and the 2 tsc watchers (orders, gateway)
    const exited = new Promise<number | null>((r) => child!.once("exit", (code) => r(code)));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
    expect(out).toContain("stopping gateway, orders, ledger");
    for (const pid of pids) expect(() => process.kill(pid, 0), `pid ${pid}`).toThrow();
    for (const port of [3101, 5101, 8080, 9464, 4190]) expect(await tcpReachable("127.0.0.1", port + offset), `port ${port + offset}`).toBe(false);
  }, 60_000);
});
