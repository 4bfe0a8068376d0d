// e2e (issue #13, node-express, shared NATS JetStream + PostgreSQL, a database of the test's own): the outbox relay
// when JetStream refuses its publishes — the stream for the subjects is gone, so every `js.publish` fails (no
// responders). The rows stay unsent, each try is marked with its error and a growing backoff (250 ms doubling), the
// relay keeps claiming (MARK_FAILED in the claim's transaction, the rows unlocked at its COMMIT); once the stream is
// back (a restart of the service declares it again) every row is published and marked sent: nothing lost, one
// message each in the stream, each aggregate's events in order.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystemCached, httpPost, NATS_URL, POSTGRES_URL, requireBroker, sharedRequire, startService, waitFor, type BuiltSystem, type ServiceProcess } from "./harness.js";
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

interface PgClient {
  connect(): Promise<void>;
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
}
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

async function pgClient(url: string): Promise<PgClient> {
  const pg = await sharedRequire<{ Client: new (o: { connectionString: string }) => PgClient }>("pg");
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  return c;
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
  const start = async (name: string): Promise<ServiceProcess> => {
    const p = await startService(built.service("orders"), { name, env: { BROKER_URL: NATS_URL, DATABASE_URL: url, OUTBOX_POLL_MS: "100" } });
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
        expect(r.last_error).toBeTruthy();
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
  }, 120_000);
});
