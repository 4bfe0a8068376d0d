// gRPC end to end (issue #16 item 1, docs/grpc.md), on real processes: a node caller (front), a node gRPC server
// (inventory) and a python-flask service (pricing) that is both a gRPC server and a gRPC caller.
//   node → node     front GET /stock/{sku}  → inventory.GetStock (idempotent: deadline 300 ms, 2 retries)
//   node → python   front GET /quote/{sku}  → pricing.Quote
//   python → node   pricing GET /stock/{sku} → inventory.GetStock
// Then (after ten healthy calls, so that the breaker stays closed until its own test), counting the attempts the server saw (its "stock asked"/"reserve asked" log lines): a deadline exceeded on
// each of 3 attempts; an idempotent method retried until it succeeds (3 attempts); a non-idempotent one attempted
// once; the breaker opening after repeated INTERNAL answers, after which calls fail fast without reaching the server.
// Both servers answer grpc.health.v1 Check with SERVING. Needs /usr/bin/python3 with flask, gunicorn, grpc and
// grpc_tools (Debian: python3-flask gunicorn python3-grpcio python3-grpc-tools); no broker, no database.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPython, IN_CI, startGunicorn, type Gunicorn } from "./flask-support.js";
import { buildSystemCached, freePort, httpGet, httpPost, sharedRequire, startService, waitFor, type BuiltSystem, type ServiceProcess } from "./harness.js";

const NAME = `msae2e-grpc${process.env.MSA_E2E_SUFFIX ?? ""}`.toLowerCase();

const YAML = `
version: 1
name: ${NAME}
broker: { kind: memory }
contexts:
  front:
    port: 3000
    api: ["GET /stock/{sku}", "POST /reserve/{sku}", "GET /quote/{sku}"]
    calls:
      inventory: { protocol: grpc, timeout: 300ms, retries: 2, circuitBreaker: { errorThresholdPercentage: 50, resetTimeout: 60s } }
      pricing: { protocol: grpc, timeout: 2s, retries: 1 }
  inventory:
    port: 3001
    grpc:
      port: 50061
      methods:
        GetStock:
          idempotent: true
          request: { type: object, required: [sku], properties: { sku: { type: string } } }
          response: { type: object, properties: { sku: { type: string }, quantity: { type: integer } } }
        Reserve:
          request: { type: object, required: [sku], properties: { sku: { type: string }, count: { type: integer, format: int32 } } }
          response: { type: object, properties: { ok: { type: boolean } } }
  pricing:
    runtime: python-flask
    port: 5000
    api: ["GET /stock/{sku}"]
    calls:
      inventory: { protocol: grpc, timeout: 2s, retries: 1 }
    grpc:
      port: 50062
      methods:
        Quote:
          idempotent: true
          request: { type: object, required: [sku], properties: { sku: { type: string } } }
          response: { type: object, properties: { sku: { type: string }, price: { type: number } } }
`;

