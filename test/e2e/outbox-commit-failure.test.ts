// e2e (issue #13, node-express, shared RabbitMQ + PostgreSQL, a database per context of the test's own): the outbox's
// failure paths. On postgres a transaction's outbox INSERT is deferred and sent with its COMMIT as one simple query
// (database.ts begin()/commit(), outbox.ts writeOutbox); here that INSERT fails at commit time — a trigger on
// msa_outbox raises for the aggregates named refuse-* — and:
// - an HTTP handler that writes its row and publishes: the request fails (5xx), its row is not in its table, nothing
//   is in msa_outbox, nothing is published;
// - a consumer handler that writes and publishes: the delivery is not acked as handled — its inbox claim and its
//   writes roll back with the outbox row — it is retried with growing delays, counted, then dead-lettered; other
//   events keep flowing; after the trigger is dropped `msa events dlq replay` has it handled once;
// - a payload with quotes, backslashes, unicode and `$1`-like text goes through the literal-escaped INSERT and
//   arrives byte for byte;
// - the broker refuses the relay's publishes (RabbitMQ nacks: a queue bound to the exchange with x-overflow
//   reject-publish and no room): the rows stay unsent, their backoff grows, and once the broker accepts again each
//   is published once.
// The NATS relay's refused publishes (no stream for the subject) are in outbox-broker-refusal-nats.test.ts.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystemCached, httpPost, POSTGRES_URL, RABBITMQ_URL, requireBroker, startService, waitFor, type BuiltSystem, type ServiceProcess, pgClient, type PgClient } from "./harness.js";
import { rabbit } from "./fixtures/system.js";
import { msa } from "./dlq-support.js";
import { POST_ORDERS_IN_TRANSACTION } from "./fixtures/user-files.js";

const SYSTEM = `obxfail${process.env.MSA_E2E_SUFFIX ?? ""}`;
const RUN = randomUUID().slice(0, 8);

const yaml = `
version: 1
name: ${SYSTEM}
broker: { kind: rabbitmq, retry: { attempts: 3, initialDelay: 200ms, maxDelay: 2s } }
contexts:
  orders:
    port: 3000
    database: postgres
    api: ["POST /orders"]
    publishes: [order.placed]
  billing:
    port: 3001
    database: postgres
    consumes: [order.placed]
    publishes: [invoice.created]
events:
  order.placed:
    schema:
      type: object
      required: [orderId]
      properties:
        orderId: { type: string }
  invoice.created:
    schema:
      type: object
      required: [orderId]
      properties:
        orderId: { type: string }
`;

const userFiles: Record<string, string> = {
  "services/orders/src/handlers/postOrders.ts": POST_ORDERS_IN_TRANSACTION,
  // writes its row and publishes, both in the inbox's transaction
  "services/billing/src/consumers/order.placed.ts": `import type { ConsumerContext, OrderPlacedEvent } from "../generated/events.js";

export async function onOrderPlaced(event: OrderPlacedEvent, ctx: ConsumerContext): Promise<void> {
  ctx.log.info({ orderId: event.payload.orderId }, "invoicing");
  // clears the session's prepared statements (the inbox claim's among them) inside the inbox's transaction
  if (event.payload.orderId.startsWith("dealloc-")) await ctx.db.query("DEALLOCATE ALL");
  await ctx.db.query("INSERT INTO invoices (event_id, order_id) VALUES ($1, $2)", [event.eventId, event.payload.orderId]);
  await ctx.events.publishInvoiceCreated({ orderId: event.payload.orderId }, { aggregateId: event.payload.orderId });
}
`,
};

const dbUrl = (db: string): string => POSTGRES_URL.replace(/\/[^/]*$/, `/${db}`);

/** Raises on an outbox row of an aggregate named refuse-*: at COMMIT, where the deferred INSERT runs. */
const REFUSE = [
  `CREATE OR REPLACE FUNCTION e2e_refuse_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.aggregate_id LIKE 'refuse-%' THEN RAISE EXCEPTION 'outbox row refused for %', NEW.aggregate_id; END IF;
  RETURN NEW;
END $$`,
  "CREATE TRIGGER e2e_refuse_outbox BEFORE INSERT ON msa_outbox FOR EACH ROW EXECUTE FUNCTION e2e_refuse_outbox()",
];
const UNREFUSE = "DROP TRIGGER e2e_refuse_outbox ON msa_outbox";

interface Envelope {
  eventId: string;
  eventType: string;
  aggregateId: string;
  payload: { orderId: string };
}

