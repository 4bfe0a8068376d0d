// Graceful shutdown of a node-express service (issue #14 item 5), on real processes, RabbitMQ and PostgreSQL:
// - two replicas behind a client-side balancer that follows /ready (as Kubernetes endpoints do), 16 keep-alive
//   clients in a steady loop; SIGTERM to one replica mid-load → zero failed requests, the replica answered with
//   Connection: close while draining, exit 0;
// - a consumer in the middle of a 3 s handler when SIGTERM arrives → the handler finishes, the message is acked
//   (the next replica never sees it), events published meanwhile are handled by the next replica: every event
//   handled exactly once, none lost.
import { randomUUID } from "node:crypto";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystemCached, httpGet, POSTGRES_URL, RABBITMQ_URL, requireBroker, startService, waitFor, type BuiltSystem, type ServiceProcess, pgClient, type PgClient } from "./harness.js";
import { rabbit } from "./fixtures/system.js";

const SYSTEM = `drainnode${process.env.MSA_E2E_SUFFIX ?? ""}`;
const RUN = randomUUID().slice(0, 8);

const yaml = `
version: 1
name: ${SYSTEM}
broker: { kind: rabbitmq }
contexts:
  ledger:
    port: 3000
    database: postgres
    api: ["GET /entries/{id}"]
    consumes: [entry.requested]
  desk:
    port: 3001
    api: ["POST /requests"]
    publishes: [entry.requested]
events:
  entry.requested:
    schema:
      type: object
      required: [entryId, holdMs]
      properties:
        entryId: { type: string }
        holdMs: { type: integer }
`;

const userFiles: Record<string, string> = {
  // ~40 ms of work per request: under load some are always in flight
  "services/ledger/src/handlers/getEntriesById.ts": `import type { Request, Response } from "express";
import type { HandlerContext } from "../generated/routes.js";

export async function getEntriesById(req: Request, res: Response, _ctx: HandlerContext): Promise<void> {
  await new Promise((r) => setTimeout(r, 40));
  res.json({ id: req.params.id, pid: process.pid });
}
`,
  // a row per run of the handler, in the inbox transaction; holds for holdMs first
  "services/ledger/src/consumers/entry.requested.ts": `import type { ConsumerContext, EntryRequestedEvent } from "../generated/events.js";

export async function onEntryRequested(event: EntryRequestedEvent, ctx: ConsumerContext): Promise<void> {
  ctx.log.info({ eventId: event.eventId }, "handler started");
  await new Promise((r) => setTimeout(r, event.payload.holdMs));
  await ctx.db.query("INSERT INTO drain_entries (event_id, pid) VALUES ($1, $2)", [event.eventId, process.pid]);
  ctx.log.info({ eventId: event.eventId }, "handler finished");
}
`,
};

const dbUrl = (base: string, db: string): string => base.replace(/\/[^/]*$/, `/${db}`);

const skip = (await requireBroker("rabbitmq")) ?? (await requireBroker("postgres"));

