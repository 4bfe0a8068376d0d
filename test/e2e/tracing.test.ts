// Distributed tracing end to end (issue #15, docs/observability.md): the built CLI's node gateway and three
// node-express contexts run as processes on real RabbitMQ and PostgreSQL, exporting OTLP/HTTP (http/json) to a
// receiver in this test. One request with a caller's traceparent goes through the gateway → orders, which calls
// inventory and, in one transaction, writes its order and order.placed to the outbox → the relay publishes it →
// shipping consumes it. Expected: ONE trace, the caller's, with spans of all four processes and the right parents
// (gateway server ← caller; orders server ← gateway client; inventory server ← orders client; shipping's consumer
// span ← orders' producer span, whose context went through the outbox row), and each hop's log lines carry it.
// Then: without OTEL_EXPORTER_OTLP_ENDPOINT nothing is exported and the services do not load the SDK.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildSystemCached,
  freePort,
  httpPost,
  IN_CI,
  POSTGRES_URL,
  RABBITMQ_URL,
  requireBroker,
  sharedRequire,
  startService,
  tail,
  waitFor,
  type BuiltSystem,
  type ServiceProcess,
} from "./harness.js";
import { rabbit } from "./fixtures/system.js";
import { buildNodeGateway, CLIENT, CONSUMER, otelEnv, PRODUCER, SERVER, startReceiver, startTraced, type Receiver, type Span } from "./otlp-support.js";

// a system name is a DNS-1123 label: the suffix lowercased (MSA_E2E_SUFFIX=-T gives traced-t)
const SYSTEM = `traced${(process.env.MSA_E2E_SUFFIX ?? "").toLowerCase()}`;
const RUN = randomUUID().slice(0, 8);

const yaml = `
version: 1
name: ${SYSTEM}
broker: { kind: rabbitmq }
gateway:
  kind: node
  auth: none
  routes:
    - { path: /api/orders, context: orders, methods: [POST] }
contexts:
  orders:
    port: 3000
    database: postgres
    api: ["POST /orders"]
    publishes: [order.placed]
    calls:
      inventory: { timeout: 2s, retries: 0 }
  inventory:
    port: 3001
    api: ["GET /stock/{sku}"]
  shipping:
    port: 3002
    database: postgres
    consumes: [order.placed]
events:
  order.placed:
    schema:
      type: object
      required: [orderId]
      properties:
        orderId: { type: string }
`;

const userFiles: Record<string, string> = {
  // asks inventory, then writes the order and its event in one transaction (the outbox)
  "services/orders/src/handlers/postOrders.ts": `import type { Request, Response } from "express";
import type { HandlerContext } from "../generated/routes.js";

export async function postOrders(req: Request, res: Response, ctx: HandlerContext): Promise<void> {
  const orderId = String((req.body as { orderId?: unknown }).orderId);
  const stock = await ctx.clients.inventory.getStockBySku({ sku: orderId });
  const event = await ctx.db.transaction(async (tx) => {
    await tx.query("CREATE TABLE IF NOT EXISTS traced_orders (id text PRIMARY KEY)");
    await tx.query("INSERT INTO traced_orders (id) VALUES ($1)", [orderId]);
    return tx.events.publishOrderPlaced({ orderId }, { aggregateId: orderId });
  });
  ctx.log.info({ orderId }, "order placed");
  res.status(201).json({ eventId: event.eventId, stock: stock.body });
}
`,
  "services/inventory/src/handlers/getStockBySku.ts": `import type { Request, Response } from "express";
import type { HandlerContext } from "../generated/routes.js";

export async function getStockBySku(req: Request<{ sku: string }>, res: Response, ctx: HandlerContext): Promise<void> {
  ctx.log.info({ sku: req.params.sku }, "stock asked");
  res.json({ sku: req.params.sku, available: 3 });
}
`,
  "services/shipping/src/consumers/order.placed.ts": `import type { ConsumerContext, OrderPlacedEvent } from "../generated/events.js";

export async function onOrderPlaced(event: OrderPlacedEvent, ctx: ConsumerContext): Promise<void> {
  ctx.log.info({ orderId: event.payload.orderId }, "shipment scheduled");
}
`,
};

const skip = (await requireBroker("rabbitmq")) ?? (await requireBroker("postgres"));
if (skip && IN_CI) throw new Error(`tracing e2e cannot run: ${skip}`);

interface PgClient {
  connect(): Promise<void>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
}

