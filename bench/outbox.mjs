// Outbox publish throughput (issue 13, docs/messaging.md): the generated node-express service publishing N events,
// each inside its own handler transaction (ctx.db.transaction → tx.events → a msa_outbox row; 16 transactions at a
// time), published by its relay with publisher confirms (RabbitMQ) / acks (NATS) and marked sent — against a floor of
// N direct publishes from this process, 16 awaiting their confirm/ack at a time. The clock runs from the start until
// all N are on the broker (counted there: a queue of the bench's own bound to the exchange, or the stream's message
// count). Rounds are interleaved; the figure is the ratio of median events/s measured in the same run (budget ≥ 0.8×).
// Needs: the e2e shared node_modules (any e2e test installs it), RabbitMQ 5672, NATS 4222, PostgreSQL 5432.
// --before K=V[,K=V]: in every round also the end-to-end figure of the service restarted with that environment (e.g.
// DATABASE_POOL_SIZE=10, the pool before it was raised to 20): a change against what it replaces, in the same run.
// usage: node bench/outbox.mjs [--broker rabbitmq|nats|both] [--events N] [--rounds R] [--before K=V]
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import http from "node:http";
import path from "node:path";
import { NATS, RABBIT, arg, envName, figure, generate, median, privateDatabase, progress, sharedModules, startService, until } from "./messaging.mjs";

const N = Number(arg("--events", 3000));
const ROUNDS = Number(arg("--rounds", 3));
const BROKERS = arg("--broker", "both") === "both" ? ["rabbitmq", "nats"] : [arg("--broker")];
const CONCURRENCY = 16;
const BEFORE = arg("--before") ? Object.fromEntries(String(arg("--before")).split(",").map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)])) : null;
const { shared, amqp, pg, nats } = sharedModules();
const run = randomUUID().slice(0, 8);

const yaml = (system, broker) => `version: 1
name: ${system}
broker: { kind: ${broker} }
contexts:
  orders:
    port: 3000
    database: postgres
    api: ["POST /bench/publish"]
    publishes: [order.placed]
events:
  order.placed:
    schema:
      type: object
      required: [orderId]
      properties:
        orderId: { type: string }
`;

// The handler the bench puts in place of the generated stub (a user-owned file): N transactions, 16 at a time, each
// writing one event to the outbox; answers when all committed (the relay may still be publishing).
const HANDLER = `import type { Request, Response } from "express";
import type { HandlerContext } from "../generated/routes.js";

export async function postBenchPublish(req: Request, res: Response, ctx: HandlerContext): Promise<void> {
  const { count, concurrency, prefix } = req.body as { count: number; concurrency: number; prefix: string };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const orderId = \`\${prefix}-\${next++}\`;
      await ctx.db.transaction(async (tx) => {
        await tx.events.publishOrderPlaced({ orderId }, { aggregateId: orderId });
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  res.status(202).json({ committed: count });
}
`;

const body = (i) =>
  Buffer.from(JSON.stringify({ eventId: randomUUID(), eventType: "order.placed", aggregateId: `o-${i}`, timestamp: new Date().toISOString(), version: 1, payload: { orderId: `o-${i}` } }));

function post(port, pathname, json) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(json));
    const req = http.request({ host: "127.0.0.1", port, path: pathname, method: "POST", headers: { "content-type": "application/json", "content-length": data.length } }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d) => (text += d));
      res.on("end", () => (res.statusCode === 202 ? resolve(text) : reject(new Error(`${pathname}: ${res.statusCode} ${text}`))));
    });
    req.on("error", reject);
    req.end(data);
  });
}

/** Runs `one(i)` for i < N, `CONCURRENCY` at a time. */
async function windowed(one) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < N) await one(next++);
    }),
  );
}

async function rabbitmq(system) {
  const conn = await amqp.connect(RABBIT);
  conn.on("error", (e) => progress("rabbitmq", `connection: ${e.message}`));
  const ch = await conn.createConfirmChannel();
  const exchange = `${system}.events`;
  const count = `${system}.bench-count`;
  await ch.assertExchange(exchange, "topic", { durable: true });
  await ch.assertQueue(count, { durable: true });
  await ch.bindQueue(count, exchange, "#");
  let onBroker = 0;
  return {
    async purge() {
      await ch.purgeQueue(count);
      onBroker = 0;
    },
    async onBroker() {
      onBroker = (await ch.checkQueue(count)).messageCount;
      return onBroker;
    },
    seen: () => onBroker,
    async floor(before) {
      await windowed(async (i) => {
        const content = body(i);
        await before?.(i, content);
        await new Promise((resolve, reject) =>
          ch.publish(exchange, "order.placed", content, { persistent: true, contentType: "application/json", type: "order.placed" }, (err) => (err ? reject(err) : resolve())),
        );
      });
    },
    async cleanup() {
      await ch.deleteQueue(count).catch(() => undefined);
      for (const x of [exchange, `${system}.dlx`]) await ch.deleteExchange(x).catch(() => undefined);
      await conn.close();
    },
  };
}

