// e2e (issue #13, node-express, shared NATS JetStream + PostgreSQL, a database of the test's own): the outbox relay
// when JetStream refuses its publishes — the stream for the subjects is gone, so every `js.publish` fails (no
// responders). The rows stay unsent, each try is marked with its error and a growing backoff (250 ms doubling), the
// relay keeps claiming (MARK_FAILED in the claim's transaction, the rows unlocked at its COMMIT); once the stream is
// back (a restart of the service declares it again) every row is published and marked sent: nothing lost, one
// message each in the stream, each aggregate's events in order.
// Also: a private nats-server restarted while the relay drains a backlog (publishes in flight lose their acks): every
// row is sent in the end and every event is in the stream once (the stream's duplicate window drops a re-publish).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystemCached, httpPost, NATS_URL, POSTGRES_URL, privateNatsUnavailable, requireBroker, sharedRequire, startNatsServer, startService, waitFor, type BuiltSystem, type NatsServer, type ServiceProcess, pgClient, type PgClient } from "./harness.js";
import { toEnvName } from "../../src/core/names.js";

const SYSTEM = `obxnats${process.env.MSA_E2E_SUFFIX ?? ""}`;
const RUN = randomUUID().slice(0, 8);
const STREAM = `${toEnvName(SYSTEM)}_EVENTS`;

const yaml = `
version: 1
name: ${SYSTEM}
broker: { kind: nats }
contexts:
  orders:
    port: 3000
    database: postgres
    api: ["POST /orders"]
    publishes: [order.placed]
events:
  order.placed:
    schema:
      type: object
      required: [orderId, n]
      properties:
        orderId: { type: string }
        n: { type: integer }
`;

const userFiles: Record<string, string> = {
  "services/orders/src/handlers/postOrders.ts": `import type { Request, Response } from "express";
import type { HandlerContext } from "../generated/routes.js";

export async function postOrders(req: Request, res: Response, ctx: HandlerContext): Promise<void> {
  const { orderId, n } = req.body as { orderId: string; n: number };
  const event = await ctx.db.transaction((tx) => tx.events.publishOrderPlaced({ orderId, n }, { aggregateId: orderId }));
  res.status(201).json({ eventId: event.eventId });
}
`,
};

interface Jsm {
  streams: {
    delete(name: string): Promise<boolean>;
    info(name: string): Promise<{ state: { messages: number; first_seq: number; last_seq: number } }>;
    getMessage(name: string, q: { seq: number }): Promise<{ data: Uint8Array }>;
  };
}
interface NatsConn {
  jetstreamManager(): Promise<Jsm>;
  close(): Promise<void>;
}

const skip = await (async () => (await requireBroker("nats")) ?? (await requireBroker("postgres")))();

