// Bulkheads and a backend-for-frontend on real processes (issue #16, items 2 and 3; docs/bulkheads.md, docs/bff.md).
// One generated system: `front` (node) and `pyfront` (python-flask) call `inventory` through a bulkhead
// (maxConcurrent 2, maxQueue 1) and `orders` without one; the BFF `web` composes orders and inventory
// (inventory's sku bound to the orders answer); the node gateway routes /api/orders to web. orders and inventory
// are stubs in this process, so the test sees exactly what reaches them: `inventory` holds /stock/hold-* until
// released, which saturates the callers' bulkheads without any sleep.
import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import fs from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPython, IN_CI, startGunicorn, type Gunicorn } from "./flask-support.js";
import { buildService, buildSystemCached, freePort, httpGet, startService, waitFor, type HttpResult, type ServiceProcess } from "./harness.js";

const run = promisify(execFile);
const SUFFIX = (process.env.MSA_E2E_SUFFIX ?? "").replace(/[^a-z0-9-]/g, "");
const NAME = `bffbh${SUFFIX}`.slice(0, 40);
const SECRET = "bff-bulkhead-e2e-secret-0123456789abcdef";

const SYSTEM = `
version: 1
name: ${NAME}
broker: { kind: memory }
gateway:
  kind: node
  routes:
    - { path: /api/orders, context: web, methods: [GET] }
contexts:
  front:
    port: 3100
    api: ["GET /via/inventory/{sku}", "GET /via/orders/{id}"]
    calls:
      inventory: { timeout: 20s, retries: 0, bulkhead: { maxConcurrent: 2, maxQueue: 1 } }
      orders: { timeout: 20s, retries: 0 }
  pyfront:
    runtime: python-flask
    port: 3101
    api: ["GET /via/inventory/{sku}", "GET /via/orders/{id}"]
    calls:
      inventory: { timeout: 20s, retries: 0, bulkhead: { maxConcurrent: 2, maxQueue: 1 } }
      orders: { timeout: 20s, retries: 0 }
  orders:
    port: 3102
    api: ["GET /orders/{id}"]
  inventory:
    port: 3103
    api: ["GET /stock/{sku}"]
bffs:
  web:
    port: 3104
    routes:
      - path: /orders/{id}/summary
        compose:
          - orders GET /orders/{id}
          - { call: "inventory GET /stock/{sku}", with: { sku: orders.body.sku }, timeout: 3s }
`;

const NODE_HANDLERS: Record<string, string> = {
  "services/front/src/handlers/getViaInventoryBySku.ts": `import type { Request, Response } from "express";
import type { HandlerContext } from "../generated/routes.js";
export async function getViaInventoryBySku(req: Request<{ sku: string }>, res: Response, ctx: HandlerContext): Promise<void> {
  const r = await ctx.clients.inventory.getStockBySku({ sku: req.params.sku });
  res.status(r.status).json(r.body);
}
`,
  "services/front/src/handlers/getViaOrdersById.ts": `import type { Request, Response } from "express";
import type { HandlerContext } from "../generated/routes.js";
export async function getViaOrdersById(req: Request<{ id: string }>, res: Response, ctx: HandlerContext): Promise<void> {
  const r = await ctx.clients.orders.getOrdersById({ id: req.params.id });
  res.status(r.status).json(r.body);
}
`,
};
const PY_HANDLERS = `from flask import jsonify

from app.clients import client


def get_via_inventory_by_sku(sku):
    status, body = client("inventory").request("GET", f"/stock/{sku}")
    return jsonify(body), status


def get_via_orders_by_id(id):
    status, body = client("orders").request("GET", f"/orders/{id}")
    return jsonify(body), status
`;

/** A stub context in this process. */
interface Stub {
  url: string;
  server: Server;
  seen: { url: string; headers: IncomingHttpHeaders }[];
}
const startStub = (answer: (url: string, headers: IncomingHttpHeaders, res: ServerResponse) => void): Promise<Stub> =>
  new Promise((resolve) => {
    const seen: Stub["seen"] = [];
    const server = createServer((req, res) => {
      req.resume();
      seen.push({ url: req.url ?? "", headers: req.headers });
      answer(req.url ?? "", req.headers, res);
    });
    server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen }));
  });
const json = (res: ServerResponse, status: number, body: unknown): void => void res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
const echo = (h: IncomingHttpHeaders) => ({ authorization: h.authorization ?? null, traceparent: h.traceparent ?? null, subject: h["x-auth-subject"] ?? null, correlation: h["x-correlation-id"] ?? null });
const stop = (s: Stub | undefined): Promise<void> =>
  new Promise((r) => {
    if (!s) return r();
    s.server.closeAllConnections();
    s.server.close(() => r());
  });

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
async function timedGets(url: string, n: number): Promise<{ ms: number[]; statuses: number[] }> {
  const ms: number[] = [];
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    statuses.push((await httpGet(url)).status);
    ms.push(performance.now() - t);
  }
  return { ms, statuses };
}

