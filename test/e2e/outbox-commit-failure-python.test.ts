// e2e (issue #13, python-flask, shared RabbitMQ + PostgreSQL, a database per context of the test's own): a
// transaction refused at COMMIT. python-flask writes its outbox row when `tx.publish` runs (not deferred to the COMMIT
// as node does), so the refusal here comes from a deferred constraint trigger on msa_outbox (DEFERRABLE INITIALLY
// DEFERRED: it raises at COMMIT for the aggregates named refuse-*), the python form of
// outbox-commit-failure.test.ts's path:
// - an HTTP handler that writes its row and publishes: 500 (not 503: nothing is unavailable, a retry would be refused
//   the same), its row not in its table, nothing in msa_outbox, nothing published;
// - a consumer that writes and publishes: the attempt counts — retried with backoff, then dead-lettered per the retry
//   policy — its inbox claim and writes rolled back; before, a refused COMMIT was "database unavailable": retried
//   uncounted forever, never dead-lettered.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POSTGRES_URL, RABBITMQ_URL, requireBroker, waitFor } from "./harness.js";
import { POST_ORDERS_IN_TRANSACTION_PY } from "./fixtures/user-files.js";
import { rabbit } from "./fixtures/system.js";
import { generatePythonSystem, startGunicorn, type Gunicorn } from "./flask-support.js";
import { pg, pyRunId, pythonOrSkip, type Pg } from "./py-support.js";

const RUN = pyRunId();
const SYSTEM = `obxfail-py${RUN}`;

const yaml = `
version: 1
name: ${SYSTEM}
broker: { kind: rabbitmq, retry: { attempts: 3, initialDelay: 200ms, maxDelay: 2s } }
contexts:
  orders:
    runtime: python-flask
    port: 5000
    database: postgres
    api: ["POST /orders"]
    publishes: [order.placed]
  billing:
    runtime: python-flask
    port: 5001
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

const ORDERS_HANDLERS = POST_ORDERS_IN_TRANSACTION_PY;
const BILLING_HANDLERS = `def on_order_placed(event, ctx):
    order_id = event["payload"]["orderId"]
    ctx.db.execute("INSERT INTO invoices (event_id, order_id) VALUES (%s, %s)", (event["eventId"], order_id))
    ctx.publish("invoice.created", order_id, {"orderId": order_id})
`;

/** A constraint trigger deferred to COMMIT: raises there for an outbox row of an aggregate named refuse-*. */
const REFUSE_AT_COMMIT = [
  `CREATE OR REPLACE FUNCTION e2e_refuse_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.aggregate_id LIKE 'refuse-%' THEN RAISE EXCEPTION 'outbox row refused for %', NEW.aggregate_id; END IF;
  RETURN NEW;
