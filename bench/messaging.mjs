// Shared by the messaging benches (consumer.mjs, outbox.mjs): the e2e shared node_modules, a generated and built
// node-express service, its process (counting log lines), a private database on the shared PostgreSQL, the brokers'
// clients. Progress goes to stderr, figures to stdout (bench/run.mjs collects them).
import { execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { DATA, MSA, cpuMicros } from "./lib.mjs";

export const RABBIT = process.env.MSA_BENCH_RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";
export const NATS = process.env.MSA_BENCH_NATS_URL ?? "nats://127.0.0.1:4222";
export const PG_ADMIN = process.env.MSA_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};

export const progress = (what, msg) => process.stderr.write(`[${what} ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The e2e shared node_modules (test/e2e/harness.ts installs it): the newest complete one with every client we use. */
export function sharedModules() {
  const dirs = fs
    .readdirSync(os.tmpdir())
    .filter((d) => /^msa-e2e-[0-9a-f]{12}$/.test(d))
    .map((d) => path.join(os.tmpdir(), d))
    .filter((d) => fs.existsSync(path.join(d, ".installed")) && ["amqplib", "pg", "nats", "ajv"].every((m) => fs.existsSync(path.join(d, "node_modules", m))))
    .sort((a, b) => fs.statSync(path.join(b, ".installed")).mtimeMs - fs.statSync(path.join(a, ".installed")).mtimeMs);
  if (!dirs.length) {
    console.log("!!  messaging benches: no e2e shared node_modules in $TMPDIR (run one e2e test first, e.g. test/e2e/events.test.ts)");
    process.exit(1);
  }
  const shared = dirs[0];
  const req = createRequire(path.join(shared, "package.json"));
  return { shared, amqp: req("amqplib"), pg: req("pg"), nats: req("nats"), Ajv: req("ajv").Ajv };
}

/** Generates system.yaml into bench/.data/<dir> and builds the given services (tsc against the shared modules). */
export function generate(shared, dirName, yaml, services, files = {}, msa = MSA) {
  const dir = path.join(DATA, dirName);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "system.yaml"), yaml);
  execFileSync("node", [msa, "generate"], { cwd: dir, stdio: "ignore" });
  for (const [rel, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, rel), text);
  for (const s of services) {
    const svc = path.join(dir, "services", s);
    fs.symlinkSync(path.join(shared, "node_modules"), path.join(svc, "node_modules"));
    execFileSync("node", [path.join(shared, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: svc, stdio: "inherit" });
  }
  return dir;
}

/**
 * Starts a built service (LOG_LEVEL=info, as in production; its log read here, line by line). `count(msg)` counts
 * lines with that message; `ready` resolves on "listening". `wrap`: a command the service runs under (e.g. valgrind
 * and its options).
 */
export function startService(svc, env, { wrap = [] } = {}) {
  // MSA_BENCH_PROFILE=DIR: the service runs under node --cpu-prof (summarise with bench/profile.mjs --summarise)
  const prof = process.env.MSA_BENCH_PROFILE ? ["--cpu-prof", "--cpu-prof-dir", process.env.MSA_BENCH_PROFILE] : [];
  // MSA_BENCH_NODE_ARGS="--perf-basic-prof": node options for the service (e.g. for perf record -p PID)
  if (process.env.MSA_BENCH_NODE_ARGS) prof.push(...process.env.MSA_BENCH_NODE_ARGS.split(" ").filter(Boolean));
  const [cmd, ...args] = [...wrap, process.execPath, ...prof, "dist/main.js"];
  const child = spawn(cmd, args, { cwd: svc, env: { PATH: process.env.PATH, PORT: "0", LOG_LEVEL: "info", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const counts = new Map();
  let port;
  let buf = "";
  let listening;
  let failed;
  const ready = new Promise((resolve, reject) => {
    listening = resolve;
    failed = reject;
  });
  child.stderr.setEncoding("utf8").on("data", (d) => process.stderr.write(d));
  child.stdout.setEncoding("utf8").on("data", (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const m = /"msg":"([^"]*)"/.exec(line);
      if (!m) continue;
      counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
      if (m[1] === "listening") {
        port = Number(/"port":(\d+)/.exec(line)?.[1]);
        listening();
      } else if (/"level":"(error|fatal)"/.test(line)) process.stderr.write(`${line}\n`);
    }
  });
  child.once("exit", (code) => failed(new Error(`service exited ${code} before listening`)));
  return {
    child,
    ready,
    get port() {
      return port;
    },
    count: (msg) => counts.get(msg) ?? 0,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Waits until cond() holds, reporting `what()` every 5 s; gives up (throws) after `limitMs` without progress. */
export async function until(cond, what, tag, limitMs = 60_000) {
  let last = Date.now();
  let lastState = what();
  let reported = Date.now();
  while (!(await cond())) {
    await sleep(5);
    const state = what();
    if (state !== lastState) {
      lastState = state;
      last = Date.now();
    }
    if (Date.now() - reported > 5_000) {
      reported = Date.now();
      progress(tag, state);
    }
    if (Date.now() - last > limitMs) throw new Error(`${tag}: no progress for ${limitMs / 1000} s (${state})`);
  }
}

/** A fresh database on the shared PostgreSQL; drop() removes it. */
export async function privateDatabase(pg, name) {
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  return {
    url: PG_ADMIN.replace(/\/[^/]*$/, `/${name}`),
    /**
     * CPU (user + system, ms, from /proc) of the PostgreSQL backends connected to this database now, by pid: the
     * server's side of a round is backendsCpuSince(before). A backend that exits in between is missed (a pool closes
     * none in a burst); the server's shared processes (WAL writer, checkpointer) are in neither.
     */
    async backendsCpu() {
      const { rows } = await admin.query("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);
      return new Map(rows.map((r) => [r.pid, procCpuMs(r.pid)]));
    },
    async backendsCpuSince(before) {
      let ms = 0;
      for (const [pid, now] of await this.backendsCpu()) ms += now - (before.get(pid) ?? 0);
      return ms;
    },
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}

/** CPU time (user + system) of one process in ms (lib.mjs' cpuMicros); 0 once it is gone. */
function procCpuMs(pid) {
  try {
    return cpuMicros(pid) / 1000;
  } catch {
    return 0;
  }
}

/** `NAME` of a system for NATS stream names (msa's toEnvName: upper case, non-alphanumerics → _). */
export const envName = (s) => s.toUpperCase().replace(/[^A-Z0-9]+/g, "_");

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * `ok`/`!!` figure line of a ratio against its budget, with the rounds (bench/run.mjs reads these); `budget` null: an
 * informational line (no verdict), e.g. a figure bounded by work the floor does not do.
 */
export function figure(label, g, f, gen, floor, budget = 0.8) {
  const ratio = g / f;
  console.log(`    ${label}: rounds ${gen.map((x) => x.toFixed(0)).join(", ")} events/s; floor rounds ${floor.map((x) => x.toFixed(0)).join(", ")} events/s`);
  const verdict = budget === null ? "  " : ratio >= budget ? "ok" : "!!";
  console.log(`${verdict}  ${label}: ${g.toFixed(0)} events/s vs floor ${f.toFixed(0)} events/s = ${ratio.toFixed(2)}×${budget === null ? "" : ` (budget ≥ ${budget}× floor)`}`);
  return ratio;
}

/** The benches' one event type: order.placed with an orderId (the events section of their system.yaml). */
const ORDER_PLACED_EVENTS = `events:
  order.placed:
    schema:
      type: object
      required: [orderId]
      properties:
        orderId: { type: string }
`;

// The outbox benches' system (bench/outbox.mjs, outbox-ab.mjs): one context publishing one event type through its outbox.
export const outboxYaml = (system, broker) => `version: 1
name: ${system}
broker: { kind: ${broker} }
contexts:
  orders:
    port: 3000
    database: postgres
    api: ["POST /bench/publish"]
    publishes: [order.placed]
${ORDER_PLACED_EVENTS}`;

// The handler the bench puts in place of the generated stub (a user-owned file): N transactions, 16 at a time, each
// writing one event to the outbox; answers when all committed (the relay may still be publishing).
export const OUTBOX_HANDLER = `import type { Request, Response } from "express";
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

/** The consumer benches' system: orders publishes order.placed, ledger (PostgreSQL inbox) consumes it. */
export const consumerYaml = (system, broker, runtime = "node-express") => `version: 1
name: ${system}
broker: { kind: ${broker} }
contexts:
  orders:
    port: 3000
    publishes: [order.placed]
  ledger:
    runtime: ${runtime}
    port: 3001
    database: postgres
    consumes: [order.placed]
${ORDER_PLACED_EVENTS}`;

/** Event i of a bench run, as the broker carries it (the envelope's JSON bytes). */
export const eventBody = (i) =>
  Buffer.from(JSON.stringify({ eventId: randomUUID(), eventType: "order.placed", aggregateId: `o-${i}`, timestamp: new Date().toISOString(), version: 1, payload: { orderId: `o-${i}` } }));

/** ledger's no-op consumer (node-express): what the consumer benches time is the runtime around it. */
export const NOOP_CONSUMER_NODE = `import type { ConsumerContext, OrderPlacedEvent } from "../generated/events.js";\n\nexport async function onOrderPlaced(_event: OrderPlacedEvent, _ctx: ConsumerContext): Promise<void> {}\n`;

/**
 * The bench's publisher of order.placed to the consumer-bench system (consumerYaml): `attached()` says whether the
 * ledger service consumes yet, `fill(n)` publishes n events and waits for their confirms / acks, `close()` drops
 * the queue / streams. `modules` is sharedModules()' (amqp, nats).
 */
export async function ledgerPublisher({ amqp, nats }, broker, system) {
  if (broker === "rabbitmq") {
    const conn = await amqp.connect(RABBIT);
    const ch = await conn.createConfirmChannel();
    await ch.assertExchange(`${system}.events`, "topic", { durable: true });
    return {
      async attached() {
        const probe = await conn.createChannel();
        probe.on("error", () => undefined);
        const q = await probe.checkQueue(`${system}.ledger`).catch(() => null);
        if (q) await probe.close().catch(() => undefined);
        return Boolean(q && q.consumerCount > 0);
      },
      async fill(n) {
        for (let i = 0; i < n; i++) ch.publish(`${system}.events`, "order.placed", eventBody(i), { persistent: true, contentType: "application/json" });
        await ch.waitForConfirms();
      },
      async close() {
        await ch.deleteQueue(`${system}.ledger`).catch(() => undefined);
        await conn.close().catch(() => undefined);
      },
    };
  }
  const nc = await nats.connect({ servers: NATS.replace(/^nats:\/\//, "") });
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  return {
    async attached() {
      const info = await jsm.consumers.info(`${envName(system)}_EVENTS`, "ledger").catch(() => null);
      return Boolean(info && info.num_waiting > 0);
    },
    async fill(n) {
      const acks = [];
      for (let i = 0; i < n; i++) acks.push(js.publish(`${system}.events.order.placed`, eventBody(i)));
      await Promise.all(acks);
    },
    async close() {
      for (const s of [`${envName(system)}_EVENTS`, `${envName(system)}_DLQ`]) await jsm.streams.delete(s).catch(() => undefined);
      await nc.drain();
    },
  };
}

/**
 * A started consumer service made ready for a measured window: listening, its consumer attached to the broker, `warm`
 * events published and processed, then half a second of quiet. Returns the publisher and the processed-events count.
 */
export async function warmedConsumer(service, clients, broker, system, warm) {
  const processed = () => service.count("event processed");
  let listening = false;
  void service.ready.then(() => (listening = true)); // a service that exits first rejects it: the bench stops there
  await until(() => listening, () => "listening", system, 300_000);
  const pub = await ledgerPublisher(clients, broker, system);
  for (let t = 0; !(await pub.attached()); t++) {
    if (t > 600) throw new Error(`${system}: the consumer did not attach`);
    await sleep(500);
  }
  await pub.fill(warm);
  await until(() => processed() >= warm, () => `${processed()}/${warm} warm`, system, 300_000);
  await sleep(500);
  return { pub, processed };
}
