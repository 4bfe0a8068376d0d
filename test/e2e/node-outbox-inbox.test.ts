// Events that survive faults, node-express on real RabbitMQ and PostgreSQL (docs/messaging.md): the built CLI's
// services run as processes and are broken on purpose.
// - orders writes its order and order.placed in one transaction (ctx.db.transaction + tx.events → msa_outbox);
//   killed by MSA_FAILPOINT=after-commit between the commit and the publish, it publishes the event exactly once
//   after a restart (counted on a tap queue);
// - two replicas of ledger, every event delivered twice at once: each handled once (rows written in the
//   handler's transaction with the inbox row);
// - ledger's private PostgreSQL stopped for 10 s in the middle of a burst: nothing lost, nothing handled twice;
// - books on MariaDB: outbox and inbox once;
// - a backlog of outbox rows relayed by two replicas of two lanes each: every aggregate's events in order.
// Nothing here depends on the broker's retry topology: a database outage is held in the dispatcher.
import { randomUUID } from "node:crypto";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystemCached, httpPost, POSTGRES_URL, privatePostgresUnavailable, RABBITMQ_URL, requireBroker, sharedRequire, startPrivatePostgres, startService, tcpReachable, waitFor, IN_CI, type BuiltSystem, type PrivatePostgres, type ServiceProcess, pgClient, type PgClient } from "./harness.js";
import { rabbit } from "./fixtures/system.js";
import { POST_ORDERS_IN_TRANSACTION } from "./fixtures/user-files.js";

const SYSTEM = `nodecore${process.env.MSA_E2E_SUFFIX ?? ""}`;
const RUN = randomUUID().slice(0, 8);
const MYSQL_URL_BASE = process.env.MSA_E2E_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";

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
  ledger:
    port: 3001
    database: postgres
    consumes: [order.placed]
  books:
    port: 3002
    database: mysql
    api: ["POST /books"]
    publishes: [book.added]
    consumes: [order.placed]
events:
  order.placed:
    schema:
      type: object
      required: [orderId]
      properties:
        orderId: { type: string }
  book.added:
    schema:
      type: object
      required: [bookId]
      properties:
        bookId: { type: string }
`;

const userFiles: Record<string, string> = {
  // the order and its event in one transaction
  "services/orders/src/handlers/postOrders.ts": POST_ORDERS_IN_TRANSACTION,
  // one row per run of the handler, in the consumer's transaction; slow enough that duplicates overlap
  "services/ledger/src/consumers/order.placed.ts": `import type { ConsumerContext, OrderPlacedEvent } from "../generated/events.js";

export async function onOrderPlaced(event: OrderPlacedEvent, ctx: ConsumerContext): Promise<void> {
  await ctx.db.query("INSERT INTO ledger_entries (event_id, order_id) VALUES ($1, $2)", [event.eventId, event.payload.orderId]);
  await new Promise((r) => setTimeout(r, 150));
}
`,
  "services/books/src/handlers/postBooks.ts": `import type { Request, Response } from "express";
import type { HandlerContext } from "../generated/routes.js";

export async function postBooks(req: Request, res: Response, ctx: HandlerContext): Promise<void> {
  const bookId = String((req.body as { bookId?: unknown }).bookId);
  const event = await ctx.db.transaction(async (tx) => {
    await tx.query("INSERT INTO books (id) VALUES (?)", [bookId]);
    return tx.events.publishBookAdded({ bookId }, { aggregateId: bookId });
  });
  res.status(201).json({ eventId: event.eventId });
}
`,
  "services/books/src/consumers/order.placed.ts": `import type { ConsumerContext, OrderPlacedEvent } from "../generated/events.js";