END $$`,
  "CREATE CONSTRAINT TRIGGER e2e_refuse_outbox AFTER INSERT ON msa_outbox DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION e2e_refuse_outbox()",
];

const { python, skip: pySkip } = await pythonOrSkip();
const skip = pySkip ?? (await requireBroker("rabbitmq")) ?? (await requireBroker("postgres"));

describe.skipIf(!!skip)("python-flask: a transaction refused at COMMIT (a deferred trigger on msa_outbox)", () => {
  let dir = "";
  let admin: Pg;
  let ordersDb: Pg;
  let billingDb: Pg;
  const dbName = (s: string): string => `msa_obxfp_${s}_${RUN.replace(/-/g, "_")}`;
  const dbUrl = (s: string): string => POSTGRES_URL.replace(/\/[^/]*$/, `/${dbName(s)}`);
  const running: Gunicorn[] = [];
  let orders: Gunicorn;
  let billing: Gunicorn;
  let amqp: Awaited<ReturnType<typeof rabbit>>;
  const tap = `${SYSTEM}.e2e-tap`;
  const start = async (service: "orders" | "billing"): Promise<Gunicorn> => {
    const g = await startGunicorn(python, path.join(dir, "services", service), { BROKER_URL: RABBITMQ_URL, DATABASE_URL: dbUrl(service), OUTBOX_POLL_MS: "200", WEB_CONCURRENCY: "1" });
    running.push(g);
    await g.waitFor(async () => ((await fetch(`${g.base}/ready`)).status === 200 ? true : undefined), 30_000, `${service} ready`);
    return g;
  };

  beforeAll(async () => {
    dir = generatePythonSystem(yaml);
    fs.writeFileSync(path.join(dir, "services/orders/app/handlers.py"), ORDERS_HANDLERS);
    fs.writeFileSync(path.join(dir, "services/billing/app/event_handlers.py"), BILLING_HANDLERS);
    admin = await pg(POSTGRES_URL);
    for (const s of ["orders", "billing"]) await admin.query(`CREATE DATABASE ${dbName(s)}`);
    ordersDb = await pg(dbUrl("orders"));
    billingDb = await pg(dbUrl("billing"));
    await ordersDb.query("CREATE TABLE orders (id text PRIMARY KEY)");
    await billingDb.query("CREATE TABLE invoices (event_id text NOT NULL, order_id text NOT NULL)");
    orders = await start("orders");
    billing = await start("billing");
    for (const db of [ordersDb, billingDb]) {
      await waitFor(async () => !!(await db.query<{ t: string | null }>("SELECT to_regclass('msa_outbox')::text AS t")).rows[0]?.t, 20_000, "msa_outbox created");
      for (const sql of REFUSE_AT_COMMIT) await db.query(sql);
    }
    amqp = await rabbit(RABBITMQ_URL);
    await amqp.ch.assertQueue(tap, { exclusive: true });
    await amqp.ch.bindQueue(tap, `${SYSTEM}.events`, "#");
  }, 180_000);

  afterAll(async () => {
    for (const g of running) if (g.child.exitCode === null) await g.stop(5_000);
    await ordersDb?.end();
    await billingDb?.end();
    for (const s of ["orders", "billing"]) await admin?.query(`DROP DATABASE IF EXISTS ${dbName(s)} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
    if (amqp) {
      for (const q of ["billing", "billing.dead-letter", ...[200, 400, 800, 1600, 2000].map((d) => `billing.retry.${d}`)]) await amqp.ch.deleteQueue(`${SYSTEM}.${q}`).catch(() => undefined);
      for (const x of ["events", "dlx"]) await amqp.ch.deleteExchange(`${SYSTEM}.${x}`).catch(() => undefined);
      await amqp.close();
    }
  });

  const onTap = async (): Promise<{ eventType: string; aggregateId: string }[]> => {
    const out: { eventType: string; aggregateId: string }[] = [];
    for (let m = await amqp.ch.get(tap, { noAck: true }); m; m = await amqp.ch.get(tap, { noAck: true })) out.push(JSON.parse(m.content.toString("utf8")) as { eventType: string; aggregateId: string });
    return out;
  };

  it("an HTTP handler: 500, its row rolled back, nothing in the outbox, nothing published", async () => {
    const refused = `refuse-${RUN}-http`;
    const res = await fetch(`${orders.base}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ orderId: refused }) });
    expect(res.status).toBe(500);
    const control = `ok-${RUN}-http`;
    expect((await fetch(`${orders.base}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ orderId: control }) })).status).toBe(201);
    const seen: { eventType: string; aggregateId: string }[] = [];
    await waitFor(async () => {
      seen.push(...(await onTap()));
      return seen.some((e) => e.aggregateId === control && e.eventType === "order.placed");
    }, 15_000, "the control order's event");
    expect(seen.filter((e) => e.aggregateId === refused)).toEqual([]);
    const r = await ordersDb.query<{ orders: number; outbox: number }>(
      "SELECT (SELECT count(*)::int FROM orders WHERE id = $1) AS orders, (SELECT count(*)::int FROM msa_outbox WHERE aggregate_id = $1) AS outbox",
      [refused],
    );
    expect(r.rows[0]).toEqual({ orders: 0, outbox: 0 });
  }, 60_000);

  it("a consumer: counted attempts with backoff, then dead-lettered; claim and writes rolled back", async () => {
    const refused = `refuse-${RUN}-consumer`;
    const eventId = randomUUID();
    const body = Buffer.from(JSON.stringify({ eventId, eventType: "order.placed", aggregateId: refused, timestamp: new Date().toISOString(), version: 1, payload: { orderId: refused } }));
    amqp.ch.publish(`${SYSTEM}.events`, "order.placed", body, { persistent: true, messageId: eventId, type: "order.placed", contentType: "application/json" });
    await billing.waitFor(() => billing.logs.some((l) => l.msg === "event dead-lettered: handler failed on every attempt" && l.eventId === eventId) || undefined, 30_000, "the refused event dead-lettered");
    const dead = billing.logs.find((l) => l.msg === "event dead-lettered: handler failed on every attempt" && l.eventId === eventId)!;
    expect(dead.attempts).toBe(3);
    expect(String(dead.error)).toContain("outbox row refused");
    const retried = billing.logs.filter((l) => l.msg === "event handler failed: retrying" && l.eventId === eventId);
    expect(retried.map((l) => l.retryInMs)).toEqual([200, 400]);
    expect(billing.logs.filter((l) => l.msg === "event handler's transaction refused at COMMIT" && l.eventId === eventId)).toHaveLength(3);
    expect(billing.logs.some((l) => String(l.msg).startsWith("database unavailable") && l.eventId === eventId)).toBe(false);
    expect(billing.logs.some((l) => l.msg === "event handled" && l.eventId === eventId)).toBe(false);
    const r = await billingDb.query<{ invoices: number; inbox: number; outbox: number }>(
      "SELECT (SELECT count(*)::int FROM invoices WHERE event_id = $1) AS invoices, (SELECT count(*)::int FROM msa_inbox WHERE event_id = $1) AS inbox, (SELECT count(*)::int FROM msa_outbox WHERE aggregate_id = $2) AS outbox",
      [eventId, refused],
    );
    expect(r.rows[0]).toEqual({ invoices: 0, inbox: 0, outbox: 0 });
    await waitFor(async () => (await amqp.ch.checkQueue(`${SYSTEM}.billing.dead-letter`)).messageCount >= 1, 10_000, "the dead letter queued");
    expect((await onTap()).filter((e) => e.aggregateId === refused && e.eventType === "invoice.created")).toEqual([]);
  }, 60_000);
});
