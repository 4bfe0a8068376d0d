// e2e (issue #13, python-flask, shared RabbitMQ + PostgreSQL, a database per context of the test's own): the
// MSA_FAILPOINT kill -9 points of docs/messaging.md other than after-commit (flask-faults.test.ts has that).
// - after-publish: the relay's publish was confirmed and the worker dies before marking the row sent → after a
//   restart the relay publishes it again (the broker has it at least twice, one eventId) and the consumer's
//   inbox drops the repeats: handled once.
// - before-ack: the consumer committed (its row and the inbox row) and dies before the ack → the broker
//   redelivers to the restarted consumer, whose inbox drops it: handled once, acked.
// gunicorn respawns a killed worker with the same environment, so the test SIGKILLs the master as soon as the
// failpoint fired (as an orchestrator would replace the pod); a respawned worker that got there first only adds
// copies or redeliveries, which the assertions allow (at least, not exactly, two copies).
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
const SYSTEM = `failpoints-py${RUN}`;

const yaml = `
version: 1
name: ${SYSTEM}
broker: { kind: rabbitmq }
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
events:
  order.placed:
    schema:
      type: object
      required: [orderId]
      properties:
        orderId: { type: string }
`;

const ORDERS_HANDLERS = POST_ORDERS_IN_TRANSACTION_PY;
const BILLING_HANDLERS = `def on_order_placed(event, ctx):
    ctx.db.execute("INSERT INTO invoices (event_id, order_id) VALUES (%s, %s)", (event["eventId"], event["payload"]["orderId"]))
`;

const { python, skip: pySkip } = await pythonOrSkip();
const skip = pySkip ?? (await requireBroker("rabbitmq"));