async function natsBroker(system) {
  const nc = await nats.connect({ servers: NATS.replace(/^nats:\/\//, "") });
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  const stream = `${envName(system)}_EVENTS`;
  let onBroker = 0;
  return {
    async purge() {
      await jsm.streams.purge(stream);
      onBroker = 0;
    },
    async onBroker() {
      onBroker = (await jsm.streams.info(stream)).state.messages;
      return onBroker;
    },
    seen: () => onBroker,
    async floor(before) {
      await windowed(async (i) => {
        const content = body(i);
        await before?.(i, content);
        await js.publish(`${system}.events.order.placed`, content, { msgID: randomUUID() });
      });
    },
    async cleanup() {
      for (const s of [stream, `${envName(system)}_DLQ`]) await jsm.streams.delete(s).catch(() => undefined);
      await nc.drain();
    },
  };
}

async function bench(broker) {
  const system = `benchobx-${broker}-${run}`;
  progress(broker, `generating and building ${system}`);
  const dir = generate(shared, `outbox-${broker}-${run}`, yaml(system, broker), ["orders"], { "services/orders/src/handlers/postBenchPublish.ts": HANDLER });
  const svc = path.join(dir, "services/orders");
  const db = await privateDatabase(pg, `msa_bench_obx_${broker}_${run}`);
  const env = { BROKER_URL: broker === "rabbitmq" ? RABBIT : NATS, DATABASE_URL: db.url, OUTBOX_POLL_MS: "50" };
  // the service declares the exchange / stream; started once for the whole run (its relay idles between rounds),
  // with the default relay lanes (2); restarted with OUTBOX_RELAY_LANES=1 around the one-lane relay rounds
  let s = startService(svc, env);
  await s.ready;
  const restart = async (extra = {}) => {
    await s.stop();
    s = startService(svc, { ...env, ...extra });
    await s.ready;
  };
  const b = broker === "rabbitmq" ? await rabbitmq(system) : await natsBroker(system);
  const onBroker = (tag) => until(async () => (await b.onBroker()) >= N, () => `${tag}: ${b.seen()}/${N} on the broker`, broker);

  async function generatedRound(r) {
    const t0 = performance.now();
    await post(s.port, "/bench/publish", { count: N, concurrency: CONCURRENCY, prefix: `r${r}` });
    progress(broker, `generated: ${N} committed after ${(performance.now() - t0).toFixed(0)} ms, ${await b.onBroker()} on the broker`);
    await onBroker("generated");
    return (N / (performance.now() - t0)) * 1000;
  }
  /**
   * The relay alone: N rows committed into msa_outbox by the bench in one transaction (what N handler transactions
   * leave behind), the clock from that COMMIT until all N are on the broker. The relay polls every OUTBOX_POLL_MS
   * (50 ms here) when no commit of its own process woke it.
   */
  async function relayRound(r) {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    await client.query("BEGIN");
    for (let i = 0; i < N; i += 500) {
      const rows = [];
      const values = [];
      for (let j = i; j < Math.min(N, i + 500); j++) {
        const eventId = randomUUID();
        const aggregateId = `relay-${r}-${j}`;
        const envelope = { eventId, eventType: "order.placed", aggregateId, timestamp: new Date().toISOString(), version: 1, payload: { orderId: aggregateId } };
        values.push(eventId, "order.placed", aggregateId, JSON.stringify(envelope), "{}");
        const k = rows.length * 5;
        rows.push(`($${k + 1}, $${k + 2}, $${k + 3}, $${k + 4}, $${k + 5})`);
      }
      await client.query(`INSERT INTO msa_outbox (event_id, event_type, aggregate_id, body, headers) VALUES ${rows.join(", ")}`, values);
    }
    await client.query("COMMIT");
    const t0 = performance.now();
    await client.end();
    await onBroker("relay");
    return (N / (performance.now() - t0)) * 1000;
  }

  /**
   * The hand-written way without an outbox, for scale: the same transaction per event (BEGIN, INSERT of the same row
   * into a table of its own, COMMIT; pg pool of 20, the generated default), then a direct publish awaiting its confirm/ack; 16 at a time.
   * (Not safe — a crash between the commit and the publish loses the event — but the same database work.)
   */
  async function floorTxRound() {
    const pool = new pg.Pool({ connectionString: db.url, max: 20 });
    await pool.query("CREATE TABLE IF NOT EXISTS floor_events (event_id varchar(64) PRIMARY KEY, event_type varchar(255) NOT NULL, aggregate_id varchar(255) NOT NULL, body text NOT NULL, headers text NOT NULL)");
    const t0 = performance.now();
    await b.floor(async (i, content) => {
      const c = await pool.connect();
      try {
        await c.query("BEGIN");
        const env = JSON.parse(content.toString("utf8"));
        await c.query("INSERT INTO floor_events (event_id, event_type, aggregate_id, body, headers) VALUES ($1, $2, $3, $4, $5)", [env.eventId, env.eventType, env.aggregateId, content.toString("utf8"), "{}"]);
        await c.query("COMMIT");
      } finally {
        c.release();
      }
    });
    await onBroker("floor with transactions");
    const ms = performance.now() - t0;
    await pool.end();
    return (N / ms) * 1000;
  }

  async function floorRound() {
    const t0 = performance.now();
    await b.floor();
    await onBroker("floor");
    return (N / (performance.now() - t0)) * 1000;
  }

  const gen = [];
  const genBefore = [];
  const relay = [];
  const relay1 = [];
  const floor = [];
  const floorTx = [];
  try {
    await b.purge();
    progress(broker, "warm-up round (not counted)");
    await generatedRound("warm");
    await b.purge();
    await relayRound("warm");
    await b.purge();
    await floorRound();
    await b.purge();
    await floorTxRound();
    for (let r = 0; r < ROUNDS; r++) {
      await b.purge();
      floor.push(await floorRound());
      progress(broker, `round ${r + 1}: floor ${floor.at(-1).toFixed(0)} events/s`);
      await b.purge();
      gen.push(await generatedRound(r));
      progress(broker, `round ${r + 1}: generated ${gen.at(-1).toFixed(0)} events/s`);
      if (BEFORE) {
        await restart(BEFORE);
        await b.purge();
        genBefore.push(await generatedRound(`${r}-b`));
        progress(broker, `round ${r + 1}: generated with ${JSON.stringify(BEFORE)} ${genBefore.at(-1).toFixed(0)} events/s`);
        await restart();
      }
      await b.purge();
      relay.push(await relayRound(r));
      progress(broker, `round ${r + 1}: relay alone ${relay.at(-1).toFixed(0)} events/s`);
      await b.purge();
      await restart({ OUTBOX_RELAY_LANES: "1" });
      relay1.push(await relayRound(`${r}-1`));
      progress(broker, `round ${r + 1}: relay alone, one lane ${relay1.at(-1).toFixed(0)} events/s`);
      await restart();
      await b.purge();
      floorTx.push(await floorTxRound());
      progress(broker, `round ${r + 1}: floor with transactions ${floorTx.at(-1).toFixed(0)} events/s`);
    }
  } finally {
    await s.stop();
    await b.cleanup();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const what = broker === "rabbitmq" ? "RabbitMQ confirms" : "NATS JetStream acks";
  figure(`outbox relay alone (rows committed → on the broker), ${what}`, median(relay), median(floor), relay, floor);
  figure(`outbox relay alone, one lane (OUTBOX_RELAY_LANES=1), ${what}`, median(relay1), median(floor), relay1, floor);
  console.log(`    load average at the end: ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`);
  figure(`outbox end to end (a handler transaction per event + relay), ${what}`, median(gen), median(floor), gen, floor);
  if (BEFORE) {
    const tag = Object.entries(BEFORE).map(([k, v]) => `${k}=${v}`).join(" ");
    figure(`outbox end to end with ${tag}, ${what}`, median(genBefore), median(floor), genBefore, floor);
    console.log(`    outbox end to end, default against ${tag}: ${(median(gen) / median(genBefore)).toFixed(2)}×`);
  }
  const g = median(gen);
  const ft = median(floorTx);
  console.log(`    outbox end to end against commit-then-publish by hand (same transactions, no outbox), ${what}: ${g.toFixed(0)} vs ${ft.toFixed(0)} events/s = ${(g / ft).toFixed(2)}× (rounds ${floorTx.map((x) => x.toFixed(0)).join(", ")})`);
}

for (const broker of BROKERS) await bench(broker);
