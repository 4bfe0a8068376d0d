// e2e (issue #13, node-express, shared RabbitMQ + PostgreSQL, a database per context of the test's own): the
// MSA_FAILPOINT kill -9 points of docs/messaging.md other than after-commit (node-outbox-inbox.test.ts has that).
// - after-publish: the relay's publish was confirmed and the process dies before marking the row sent → after a
//   restart the relay publishes it again (the broker has it twice, same eventId) and the consumer's inbox drops
//   the second copy: handled once.
// - before-ack: the consumer committed (its row and the inbox row) and dies before the ack → the broker
//   redelivers to the restarted consumer, whose inbox drops it: handled once, acked, nothing left in the queue.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystemCached, httpPost, POSTGRES_URL, RABBITMQ_URL, requireBroker, startService, waitFor, type BuiltSystem, type ServiceProcess, pgClient, type PgClient } from "./harness.js";
import { rabbit } from "./fixtures/system.js";
import { POST_ORDERS_IN_TRANSACTION } from "./fixtures/user-files.js";

const SYSTEM = `failpoints-node${process.env.MSA_E2E_SUFFIX ?? ""}`;
const RUN = randomUUID().slice(0, 8);

const yaml = `
version: 1
name: ${SYSTEM}
broker: { kind: rabbitmq }
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
events:
  order.placed:
    schema:
      type: object
      required: [orderId]
      properties:
        orderId: { type: string }
`;

const userFiles: Record<string, string> = {
  "services/orders/src/handlers/postOrders.ts": POST_ORDERS_IN_TRANSACTION,
  "services/billing/src/consumers/order.placed.ts": `import type { ConsumerContext, OrderPlacedEvent } from "../generated/events.js";

export async function onOrderPlaced(event: OrderPlacedEvent, ctx: ConsumerContext): Promise<void> {
  await ctx.db.query("INSERT INTO invoices (event_id, order_id) VALUES ($1, $2)", [event.eventId, event.payload.orderId]);
}
`,
};

const dbUrl = (db: string): string => POSTGRES_URL.replace(/\/[^/]*$/, `/${db}`);

const skip = (await requireBroker("rabbitmq")) ?? (await requireBroker("postgres"));