const USER_FILES: Record<string, string> = {
  "services/inventory/src/grpc/GetStock.ts": `import { GrpcError, GrpcStatus, type GetStockRequest, type GetStockResponse, type GrpcHandlerContext } from "../generated/grpc-server.js";

const seen = new Map<string, number>();

export async function getStock(request: GetStockRequest, ctx: GrpcHandlerContext): Promise<GetStockResponse> {
  const attempt = (seen.get(request.sku) ?? 0) + 1;
  seen.set(request.sku, attempt);
  ctx.log.info({ sku: request.sku, attempt }, "stock asked");
  if (request.sku.startsWith("slow")) await new Promise((r) => setTimeout(r, 1_500));
  if (request.sku.startsWith("flaky") && attempt <= 2) throw new GrpcError(GrpcStatus.UNAVAILABLE, "try again");
  if (request.sku.startsWith("boom")) throw new GrpcError(GrpcStatus.INTERNAL, "boom");
  return { sku: request.sku, quantity: 7 };
}
`,
  "services/inventory/src/grpc/Reserve.ts": `import { GrpcError, GrpcStatus, type GrpcHandlerContext, type ReserveRequest, type ReserveResponse } from "../generated/grpc-server.js";

export async function reserve(request: ReserveRequest, ctx: GrpcHandlerContext): Promise<ReserveResponse> {
  ctx.log.info({ sku: request.sku }, "reserve asked");
  if (request.sku.startsWith("flaky")) throw new GrpcError(GrpcStatus.UNAVAILABLE, "try again");
  return { ok: true };
}
`,
  "services/front/src/handlers/getStockBySku.ts": `import type { Request, Response } from "express";
import { GrpcCallError } from "../generated/grpc-clients.js";
import type { HandlerContext } from "../generated/routes.js";

export async function getStockBySku(req: Request<{ sku: string }>, res: Response, ctx: HandlerContext): Promise<void> {
  try {
    res.json(await ctx.clients.inventory.getStock({ sku: req.params.sku }));
  } catch (e) {
    if (!(e instanceof GrpcCallError)) throw e;
    res.status(e.status).json({ reason: e.reason, code: e.code });
  }
}
`,
  "services/front/src/handlers/postReserveBySku.ts": `import type { Request, Response } from "express";
import { GrpcCallError } from "../generated/grpc-clients.js";
import type { HandlerContext } from "../generated/routes.js";

export async function postReserveBySku(req: Request<{ sku: string }>, res: Response, ctx: HandlerContext): Promise<void> {
  try {
    res.json(await ctx.clients.inventory.reserve({ sku: req.params.sku, count: 1 }));
  } catch (e) {
    if (!(e instanceof GrpcCallError)) throw e;
    res.status(e.status).json({ reason: e.reason, code: e.code });
  }
}
`,
  "services/front/src/handlers/getQuoteBySku.ts": `import type { Request, Response } from "express";
import type { HandlerContext } from "../generated/routes.js";

export async function getQuoteBySku(req: Request<{ sku: string }>, res: Response, ctx: HandlerContext): Promise<void> {
  res.json(await ctx.clients.pricing.quote({ sku: req.params.sku }));
}
`,
  "services/pricing/app/grpc_handlers.py": `from app.grpc_server import GrpcError  # noqa: F401


def quote(request, ctx):
    ctx.log.info("quote asked", extra={"fields": {"sku": request.sku}})
    return {"sku": request.sku, "price": 9.5}
`,
  "services/pricing/app/handlers.py": `from flask import jsonify
from google.protobuf import json_format

from app.grpc_clients import GrpcCallError, grpc_client


def get_stock_by_sku(sku):
    try:
        reply = grpc_client("inventory").GetStock({"sku": sku})
    except GrpcCallError as e:
        return jsonify({"reason": e.reason, "code": e.code.name}), 502
    return jsonify(json_format.MessageToDict(reply, preserving_proto_field_name=True)), 200
`,
};

interface HealthClient {
  Check(req: { service: string }, cb: (err: Error | null, res?: { status: string }) => void): void;
  close(): void;
}