describe.skipIf(!!skip)("node-express: the NATS relay while JetStream refuses its publishes (no stream)", () => {
  let built: BuiltSystem;
  let admin: PgClient;
  let db: PgClient;
  let nc: NatsConn;
  let jsm: Jsm;
  const dbName = `msa_obxnats_${RUN}`;
  const url = POSTGRES_URL.replace(/\/[^/]*$/, `/${dbName}`);
  let procs: ServiceProcess[] = [];
  const start = async (name: string, brokerUrl = NATS_URL): Promise<ServiceProcess> => {
    const p = await startService(built.service("orders"), { name, env: { BROKER_URL: brokerUrl, DATABASE_URL: url, OUTBOX_POLL_MS: "100" } });
    procs.push(p);
    await waitFor(async () => (await fetch(`${p.url}/ready`)).status === 200, 30_000, `${name} /ready 200`);
    return p;
  };

  beforeAll(async () => {
    built = await buildSystemCached("obxnats", yaml, userFiles, ["orders"]);
    const nats = await sharedRequire<{ connect(o: object): Promise<NatsConn> }>("nats");
    nc = await nats.connect({ servers: NATS_URL.replace(/^nats:\/\//, "") });
    jsm = await nc.jetstreamManager();
    for (const s of [STREAM, `${toEnvName(SYSTEM)}_DLQ`]) await jsm.streams.delete(s).catch(() => false);
    admin = await pgClient(POSTGRES_URL);
    await admin.query(`CREATE DATABASE ${dbName}`);
    db = await pgClient(url);
  }, 300_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    for (const s of [STREAM, `${toEnvName(SYSTEM)}_DLQ`]) await jsm?.streams.delete(s).catch(() => false);
    await nc?.close();
    await db?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
  });

  it("rows stay unsent with a growing backoff while no stream takes them; after the stream is back each is published once, in order", async () => {
    const first = await start("orders-1");
    expect(await jsm.streams.delete(STREAM)).toBe(true);
    // two aggregates, three events each
    const aggregates = [`agg-${RUN}-a`, `agg-${RUN}-b`];
    for (let n = 0; n < 3; n++) for (const orderId of aggregates) expect((await httpPost(`${first.url}/orders`, { orderId, n })).status).toBe(201);
    const rows = (await db.query<{ event_id: string; aggregate_id: string }>("SELECT event_id, aggregate_id FROM msa_outbox ORDER BY id")).rows;
    expect(rows).toHaveLength(6);
    const failures = (eventId: string): number[] => first.logs.filter((l) => l.msg === "outbox: publish failed; retried later" && l.eventId === eventId).map((l) => Number(l.delayMs));
    // only the oldest unsent row of each aggregate is claimed: the heads of the two aggregates are the ones tried
    const heads = aggregates.map((a) => rows.find((r) => r.aggregate_id === a)!.event_id);
    await waitFor(() => heads.every((id) => failures(id).length >= 3), 20_000, "three refused publishes of each aggregate's first row");
    for (const id of heads) expect(failures(id).slice(0, 3)).toEqual([250, 500, 1000]);
    expect(rows.filter((r) => !heads.includes(r.event_id)).every((r) => failures(r.event_id).length === 0)).toBe(true);
    const state = await db.query<{ event_id: string; sent: boolean; attempts: number; last_error: string | null }>("SELECT event_id, sent_at IS NOT NULL AS sent, attempts, last_error FROM msa_outbox");
    for (const r of state.rows) {
      expect(r.sent).toBe(false);
      if (heads.includes(r.event_id)) {
        expect(r.attempts).toBeGreaterThanOrEqual(3);
        expect(r.last_error).toMatch(/503/); // no responders: no stream takes the subject
      } else expect(r.attempts).toBe(0);
    }
    // the stream comes back with the service's restart (it declares its topology at start)
    await first.stop();
    procs = procs.filter((p) => p !== first);
    await start("orders-2");
    await waitFor(async () => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM msa_outbox WHERE sent_at IS NULL")).rows[0]!.n === 0, 40_000, "every row sent");
    const info = await jsm.streams.info(STREAM);
    expect(info.state.messages).toBe(6);
    const got: { aggregateId: string; eventId: string; payload: { n: number } }[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) got.push(JSON.parse(new TextDecoder().decode((await jsm.streams.getMessage(STREAM, { seq })).data)) as (typeof got)[number]);
    expect(new Set(got.map((e) => e.eventId)).size).toBe(6);
    for (const a of aggregates) expect(got.filter((e) => e.aggregateId === a).map((e) => e.payload.n)).toEqual([0, 1, 2]);
    await Promise.all(procs.map((p) => p.stop()));
    procs = [];
  }, 120_000);

  it("a private nats-server restarted while the relay drains a backlog: every row sent, every event in the stream once", async (ctx) => {
    const why = await privateNatsUnavailable();
    if (why) ctx.skip(why);
    const server: NatsServer = await startNatsServer();
    const nats = await sharedRequire<{ connect(o: object): Promise<NatsConn> }>("nats");
    let pc: NatsConn | undefined;
    try {
      await start("orders-private", server.url);
      await db.query("DELETE FROM msa_outbox");
      // a backlog the relay needs many rounds for: 4,000 rows of 40 aggregates, committed at once
      const rows: unknown[][] = [];
      for (let n = 0; n < 100; n++)
        for (let g = 0; g < 40; g++) {
          const aggregateId = `rs-${RUN}-${g}`;
          const eventId = randomUUID();
          rows.push([eventId, "order.placed", aggregateId, JSON.stringify({ eventId, eventType: "order.placed", aggregateId, timestamp: new Date().toISOString(), version: 1, payload: { orderId: aggregateId, n } })]);
        }
      await db.query("BEGIN");
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        await db.query(`INSERT INTO msa_outbox (event_id, event_type, aggregate_id, body) VALUES ${chunk.map((_, j) => `($${j * 4 + 1}, $${j * 4 + 2}, $${j * 4 + 3}, $${j * 4 + 4})`).join(", ")}`, chunk.flat());
      }
      await db.query("COMMIT");
      const sent = async (): Promise<number> => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM msa_outbox WHERE sent_at IS NOT NULL")).rows[0]!.n;
      await waitFor(async () => (await sent()) >= 300, 30_000, "the relay under way");
      await server.stop();
      const during = await sent();
      await new Promise((r) => setTimeout(r, 1_500));
      await server.start();
      await waitFor(async () => (await sent()) === 4_000, 90_000, "every row sent after the restart");
      expect(during).toBeLessThan(4_000);
      pc = await nats.connect({ servers: server.url.replace(/^nats:\/\//, "") });
      const pjsm = await pc.jetstreamManager();
      const info = await pjsm.streams.info(STREAM);
      const ids = new Set<string>();
      const order = new Map<string, number[]>();
      for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
        const e = JSON.parse(new TextDecoder().decode((await pjsm.streams.getMessage(STREAM, { seq })).data)) as { eventId: string; aggregateId: string; payload: { n: number } };
        ids.add(e.eventId);
        order.set(e.aggregateId, [...(order.get(e.aggregateId) ?? []), e.payload.n]);
      }
      expect(ids.size).toBe(4_000);
      expect(info.state.messages).toBe(4_000);
      const inOrder = JSON.stringify(Array.from({ length: 100 }, (_, n) => n));
      expect([...order.values()].filter((ns) => JSON.stringify(ns) !== inOrder)).toEqual([]);
    } finally {
      await Promise.all(procs.map((p) => p.stop()));
      procs = [];
      await pc?.close().catch(() => undefined);
      await server.destroy();
    }
  }, 180_000);
});
