// The generated node-express consumer with its PostgreSQL inbox against a minimal hand-written floor, on the shared
// RabbitMQ / NATS JetStream and PostgreSQL (issue 13, docs/messaging.md). Both consume the same N events with the same
// prefetch (16 unacked at most): the floor parses the JSON, checks the schema with ajv, INSERT … ON CONFLICT DO NOTHING
// into an inbox table on a pg pool of 10, acks. The generated service runs its whole path (envelope + payload
// validation, BEGIN + inbox claim in one round trip, the handler — a no-op (the bench's own, not the stub, which logs) —, COMMIT, ack, metrics, a log line per
// event at info). The clock runs from the first publish to the last event handled; the publishing (confirmed, in the
// bench process) is the same for both. Rounds are interleaved; the figure is the ratio of median events/s measured in
// the same run (budget ≥ 0.8×). The queue (RabbitMQ) / stream (NATS) is purged before every round.
// The python-flask consumer of the same system (one gunicorn worker: one consumer thread) runs in the same rounds,
// counted by its inbox rows (it logs no line per event). CPU per event: the service's process (user + system, from
// /proc; gunicorn: master and worker); the floor's is the bench process's CPU during a floor round less its CPU
// during a generated round (the publishing and polling both do). PostgreSQL's and the broker's CPU are in neither.
// Needs: the e2e shared node_modules (any e2e test installs it), RabbitMQ 5672, NATS 4222, PostgreSQL 5432;
// python: /usr/bin/python3 with flask, gunicorn, pika, psycopg2, jsonschema (Debian packages; else skipped, said so).
// usage: node bench/consumer.mjs [--broker rabbitmq|nats|both] [--events N] [--rounds R] [--runtimes node,python]
import { execFileSync, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./lib.mjs";
import { NATS, RABBIT, arg, envName, figure, generate, median, privateDatabase, progress, sharedModules, sleep, startService, until } from "./messaging.mjs";

const N = Number(arg("--events", 3000));
const ROUNDS = Number(arg("--rounds", 3));
const BROKERS = arg("--broker", "both") === "both" ? ["rabbitmq", "nats"] : [arg("--broker")];
const PREFETCH = 16;
const RUNTIMES = String(arg("--runtimes", "node,python")).split(",");
// python-flask handles ~10–20 events/s here (one worker, one message at a time, under load): fewer events per round
const PY_N = Number(arg("--py-events", 300));
const PYTHON = process.env.MSA_BENCH_PYTHON ?? "/usr/bin/python3";
const TICK_MS = 1000 / 100; // USER_HZ
const { shared, amqp, pg, nats, Ajv } = sharedModules();
const run = randomUUID().slice(0, 8);

const yaml = (system, broker, runtime = "node-express") => `version: 1
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
events:
  order.placed:
    schema:
      type: object
      required: [orderId]
      properties:
        orderId: { type: string }
`;

const body = (i) =>
  Buffer.from(JSON.stringify({ eventId: randomUUID(), eventType: "order.placed", aggregateId: `o-${i}`, timestamp: new Date().toISOString(), version: 1, payload: { orderId: `o-${i}` } }));

/** The floor's schema check: the envelope's required fields and the payload's schema, one ajv validator. */
function floorCheck() {
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile({
    type: "object",
    required: ["eventId", "eventType", "aggregateId", "timestamp", "version", "payload"],
    properties: { eventId: { type: "string" }, eventType: { type: "string" }, payload: { type: "object", required: ["orderId"], properties: { orderId: { type: "string" } } } },
  });
}
const FLOOR_TABLE = "CREATE TABLE IF NOT EXISTS floor_inbox (event_id varchar(64) PRIMARY KEY, event_type varchar(255) NOT NULL, processed_at timestamptz NOT NULL DEFAULT now())";
const FLOOR_INSERT = "INSERT INTO floor_inbox (event_id, event_type) VALUES ($1, $2) ON CONFLICT (event_id) DO NOTHING";

/** What differs between the brokers: filling, purging, the floor's consumer, waiting for the service's consumer. */
async function rabbitmq(system) {
  const conn = await amqp.connect(RABBIT);
  conn.on("error", (e) => progress("rabbitmq", `connection: ${e.message}`));
  const ch = await conn.createConfirmChannel();
  const queue = `${system}.ledger`;
  return {
    async fill(n = N) {
      for (let i = 0; i < n; i++) ch.publish(`${system}.events`, "order.placed", body(i), { persistent: true, contentType: "application/json" });
      await ch.waitForConfirms();
    },
    async purge() {
      await ch.purgeQueue(queue);
    },
    async consumerAttached() {
      // a channel per check: checkQueue of a queue not declared yet closes the channel
      const probe = await conn.createChannel();
      probe.on("error", () => undefined);
      const q = await probe.checkQueue(queue).catch(() => null);
      if (q) await probe.close().catch(() => undefined);
      return Boolean(q && q.consumerCount > 0);
    },
    /** The floor consumer: resolves its `all` once N events are acked. */
    async floor(handle) {
      const c = await amqp.connect(RABBIT);
      const cch = await c.createChannel();
      await cch.prefetch(PREFETCH);
      let done = 0;
      let finish;
      const all = new Promise((r) => (finish = r));
      await cch.consume(queue, async (msg) => {
        const ok = await handle(msg.content);
        if (ok) cch.ack(msg);
        else cch.nack(msg, false, false);
        if (++done === N) finish();
      });
      return {
        all,
        done: () => done,
        // the channel first: amqplib multiplexes channels, and a connection.close written right after the last
        // ack can overtake it (the broker then requeues that message: the stall of the first version of this bench)
        close: async () => {
          await cch.close();
          await c.close();
        },
      };
    },
    async cleanup() {
      for (const q of [queue, `${queue}.dead-letter`]) await ch.deleteQueue(q).catch(() => undefined);
      for (const x of [`${system}.events`, `${system}.dlx`]) await ch.deleteExchange(x).catch(() => undefined);
      await conn.close();
    },
  };
}

async function natsBroker(system) {
  const nc = await nats.connect({ servers: NATS.replace(/^nats:\/\//, "") });
  const js = nc.jetstream();
  const jsm = await nc.jetstreamManager();
  const stream = `${envName(system)}_EVENTS`;
  const subject = `${system}.events.order.placed`;
  return {
    async fill(n = N) {
      const inFlight = new Set();
      for (let i = 0; i < n; i++) {
        const p = js.publish(subject, body(i)).finally(() => inFlight.delete(p));
        inFlight.add(p);
        if (inFlight.size >= 256) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    },
    async purge() {
      await jsm.streams.purge(stream);
    },
    async consumerAttached() {
      const info = await jsm.consumers.info(stream, "ledger").catch(() => null);
      return Boolean(info && info.num_waiting > 0);
    },
    async floor(handle) {
      // its own durable, from now on, the same subject filter and ack policy as the service's
      await jsm.consumers.delete(stream, "floor").catch(() => undefined);
      await jsm.consumers.add(stream, { durable_name: "floor", ack_policy: nats.AckPolicy.Explicit, deliver_policy: nats.DeliverPolicy.New, filter_subject: subject, ack_wait: 30_000_000_000 });
      const messages = await (await js.consumers.get(stream, "floor")).consume({ max_messages: PREFETCH });
      let done = 0;
      let finish;
      const all = new Promise((r) => (finish = r));
      void (async () => {
        const inFlight = new Set();
        for await (const m of messages) {
          const p = handle(m.data)
            .then((ok) => {
              if (ok) m.ack();
              else m.term();
              if (++done === N) finish();
            })
            .finally(() => inFlight.delete(p));
          inFlight.add(p);
          if (inFlight.size >= PREFETCH) await Promise.race(inFlight);
        }
      })();
      return {
        all,
        done: () => done,
        close: async () => {
          await messages.close();
          await jsm.consumers.delete(stream, "floor").catch(() => undefined);
        },
      };
    },
    async cleanup() {
      for (const s of [stream, `${envName(system)}_DLQ`]) await jsm.streams.delete(s).catch(() => undefined);
      await nc.drain();
    },
  };
}

/** CPU time (user + system) of a process and its live children, in ms, from /proc. */
function cpuMs(pid) {
  let ticks = 0;
  const stat = (p) => {
    try {
      const text = fs.readFileSync(`/proc/${p}/stat`, "utf8");
      const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
    } catch {
      /* gone */
    }
  };
  stat(pid);
  try {
    for (const c of fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) stat(c);
  } catch {
    /* no children file */
  }
  return ticks * TICK_MS;
}
const benchCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function pythonMissing() {
  try {
    execFileSync(PYTHON, ["-c", "import flask, gunicorn, pika, psycopg2, jsonschema"], { stdio: "ignore", timeout: 30_000 });
    return null;
  } catch {
    return `${PYTHON} lacks flask, gunicorn, pika, psycopg2 or jsonschema (Debian: python3-flask gunicorn python3-pika python3-psycopg2 python3-jsonschema)`;
  }
}

async function bench(broker) {
  const system = `benchcons-${broker}-${run}`;
  progress(broker, `generating and building ${system}`);
  // the handler is a no-op (the generated stub logs a line of its own: user code, not the runtime measured here)
  const noop = `import type { ConsumerContext, OrderPlacedEvent } from "../generated/events.js";\n\nexport async function onOrderPlaced(_event: OrderPlacedEvent, _ctx: ConsumerContext): Promise<void> {}\n`;
  const dir = generate(shared, `consumer-${broker}-${run}`, yaml(system, broker), ["ledger"], { "services/ledger/src/consumers/order.placed.ts": noop });
  const svc = path.join(dir, "services/ledger");
  const db = await privateDatabase(pg, `msa_bench_cons_${broker}_${run}`);
  const b = broker === "rabbitmq" ? await rabbitmq(system) : await natsBroker(system);
  const env = { BROKER_URL: broker === "rabbitmq" ? RABBIT : NATS, DATABASE_URL: db.url };

  const benchSide = []; // the bench process's CPU during each counted generated round
  async function generatedRound() {
    const s = startService(svc, env);
    await s.ready;
    await until(() => b.consumerAttached(), () => "waiting for the service's consumer", broker, 30_000);
    const cpu0 = cpuMs(s.child.pid);
    const bench0 = benchCpuMs();
    const t0 = performance.now();
    await b.fill();
    await until(() => s.count("event processed") >= N, () => `generated: ${s.count("event processed")}/${N} processed`, broker);
    const ms = performance.now() - t0;
    const cpu = cpuMs(s.child.pid) - cpu0;
    benchSide.push(benchCpuMs() - bench0);
    await s.stop();
    return { rate: (N / ms) * 1000, cpuPerEvent: cpu / N };
  }

  // python-flask: a system of its own (its own queue / durable, database and inbox)
  const pyMissing = RUNTIMES.includes("python") ? pythonMissing() : "not asked for (--runtimes)";
  if (pyMissing && RUNTIMES.includes("python")) progress(broker, `python skipped: ${pyMissing}`);
  let py;
  if (!pyMissing) {
    const pySystem = `benchconspy-${broker}-${run}`;
    const pyDir = generate(shared, `consumer-py-${broker}-${run}`, yaml(pySystem, broker, "python-flask"), [], { "services/ledger/app/event_handlers.py": "def on_order_placed(event, ctx):\n    pass\n" });
    const pyDb = await privateDatabase(pg, `msa_bench_conspy_${broker}_${run}`);
    const pb = broker === "rabbitmq" ? await rabbitmq(pySystem) : await natsBroker(pySystem);
    py = { dir: pyDir, svc: path.join(pyDir, "services/ledger"), db: pyDb, b: pb, pool: new pg.Pool({ connectionString: pyDb.url, max: 1 }) };
  }
  const inboxRows = async () => Number((await py.pool.query("SELECT count(*) AS n FROM msa_inbox").catch(() => ({ rows: [{ n: 0 }] }))).rows[0].n);

  async function pythonRound() {
    const child = spawn(PYTHON, ["-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], {
      cwd: py.svc,
      env: { PATH: process.env.PATH, PORT: String(await freePort()), WEB_CONCURRENCY: "1", LOG_LEVEL: "info", PYTHONDONTWRITEBYTECODE: "1", SHUTDOWN_DELAY_MS: "0", BROKER_URL: env.BROKER_URL, DATABASE_URL: py.db.url },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const errors = [];
    child.stderr.setEncoding("utf8").on("data", (d) => errors.push(d));
    const exited = new Promise((r) => child.once("exit", r));
    try {
      await until(async () => (child.exitCode !== null ? Promise.reject(new Error(`python service exited: ${errors.join("").slice(-800)}`)) : py.b.consumerAttached()), () => "waiting for the python consumer", broker, 60_000);
      const base = await inboxRows();
      const cpu0 = cpuMs(child.pid);
      const t0 = performance.now();
      await py.b.fill(PY_N);
      let n = 0;
      await until(async () => (n = (await inboxRows()) - base) >= PY_N, () => `python: ${n}/${PY_N} processed`, broker);
      const ms = performance.now() - t0;
      const cpu = cpuMs(child.pid) - cpu0;
      return { rate: (PY_N / ms) * 1000, cpuPerEvent: cpu / PY_N };
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  }

  async function floorRound() {
    const pool = new pg.Pool({ connectionString: db.url, max: 10 });
    await pool.query(FLOOR_TABLE);
    const check = floorCheck();
    const consumer = await b.floor(async (content) => {
      const env = JSON.parse(Buffer.from(content).toString("utf8"));
      if (!check(env)) return false;
      await pool.query(FLOOR_INSERT, [env.eventId, env.eventType]);
      return true;
    });
    const bench0 = benchCpuMs();
    const t0 = performance.now();
    await b.fill();
    let finished = false;
    void consumer.all.then(() => (finished = true));
    await until(() => finished, () => `floor: ${consumer.done()}/${N}`, broker);
    const ms = performance.now() - t0;
    const cpu = benchCpuMs() - bench0;
    await consumer.close();
    await pool.end();
    return { rate: (N / ms) * 1000, cpu };
  }

  // warm-up: the service declares its topology (queue / durable consumer) and the tables; the floor its table
  progress(broker, "warm-up round (not counted)");
  await generatedRound();
  benchSide.length = 0;
  const gen = [];
  const floor = [];
  const pyRounds = [];
  const floorCpu = [];
  try {
    if (py) {
      progress(broker, "python warm-up round (not counted)");
      await pythonRound();
    }
    for (let r = 0; r < ROUNDS; r++) {
      const load0 = os.loadavg()[0];
      await b.purge();
      const f = await floorRound();
      floor.push(f.rate);
      floorCpu.push(f.cpu);
      progress(broker, `round ${r + 1}: floor ${f.rate.toFixed(0)} events/s`);
      await b.purge();
      gen.push(await generatedRound());
      progress(broker, `round ${r + 1}: generated ${gen.at(-1).rate.toFixed(0)} events/s, ${gen.at(-1).cpuPerEvent.toFixed(3)} ms CPU/event`);
      if (py) {
        await py.b.purge();
        pyRounds.push(await pythonRound());
        progress(broker, `round ${r + 1}: python ${pyRounds.at(-1).rate.toFixed(0)} events/s, ${pyRounds.at(-1).cpuPerEvent.toFixed(3)} ms CPU/event`);
      }
      progress(broker, `round ${r + 1}: load average ${load0.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}`);
    }
  } finally {
    await b.cleanup();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
    if (py) {
      await py.pool.end();
      await py.b.cleanup();
      await py.db.drop();
      fs.rmSync(py.dir, { recursive: true, force: true });
    }
  }
  const name = broker === "rabbitmq" ? "RabbitMQ" : "NATS JetStream";
  const rates = (xs) => xs.map((x) => x.rate);
  figure(`generated ${name} consumer, inbox on PostgreSQL`, median(rates(gen)), median(floor), rates(gen), floor);
  if (py) figure(`generated python-flask ${name} consumer (1 worker, ${PY_N} events a round), inbox on PostgreSQL`, median(rates(pyRounds)), median(floor), rates(pyRounds), floor);
  // the floor's own CPU: the bench process's in a floor round less its CPU in the generated round (publishing, polling)
  const floorOwn = floorCpu.map((c, i) => (c - benchSide[i]) / N);
  console.log(
    `    CPU per event (median, ms): floor ${median(floorOwn).toFixed(3)}; node ${median(gen.map((x) => x.cpuPerEvent)).toFixed(3)}` +
      (py ? `; python ${median(pyRounds.map((x) => x.cpuPerEvent)).toFixed(3)}` : "") +
      `; load average ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}`,
  );
}

for (const broker of BROKERS) await bench(broker);
await sleep(0);