describe("gRPC: node ↔ node ↔ python, deadlines, idempotent retries, breaker", () => {
  let skip: string | null = null;
  let built: BuiltSystem | undefined;
  let inventory: ServiceProcess | undefined;
  let front: ServiceProcess | undefined;
  let pricing: Gunicorn | undefined;
  let inventoryGrpc = 0;
  let pricingGrpc = 0;

  beforeAll(async () => {
    const py = await findPython(["flask", "gunicorn", "grpc", "grpc_tools", "prometheus_client"]);
    if (py.missing) {
      if (IN_CI) throw new Error(`gRPC e2e cannot run: ${py.missing} and grpc, grpc_tools (Debian python3-grpcio python3-grpc-tools)`);
      skip = `${py.missing} and grpc, grpc_tools (Debian python3-grpcio python3-grpc-tools)`;
      return;
    }
    built = await buildSystemCached(NAME, YAML, USER_FILES, ["front", "inventory"]);
    inventoryGrpc = await freePort();
    pricingGrpc = await freePort();
    inventory = await startService(built.service("inventory"), { name: "inventory", env: { GRPC_PORT: String(inventoryGrpc) } });
    await inventory.waitForLog((l) => l.msg === "grpc listening", 10_000, "inventory grpc listening");
    pricing = await startGunicorn(py.python as string, built.service("pricing"), {
      GRPC_PORT: String(pricingGrpc),
      INVENTORY_GRPC_ADDR: `127.0.0.1:${inventoryGrpc}`,
      WEB_CONCURRENCY: "1",
    });
    await pricing.waitFor(() => pricing!.logs.some((l) => l.msg === "grpc listening") || undefined, 20_000, "pricing grpc listening");
    front = await startService(built.service("front"), {
      name: "front",
      env: { INVENTORY_GRPC_ADDR: `127.0.0.1:${inventoryGrpc}`, PRICING_GRPC_ADDR: `127.0.0.1:${pricingGrpc}` },
    });
  }, 600_000);

  afterAll(async () => {
    await front?.stop();
    await inventory?.stop();
    await pricing?.stop();
  });

  /**
   * inventory's lines of `what` for `sku`, read once its buffered log is out: a node service writes its lines every
   * LOG_FLUSH_MS (100 ms), so a count taken right after the answer may miss the last attempt's line. Waits for at
   * least `atLeast`, then one more flush interval and a margin, so that a count above it would show too.
   */
  const asked = async (what: string, sku: string, atLeast: number): Promise<number> => {
    const count = (): number => inventory!.logs.filter((l) => l.msg === what && l.sku === sku).length;
    await waitFor(() => count() >= atLeast, 5_000, `${atLeast} "${what}" lines for ${sku}`);
    await new Promise((r) => setTimeout(r, 400));
    return count();
  };

  it("answers grpc.health.v1 Check with SERVING (node and python servers)", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    // the shared node_modules' grpc-js and proto-loader (msa itself does not depend on them)
    const grpc = await sharedRequire<{ credentials: { createInsecure(): unknown }; loadPackageDefinition(d: unknown): unknown }>("@grpc/grpc-js");
    const loader = await sharedRequire<{ loadSync(file: string, o: Record<string, unknown>): unknown }>("@grpc/proto-loader");
    const def = loader.loadSync(path.join(built!.service("inventory"), "proto/grpc/health/v1/health.proto"), { keepCase: true, enums: String });
    const Health = (grpc.loadPackageDefinition(def) as { grpc: { health: { v1: { Health: new (a: string, c: unknown) => HealthClient } } } }).grpc.health.v1.Health;
    for (const [port, service] of [[inventoryGrpc, `${NAME.replace(/-/g, "_")}.inventory.v1.InventoryService`], [pricingGrpc, ""]] as const) {
      const client = new Health(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      const res = await new Promise<{ status: string }>((resolve, reject) => client.Check({ service }, (err, r) => (err ? reject(err) : resolve(r!))));
      client.close();
      expect(res.status).toBe("SERVING");
    }
  });

  it("calls node → node, node → python and python → node with the correlation id in the metadata", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const nn = await httpGet(`${front!.url}/stock/a-1`, { "X-Correlation-ID": "corr-grpc-nn" });
    expect(nn.status).toBe(200);
    expect(nn.body).toEqual({ sku: "a-1", quantity: 7 });
    await inventory!.waitForLog((l) => l.msg === "stock asked" && l.correlationId === "corr-grpc-nn", 5_000, "inventory sees the correlation id");

    const np = await httpGet(`${front!.url}/quote/a-2`, { "X-Correlation-ID": "corr-grpc-np" });
    expect(np.status).toBe(200);
    expect(np.body).toEqual({ sku: "a-2", price: 9.5 });
    await pricing!.waitFor(() => pricing!.logs.some((l) => l.msg === "quote asked") || undefined, 5_000, "pricing handled Quote");
    expect(pricing!.logs.find((l) => l.msg === "quote asked")).toMatchObject({ correlationId: "corr-grpc-np" });

    const pn = await fetch(`${pricing!.base}/stock/a-3`, { headers: { "X-Correlation-ID": "corr-grpc-pn" } });
    expect(pn.status).toBe(200);
    expect(await pn.json()).toEqual({ sku: "a-3", quantity: "7" }); // protobuf's JSON form writes int64 as a string
    await inventory!.waitForLog((l) => l.msg === "stock asked" && l.sku === "a-3" && l.correlationId === "corr-grpc-pn", 5_000, "python's correlation id reaches node");
  });

  it("gives each attempt the deadline: DEADLINE_EXCEEDED three times (1 + 2 retries), then 504", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    // healthy calls first, so the failures of this test and the next stay below the breaker's 50 % (10 s window)
    for (let i = 0; i < 10; i++) expect((await httpGet(`${front!.url}/stock/warm-${i}`)).status).toBe(200);
    const r = await httpGet(`${front!.url}/stock/slow-1`);
    expect(r.status).toBe(504);
    expect(r.body).toMatchObject({ reason: "deadline", code: 4 });
    expect(await asked("stock asked", "slow-1", 3)).toBe(3);
  });

  it("retries an idempotent method until it succeeds and attempts a non-idempotent one once", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const ok = await httpGet(`${front!.url}/stock/flaky-1`);
    expect(ok.status).toBe(200);
    expect(await asked("stock asked", "flaky-1", 3)).toBe(3); // UNAVAILABLE, UNAVAILABLE, OK
    const once = await httpPost(`${front!.url}/reserve/flaky-2`, {});
    expect(once.status).toBe(503);
    expect(once.body).toMatchObject({ reason: "unavailable", code: 14 });
    expect(await asked("reserve asked", "flaky-2", 1)).toBe(1);
  });

  it("opens the breaker after repeated INTERNAL answers; then fails fast without reaching the server", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    let reason = "";
    for (let i = 0; i < 10 && reason !== "circuit-open"; i++) reason = ((await httpGet(`${front!.url}/stock/boom-${i}`)).body as { reason: string }).reason;
    expect(reason).toBe("circuit-open");
    await front!.waitForLog((l) => l.msg === "circuit state changed" && l.circuit === "Open" && l.protocol === "grpc", 2_000, "circuit Open logged");
    const fast = await httpGet(`${front!.url}/stock/boom-after`);
    expect(fast.status).toBe(503);
    expect(fast.body).toMatchObject({ reason: "circuit-open" });
    expect(await asked("stock asked", "boom-after", 0)).toBe(0);
  });
});