describe.skipIf(!!skip)("tracing: one trace across gateway, services and events (OTLP/HTTP)", () => {
  let built: BuiltSystem;
  let gatewayDir = "";
  let receiver: Receiver;
  let admin: PgClient;
  const dbName = `msa_traced_${RUN}`;
  const dbUrl = POSTGRES_URL.replace(/\/[^/]*$/, `/${dbName}`);
  const procs: ServiceProcess[] = [];
  const p: Record<string, ServiceProcess> = {};
  const otel = (service: string): Record<string, string> => otelEnv(receiver, service);

  beforeAll(async () => {
    built = await buildSystemCached("traced", yaml, userFiles, ["orders", "inventory", "shipping"]);
    gatewayDir = await buildNodeGateway(built.dir);
    receiver = await startReceiver();
    const { ch, close } = await rabbit(RABBITMQ_URL);
    for (const q of [`${SYSTEM}.shipping`, `${SYSTEM}.shipping.dead-letter`]) await ch.deleteQueue(q);
    await close();
    const pg = await sharedRequire<{ Client: new (o: { connectionString: string }) => PgClient }>("pg");
    admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);

    const ports = { orders: await freePort(), inventory: await freePort() };
    const start = async (name: string, dir: string, env: Record<string, string>, port?: number): Promise<ServiceProcess> => {
      const proc = await startTraced(dir, name, env, port);
      procs.push(proc);
      p[name] = proc;
      return proc;
    };
    await start("inventory", built.service("inventory"), { BROKER_URL: RABBITMQ_URL, ...otel("inventory") }, ports.inventory);
    await start("orders", built.service("orders"), { BROKER_URL: RABBITMQ_URL, DATABASE_URL: dbUrl, INVENTORY_URL: `http://127.0.0.1:${ports.inventory}`, ...otel("orders") }, ports.orders);
    await start("shipping", built.service("shipping"), { BROKER_URL: RABBITMQ_URL, DATABASE_URL: dbUrl, ...otel("shipping") });
    await start("gateway", gatewayDir, { ROUTE_ORDERS_URL: `http://127.0.0.1:${ports.orders}`, METRICS_PORT: String(await freePort()), SHUTDOWN_DELAY_MS: "100", ...otel("gateway") });
  }, 600_000);

  afterAll(async () => {
    await Promise.all(procs.map((x) => x.stop()));
    // resolves also when beforeAll failed before the receiver existed (a hook that never resolves hides the cause)
    await new Promise<void>((r) => (receiver ? receiver.server.close(() => r()) : r()));
    await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
  });

  it("a request with the caller's traceparent: one trace, spans of all four processes, parents right, ids in every hop's logs", async () => {
    const traceId = randomBytes(16).toString("hex");
    const callerSpan = randomBytes(8).toString("hex");
    const orderId = `o-${RUN}`;
    const res = await httpPost(`${p.gateway!.url}/api/orders`, { orderId }, { traceparent: `00-${traceId}-${callerSpan}-01`, tracestate: "caller=1", "x-correlation-id": `corr-${RUN}` });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await p.shipping!.waitForLog((l) => l.msg === "event processed" && l.aggregateId === orderId, 20_000, "shipping handled order.placed");

    const ofTrace = (): Span[] => receiver.spans.filter((s) => s.traceId === traceId);
    // Wait for every span asserted below, not just one of each process: a service's batch exporter may send the spans
    // that ended early (SQL, the inventory call, the producer) a batch before its server span (seen under load).
    const has = (service: string, kind: number): boolean => ofTrace().some((s) => s.service === service && s.kind === kind);
    const complete = (): boolean => {
      const spans = ofTrace();
      const ids = new Set(spans.map((s) => s.spanId));
      return (
        has("gateway", SERVER) && has("gateway", CLIENT) && has("orders", SERVER) && has("orders", CLIENT) && has("orders", PRODUCER) &&
        has("inventory", SERVER) && has("shipping", CONSUMER) && spans.every((s) => !s.parentSpanId || s.parentSpanId === callerSpan || ids.has(s.parentSpanId))
      );
    };
    await waitFor(complete, 15_000, "every span of the four processes exported").catch((e: Error) => {
      throw new Error(`${e.message}\nspans: ${JSON.stringify(receiver.spans.map((s) => [s.service, s.name, s.kind, s.traceId.slice(0, 8)]))}\n${procs.map((x) => `${x.name}:\n${tail(x, 5)}`).join("\n")}`);
    });
    const spans = ofTrace();
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const one = (pred: (s: Span) => boolean, what: string): Span => {
      const hit = spans.filter(pred);
      expect(hit.length, `${what}: ${JSON.stringify(spans.map((s) => [s.service, s.name, s.kind]))}`).toBeGreaterThanOrEqual(1);
      return hit[0]!;
    };
    // the gateway's server span continues the caller's trace, named by its route template
    const gwServer = one((s) => s.service === "gateway" && s.kind === SERVER, "gateway server span");
    expect(gwServer.parentSpanId).toBe(callerSpan);
    expect(gwServer.name).toBe("POST /api/orders");
    const gwClient = one((s) => s.service === "gateway" && s.kind === CLIENT, "gateway upstream span");
    expect(gwClient.parentSpanId).toBe(gwServer.spanId);
    // orders: its server span is the gateway client's child; its call to inventory and its SQL are inside it
    const ordersServer = one((s) => s.service === "orders" && s.kind === SERVER, "orders server span");
    expect(ordersServer.parentSpanId).toBe(gwClient.spanId);
    const ordersClient = one((s) => s.service === "orders" && s.kind === CLIENT && String(s.attributes["url.full"] ?? "").includes("/stock/"), "orders → inventory client span");
    const inventoryServer = one((s) => s.service === "inventory" && s.kind === SERVER, "inventory server span");
    expect(inventoryServer.parentSpanId).toBe(ordersClient.spanId);
    expect(spans.some((s) => s.service === "orders" && (s.attributes["db.system"] === "postgresql" || s.attributes["db.system.name"] === "postgresql"))).toBe(true);
    // the event: orders' producer span (written to the outbox inside the request), shipping's consumer span its child
    const producer = one((s) => s.service === "orders" && s.kind === PRODUCER, "orders producer span");
    expect(producer.name).toBe("send order.placed");
    expect(producer.attributes["messaging.system"]).toBe("rabbitmq");
    const consumer = one((s) => s.service === "shipping" && s.kind === CONSUMER, "shipping consumer span");
    expect(consumer.name).toBe("process order.placed");
    expect(consumer.parentSpanId).toBe(producer.spanId);
    expect(consumer.attributes["messaging.consumer.group.name"]).toBe("shipping");
    // every parent is in the trace (nothing dangling) except the caller's span
    for (const s of spans) if (s.parentSpanId && s.parentSpanId !== callerSpan) expect(byId.has(s.parentSpanId), `${s.service} ${s.name} has its parent in the trace`).toBe(true);
    // the outbox row kept the context (and the envelope carried it to shipping)
    const pg = await sharedRequire<{ Client: new (o: { connectionString: string }) => PgClient & { query(t: string, v: unknown[]): Promise<{ rows: { headers: string; body: string }[] }> } }>("pg");
    const db = new pg.Client({ connectionString: dbUrl });
    await db.connect();
    try {
      const { rows } = await db.query("SELECT headers::text AS headers, body FROM msa_outbox WHERE aggregate_id = $1", [orderId]);
      expect(JSON.parse(rows[0]!.headers)).toMatchObject({ traceparent: `00-${traceId}-${producer.spanId}-01` });
      expect(JSON.parse(rows[0]!.body)).toMatchObject({ traceparent: `00-${traceId}-${producer.spanId}-01` });
    } finally {
      await db.end();
    }
    // logs of every hop carry the trace id beside the correlation id
    const logged = (proc: ServiceProcess, msg: string) => proc.logs.find((l) => l.msg === msg && l.trace_id === traceId);
    // the gateway buffers its log lines (flushed every LOG_FLUSH_MS, 500 ms by default): its line may come after the spans
    await p.gateway!.waitForLog((l) => l.msg === "request" && l.trace_id === traceId, 5_000, "the gateway's request line").catch(() => undefined);
    expect(logged(p.gateway!, "request"), tail(p.gateway!)).toMatchObject({ correlationId: `corr-${RUN}`, span_id: expect.any(String) });
    expect(logged(p.orders!, "order placed"), tail(p.orders!)).toMatchObject({ correlationId: `corr-${RUN}` });
    expect(logged(p.orders!, "request"), tail(p.orders!)).toBeDefined();
    expect(logged(p.inventory!, "stock asked"), tail(p.inventory!)).toMatchObject({ correlationId: `corr-${RUN}` });
    expect(logged(p.shipping!, "shipment scheduled"), tail(p.shipping!)).toMatchObject({ correlationId: `corr-${RUN}`, span_id: consumer.spanId });
    expect(logged(p.shipping!, "event processed"), tail(p.shipping!)).toBeDefined();
    // probes are not traced
    expect(receiver.spans.some((s) => s.name.includes("/health"))).toBe(false);
  }, 60_000);

  it("without OTEL_EXPORTER_OTLP_ENDPOINT: no export, no ids in the logs, the request still works", async () => {
    const quiet = await startService(built.service("inventory"), { name: "inventory-quiet", env: { SERVICE_NAME: "inventory-quiet", BROKER_URL: RABBITMQ_URL } });
    procs.push(quiet);
    const traceId = randomBytes(16).toString("hex");
    const res = await fetch(`${quiet.url}/stock/s1`, { headers: { traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` } });
    expect(res.status).toBe(200);
    const line = await quiet.waitForLog((l) => l.msg === "stock asked", 5_000, "stock asked");
    expect(line.trace_id).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(receiver.spans.some((s) => s.traceId === traceId || s.service === "inventory-quiet")).toBe(false);
    await quiet.stop();
  }, 30_000);
});
