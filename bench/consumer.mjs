// The generated node-express consumer with its PostgreSQL inbox against a minimal hand-written floor, on the shared
// RabbitMQ and PostgreSQL (issue 13, docs/messaging.md). Both consume the same N events from a queue with the same
// prefetch (16): the floor parses the JSON, checks the schema with ajv, INSERT … ON CONFLICT DO NOTHING into an inbox
// table on a pg pool of 10, acks. The generated service runs its whole path (envelope + payload validation, BEGIN +
// inbox claim, the handler — a no-op —, COMMIT, ack, metrics, a log line per event). Rounds are interleaved; the
// figure is the ratio of median events/s measured in the same run (target ≥ 0.8×).
// Needs: the e2e shared node_modules (npm run test:e2e once, or any e2e file), RabbitMQ 5672, PostgreSQL 5432.
// usage: node bench/consumer.mjs [--events N] [--rounds R]
import { execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { DATA, MSA, median } from "./lib.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const N = arg("--events", 3000);
const ROUNDS = arg("--rounds", 3);
const RABBIT = process.env.MSA_BENCH_RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const PG_ADMIN = process.env.MSA_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

const shared = fs
  .readdirSync(os.tmpdir())
  .filter((d) => d.startsWith("msa-e2e-") && fs.existsSync(path.join(os.tmpdir(), d, ".installed")))
  .map((d) => path.join(os.tmpdir(), d))[0];
if (!shared) {
  console.log("!!  consumer: no e2e shared node_modules in $TMPDIR (run one e2e test first)");
  process.exit(1);
}
const req = createRequire(path.join(shared, "package.json"));
const amqp = req("amqplib");
const pg = req("pg");
const { Ajv } = req("ajv");

const run = randomUUID().slice(0, 8);
const system = `benchcore${run}`;
const dbName = `msa_bench_${run}`;
const dbUrl = PG_ADMIN.replace(/\/[^/]*$/, `/${dbName}`);
const dir = path.join(DATA, `consumer-${run}`);
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(
  path.join(dir, "system.yaml"),
  `version: 1
name: ${system}
broker: { kind: rabbitmq }
contexts:
  orders:
    port: 3000
    publishes: [order.placed]
  ledger:
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
`,
);
execFileSync("node", [MSA, "generate"], { cwd: dir, stdio: "ignore" });
const svc = path.join(dir, "services/ledger");
fs.symlinkSync(path.join(shared, "node_modules"), path.join(svc, "node_modules"));
execFileSync("node", [path.join(shared, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: svc, stdio: "inherit" });

const admin = new pg.Client({ connectionString: PG_ADMIN });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
const conn = await amqp.connect(RABBIT);
const ch = await conn.createConfirmChannel();
const queue = `${system}.ledger`;
const body = (i) =>
  Buffer.from(JSON.stringify({ eventId: randomUUID(), eventType: "order.placed", aggregateId: `o-${i}`, timestamp: new Date().toISOString(), version: 1, payload: { orderId: `o-${i}` } }));

async function fill() {
  for (let i = 0; i < N; i++) ch.publish(`${system}.events`, "order.placed", body(i), { persistent: true, contentType: "application/json" });
  await ch.waitForConfirms();
}
async function drained() {
  for (;;) {
    const q = await ch.checkQueue(queue);
    if (q.messageCount === 0 && q.consumerCount >= 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The generated service: started once with its queue empty, then N events are put on the queue and timed. */
async function generatedRound() {
  const child = spawn(process.execPath, ["dist/main.js"], { cwd: svc, env: { PATH: process.env.PATH, PORT: "0", BROKER_URL: RABBIT, DATABASE_URL: dbUrl, LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "inherit"] });
  let processed = 0;
  let buf = "";
  let listening;
  const ready = new Promise((r) => (listening = r));
  child.stdout.setEncoding("utf8").on("data", (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.includes('"event processed"')) processed++;
      else if (line.includes('"listening"')) listening();
    }
  });
  await ready;
  // the queue is declared and consumed once the adapter connected
  for (;;) {
    // a channel per check: checkQueue of a queue not declared yet closes the channel
    const probe = await conn.createChannel();
    probe.on("error", () => undefined);
    const q = await probe.checkQueue(queue).catch(() => null);
    if (q) await probe.close().catch(() => undefined);
    if (q && q.consumerCount > 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const t0 = performance.now();
  await fill();
  while (processed < N) await new Promise((r) => setTimeout(r, 5));
  const ms = performance.now() - t0;
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  return (N / ms) * 1000;
}

/** The floor: the same work by hand. */
async function floorRound() {
  const pool = new pg.Pool({ connectionString: dbUrl, max: 10 });
  await pool.query("CREATE TABLE IF NOT EXISTS floor_inbox (event_id varchar(64) PRIMARY KEY, event_type varchar(255) NOT NULL, processed_at timestamptz NOT NULL DEFAULT now())");
  const ajv = new Ajv({ allErrors: true, strict: false });
  const check = ajv.compile({ type: "object", required: ["eventId", "eventType", "payload"], properties: { payload: { type: "object", required: ["orderId"], properties: { orderId: { type: "string" } } } } });
  const c = await amqp.connect(RABBIT);
  const cch = await c.createChannel();
  await cch.prefetch(16);
  let done = 0;
  let finish;
  const all = new Promise((r) => (finish = r));
  await cch.consume(queue, async (msg) => {
    const env = JSON.parse(msg.content.toString("utf8"));
    if (!check(env)) {
      cch.nack(msg, false, false);
      return;
    }
    await pool.query("INSERT INTO floor_inbox (event_id, event_type) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING", [env.eventId, env.eventType]);
    cch.ack(msg);
    if (++done === N) finish();
  });
  const t0 = performance.now();
  await fill();
  await all;
  const ms = performance.now() - t0;
  await c.close();
  await pool.end();
  return (N / ms) * 1000;
}

// the generated service declares the topology; start it once so the queue exists before the floor runs
await generatedRound();
await drained();
const gen = [];
const floor = [];
for (let r = 0; r < ROUNDS; r++) {
  floor.push(await floorRound());
  await drained();
  gen.push(await generatedRound());
  await drained();
}
const g = median(gen);
const f = median(floor);
const ratio = g / f;
console.log(`    rounds: generated ${gen.map((x) => x.toFixed(0)).join(", ")} events/s; floor ${floor.map((x) => x.toFixed(0)).join(", ")} events/s`);
console.log(`${ratio >= 0.8 ? "ok" : "!!"}  generated RabbitMQ consumer, inbox on PostgreSQL: ${g.toFixed(0)} events/s vs floor ${f.toFixed(0)} events/s = ${ratio.toFixed(2)}× (budget ≥ 0.8× floor)`);

await ch.deleteQueue(queue).catch(() => undefined);
await ch.deleteQueue(`${queue}.dead-letter`).catch(() => undefined);
await ch.deleteExchange(`${system}.events`).catch(() => undefined);
await ch.deleteExchange(`${system}.dlx`).catch(() => undefined);
await conn.close();
await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
await admin.end();
fs.rmSync(dir, { recursive: true, force: true });