const skip = await (async () => (await requireBroker("rabbitmq")) ?? (await requireBroker("postgres")))();

describe.skipIf(!!skip)("node-express: the outbox INSERT refused at COMMIT, and the broker refusing the relay (RabbitMQ + PostgreSQL)", () => {
  let built: BuiltSystem;
  let admin: PgClient;
  const dbs = { orders: `msa_obxfail_o_${RUN}`, billing: `msa_obxfail_b_${RUN}` };
  let ordersDb: PgClient;
  let billingDb: PgClient;
  let orders: ServiceProcess;
  let billing: ServiceProcess;
  let amqp: Awaited<ReturnType<typeof rabbit>>;
  const taps = { placed: `${SYSTEM}.e2e-placed-${RUN}`, invoiced: `${SYSTEM}.e2e-invoiced-${RUN}` };
  /** Everything on a tap queue now (consumed). */
  const drain = async (q: string): Promise<{ env: Envelope; raw: Buffer }[]> => {
    const out: { env: Envelope; raw: Buffer }[] = [];
    for (let m = await amqp.ch.get(q, { noAck: true }); m; m = await amqp.ch.get(q, { noAck: true })) out.push({ env: JSON.parse(m.content.toString("utf8")) as Envelope, raw: m.content });
    return out;
  };
  const publishOrderPlaced = (orderId: string): string => {
    const eventId = randomUUID();
    const body = Buffer.from(JSON.stringify({ eventId, eventType: "order.placed", aggregateId: orderId, timestamp: new Date().toISOString(), version: 1, payload: { orderId } }));
    amqp.ch.publish(`${SYSTEM}.events`, "order.placed", body, { persistent: true, messageId: eventId, type: "order.placed", contentType: "application/json" });
    return eventId;
  };

  beforeAll(async () => {
    built = await buildSystemCached("obxfail", yaml, userFiles, ["orders", "billing"]);
    amqp = await rabbit(RABBITMQ_URL);
    for (const q of ["orders", "billing"].flatMap((s) => [`${SYSTEM}.${s}`, `${SYSTEM}.${s}.dead-letter`, ...[200, 400, 800, 1600, 2000].map((d) => `${SYSTEM}.${s}.retry.${d}`)])) await amqp.ch.deleteQueue(q);
    admin = await pgClient(POSTGRES_URL);
    for (const db of Object.values(dbs)) await admin.query(`CREATE DATABASE ${db}`);
    ordersDb = await pgClient(dbUrl(dbs.orders));
    billingDb = await pgClient(dbUrl(dbs.billing));
    await ordersDb.query("CREATE TABLE orders (id text PRIMARY KEY)");
    await billingDb.query("CREATE TABLE invoices (event_id text NOT NULL, order_id text NOT NULL)");
    orders = await startService(built.service("orders"), { name: "orders", env: { BROKER_URL: RABBITMQ_URL, DATABASE_URL: dbUrl(dbs.orders), OUTBOX_POLL_MS: "100" } });
    billing = await startService(built.service("billing"), { name: "billing", env: { BROKER_URL: RABBITMQ_URL, DATABASE_URL: dbUrl(dbs.billing), OUTBOX_POLL_MS: "100" } });
    for (const s of [orders, billing]) await waitFor(async () => (await fetch(`${s.url}/ready`)).status === 200, 30_000, `${s.name} /ready 200`);
    // msa_outbox exists once a service is ready: refuse the marked rows in both databases
    for (const c of [ordersDb, billingDb]) for (const sql of REFUSE) await c.query(sql);
    await amqp.ch.assertQueue(taps.placed, { exclusive: true });
    await amqp.ch.bindQueue(taps.placed, `${SYSTEM}.events`, "order.placed");
    await amqp.ch.assertQueue(taps.invoiced, { exclusive: true });
    await amqp.ch.bindQueue(taps.invoiced, `${SYSTEM}.events`, "invoice.created");
  }, 300_000);

  afterAll(async () => {
    await Promise.all([orders?.stop(), billing?.stop()]);
    await amqp?.close();
    await ordersDb?.end();
    await billingDb?.end();
    for (const db of Object.values(dbs)) await admin?.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
  });

  it("an HTTP handler whose outbox row is refused at COMMIT: 5xx, its own row rolled back, nothing published", async () => {
    const refused = `refuse-${RUN}-http`;
    const res = await httpPost(`${orders.url}/orders`, { orderId: refused });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.status).toBeLessThan(600);
    // a control order after it goes through: when it is on the broker, the relay has had its chance at everything before
    const control = `ok-${RUN}-http`;
    expect((await httpPost(`${orders.url}/orders`, { orderId: control })).status).toBe(201);
    const seen: Envelope[] = [];
    await waitFor(async () => {
      seen.push(...(await drain(taps.placed)).map((m) => m.env));
      return seen.some((e) => e.aggregateId === control);
    }, 15_000, "the control order's event");
    await new Promise((r) => setTimeout(r, 500)); // one more relay poll
    seen.push(...(await drain(taps.placed)).map((m) => m.env));
    expect(seen.map((e) => e.aggregateId)).toEqual([control]);
    const rows = await ordersDb.query<{ orders: number; outbox: number }>(
      "SELECT (SELECT count(*)::int FROM orders WHERE id = $1) AS orders, (SELECT count(*)::int FROM msa_outbox WHERE aggregate_id = $1) AS outbox",
      [refused],
    );
    expect(rows.rows[0]).toEqual({ orders: 0, outbox: 0 });
    expect((await ordersDb.query<{ n: number }>("SELECT count(*)::int AS n FROM orders WHERE id = $1", [control])).rows[0]!.n).toBe(1);
  }, 60_000);

  it("a consumer whose outbox row is refused at COMMIT: not acked as handled, retried with backoff, dead-lettered; replayed once after the fix", async () => {
    const refused = `refuse-${RUN}-consumer`;
    const eventId = publishOrderPlaced(refused);
    // attempts 1, 2, 3 (the system's retry policy), then the dead letters
    const last = await billing.waitForLog((l) => l.msg === "event handler failed on its last attempt (dead-lettered)" && l.eventId === eventId, 30_000, "the refused event dead-lettered");
    expect(last.attempt).toBe(3);
    const failed = billing.logs.filter((l) => l.msg === "event handler failed; retried later" && l.eventId === eventId);
    expect(failed.map((l) => l.attempt)).toEqual([1, 2]);
    expect(failed.map((l) => l.delayMs)).toEqual([200, 400]);
    expect(String(last.err && (last.err as { message?: string }).message)).toContain("outbox row refused");
    const runs = billing.logs.filter((l) => l.msg === "invoicing" && l.orderId === refused).map((l) => Date.parse(String(l.time)));
    expect(runs).toHaveLength(3);
    expect(runs[1]! - runs[0]!).toBeGreaterThanOrEqual(180);
    expect(runs[2]! - runs[1]!).toBeGreaterThanOrEqual(380);
    expect(billing.logs.some((l) => l.msg === "event processed" && l.eventId === eventId)).toBe(false);
    expect(billing.logs.some((l) => String(l.msg).startsWith("database unavailable"))).toBe(false);
    // other events kept flowing
    const good = publishOrderPlaced(`ok-${RUN}-consumer`);
    await billing.waitForLog((l) => l.msg === "event processed" && l.eventId === good, 15_000, "a good event handled meanwhile");
    const state = async (): Promise<{ invoices: number; inbox: number; outbox: number }> =>
      (
        await billingDb.query<{ invoices: number; inbox: number; outbox: number }>(
          "SELECT (SELECT count(*)::int FROM invoices WHERE event_id = $1) AS invoices, (SELECT count(*)::int FROM msa_inbox WHERE event_id = $1) AS inbox, (SELECT count(*)::int FROM msa_outbox WHERE aggregate_id = $2) AS outbox",
          [eventId, refused],
        )
      ).rows[0]!;
    // the inbox claim, the invoice and the outbox row rolled back together
    expect(await state()).toEqual({ invoices: 0, inbox: 0, outbox: 0 });
    const invoiced: Envelope[] = (await drain(taps.invoiced)).map((m) => m.env);
    expect(invoiced.filter((e) => e.aggregateId === refused)).toEqual([]);
    // in the dead letters, with its attempts
    const cli = (...args: string[]) => msa(["events", "dlq", ...args], built.dir, { BROKER_URL: RABBITMQ_URL });
    let listed: { id: string; eventId: string; reason: string; attempts: number; error: string }[] = [];
    await waitFor(async () => {
      const r = await cli("list", "--context", "billing", "--format", "json");
      expect(r.code, r.stderr).toBe(0);
      listed = JSON.parse(r.stdout) as typeof listed;
      return listed.some((d) => d.eventId === eventId);
    }, 10_000, "the dead letter listed");
    const dead = listed.find((d) => d.eventId === eventId)!;
    expect(dead).toMatchObject({ reason: "handler-failed", attempts: 3 });
    expect(dead.error).toContain("outbox row refused");
    // the fix: the trigger dropped; replayed, handled once
    await billingDb.query(UNREFUSE);
    const replay = await cli("replay", dead.id, "--context", "billing");
    expect(replay.code, replay.stderr).toBe(0);
    await billing.waitForLog((l) => l.msg === "event processed" && l.eventId === eventId, 15_000, "the replayed event handled");
    await waitFor(async () => (await billingDb.query<{ sent: boolean }>("SELECT sent_at IS NOT NULL AS sent FROM msa_outbox WHERE aggregate_id = $1", [refused])).rows[0]?.sent === true, 15_000, "its invoice.created relayed");
    expect(await state()).toEqual({ invoices: 1, inbox: 1, outbox: 1 });
    await waitFor(async () => {
      invoiced.push(...(await drain(taps.invoiced)).map((m) => m.env));
      return invoiced.some((e) => e.aggregateId === refused);
    }, 10_000, "invoice.created on the broker");
    expect(invoiced.filter((e) => e.aggregateId === refused)).toHaveLength(1);
    expect(billing.logs.filter((l) => l.msg === "event processed" && l.eventId === eventId)).toHaveLength(1);
    for (const sql of REFUSE.slice(1)) await billingDb.query(sql);
  }, 90_000);

  it("a handler that runs DEALLOCATE ALL: the next claim on its connection is sent again unprepared, said once; nothing held or retried, each event handled once", async () => {
    const from = billing.logs.length;
    const first = publishOrderPlaced(`dealloc-${RUN}`);
    await billing.waitForLog((l) => l.msg === "event processed" && l.eventId === first, 15_000, "the DEALLOCATE ALL event handled");
    // its connection went back to the pool with no prepared statements left; the pool hands out the last released
    // connection first, so the next claims usually meet it — at load ~11 one burst of 24 did not (another holder of
    // that connection through the burst, perhaps the outbox relay's round; not proved): bursts of 24 until a claim has
    // met it (at most 8 bursts)
    const lostSince = (): Record<string, unknown>[] => billing.logs.slice(from).filter((l) => String(l.msg).startsWith("prepared statement msa_inbox_claim vanished from a database session"));
    const ids: string[] = [];
    for (let burst = 0; burst < 8 && lostSince().length === 0; burst++) {
      const batch = Array.from({ length: 24 }, (_, i) => publishOrderPlaced(`after-dealloc-${RUN}-${burst}-${i}`));
      ids.push(...batch);
      for (const id of batch) await billing.waitForLog((l) => l.msg === "event processed" && l.eventId === id, 15_000, `event ${id} handled`);
    }
    const since = billing.logs.slice(from);
    const lost = lostSince();
    expect(lost).toHaveLength(1);
    expect(lost[0]!.level).toBe("warn");
    expect(since.filter((l) => String(l.msg).startsWith("database unavailable") || l.msg === "event handler failed; retried later")).toEqual([]);
    const counts = await billingDb.query<{ event_id: string; n: number }>("SELECT event_id, count(*)::int AS n FROM invoices WHERE event_id = ANY($1) GROUP BY event_id", [[first, ...ids]]);
    expect(counts.rows).toHaveLength(ids.length + 1);
    expect(counts.rows.every((r) => r.n === 1)).toBe(true);
    // and later claims keep working (unprepared)
    const later = publishOrderPlaced(`after-dealloc-${RUN}-later`);
    await billing.waitForLog((l) => l.msg === "event processed" && l.eventId === later, 15_000, "a later event handled");
  }, 120_000);

  it("a payload with quotes, backslashes, unicode and $1-like text goes through the literal-escaped INSERT byte for byte", async () => {
    const orderId = `odd-${RUN} it's "quoted" \\ back\\\\slash \\' \\n E'x' $1 $$ $2::text $tag$ ?, %s \u00e9\u00df\u4e2d\u6587 \u{1F680} \u200b'); DROP TABLE orders; --`;
    const res = await httpPost(`${orders.url}/orders`, { orderId });
    expect(res.status).toBe(201);
    let got: { env: Envelope; raw: Buffer } | undefined;
    await waitFor(async () => {
      got ??= (await drain(taps.placed)).find((m) => m.env.aggregateId === orderId);
      return !!got;
    }, 15_000, "the odd order's event");
    expect(got!.env.payload.orderId).toBe(orderId);
    const row = (await ordersDb.query<{ body: string; event_id: string; sent: boolean }>("SELECT body, event_id, sent_at IS NOT NULL AS sent FROM msa_outbox WHERE aggregate_id = $1", [orderId])).rows;
    expect(row).toHaveLength(1);
    // the bytes on the wire are the bytes the handler's transaction stored
    expect(got!.raw.equals(Buffer.from(row[0]!.body, "utf8"))).toBe(true);
    expect(got!.env.eventId).toBe(row[0]!.event_id);
    expect((await ordersDb.query<{ id: string }>("SELECT id FROM orders WHERE id = $1", [orderId])).rows).toEqual([{ id: orderId }]);
  }, 60_000);

  it("the broker nacks the relay's publishes: rows stay unsent, their backoff grows, then each is published once", async () => {
    // a queue of the test's own that refuses every message routed to it: RabbitMQ nacks the publish
    const full = `${SYSTEM}.e2e-full-${RUN}`;
    await amqp.ch.assertQueue(full, { exclusive: true, arguments: { "x-max-length": 0, "x-overflow": "reject-publish" } });
    await amqp.ch.bindQueue(full, `${SYSTEM}.events`, "order.placed");
    const ids = [0, 1, 2].map((i) => `nack-${RUN}-${i}`);
    for (const orderId of ids) expect((await httpPost(`${orders.url}/orders`, { orderId })).status).toBe(201);
    const failures = (orderId: string): number[] =>
      orders.logs.filter((l) => l.msg === "outbox: publish failed; retried later" && rowsByEvent.get(String(l.eventId)) === orderId).map((l) => Number(l.delayMs));
    const rowsByEvent = new Map<string, string>();
    for (const r of (await ordersDb.query<{ event_id: string; aggregate_id: string }>("SELECT event_id, aggregate_id FROM msa_outbox WHERE aggregate_id = ANY($1)", [ids])).rows) rowsByEvent.set(r.event_id, r.aggregate_id);
    expect(rowsByEvent.size).toBe(3);
    await waitFor(() => ids.every((id) => failures(id).length >= 3), 20_000, "three refused publishes of each row");
    for (const id of ids) {
      const delays = failures(id);
      expect(delays.slice(0, 3)).toEqual([250, 500, 1000]); // outboxBackoff: 250 ms doubling
    }
    const unsent = await ordersDb.query<{ sent: boolean; attempts: number; last_error: string | null; later: boolean }>(
      "SELECT sent_at IS NOT NULL AS sent, attempts, last_error, next_attempt_at > created_at AS later FROM msa_outbox WHERE aggregate_id = ANY($1)",
      [ids],
    );
    for (const r of unsent.rows) {
      expect(r.sent).toBe(false);
      expect(r.attempts).toBeGreaterThanOrEqual(3);
      expect(r.last_error).toBeTruthy();
      expect(r.later).toBe(true);
    }
    // a nack says "not every queue took it", not "no queue did": the tap holds a copy of each refused try
    const copies = (await drain(taps.placed)).filter((m) => ids.includes(m.env.aggregateId)).map((m) => m.env.aggregateId);
    // the broker accepts again
    await amqp.ch.deleteQueue(full);
    await waitFor(
      async () => (await ordersDb.query<{ n: number }>("SELECT count(*)::int AS n FROM msa_outbox WHERE aggregate_id = ANY($1) AND sent_at IS NOT NULL", [ids])).rows[0]!.n === 3,
      30_000,
      "the three rows sent",
    );
    await new Promise((r) => setTimeout(r, 500));
    copies.push(...(await drain(taps.placed)).filter((m) => ids.includes(m.env.aggregateId)).map((m) => m.env.aggregateId));
    const sent = await ordersDb.query<{ aggregate_id: string; attempts: number }>("SELECT aggregate_id, attempts FROM msa_outbox WHERE aggregate_id = ANY($1)", [ids]);
    for (const r of sent.rows) {
      // every try reached the broker once (the refused ones included) and the row was marked sent after the first accepted one
      expect(r.attempts).toBe(failures(r.aggregate_id).length + 1);
      expect(copies.filter((id) => id === r.aggregate_id)).toHaveLength(r.attempts);
    }
    expect(orders.logs.filter((l) => l.msg === "outbox: publish failed; retried later" && rowsByEvent.has(String(l.eventId))).length).toBe(sent.rows.reduce((n, r) => n + r.attempts - 1, 0));
  }, 90_000);
});