describe.skipIf(!!skip)("node-express: kill -9 at the after-publish and before-ack failpoints loses nothing and handles nothing twice", () => {
  let built: BuiltSystem;
  let admin: PgClient;
  const ordersDbName = `msa_fpn_orders_${RUN}`;
  const billingDbName = `msa_fpn_billing_${RUN}`;
  let ordersDb: PgClient;
  let billingDb: PgClient;
  let procs: ServiceProcess[] = [];
  const start = async (service: "orders" | "billing", failpoint?: string): Promise<ServiceProcess> => {
    const p = await startService(built.service(service), {
      name: service,
      env: {
        BROKER_URL: RABBITMQ_URL,
        DATABASE_URL: dbUrl(service === "orders" ? ordersDbName : billingDbName),
        OUTBOX_POLL_MS: "200",
        ...(failpoint ? { MSA_FAILPOINT: failpoint } : {}),
      },
    });
    procs.push(p);
    return p;
  };
  const invoices = async (orderId: string): Promise<number> =>
    (await billingDb.query<{ n: number }>("SELECT count(*)::int AS n FROM invoices WHERE order_id = $1", [orderId])).rows[0]!.n;

  beforeAll(async () => {
    built = await buildSystemCached("failpoints-node", yaml, userFiles, ["orders", "billing"]);
    const { ch, close } = await rabbit(RABBITMQ_URL);
    for (const q of ["orders", "billing"].flatMap((s) => [`${SYSTEM}.${s}`, `${SYSTEM}.${s}.dead-letter`])) await ch.deleteQueue(q);
    await close();
    admin = await pgClient(POSTGRES_URL);
    for (const d of [ordersDbName, billingDbName]) await admin.query(`CREATE DATABASE ${d}`);
    ordersDb = await pgClient(dbUrl(ordersDbName));
    billingDb = await pgClient(dbUrl(billingDbName));
    await ordersDb.query("CREATE TABLE orders (id text PRIMARY KEY)");
    await billingDb.query("CREATE TABLE invoices (event_id text NOT NULL, order_id text NOT NULL)");
  }, 300_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await ordersDb?.end();
    await billingDb?.end();
    for (const d of [ordersDbName, billingDbName]) await admin?.query(`DROP DATABASE IF EXISTS ${d} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
    const { ch, close } = await rabbit(RABBITMQ_URL);
    for (const q of ["orders", "billing"].flatMap((s) => [`${SYSTEM}.${s}`, `${SYSTEM}.${s}.dead-letter`])) await ch.deleteQueue(q).catch(() => undefined);
    await close();
  });

  it("after-publish: the relay publishes again after the restart, the consumer's inbox drops the second copy", async () => {
    const { ch, close } = await rabbit(RABBITMQ_URL);
    try {
      const billing = await start("billing");
      await waitFor(async () => (await fetch(`${billing.url}/ready`)).status === 200, 20_000, "billing ready (its queue bound)");
      const crashing = await start("orders", "after-publish");
      // a tap queue sees every copy the broker gets
      const tap = `${SYSTEM}.e2e-tap-${RUN}`;
      await ch.assertExchange(`${SYSTEM}.events`, "topic", { durable: true });
      await ch.assertQueue(tap, { exclusive: true });
      await ch.bindQueue(tap, `${SYSTEM}.events`, "order.placed");
      const orderId = `o-ap-${randomUUID()}`;
      await httpPost(`${crashing.url}/orders`, { orderId }).catch(() => undefined); // may die before it answers
      expect(await crashing.exited).toBe(null); // killed by a signal: the failpoint
      procs = procs.filter((p) => p !== crashing);
      const row = await ordersDb.query<{ event_id: string; sent: boolean }>("SELECT event_id, sent_at IS NOT NULL AS sent FROM msa_outbox WHERE aggregate_id = $1", [orderId]);
      expect(row.rows).toHaveLength(1);
      expect(row.rows[0]!.sent).toBe(false); // confirmed by the broker, not marked: the crash window
      const eventId = row.rows[0]!.event_id;
      await waitFor(async () => (await invoices(orderId)) === 1, 15_000, "billing handled the first copy");

      await start("orders");
      await waitFor(
        async () => (await ordersDb.query<{ sent: boolean }>("SELECT sent_at IS NOT NULL AS sent FROM msa_outbox WHERE aggregate_id = $1", [orderId])).rows[0]?.sent === true,
        20_000,
        "the restarted relay marks the row sent",
      );
      // the broker got it twice, with the same eventId
      const seen: string[] = [];
      await waitFor(async () => {
        for (let m = await ch.get(tap, { noAck: true }); m; m = await ch.get(tap, { noAck: true })) {
          const env = JSON.parse(m.content.toString("utf8")) as { aggregateId: string; eventId: string };
          if (env.aggregateId === orderId) seen.push(env.eventId);
        }
        return seen.length >= 2;
      }, 10_000, "two copies on the broker");
      expect(seen).toEqual([eventId, eventId]);
      // the consumer: the second copy dropped by the inbox, one invoice
      await billing.waitForLog((l) => l.msg === "duplicate event dropped" && l.eventId === eventId, 15_000, "the second copy dropped");
      expect(await invoices(orderId)).toBe(1);
      expect(billing.logs.filter((l) => l.msg === "event processed" && l.eventId === eventId)).toHaveLength(1);
    } finally {
      await close();
      await Promise.all(procs.map((p) => p.stop()));
      procs = [];
    }
  }, 120_000);

  it("before-ack: the broker redelivers to the restarted consumer, whose inbox drops it", async () => {
    const { ch, close } = await rabbit(RABBITMQ_URL);
    try {
      const orders = await start("orders");
      const crashing = await start("billing", "before-ack");
      await waitFor(async () => (await fetch(`${crashing.url}/ready`)).status === 200, 20_000, "billing ready (its queue bound)");
      const orderId = `o-ba-${randomUUID()}`;
      const res = await httpPost(`${orders.url}/orders`, { orderId });
      expect(res.status).toBe(201);
      const eventId = (res.body as { eventId: string }).eventId;
      expect(await crashing.exited).toBe(null); // killed by a signal: the failpoint, after the commit
      procs = procs.filter((p) => p !== crashing);
      expect(await invoices(orderId)).toBe(1); // committed with its inbox row
      expect((await billingDb.query("SELECT 1 FROM msa_inbox WHERE event_id = $1", [eventId])).rows).toHaveLength(1);

      const billing = await start("billing");
      await billing.waitForLog((l) => l.msg === "duplicate event dropped" && l.eventId === eventId, 20_000, "the redelivery dropped by the inbox");
      expect(billing.logs.filter((l) => l.msg === "event processed" && l.eventId === eventId)).toHaveLength(0);
      expect(await invoices(orderId)).toBe(1);
      // acked this time: the queue is empty
      await waitFor(async () => (await ch.checkQueue(`${SYSTEM}.billing`)).messageCount === 0, 10_000, "the billing queue empty");
    } finally {
      await close();
      await Promise.all(procs.map((p) => p.stop()));
      procs = [];
    }
  }, 120_000);
});