export async function onOrderPlaced(event: OrderPlacedEvent, ctx: ConsumerContext): Promise<void> {
  await ctx.db.query("INSERT INTO book_orders (event_id, order_id) VALUES (?, ?)", [event.eventId, event.payload.orderId]);
}
`,
};

const dbUrl = (base: string, db: string): string => base.replace(/\/[^/]*$/, `/${db}`);

const skip = await (async () => (await requireBroker("rabbitmq")) ?? (await requireBroker("postgres")) ?? privatePostgresUnavailable())();

describe.skipIf(!!skip)("node-express: outbox, inbox and faults on RabbitMQ + PostgreSQL", () => {
  let built: BuiltSystem;
  let admin: PgClient;
  const dbName = `msa_core_${RUN}`;
  let db: PgClient;
  let procs: ServiceProcess[] = [];
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({ BROKER_URL: RABBITMQ_URL, ...extra });
  const start = async (service: string, name: string, extra: Record<string, string>): Promise<ServiceProcess> => {
    const p = await startService(built.service(service), { name, env: env(extra) });
    procs.push(p);
    return p;
  };
  const stopAll = async (): Promise<void> => {
    await Promise.all(procs.map((p) => p.stop()));
    procs = [];
  };

  beforeAll(async () => {
    built = await buildSystemCached("nodecore", yaml, userFiles, ["orders", "ledger", "books"]);
    const { ch, close } = await rabbit(RABBITMQ_URL);
    for (const q of ["orders", "ledger", "books"].flatMap((s) => [`${SYSTEM}.${s}`, `${SYSTEM}.${s}.dead-letter`])) await ch.deleteQueue(q);
    await close();
    admin = await pgClient(POSTGRES_URL);
    await admin.query(`CREATE DATABASE ${dbName}`);
    db = await pgClient(dbUrl(POSTGRES_URL, dbName));
    await db.query("CREATE TABLE orders (id text PRIMARY KEY)");
    await db.query("CREATE TABLE ledger_entries (event_id text NOT NULL, order_id text NOT NULL)");
  }, 300_000);

  afterAll(async () => {
    await stopAll();
    await db?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
  });

  it("kill -9 between the commit and the publish: the event is published exactly once after the restart", async () => {
    const { ch, close } = await rabbit(RABBITMQ_URL);
    try {
      // the exchange exists once a service started; then a tap queue sees every order.placed
      const url = dbUrl(POSTGRES_URL, dbName);
      const crashing = await start("orders", "orders-failpoint", { DATABASE_URL: url, MSA_FAILPOINT: "after-commit" });
      const tap = `${SYSTEM}.e2e-tap-${RUN}`;
      await ch.assertExchange(`${SYSTEM}.events`, "topic", { durable: true });
      await ch.assertQueue(tap, { exclusive: true });
      await ch.bindQueue(tap, `${SYSTEM}.events`, "order.placed");
      const orderId = `o-${randomUUID()}`;
      await httpPost(`${crashing.url}/orders`, { orderId }).catch(() => undefined); // the process dies mid-request
      expect(await crashing.exited).toBe(null); // killed by a signal
      const committed = await db.query<{ sent: boolean; n: number }>(
        "SELECT (SELECT count(*)::int FROM orders WHERE id = $1) AS n, (SELECT sent_at IS NOT NULL FROM msa_outbox WHERE aggregate_id = $1) AS sent",
        [orderId],
      );
      expect(committed.rows[0]).toEqual({ n: 1, sent: false });
      procs = procs.filter((p) => p !== crashing);

      await start("orders", "orders", { DATABASE_URL: url });
      await waitFor(
        async () => (await db.query<{ sent: boolean }>("SELECT sent_at IS NOT NULL AS sent FROM msa_outbox WHERE aggregate_id = $1", [orderId])).rows[0]?.sent === true,
        20_000,
        "the relay to publish the outbox row",
      );
      // confirmed before marked sent: the message is in the tap queue now
      const seen: string[] = [];
      for (let m = await ch.get(tap, { noAck: true }); m; m = await ch.get(tap, { noAck: true })) {
        const env = JSON.parse(m.content.toString("utf8")) as { aggregateId: string; eventId: string };
        if (env.aggregateId === orderId) seen.push(env.eventId);
      }
      expect(seen).toHaveLength(1);
      // a second order goes through the same path without a crash
      const second = `o-${randomUUID()}`;
      const res = await httpPost(`${procs[procs.length - 1]!.url}/orders`, { orderId: second });
      expect(res.status).toBe(201);
      await waitFor(async () => {
        const m = await ch.get(tap, { noAck: true });
        return !!m && (JSON.parse(m.content.toString("utf8")) as { aggregateId: string }).aggregateId === second;
      }, 10_000, "the second order's event");
    } finally {
      await close();
      await stopAll();
    }
  }, 120_000);

  it("a backlog of 1,200 outbox rows in 40 aggregates, two replicas of two relay lanes each: every aggregate in order", async () => {
    const { ch, close } = await rabbit(RABBITMQ_URL);
    try {
      const url = dbUrl(POSTGRES_URL, dbName);
      // two replicas: four rounds may run at once (OUTBOX_RELAY_LANES=2 is the default); rows come in rounds of 100
      const a = await start("orders", "orders-a", { DATABASE_URL: url, OUTBOX_POLL_MS: "50" });
      await start("orders", "orders-b", { DATABASE_URL: url, OUTBOX_POLL_MS: "50" });
      const tap = `${SYSTEM}.e2e-order-tap-${RUN}`;
      await ch.assertQueue(tap, { exclusive: true });
      await ch.bindQueue(tap, `${SYSTEM}.events`, "order.placed");
      expect(a.pid).toBeGreaterThan(0);
      // what 1,200 handler transactions would leave behind, interleaved across the aggregates, in one commit
      const AGGREGATES = 40;
      const PER = 30;
      const prefix = `lane-${RUN}`;
      const values: unknown[] = [];
      const rows: string[] = [];
      for (let n = 0; n < PER; n++)
        for (let g = 0; g < AGGREGATES; g++) {
          const aggregateId = `${prefix}-${g}`;
          const eventId = randomUUID();
          const body = JSON.stringify({ eventId, eventType: "order.placed", aggregateId, timestamp: new Date().toISOString(), version: 1, payload: { orderId: `${aggregateId}:${n}` } });
          const k = values.length;
          values.push(eventId, "order.placed", aggregateId, body);
          rows.push(`($${k + 1}, $${k + 2}, $${k + 3}, $${k + 4})`);
        }
      await db.query(`INSERT INTO msa_outbox (event_id, event_type, aggregate_id, body) VALUES ${rows.join(", ")}`, values);
      const seen = new Map<string, number[]>();
      let total = 0;
      await waitFor(
        async () => {
          for (let m = await ch.get(tap, { noAck: true }); m; m = await ch.get(tap, { noAck: true })) {
            const env = JSON.parse(m.content.toString("utf8")) as { aggregateId: string; payload: { orderId: string } };
            if (!env.aggregateId.startsWith(`${prefix}-`)) continue;
            const list = seen.get(env.aggregateId) ?? [];
            list.push(Number(env.payload.orderId.split(":")[1]));
            seen.set(env.aggregateId, list);
            total++;
          }
          return total >= AGGREGATES * PER;
        },
        90_000,
        "every outbox row on the broker",
      );
      const inOrder = Array.from({ length: PER }, (_, n) => n);
      const outOfOrder = [...seen].filter(([, list]) => JSON.stringify(list) !== JSON.stringify(inOrder));
      expect(seen.size).toBe(AGGREGATES);
      expect(outOfOrder, "aggregates whose events reached the broker out of order (or twice)").toEqual([]);
      const unsent = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM msa_outbox WHERE aggregate_id LIKE $1 AND sent_at IS NULL", [`${prefix}-%`]);
      expect(unsent.rows[0]!.n).toBe(0);
    } finally {
      await close();
      await stopAll();
    }
  }, 150_000);

  it("two replicas, every event delivered twice at once: each handled once", async () => {
    const url = dbUrl(POSTGRES_URL, dbName);
    await Promise.all([start("ledger", "ledger-1", { DATABASE_URL: url }), start("ledger", "ledger-2", { DATABASE_URL: url })]);
    const { ch, close } = await rabbit(RABBITMQ_URL);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) {
        const eventId = randomUUID();
        ids.push(eventId);
        const body = Buffer.from(
          JSON.stringify({ eventId, eventType: "order.placed", aggregateId: `dup-${i}`, timestamp: new Date().toISOString(), version: 1, payload: { orderId: `dup-${i}` } }),
        );
        // twice, back to back (ledger's is the only queue bound now): the two replicas get one copy each
        for (let k = 0; k < 2; k++) ch.publish(`${SYSTEM}.events`, "order.placed", body, { persistent: true, messageId: eventId, type: "order.placed", contentType: "application/json" });
      }
      const count = async (): Promise<{ rows: number; distinct: number }> =>
        (await db.query<{ rows: number; distinct: number }>("SELECT count(*)::int AS rows, count(DISTINCT event_id)::int AS distinct FROM ledger_entries WHERE event_id = ANY($1)", [ids])).rows[0]!;
      await waitFor(async () => (await count()).distinct === 30, 60_000, "30 events handled");
      // every delivery settled: the queue is empty and nothing is unacked
      await waitFor(async () => (await ch.checkQueue(`${SYSTEM}.ledger`)).messageCount === 0, 20_000, "ledger's queue drained");
      await waitFor(() => procs.reduce((n, p) => n + p.logs.filter((l) => (l.msg === "duplicate event dropped" || l.msg === "event processed") && ids.includes(String(l.eventId))).length, 0) === 60, 20_000, "60 deliveries settled");
      expect(await count()).toEqual({ rows: 30, distinct: 30 });
      const both = procs.map((p) => p.logs.filter((l) => l.msg === "event processed" && ids.includes(String(l.eventId))).length);
      expect(both.every((n) => n > 0)).toBe(true); // both replicas handled events
      const dropped = procs.reduce((n, p) => n + p.logs.filter((l) => l.msg === "duplicate event dropped" && ids.includes(String(l.eventId))).length, 0);
      expect(dropped).toBe(30);
    } finally {
      await close();
      await stopAll();
    }
  }, 180_000);

  it("the consumer's database stopped for 10 s during a burst: nothing lost, nothing handled twice", async () => {
    const pg: PrivatePostgres = await startPrivatePostgres();
    const { ch, close } = await rabbit(RABBITMQ_URL);
    try {
      const priv = await pgClient(pg.url);
      await priv.query("CREATE TABLE ledger_entries (event_id text NOT NULL, order_id text NOT NULL)");
      await priv.end();
      const ledger = await start("ledger", "ledger-outage", { DATABASE_URL: pg.url, EVENT_RETRY_MAX_DELAY_MS: "30000" });
      await ledger.waitForLog((l) => l.msg === "listening", 20_000, "listening");
      const ids: string[] = [];
      const send = (i: number): void => {
        const eventId = randomUUID();
        ids.push(eventId);
        const body = Buffer.from(
          JSON.stringify({ eventId, eventType: "order.placed", aggregateId: `out-${i}`, timestamp: new Date().toISOString(), version: 1, payload: { orderId: `out-${i}` } }),
        );
        ch.publish(`${SYSTEM}.events`, "order.placed", body, { persistent: true, messageId: eventId, type: "order.placed", contentType: "application/json" });
      };
      for (let i = 0; i < 40; i++) send(i);
      await ledger.waitForLog((l) => l.msg === "event processed" && ids.includes(String(l.eventId)), 20_000, "the burst being consumed");
      await pg.stop();
      const stoppedAt = Date.now();
      for (let i = 40; i < 80; i++) send(i);
      await ledger.waitForLog((l) => l.msg === "database unavailable: holding events until it answers (not counted as attempts)", 20_000, "the outage noticed");
      await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (Date.now() - stoppedAt)))); // the outage lasts 10 s
      expect(await tcpReachable("127.0.0.1", pg.port, 500)).toBe(false);
      await pg.start();
      const check = await pgClient(pg.url);
      try {
        await waitFor(
          async () => Number((await check.query<{ n: number }>("SELECT count(DISTINCT event_id)::int AS n FROM ledger_entries")).rows[0]?.n) === 80,
          60_000,
          "all 80 events handled after the outage",
        ).catch((e: unknown) => {
          throw new Error(`${String(e)}\n${ledger.logs.filter((l) => l.msg !== "event processed").slice(-25).map((l) => JSON.stringify(l)).join("\n")}\n${ledger.raw.join("").slice(-3000)}`);
        });
        await waitFor(async () => (await ch.checkQueue(`${SYSTEM}.ledger`)).messageCount === 0, 20_000, "ledger's queue drained");
        const r = (await check.query<{ rows: number; distinct: number }>("SELECT count(*)::int AS rows, count(DISTINCT event_id)::int AS distinct FROM ledger_entries")).rows[0];
        expect(r).toEqual({ rows: 80, distinct: 80 });
        expect(ledger.logs.some((l) => l.msg?.includes("dead-letter"))).toBe(false);
      } finally {
        await check.end();
      }
    } finally {
      await close();
      await stopAll();
      await pg.destroy();
    }
  }, 180_000);

  it("the inbox's claim answered on the pool's callback: a run that throws before its promise rolls back and fails the delivery", async () => {
    // sqlInbox (postgres) runs the handler from node-postgres' callback: a throw there must become the delivery's
    // failure, with its transaction rolled back — not an exception escaping the callback (the process would die)
    const { sqlInbox } = (await import(path.join(built.service("ledger"), "dist/generated/inbox.js"))) as {
      sqlInbox: (db: unknown, events: unknown, afterOutboxCommit: () => void) => (env: unknown, run: () => Promise<void>) => Promise<string>;
    };
    let rolledBack = 0;
    const tx = { firstAffected: 1, rollback: async () => void rolledBack++, commitThen: (answer: (e: Error | null) => void) => answer(null) };
    const db = { literal: (s: string) => `'${s}'`, beginThen: (_first: string, done: (e: unknown, t?: unknown) => void) => setImmediate(() => done(null, tx)) };
    const inbox = sqlInbox(db, {}, () => undefined);
    const env = { eventId: randomUUID(), eventType: "order.placed" };
    await expect(inbox(env, () => { throw new Error("thrown before the handler's promise"); })).rejects.toThrow("thrown before the handler's promise");
    expect(rolledBack).toBe(1);
    // and the path that returns a promise is unchanged: processed, committed, nothing rolled back
    await expect(inbox(env, async () => undefined)).resolves.toBe("processed");
    expect(rolledBack).toBe(1);
  });

  it("a mysql context: outbox and inbox, once each", async (ctx) => {
    if (!(await tcpReachable("127.0.0.1", 3306))) {
      if (IN_CI) throw new Error("MariaDB is not reachable on 127.0.0.1:3306 (CI=true: e2e tests must not skip)");
      ctx.skip();
    }
    const mysql = await sharedRequire<{ createConnection(u: string): Promise<{ query(s: string, v?: unknown[]): Promise<[unknown, unknown]>; end(): Promise<void> }> }>("mysql2/promise");
    const myDb = `msa_core_${RUN}`;
    const adminMy = await mysql.createConnection(MYSQL_URL_BASE);
    await adminMy.query(`CREATE DATABASE ${myDb}`);
    const my = await mysql.createConnection(`${MYSQL_URL_BASE}/${myDb}`);
    const { ch, close } = await rabbit(RABBITMQ_URL);
    try {
      await my.query("CREATE TABLE books (id VARCHAR(64) PRIMARY KEY)");
      await my.query("CREATE TABLE book_orders (event_id VARCHAR(64) NOT NULL, order_id VARCHAR(64) NOT NULL)");
      const books = await start("books", "books", { DATABASE_URL: `${MYSQL_URL_BASE}/${myDb}` });
      const tap = `${SYSTEM}.e2e-tap-books-${RUN}`;
      await ch.assertExchange(`${SYSTEM}.events`, "topic", { durable: true });
      await ch.assertQueue(tap, { exclusive: true });
      await ch.bindQueue(tap, `${SYSTEM}.events`, "book.added");
      const bookId = `b-${randomUUID()}`;
      const res = await httpPost(`${books.url}/books`, { bookId });
      expect(res.status).toBe(201);
      let got: { bookId?: string } | undefined;
      await waitFor(async () => {
        const m = await ch.get(tap, { noAck: true });
        if (m) got = (JSON.parse(m.content.toString("utf8")) as { payload: { bookId: string } }).payload;
        return !!got;
      }, 15_000, "book.added from the outbox");
      expect(got).toEqual({ bookId });
      await waitFor(async () => {
        const [rows] = (await my.query("SELECT sent_at IS NOT NULL AS sent FROM msa_outbox WHERE aggregate_id = ?", [bookId])) as [{ sent: number }[], unknown];
        return rows[0]?.sent === 1;
      }, 10_000, "the outbox row marked sent");
      // the same order.placed twice: one row
      const eventId = randomUUID();
      const body = Buffer.from(JSON.stringify({ eventId, eventType: "order.placed", aggregateId: "o-my", timestamp: new Date().toISOString(), version: 1, payload: { orderId: "o-my" } }));
      ch.publish(`${SYSTEM}.events`, "order.placed", body, { persistent: true, messageId: eventId, type: "order.placed" });
      ch.publish(`${SYSTEM}.events`, "order.placed", body, { persistent: true, messageId: eventId, type: "order.placed" });
      await books.waitForLog((l) => l.msg === "duplicate event dropped" && l.eventId === eventId, 15_000, "the duplicate dropped");
      const [rows] = (await my.query("SELECT count(*) AS n FROM book_orders WHERE event_id = ?", [eventId])) as [{ n: number }[], unknown];
      expect(Number(rows[0]?.n)).toBe(1);
      const [inbox] = (await my.query("SELECT count(*) AS n FROM msa_inbox WHERE event_id = ?", [eventId])) as [{ n: number }[], unknown];
      expect(Number(inbox[0]?.n)).toBe(1);
    } finally {
      await close();
      await stopAll();
      await my.end();
      await adminMy.query(`DROP DATABASE IF EXISTS ${myDb}`).catch(() => undefined);
      await adminMy.end();
    }
  }, 120_000);
});