const b64url = (s: string): string => Buffer.from(s).toString("base64url");
function signJwt(sub: string): string {
  const now = Math.floor(Date.now() / 1000);
  const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify({ sub, iss: NAME, aud: NAME, iat: now, exp: now + 300 }));
  return `${head}.${body}.${createHmac("sha256", SECRET).update(`${head}.${body}`).digest("base64url")}`;
}

async function registryMissing(): Promise<string | null> {
  if (process.env.MSA_E2E_OFFLINE_OK === "1") return null;
  try {
    await run("npm", ["ping", "--loglevel=error"], { timeout: 20_000 });
    return null;
  } catch {
    return "the npm registry (the node gateway's own dependencies; npm ping failed)";
  }
}
const missing = await registryMissing();
if (missing && IN_CI) throw new Error(`bff-bulkhead e2e cannot run: missing ${missing} (CI=true: e2e tests must not skip)`);
const py = await findPython(["flask", "gunicorn"]);
if (py.missing && IN_CI) throw new Error(`bff-bulkhead e2e cannot run: missing ${py.missing}`);

describe.skipIf(!!missing)("bulkheads and a backend-for-frontend (e2e)", () => {
  let orders: Stub | undefined;
  let inventory: Stub | undefined;
  /** held /stock/hold-* answers, released together; after release holds answer at once */
  const held: ServerResponse[] = [];
  let released = false;
  const release = (): void => {
    released = true;
    for (const r of held.splice(0)) json(r, 200, { sku: "held", quantity: 1 });
  };
  let front: ServiceProcess | undefined;
  let web: ServiceProcess | undefined;
  let gateway: ServiceProcess | undefined;
  let pyfront: Gunicorn | undefined;
  const figures: string[] = [];

  beforeAll(async () => {
    orders = await startStub((url, h, res) => {
      const id = url.split("/").pop() ?? "";
      json(res, 200, { id, sku: `sku-${id}`, seen: echo(h) });
    });
    inventory = await startStub((url, h, res) => {
      const sku = decodeURIComponent(url.split("/").pop() ?? "");
      if (sku.startsWith("hold-") && !released) held.push(res);
      else json(res, 200, { sku, quantity: 7, seen: echo(h) });
    });
    const built = await buildSystemCached(NAME, SYSTEM, NODE_HANDLERS, ["front", "web"]);
    const urls = { ORDERS_URL: orders.url, INVENTORY_URL: inventory.url, BROKER_URL: "memory://" };
    front = await startService(built.service("front"), { name: "front", env: urls });
    web = await startService(built.service("web"), { name: "web", env: urls });
    // the gateway, built as its Dockerfile does: its own folder, its own pinned dependencies
    const gatewayDir = path.join(built.dir, "gateway");
    if (!fs.existsSync(path.join(gatewayDir, "dist", "main.js"))) {
      fs.rmSync(path.join(built.dir, "package.json"), { force: true });
      await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline"], { cwd: gatewayDir, timeout: 240_000 });
      await buildService(gatewayDir, { typecheckTests: false });
    }
    gateway = await startService(gatewayDir, {
      name: "gateway",
      env: { ROUTE_WEB_URL: web.url, JWT_SECRET: SECRET, JWT_ISSUER: NAME, JWT_AUDIENCE: NAME, METRICS_PORT: String(await freePort()), TRUSTED_PROXIES: "" },
    });
    if (!py.missing) {
      fs.writeFileSync(path.join(built.service("pyfront"), "app", "handlers.py"), PY_HANDLERS);
      // one worker (the bulkhead holds per process), threads enough for every concurrent request of the test
      pyfront = await startGunicorn(py.python!, built.service("pyfront"), { ...urls, WEB_CONCURRENCY: "1", GUNICORN_THREADS: "16" });
    }
  }, 600_000);

  afterAll(async () => {
    release();
    await pyfront?.stop(10_000);
    for (const p of [gateway, web, front]) await p?.stop();
    await stop(orders);
    await stop(inventory);
    if (figures.length) console.log(`bff-bulkhead figures (load ${fs.readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}):\n  ${figures.join("\n  ")}`);
  });

  /** Saturates `base`'s bulkhead to inventory with 6 held calls and checks the other callee meanwhile. */
  async function saturate(label: string, base: string): Promise<void> {
    released = false;
    const before = await timedGets(`${base}/via/orders/1`, 15);
    expect(before.statuses.every((s) => s === 200)).toBe(true);
    const seenBefore = inventory!.seen.length;
    const pending = new Map<number, HttpResult | null>();
    const calls = Array.from({ length: 6 }, (_, i) => {
      pending.set(i, null);
      return httpGet(`${base}/via/inventory/hold-${label}-${i}`).then((r) => (pending.set(i, r), r));
    });
    // beyond maxConcurrent 2 + maxQueue 1: three answered at once, 503 with Retry-After, while three wait
    await waitFor(() => [...pending.values()].filter((r) => r !== null).length >= 3 && held.length >= 2, 30_000, `${label}: 3 rejected, 2 held`);
    const answered = [...pending.values()].filter((r): r is HttpResult => r !== null);
    expect(answered.map((r) => r.status)).toEqual([503, 503, 503]);
    for (const r of answered) expect(r.headers.get("retry-after")).toBe("1");
    // the callee never sees more than maxConcurrent of them
    expect(held).toHaveLength(2);
    expect(inventory!.seen.length - seenBefore).toBe(2);
    // the other callee meanwhile: every call answered, at the latency it had before
    const during = await timedGets(`${base}/via/orders/2`, 15);
    expect(during.statuses.every((s) => s === 200)).toBe(true);
    expect([...pending.values()].filter((r) => r === null)).toHaveLength(3);
    const [m0, m1] = [median(before.ms), median(during.ms)];
    figures.push(`${label}: orders median ${m0.toFixed(1)} ms before, ${m1.toFixed(1)} ms with inventory's bulkhead full (ratio ${(m1 / m0).toFixed(2)})`);
    // a figure, not a timing test: the proof of isolation is above (every call answered while the bulkhead was full);
    // this bound only catches calls to orders queueing behind inventory's (seconds, not milliseconds)
    expect(m1).toBeLessThan(Math.max(m0, 20) * 10 + 200);
    // released: the two in flight and the queued one complete
    release();
    const all = await Promise.all(calls);
    expect(all.map((r) => r.status).sort()).toEqual([200, 200, 200, 503, 503, 503]);
    expect(inventory!.seen.length - seenBefore).toBe(3);
  }

  it("node: a full bulkhead answers 503 with Retry-After at once; calls to another callee are unaffected", async () => {
    await saturate("node", front!.url);
    const full = front!.logs.filter((l) => l.msg === "bulkhead full: call rejected");
    expect(full).toHaveLength(3);
    const metrics = await (await fetch(`${front!.url}/metrics`)).text();
    expect(metrics).toMatch(/result="bulkhead-full"[^\n]*\s3\n/);
  });

  it("python: the same through app/bulkhead.py", async (ctx) => {
    if (py.missing) ctx.skip(`skipped: ${py.missing}`);
    await saturate("python", pyfront!.base);
    expect(pyfront!.logs.filter((l) => l.message === "bulkhead full: call rejected" || l.msg === "bulkhead full: call rejected")).toHaveLength(3);
  });

  it("the BFF composes orders then inventory (bound to orders.body.sku), forwarding identity and trace context, also through the gateway", async () => {
    const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const direct = await httpGet(`${web!.url}/orders/42/summary`, { authorization: "Bearer direct-token", traceparent, "x-correlation-id": "corr-bff-1" });
    expect(direct.status).toBe(200);
    expect(direct.body).toEqual({
      orders: { id: "42", sku: "sku-42", seen: { authorization: "Bearer direct-token", traceparent, subject: null, correlation: "corr-bff-1" } },
      inventory: { sku: "sku-42", quantity: 7, seen: { authorization: "Bearer direct-token", traceparent, subject: null, correlation: "corr-bff-1" } },
    });
    expect(direct.headers.get("x-correlation-id")).toBe("corr-bff-1");

    const token = signJwt("user-7");
    expect((await httpGet(`${gateway!.url}/api/orders/42/summary`)).status).toBe(401);
    const via = await httpGet(`${gateway!.url}/api/orders/7/summary`, { authorization: `Bearer ${token}` });
    expect(via.status).toBe(200);
    const body = via.body as { orders: { sku: string; seen: { subject: string; authorization: string } }; inventory: { sku: string; seen: { subject: string } } };
    expect(body.orders.sku).toBe("sku-7");
    expect(body.inventory.sku).toBe("sku-7");
    // the gateway's verified identity reaches the contexts behind the BFF
    expect(body.orders.seen.subject).toBe("user-7");
    expect(body.inventory.seen.subject).toBe("user-7");
    expect(body.orders.seen.authorization).toBe(`Bearer ${token}`);
  });

  it("a callee down: a partial document (200, the failed call null and listed in _partial); all down: 502", async () => {
    await stop(inventory);
    inventory = undefined;
    const partial = await httpGet(`${web!.url}/orders/5/summary`);
    expect(partial.status).toBe(200);
    expect(partial.body).toMatchObject({ orders: { id: "5", sku: "sku-5" }, inventory: null, _partial: [{ call: "inventory", error: "unavailable" }] });
    const viaGateway = await httpGet(`${gateway!.url}/api/orders/5/summary`, { authorization: `Bearer ${signJwt("user-8")}` });
    expect(viaGateway.status).toBe(200);
    expect(viaGateway.body).toMatchObject({ inventory: null, _partial: [{ call: "inventory", error: "unavailable" }] });

    await stop(orders);
    orders = undefined;
    const none = await httpGet(`${web!.url}/orders/6/summary`);
    expect(none.status).toBe(502);
    expect(none.body).toEqual({
      orders: null,
      inventory: null,
      _partial: [
        { call: "orders", error: "unavailable" },
        { call: "inventory", error: "skipped: orders failed" },
      ],
    });
  });
});