describe.skipIf(!!skip)("python-flask: kill -9 at the after-publish and before-ack failpoints loses nothing and handles nothing twice", () => {
  let dir = "";
  let admin: Pg;
  let ordersDb: Pg;
  let billingDb: Pg;
  const dbName = (s: string): string => `msa_fpp_${s}_${RUN.replace(/-/g, "_")}`;
  const dbUrl = (s: string): string => POSTGRES_URL.replace(/\/[^/]*$/, `/${dbName(s)}`);
  let running: Gunicorn[] = [];
  const start = async (service: "orders" | "billing", failpoint?: string): Promise<Gunicorn> => {
    const g = await startGunicorn(python, path.join(dir, "services", service), {
      BROKER_URL: RABBITMQ_URL, DATABASE_URL: dbUrl(service), OUTBOX_POLL_MS: "200", WEB_CONCURRENCY: "1",
      ...(failpoint ? { MSA_FAILPOINT: failpoint } : {}),
    });
    running.push(g);
    await g.waitFor(async () => ((await fetch(`${g.base}/ready`)).status === 200 ? true : undefined), 30_000, `${service} ready`);
    return g;
  };
  /** The failpoint fired (the worker SIGKILLed itself): the master goes too, before it respawns much. */
  const crashed = async (g: Gunicorn): Promise<void> => {
    await g.waitFor(() => g.logs.some((l) => l.msg === "failpoint reached: SIGKILL") || undefined, 20_000, "the failpoint");
    g.child.kill("SIGKILL");
    await g.exited;
    running = running.filter((x) => x !== g);
    await new Promise((r) => setTimeout(r, 2_000)); // an orphaned worker notices its parent is gone within a second
  };
  const invoices = async (orderId: string): Promise<number> =>
    (await billingDb.query<{ n: number }>("SELECT count(*)::int AS n FROM invoices WHERE order_id = $1", [orderId])).rows[0]!.n;
  const stopAll = async (): Promise<void> => {
    for (const g of running) if (g.child.exitCode === null) expect(await g.stop()).toBe(0);
    running = [];
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
  }, 120_000);

  afterAll(async () => {
    for (const g of running) if (g.child.exitCode === null) await g.stop(5_000);
    await ordersDb?.end();
    await billingDb?.end();
    for (const s of ["orders", "billing"]) await admin?.query(`DROP DATABASE IF EXISTS ${dbName(s)} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
    const { ch, close } = await rabbit(RABBITMQ_URL);
    for (const q of ["billing", "billing.dead-letter"]) await ch.deleteQueue(`${SYSTEM}.${q}`).catch(() => undefined);
    for (const x of ["events", "dlx"]) await ch.deleteExchange(`${SYSTEM}.${x}`).catch(() => undefined);
    await close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("after-publish: the relay publishes again after the restart, the consumer's inbox drops the repeats", async () => {
    const { ch, close } = await rabbit(RABBITMQ_URL);
    try {
      const billing = await start("billing");
      const doomed = await start("orders", "after-publish");
      const tap = `${SYSTEM}.e2e-tap`;
      await ch.assertExchange(`${SYSTEM}.events`, "topic", { durable: true });
      await ch.assertQueue(tap, { exclusive: true });
      await ch.bindQueue(tap, `${SYSTEM}.events`, "order.placed");
      const orderId = `o-ap-${randomUUID()}`;
      await fetch(`${doomed.base}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ orderId }), signal: AbortSignal.timeout(10_000) }).catch(() => undefined);
      await crashed(doomed);
      const row = await ordersDb.query<{ event_id: string; sent: boolean }>("SELECT event_id, sent_at IS NOT NULL AS sent FROM msa_outbox WHERE aggregate_id = $1", [orderId]);
      expect(row.rows).toHaveLength(1);
      expect(row.rows[0]!.sent).toBe(false); // confirmed by the broker, never marked: the crash window
      const eventId = row.rows[0]!.event_id;
      await waitFor(async () => (await invoices(orderId)) === 1, 15_000, "billing handled the first copy");

      await start("orders");
      await waitFor(
        async () => (await ordersDb.query<{ sent: boolean }>("SELECT sent_at IS NOT NULL AS sent FROM msa_outbox WHERE aggregate_id = $1", [orderId])).rows[0]?.sent === true,
        20_000,
        "the restarted relay marks the row sent",
      );
      const seen: string[] = [];
      for (let m = await ch.get(tap, { noAck: true }); m; m = await ch.get(tap, { noAck: true })) {
        const env = JSON.parse(m.content.toString("utf8")) as { aggregateId: string; eventId: string };
        if (env.aggregateId === orderId) seen.push(env.eventId);
      }
      expect(seen.length).toBeGreaterThanOrEqual(2); // published again after the crash
      expect(new Set(seen)).toEqual(new Set([eventId])); // always the same event
      await billing.waitFor(
        () => (billing.logs.filter((l) => l.msg === "duplicate event skipped" && l.eventId === eventId).length >= seen.length - 1 ? true : undefined),
        15_000,
        "every repeat dropped by the inbox",
      );
      expect(billing.logs.filter((l) => l.msg === "event handled" && l.eventId === eventId)).toHaveLength(1);
      expect(await invoices(orderId)).toBe(1);
    } finally {
      await close();
      await stopAll();
    }
  }, 150_000);

  it("before-ack: the broker redelivers to the restarted consumer, whose inbox drops it", async () => {
    const { ch, close } = await rabbit(RABBITMQ_URL);
    try {
      const orders = await start("orders");
      const doomed = await start("billing", "before-ack");
      const orderId = `o-ba-${randomUUID()}`;
      const res = await fetch(`${orders.base}/orders`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ orderId }) });
      expect(res.status).toBe(201);
      const { eventId } = (await res.json()) as { eventId: string };
      await crashed(doomed);
      expect(await invoices(orderId)).toBe(1); // committed with its inbox row before the crash
      expect((await billingDb.query("SELECT 1 FROM msa_inbox WHERE event_id = $1", [eventId])).rows).toHaveLength(1);

      const billing = await start("billing");
      // gunicorn may respawn the killed worker before its master is killed too: then that worker gets the redelivery
      const dropped = (l: { msg?: unknown; eventId?: unknown }) => l.msg === "duplicate event skipped" && l.eventId === eventId;
      await billing.waitFor(() => billing.logs.some(dropped) || doomed.logs.some(dropped) || undefined, 20_000, "the redelivery dropped by the inbox");
      expect([...doomed.logs, ...billing.logs].filter((l) => l.msg === "event handled" && l.eventId === eventId)).toHaveLength(0);
      expect(await invoices(orderId)).toBe(1);
      await waitFor(async () => (await ch.checkQueue(`${SYSTEM}.billing`)).messageCount === 0, 10_000, "the billing queue empty (acked)");
    } finally {
      await close();
      await stopAll();
    }
  }, 150_000);
});
