// Distributed tracing through a python-flask hop (issue #15, docs/observability.md). The python services continue W3C
// Trace Context with the standard library (app/telemetry.py); OpenTelemetry's python SDK is not installable on
// msa's build machine (no PyPI, not in Debian), so the python hop exports no span of its own here. What it must
// still do: keep the caller's trace id, and forward as the parent of everything it causes the span id of its own
// hop — the id it generates per request (`secrets.token_hex(8)`) and writes as `span_id` on its log lines, NOT the
// span id it received (the gateway's client span). The node spans around it then form one trace:
//   caller → gateway (node) → orders (python-flask, no SDK) → inventory (node)   and   orders → order.placed (RabbitMQ) → shipping (node)
// Asserted: gateway server span ← caller's span; gateway client span ← gateway server span; the python hop's logged
// span_id is new, the inventory server span's parent and (through the event's envelope) the shipping consumer span's
// parent; the python log lines of the request and of the publish carry the trace id; a malformed traceparent starts a
// new trace and the request still succeeds; the python metrics use route templates and `unmatched`.
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystemCached, freePort, httpGet, httpPost, IN_CI, RABBITMQ_URL, requireBroker, waitFor, type ServiceProcess } from "./harness.js";
import { findPython, generatePythonSystem, startGunicorn, type Gunicorn } from "./flask-support.js";
import { rabbit } from "./fixtures/system.js";
import { buildNodeGateway, CLIENT, CONSUMER, otelEnv, SERVER, startReceiver, startTraced, type Receiver, type Span } from "./otlp-support.js";

// a system name is a DNS-1123 label: the suffix lowercased (MSA_E2E_SUFFIX=-T gives tracedpy-t)
const SYSTEM = `tracedpy${(process.env.MSA_E2E_SUFFIX ?? "").toLowerCase()}`;
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
    runtime: python-flask
    port: 5000
    api: ["POST /orders", "GET /orders/{id}"]
    publishes: [order.placed]
    calls:
      inventory: { timeout: 2s, retries: 0 }
  inventory:
    port: 3001
    api: ["GET /stock/{sku}"]
  shipping:
    port: 3002
    consumes: [order.placed]
events:
  order.placed:
    schema:
      type: object
      required: [orderId]
      properties:
        orderId: { type: string }
`;

// the python context as a user writes it: asks inventory, then publishes order.placed (directly, confirmed)
const PY_HANDLERS = `from flask import jsonify, request

from app.clients import client
from app.events import publish
from app.logs import get_logger

log = get_logger("orders")


def post_orders():
    order_id = str((request.get_json(silent=True) or {}).get("orderId"))
    status, stock = client("inventory").request("GET", f"/stock/{order_id}")
    envelope = publish("order.placed", order_id, {"orderId": order_id})
    log.info("order placed", extra={"fields": {"orderId": order_id, "stockStatus": status}})
    return jsonify({"eventId": envelope["eventId"], "stock": stock}), 201


def get_orders_by_id(id):
    return jsonify({"id": id}), 200
