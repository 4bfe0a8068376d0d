// Events end to end, on RabbitMQ and on NATS JetStream: real processes of a generated system.
// POST /orders on orders publishes order.created; inventory and shipping each process it exactly once,
// with a valid envelope and the request's correlation id; a duplicate delivery is dropped; a payload
// failing its schema is refused on publish (422) and, injected raw, is not processed on consume
// (RabbitMQ: dead-lettered into <system>.<context>.dead-letter; NATS: terminated, never redelivered)
// and logged, and the consumers keep running.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet, httpPost, NATS_URL, RABBITMQ_URL, requireBroker, waitFor, type LogLine } from "./harness.js";
import {
  buildE2eSystem,
  cleanNats,
  cleanRabbit,
  natsClient,
  rabbit,
  startE2eSystem,
  systemName,
  type BrokerKind,
  type RunningSystem,
} from "./fixtures/system.js";

const CONSUMERS = ["inventory", "shipping"];
const processed = (eventId: string) => (l: LogLine) => l.msg === "event processed" && l.eventId === eventId;

/** Reads the envelope as it is on the wire, and re-injects raw bodies, per broker. */
interface Wire {
  lastEnvelope(eventType: string): Promise<Record<string, unknown>>;
  inject(eventType: string, body: Buffer): Promise<void>;
  /** RabbitMQ: the dead-letter queue of a context; NATS: null (terminated messages are not kept). */
  deadLettered(context: string, eventId: string): Promise<boolean | null>;
  close(): Promise<void>;
}

async function wire(kind: BrokerKind): Promise<Wire> {
  const system = systemName(kind);
  if (kind === "rabbitmq") {
    const { ch, close } = await rabbit(RABBITMQ_URL);
    const tap = `${system}.e2e-tap-${randomUUID().slice(0, 8)}`;
    await ch.assertQueue(tap, { exclusive: true, autoDelete: true });
    await ch.bindQueue(tap, `${system}.events`, "#");
    const dead = new Map<string, Set<string>>();
    return {
      async lastEnvelope() {
        let last: Record<string, unknown> | undefined;
        await waitFor(async () => {
          for (let m = await ch.get(tap, { noAck: true }); m; m = await ch.get(tap, { noAck: true }))
            last = JSON.parse(m.content.toString("utf8")) as Record<string, unknown>;
          return !!last;
        }, 10_000, "the published message on the tap queue");
        return last!;
      },
      async inject(eventType, body) {
        ch.publish(`${system}.events`, eventType, body, { persistent: true, contentType: "application/json" });
      },
      async deadLettered(context, eventId) {
        const seen = dead.get(context) ?? new Set<string>();
        dead.set(context, seen);
        for (let m = await ch.get(`${system}.${context}.dead-letter`, { noAck: true }); m; m = await ch.get(`${system}.${context}.dead-letter`, { noAck: true })) {
          try {
            seen.add(String((JSON.parse(m.content.toString("utf8")) as { eventId?: unknown }).eventId));
          } catch {
            seen.add("<not json>");
          }
        }
        return seen.has(eventId);
      },
      close,
    };
  }
  const nc = await natsClient(NATS_URL);
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  const stream = `${system.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_EVENTS`;
  return {
    async lastEnvelope(eventType) {
      const m = await jsm.streams.getMessage(stream, { last_by_subj: `${system}.events.${eventType}` });
      return JSON.parse(Buffer.from(m.data).toString("utf8")) as Record<string, unknown>;
    },
    async inject(eventType, body) {
      await js.publish(`${system}.events.${eventType}`, body);
    },
    async deadLettered() {
      return null;
    },
    close: () => nc.close(),
  };
}