describe.skipIf(!!skip)("node-express: graceful shutdown under load (RabbitMQ + PostgreSQL)", () => {
  let built: BuiltSystem;
  let admin: PgClient;
  let db: PgClient;
  const dbName = `msa_drain_${RUN}`;
  let procs: ServiceProcess[] = [];
  const start = async (name: string, extra: Record<string, string> = {}): Promise<ServiceProcess> => {
    const p = await startService(built.service("ledger"), {
      name,
      env: { BROKER_URL: RABBITMQ_URL, DATABASE_URL: dbUrl(POSTGRES_URL, dbName), SHUTDOWN_TIMEOUT_MS: "10000", ...extra },
    });
    procs.push(p);
    await waitFor(async () => (await httpGet(`${p.url}/ready`)).status === 200, 20_000, `${name} /ready 200`);
    return p;
  };

  beforeAll(async () => {
    built = await buildSystemCached("drainnode", yaml, userFiles, ["ledger"]);
    const { ch, close } = await rabbit(RABBITMQ_URL);
    for (const q of [`${SYSTEM}.ledger`, `${SYSTEM}.ledger.dead-letter`]) await ch.deleteQueue(q);
    await close();
    admin = await pgClient(POSTGRES_URL);
    await admin.query(`CREATE DATABASE ${dbName}`);
    db = await pgClient(dbUrl(POSTGRES_URL, dbName));
    await db.query("CREATE TABLE drain_entries (event_id text NOT NULL, pid int NOT NULL)");
  }, 300_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await db?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
  });

  it("SIGTERM during steady load over 16 keep-alive connections: no request fails", async () => {
    const a = await start("ledger-a", { SHUTDOWN_DELAY_MS: "1500" });
    const b = await start("ledger-b");
    const replicas = [
      { p: a, ready: true },
      { p: b, ready: true },
    ];
    // the balancer: a replica gets new requests while its /ready answers 200 (polled every 250 ms)
    let polling = true;
    const poller = (async () => {
      while (polling) {
        await Promise.all(
          replicas.map(async (r) => {
            const ready = await httpGet(`${r.p.url}/ready`).then((x) => x.status === 200, () => false);
            // like an endpoints controller, the balancer acts on a failed readiness late (250 ms after it saw it), so
            // requests keep reaching the draining replica for a while: those must be answered, and with Connection:
            // close. (Acting at once let a poll that happened to run just after the SIGTERM take the replica out before
            // any request reached it: no close seen — failed once in CI.)
            if (ready) r.ready = true;
            else if (r.ready) setTimeout(() => (r.ready = false), 250);
          }),
        );
        await new Promise((res) => setTimeout(res, 250));
      }
    })();
    const stats = { ok: 0, failed: [] as string[], closeFromA: 0, fromAAfterTerm: 0 };
    let termAt = 0;
    let running = true;
    const worker = async (w: number): Promise<void> => {
      const agents = replicas.map(() => new http.Agent({ keepAlive: true, maxSockets: 1 }));
      let turn = w;
      while (running) {
        const live = replicas.map((r, i) => ({ r, i })).filter((x) => x.r.ready);
        if (!live.length) {
          await new Promise((res) => setTimeout(res, 10));
          continue;
        }
        const { r, i } = live[turn++ % live.length]!;
        const sent = Date.now();
        await new Promise<void>((resolve) => {
          http
            .get(`${r.p.url}/entries/${w}-${turn}`, { agent: agents[i] }, (res) => {
              res.resume();
              res.on("end", () => {
                if (res.statusCode === 200) stats.ok++;
                else stats.failed.push(`${r.p.name}: ${res.statusCode}`);
                if (r.p === a && res.headers.connection === "close") stats.closeFromA++;
                if (r.p === a && termAt && sent >= termAt) stats.fromAAfterTerm++;
                resolve();
              });
            })
            .on("error", (e) => {
              stats.failed.push(`${r.p.name}: ${e.message}`);
              resolve();
            });
        });
      }
      for (const ag of agents) ag.destroy();
    };
    const workers = Array.from({ length: 16 }, (_, w) => worker(w));
    await new Promise((r) => setTimeout(r, 1_500));
    const before = stats.ok;
    termAt = Date.now();
    process.kill(a.pid, "SIGTERM");
    const code = await a.exited;
    const stoppedAfterMs = Date.now() - termAt;
    await new Promise((r) => setTimeout(r, 500));
    running = false;
    await Promise.all(workers);
    polling = false;
    await poller;
    procs = procs.filter((p) => p !== a);
    // b stops before the assertions: a failed one must not leave it running (and consuming) in the next test
    await b.stop();
    procs = procs.filter((p) => p !== b);

    expect(stats.failed).toEqual([]);
    expect(code).toBe(0);
    expect(before).toBeGreaterThan(50);
    expect(stats.ok).toBeGreaterThan(before);
    // it went on serving during the delay, and those answers closed their connections
    expect(stats.closeFromA).toBeGreaterThan(0);
    expect(stoppedAfterMs).toBeGreaterThanOrEqual(1_500);
    expect(a.logs.some((l) => l.msg === "shutting down: readiness fails, still serving")).toBe(true);
    expect(a.logs.find((l) => l.msg === "stopped")).toMatchObject({ drained: true });
  }, 120_000);

  it("SIGTERM while a consumer is mid-handler: it finishes and acks; the rest goes to the next replica, each once", async () => {
    const a = await start("ledger-consumer-a", { SHUTDOWN_DELAY_MS: "300" });
    const { ch, close } = await rabbit(RABBITMQ_URL);
    const publish = (entryId: string, holdMs: number): string => {
      const eventId = randomUUID();
      const envelope = { eventId, eventType: "entry.requested", aggregateId: entryId, timestamp: new Date().toISOString(), version: 1, correlationId: `drain-${RUN}`, payload: { entryId, holdMs } };
      ch.publish(`${SYSTEM}.events`, "entry.requested", Buffer.from(JSON.stringify(envelope)), { persistent: true, contentType: "application/json", messageId: eventId, type: "entry.requested" });
      return eventId;
    };
    try {
      const slow = publish(`slow-${RUN}`, 3_000);
      await a.waitForLog((l) => l.msg === "handler started" && l.eventId === slow, 15_000, "the slow handler started");
      process.kill(a.pid, "SIGTERM");
      const later = Array.from({ length: 10 }, (_, i) => publish(`later-${RUN}-${i}`, 20));
      const code = await a.exited;
      procs = procs.filter((p) => p !== a);
      expect(code).toBe(0);
      expect(a.logs.some((l) => l.msg === "handler finished" && l.eventId === slow)).toBe(true);
      expect(a.logs.some((l) => l.msg === "event processed" && l.eventId === slow)).toBe(true);

      const b = await start("ledger-consumer-b");
      const all = [slow, ...later];
      await waitFor(
        async () => Number((await db.query<{ n: string }>("SELECT count(DISTINCT event_id) AS n FROM drain_entries WHERE event_id = ANY($1)", [all])).rows[0]?.n) === all.length,
        30_000,
        "every event handled",
      );
      await new Promise((r) => setTimeout(r, 1_000)); // a redelivery, if any, would land now
      const rows = (await db.query<{ event_id: string; n: string }>("SELECT event_id, count(*) AS n FROM drain_entries WHERE event_id = ANY($1) GROUP BY event_id", [all])).rows;
      expect(rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
      expect(rows).toHaveLength(all.length);
      // the slow one was acked by a: b never received it (not even as a duplicate)
      expect(b.logs.filter((l) => l.eventId === slow)).toEqual([]);
      const q = await ch.checkQueue(`${SYSTEM}.ledger`);
      expect(q.messageCount).toBe(0);
    } finally {
      await close();
    }
  }, 120_000);
});