`;

const nodeFiles: Record<string, string> = {
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

const HEX32 = /^[0-9a-f]{32}$/;
const HEX16 = /^[0-9a-f]{16}$/;

const skip = (await requireBroker("rabbitmq")) ?? (await findPython(["flask", "gunicorn", "pika", "jsonschema", "prometheus_client"])).missing ?? null;
if (skip && IN_CI) throw new Error(`python tracing e2e cannot run: ${skip}`);

describe.skipIf(!!skip)("tracing through a python-flask hop without the OpenTelemetry SDK: one trace", () => {
  let receiver: Receiver;
  let pyDir = "";
  let orders: Gunicorn;
  const procs: ServiceProcess[] = [];
  const p: Record<string, ServiceProcess> = {};

  beforeAll(async () => {
    const built = await buildSystemCached("tracedpy", yaml, nodeFiles, ["inventory", "shipping"]);
    const gatewayDir = await buildNodeGateway(built.dir);
    // the python service fresh from the templates (the cache key of buildSystemCached covers the node side only)
    pyDir = generatePythonSystem(yaml);
    fs.writeFileSync(path.join(pyDir, "services/orders/app/handlers.py"), PY_HANDLERS);
    receiver = await startReceiver();
    const { ch, close } = await rabbit(RABBITMQ_URL);
    for (const q of [`${SYSTEM}.shipping`, `${SYSTEM}.shipping.dead-letter`]) await ch.deleteQueue(q);
    await close();

    const start = async (name: string, dir: string, env: Record<string, string>, port?: number): Promise<void> => {
      const proc = await startTraced(dir, name, env, port);
      procs.push(proc);
      p[name] = proc;
    };
    const inventoryPort = await freePort();
    await start("inventory", built.service("inventory"), { BROKER_URL: RABBITMQ_URL, ...otelEnv(receiver, "inventory") }, inventoryPort);
    await start("shipping", built.service("shipping"), { BROKER_URL: RABBITMQ_URL, ...otelEnv(receiver, "shipping") });
    const python = (await findPython(["flask", "gunicorn", "pika"])).python!;
    // the OTEL_* variables are set as a deployment would; without the SDK importable they only turn nothing on
    orders = await startGunicorn(python, path.join(pyDir, "services/orders"), {
      SERVICE_NAME: "orders",
      BROKER_URL: RABBITMQ_URL,
      INVENTORY_URL: `http://127.0.0.1:${inventoryPort}`,
      ...otelEnv(receiver, "orders"),
    });
    await start("gateway", gatewayDir, { ROUTE_ORDERS_URL: orders.base, METRICS_PORT: String(await freePort()), SHUTDOWN_DELAY_MS: "100", ...otelEnv(receiver, "gateway") });
  }, 600_000);

  afterAll(async () => {
    await Promise.all(procs.map((x) => x.stop()));
    await orders?.stop();
    // resolves also when beforeAll failed before the receiver existed (a hook that never resolves hides the cause)
    await new Promise<void>((r) => (receiver ? receiver.server.close(() => r()) : r()));
    if (pyDir) fs.rmSync(pyDir, { recursive: true, force: true });
  });

  /** Waits for the node spans of one request (gateway, inventory, shipping's consumer) in trace `traceId`. */
  async function spansOf(traceId: string): Promise<Span[]> {
    const ofTrace = (): Span[] => receiver.spans.filter((s) => s.traceId === traceId);
    await waitFor(() => ["gateway", "inventory", "shipping"].every((svc) => ofTrace().some((s) => s.service === svc)) && ofTrace().some((s) => s.kind === CONSUMER), 20_000, "node spans of the request").catch((e: Error) => {
      throw new Error(`${e.message}\nspans: ${JSON.stringify(receiver.spans.map((s) => [s.service, s.name, s.kind, s.traceId.slice(0, 8)]))}\n${orders.logs.slice(-8).map((l) => JSON.stringify(l)).join("\n")}`);
    });
    return ofTrace();
  }
  const one = (spans: Span[], pred: (s: Span) => boolean, what: string): Span => {
    const hit = spans.filter(pred);
    expect(hit.length, `${what}: ${JSON.stringify(spans.map((s) => [s.service, s.name, s.kind]))}`).toBe(1);
    return hit[0]!;
  };

  it("the caller's trace runs through the python hop: its own span id is the parent of the call and of the event", async () => {
    const traceId = randomBytes(16).toString("hex");
    const callerSpan = randomBytes(8).toString("hex");
    const orderId = `o-${RUN}`;
    const res = await httpPost(`${p.gateway!.url}/api/orders`, { orderId }, { traceparent: `00-${traceId}-${callerSpan}-01`, tracestate: "caller=1", "x-correlation-id": `corr-${RUN}` });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await p.shipping!.waitForLog((l) => l.msg === "shipment scheduled" && l.orderId === orderId, 20_000, "shipping handled order.placed");
    const spans = await spansOf(traceId);

    // the node gateway: its server span continues the caller's, its client span calls the python context
    const gwServer = one(spans, (s) => s.service === "gateway" && s.kind === SERVER, "gateway server span");
    expect(gwServer.parentSpanId).toBe(callerSpan);
    const gwClient = one(spans, (s) => s.service === "gateway" && s.kind === CLIENT, "gateway upstream span");
    expect(gwClient.parentSpanId).toBe(gwServer.spanId);

    // the python hop: no span exported (no SDK), its log lines carry the trace id and a span id of its own
    const pyRequest = orders.logs.find((l) => l.msg === "request" && l.path === "/orders" && l.trace_id === traceId);
    expect(pyRequest, JSON.stringify(orders.logs.slice(-6))).toMatchObject({ status: 201, correlationId: `corr-${RUN}`, span_id: expect.stringMatching(HEX16) });
    const pySpan = String(pyRequest!.span_id);
    expect(pySpan).not.toBe(gwClient.spanId);
    expect(pySpan).not.toBe(callerSpan);
    expect(receiver.spans.some((s) => s.service === "orders")).toBe(false);
    const pyLines = orders.logs.filter((l) => l.trace_id === traceId);
    expect(pyLines.map((l) => l.msg)).toEqual(expect.arrayContaining(["event published", "order placed", "request"]));
    for (const l of pyLines) expect(l.span_id).toBe(pySpan);

    // the call: inventory's server span is the child of the python hop's span id (what the traceparent header carried)
    const inventoryServer = one(spans, (s) => s.service === "inventory" && s.kind === SERVER, "inventory server span");
    expect(inventoryServer.parentSpanId).toBe(pySpan);
    expect(p.inventory!.logs.find((l) => l.msg === "stock asked" && l.trace_id === traceId), "inventory logs the trace id").toMatchObject({ correlationId: `corr-${RUN}` });

    // the event: the envelope's traceparent named the python hop's span, shipping's consumer span is its child
    const consumer = one(spans, (s) => s.service === "shipping" && s.kind === CONSUMER, "shipping consumer span");
    expect(consumer.name).toBe("process order.placed");
    expect(consumer.parentSpanId).toBe(pySpan);
    expect(p.shipping!.logs.find((l) => l.msg === "shipment scheduled" && l.trace_id === traceId)).toMatchObject({ correlationId: `corr-${RUN}`, span_id: consumer.spanId });
    // every node span of the trace hangs off the caller, the gateway or the python hop: nothing else is missing
    const ids = new Set(spans.map((s) => s.spanId));
    for (const s of spans) expect([callerSpan, pySpan].includes(s.parentSpanId) || ids.has(s.parentSpanId), `${s.service} ${s.name}: parent ${s.parentSpanId}`).toBe(true);
  }, 60_000);

  it("a malformed traceparent starts a new trace, and the request is not an error", async () => {
    for (const bad of ["00-not-a-trace-01", `00-${"0".repeat(32)}-${randomBytes(8).toString("hex")}-01`, `ff-${randomBytes(16).toString("hex")}-${randomBytes(8).toString("hex")}-01`]) {
      const orderId = `bad-${RUN}-${bad.slice(0, 2)}${bad.length}`;
      // straight to the python context: its hop starts the trace
      const res = await fetch(`${orders.base}/orders`, { method: "POST", headers: { "content-type": "application/json", traceparent: bad }, body: JSON.stringify({ orderId }) });
      expect(res.status, bad).toBe(201);
      const line = await orders.waitFor(() => orders.logs.find((l) => l.msg === "order placed" && l.orderId === orderId), 10_000, `order placed ${orderId}`);
      const traceId = String(line.trace_id);
      expect(traceId).toMatch(HEX32);
      expect(traceId).not.toBe("0".repeat(32));
      expect(bad).not.toContain(traceId);
      // and the new trace continues in the node services: inventory's server span and shipping's consumer span
      const inventoryServer = await waitFor(() => receiver.spans.some((s) => s.traceId === traceId && s.service === "inventory" && s.kind === SERVER), 15_000, "inventory span of the new trace").then(() =>
        receiver.spans.find((s) => s.traceId === traceId && s.service === "inventory" && s.kind === SERVER)!,
      );
      expect(inventoryServer.parentSpanId).toBe(line.span_id);
      await waitFor(() => receiver.spans.some((s) => s.traceId === traceId && s.service === "shipping" && s.kind === CONSUMER && s.parentSpanId === line.span_id), 15_000, "shipping consumer span of the new trace");
      expect(orders.logs.some((l) => l.level === "error" && l.trace_id === traceId)).toBe(false);
    }
    // through the gateway: the gateway starts the trace and the python hop continues it
    const orderId = `gwbad-${RUN}`;
    const res = await httpPost(`${p.gateway!.url}/api/orders`, { orderId }, { traceparent: "00-zzzz-01" });
    expect(res.status).toBe(201);
    const line = await orders.waitFor(() => orders.logs.find((l) => l.msg === "order placed" && l.orderId === orderId), 10_000, "order placed via the gateway");
    await waitFor(() => receiver.spans.some((s) => s.service === "gateway" && s.kind === SERVER && s.traceId === line.trace_id), 15_000, "gateway span of the new trace");
    const gwServer = receiver.spans.find((s) => s.service === "gateway" && s.kind === SERVER && s.traceId === line.trace_id)!;
    expect(gwServer.parentSpanId).toBe("");
  }, 90_000);

  it("python metrics: route templates and one `unmatched` value, the vocabulary of docs/observability.md", async () => {
    expect((await httpGet(`${orders.base}/orders/abc-${RUN}`)).status).toBe(200);
    expect((await httpGet(`${orders.base}/no/such/path-${RUN}`)).status).toBe(404);
    expect((await httpGet(`${orders.base}/another-${RUN}`)).status).toBe(404);
    const text = await (await fetch(`${orders.base}/metrics`)).text();
    const series = (name: string): string[] => text.split("\n").filter((l) => l.startsWith(`${name}{`));
    const requests = series("http_requests_total");
    expect(requests).toEqual(expect.arrayContaining([expect.stringMatching(/^http_requests_total\{method="POST",route="\/orders",status="201"\} [1-9]/)]));
    expect(requests).toEqual(expect.arrayContaining([expect.stringMatching(/^http_requests_total\{method="GET",route="\/orders\/<id>",status="200"\} [1-9]/)]));
    expect(requests).toEqual(expect.arrayContaining([expect.stringMatching(/^http_requests_total\{method="GET",route="unmatched",status="404"\} ([2-9]|\d\d)/)]));
    expect(text).not.toContain(RUN); // no path, id or order id became a label value
    expect(series("http_request_duration_seconds_bucket").some((l) => l.includes('method="POST"') && l.includes('route="/orders"') && l.includes('status="201"') && l.includes('le="0.005"'))).toBe(true);
    expect(series("events_published_total")).toEqual(expect.arrayContaining([expect.stringMatching(/^events_published_total\{event_type="order.placed"\} [1-9]/)]));
    expect(text).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
  }, 30_000);
});