describe.each(["rabbitmq", "nats"] as const)("events on %s", (kind) => {
  let skip: string | null = null;
  let sys: RunningSystem | undefined;
  let w: Wire | undefined;
  const url = kind === "rabbitmq" ? RABBITMQ_URL : NATS_URL;

  beforeAll(async () => {
    skip = (await requireBroker(kind)) ?? (await requireBroker("postgres"));
    if (skip) return;
    const built = await buildE2eSystem(kind);
    if (kind === "rabbitmq") await cleanRabbit(url, systemName(kind));
    else await cleanNats(url, systemName(kind));
    sys = await startE2eSystem(built, url);
    w = await wire(kind);
  });

  afterAll(async () => {
    await w?.close();
    await sys?.stopAll();
    if (!skip) {
      if (kind === "rabbitmq") await cleanRabbit(url, systemName(kind)).catch(() => undefined);
      else await cleanNats(url, systemName(kind)).catch(() => undefined);
    }
  });

  const running = (ctx: { skip: (note?: string) => void }): RunningSystem => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    return sys!;
  };

  it("every service answers /health 200 and /ready 200 with its checks", async (ctx) => {
    const s = running(ctx);
    for (const [name, p] of Object.entries(s.procs)) {
      expect((await httpGet(`${p.url}/health`)).status, name).toBe(200);
      const ready = await httpGet(`${p.url}/ready`);
      expect(ready.status, name).toBe(200);
      expect(ready.body, name).toMatchObject({ status: "ready", checks: { broker: { status: "up" } } });
    }
    for (const n of ["orders", "inventory"]) expect((await httpGet(`${s.procs[n]!.url}/ready`)).body).toMatchObject({ checks: { database: { status: "up" } } });
  });

  it("publishes on an HTTP call; each consumer processes it exactly once with the same correlation id; a duplicate is dropped", async (ctx) => {
    const s = running(ctx);
    const correlationId = `corr-${randomUUID()}`;
    const res = await httpPost(`${s.procs.orders!.url}/orders`, { orderId: "o-1", total: 12.5 }, { "X-Correlation-ID": correlationId });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-correlation-id")).toBe(correlationId);
    const { eventId } = res.body as { eventId: string };

    // the envelope on the wire
    const envelope = await w!.lastEnvelope("order.created");
    expect(envelope).toEqual({
      eventId,
      eventType: "order.created",
      aggregateId: "o-1",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/),
      version: 1,
      correlationId,
      payload: { orderId: "o-1", total: 12.5 },
    });
    expect(eventId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    for (const c of CONSUMERS) {
      const line = await s.procs[c]!.waitForLog(processed(eventId), 15_000, `${c} processed ${eventId}`);
      expect(line.correlationId, c).toBe(correlationId);
    }

    // the same eventId delivered again: dropped by every consumer
    await w!.inject("order.created", Buffer.from(JSON.stringify(envelope)));
    for (const c of CONSUMERS) {
      const dup = await s.procs[c]!.waitForLog((l) => l.msg === "duplicate event dropped" && l.eventId === eventId, 15_000, `${c} dropped the duplicate`);
      expect(dup.correlationId).toBe(correlationId);
      expect(s.procs[c]!.logs.filter(processed(eventId)), c).toHaveLength(1);
    }
  });

  it("a restarted consumer with postgres still drops a duplicate (msa_processed_events)", async (ctx) => {
    const s = running(ctx);
    const res = await httpPost(`${s.procs.orders!.url}/orders`, { orderId: "o-restart", total: 3 });
    expect(res.status).toBe(201);
    const { eventId } = res.body as { eventId: string };
    await s.procs.inventory!.waitForLog(processed(eventId), 15_000, "inventory processed it");
    const envelope = await w!.lastEnvelope("order.created");
    expect(envelope.eventId).toBe(eventId);
    expect(await s.procs.inventory!.stop()).toBe(0);
    const again = await s.start("inventory");
    await w!.inject("order.created", Buffer.from(JSON.stringify(envelope)));
    await again.waitForLog((l) => l.msg === "duplicate event dropped" && l.eventId === eventId, 15_000, "the restarted inventory drops it");
    expect(again.logs.some(processed(eventId))).toBe(false);
  });

  it("refuses to publish a payload that fails its schema (422)", async (ctx) => {
    const s = running(ctx);
    const res = await httpPost(`${s.procs.orders!.url}/orders`, { orderId: "o-bad", total: -1 });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: expect.stringContaining("order.created is invalid") });
    await s.procs.orders!.waitForLog((l) => l.msg === "event not published: schema validation failed", 5_000, "orders refused to publish");
  });

  it("does not process a consumed event that fails its schema, logs it, and keeps consuming", async (ctx) => {
    const s = running(ctx);
    const bad = {
      eventId: randomUUID(),
      eventType: "order.created",
      aggregateId: "o-bad",
      timestamp: new Date().toISOString(),
      version: 1,
      correlationId: "corr-bad",
      payload: { orderId: 42 },
    };
    await w!.inject("order.created", Buffer.from(JSON.stringify(bad)));
    for (const c of CONSUMERS) {
      const line = await s.procs[c]!.waitForLog(
        (l) => l.msg === "event rejected: schema validation failed (dead-lettered)" && l.eventId === bad.eventId,
        15_000,
        `${c} rejected the invalid event`,
      );
      expect(line.level).toBe("error");
      expect(s.procs[c]!.logs.some(processed(bad.eventId))).toBe(false);
      if (kind === "rabbitmq") await waitFor(async () => (await w!.deadLettered(c, bad.eventId)) === true, 10_000, `${c} dead-letter queue holds the event`);
    }
    // still consuming
    const res = await httpPost(`${s.procs.orders!.url}/orders`, { orderId: "o-after", total: 1 });
    expect(res.status).toBe(201);
    const { eventId } = res.body as { eventId: string };
    for (const c of CONSUMERS) await s.procs[c]!.waitForLog(processed(eventId), 15_000, `${c} processed the next event`);
    for (const c of CONSUMERS) expect(s.procs[c]!.logs.filter((l) => l.msg === "event processed" && l.eventId === bad.eventId)).toHaveLength(0);
  });

  it("counts what happened in Prometheus metrics", async (ctx) => {
    const s = running(ctx);
    const orders = String((await httpGet(`${s.procs.orders!.url}/metrics`)).body);
    expect(orders).toMatch(/^events_published_total\{event_type="order.created",service="orders"\} [1-9]/m);
    const inv = String((await httpGet(`${s.procs.inventory!.url}/metrics`)).body);
    expect(inv).toMatch(/^events_consumed_total\{event_type="order.created",result="processed",service="inventory"\} [1-9]/m);
    expect(inv).toMatch(/^events_consumed_total\{event_type="order.created",result="duplicate",service="inventory"\} [1-9]/m);
    expect(inv).toMatch(/^events_consumed_total\{event_type="order.created",result="invalid",service="inventory"\} [1-9]/m);
    expect(inv).toMatch(/^process_cpu_seconds_total/m);
  });

  it("shuts down gracefully on SIGTERM (exit 0)", async (ctx) => {
    const s = running(ctx);
    const shipping = s.procs.shipping!;
    expect(await shipping.stop()).toBe(0);
    expect(shipping.logs.some((l) => l.msg === "stopped")).toBe(true);
  });
});
