// Outbox A/B (issue 13): relay-alone and end-to-end rounds of several configs measured symmetrically. Every config
// ({label, msa?: path/bin/msa.js, env?: {...}}) has its own generated node-express service (built by its msa; this
// checkout's when absent), database and exchange/stream; every round each is restarted, warmed (1 end-to-end + 1
// relay-alone round, not counted) and measured (1 + 1), configs interleaved — so table growth, dead tuples and process
// warmth are the same for all. (bench/outbox.mjs --before-msa restarts only the current service, several times a
// round, and writes ~3.5x the rows into its database: on 2026-12-06 it read 0.65x relay alone and 1.4x the CPU per
// event for a build whose relay code was the baseline's own.) env XB=n overrides the relay's claim batch in the built
// app.js (an experiment knob, not a setting of the service). Figures: medians, and ratios against the first config.
// usage: node bench/outbox-ab.mjs --broker nats|rabbitmq [--events 3000] [--rounds 5] [--relay-only] --configs '[{"label":"a","msa":"/path/bin/msa.js"},{"label":"b"}]'
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { cpuMicros } from "./lib.mjs";
import { NATS, OUTBOX_HANDLER, RABBIT, arg, envName, generate, median, outboxYaml, privateDatabase, progress, sharedModules, startService, until } from "./messaging.mjs";
const USAGE = `usage: node bench/outbox-ab.mjs --broker nats|rabbitmq [--events 3000] [--rounds 5] [--relay-only] --configs JSON
  --configs  a JSON array of configs, each {"label": "...", "msa"?: "/path/bin/msa.js", "env"?: {"K": "V"}}; ratios are
             against the first (e.g. '[{"label":"before","msa":"/work/baseline-msa/bin/msa.js"},{"label":"now"}]')
  env XB=n   overrides the relay's claim batch in each built app.js (an experiment knob)`;
if (process.argv.includes("--help") || process.argv.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
const N = Number(arg("--events", 3000)), ROUNDS = Number(arg("--rounds", 5)), broker = arg("--broker", "nats");
const CONFIGS = (() => {
  const text = arg("--configs");
  let configs;
  try {
    configs = text === undefined ? undefined : JSON.parse(text);
  } catch (e) {
    console.error(`outbox-ab: --configs is not JSON (${e.message})\n${USAGE}`);
    process.exit(2);
  }
  if (!Array.isArray(configs) || !configs.length || !configs.every((c) => c && typeof c.label === "string")) {
    console.error(`outbox-ab: --configs needs a JSON array of {"label", "msa"?, "env"?}\n${USAGE}`);
    process.exit(2);
  }
  return configs;
})();
const RELAY_ONLY = process.argv.includes("--relay-only"); // no end-to-end rounds (e.g. for MSA_BENCH_PROFILE=DIR)
const { shared, pg, nats, amqp } = sharedModules();
const run = randomUUID().slice(0, 8);
function post(port, json) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(json));
    const req = http.request({ host: "127.0.0.1", port, path: "/bench/publish", method: "POST", headers: { "content-type": "application/json", "content-length": data.length } }, (res) => {
      let t = ""; res.setEncoding("utf8").on("data", (d) => (t += d)); res.on("end", () => (res.statusCode === 202 ? resolve(t) : reject(new Error(`${res.statusCode} ${t}`))));
    });
    req.on("error", reject); req.end(data);
  });
}
const cpuMs = (pid) => cpuMicros(pid) / 1000;
async function setup(cfg, k) {
  const system = `benchexp${k}-${broker}-${run}`;
  const yaml = outboxYaml(system, broker);
  const dir = generate(shared, `exp${k}-${broker}-${run}`, yaml, ["orders"], { "services/orders/src/handlers/postBenchPublish.ts": OUTBOX_HANDLER }, cfg.msa ? path.resolve(cfg.msa) : undefined);
  const svc = path.join(dir, "services/orders");
  const appJs = path.join(svc, "dist/generated/app.js");
  const src = fs.readFileSync(appJs, "utf8");
  if (/batch: \d+, lanes/.test(src)) fs.writeFileSync(appJs, src.replace(/batch: (\d+), lanes/, "batch: Number(process.env.XB || $1), lanes"));
  const db = await privateDatabase(pg, `msa_bench_exp${k}_${broker}_${run}`);
  const env = { BROKER_URL: broker === "rabbitmq" ? RABBIT : NATS, DATABASE_URL: db.url, OUTBOX_POLL_MS: "50", ...(cfg.env ?? {}) };
  const s0 = startService(svc, env); await s0.ready; await s0.stop();
  let count;
  if (broker === "nats") {
    const nc = await nats.connect({ servers: NATS.replace(/^nats:\/\//, ""), noAsyncTraces: true }); const jsm = await nc.jetstreamManager();
    const stream = `${envName(system)}_EVENTS`;
    count = { purge: () => jsm.streams.purge(stream), n: async () => (await jsm.streams.info(stream)).state.messages, end: async () => { for (const s of [stream, `${envName(system)}_DLQ`]) await jsm.streams.delete(s).catch(() => 0); await nc.drain(); } };
  } else {
    const conn = await amqp.connect(RABBIT); const ch = await conn.createChannel(); const ex = `${system}.events`, q = `${system}.exp-count`;
    await ch.assertExchange(ex, "topic", { durable: true }); await ch.assertQueue(q, { durable: true }); await ch.bindQueue(q, ex, "#");
    count = { purge: () => ch.purgeQueue(q), n: async () => (await ch.checkQueue(q)).messageCount, end: async () => { await ch.deleteQueue(q).catch(() => 0); for (const x of [ex, `${system}.dlx`]) await ch.deleteExchange(x).catch(() => 0); await conn.close(); } };
  }
  return { cfg, svc, env, db, count, dir, rel: [], relCpu: [], e2e: [], e2eCpu: [] };
}
async function relayRound(c, s, r) {
  await c.count.purge();
  const client = new pg.Client({ connectionString: c.db.url }); await client.connect(); await client.query("BEGIN");
  for (let i = 0; i < N; i += 500) {
    const rows = [], values = [];
    for (let j = i; j < Math.min(N, i + 500); j++) {
      const eventId = randomUUID(), aggregateId = `relay-${r}-${j}`;
      values.push(eventId, "order.placed", aggregateId, JSON.stringify({ eventId, eventType: "order.placed", aggregateId, timestamp: new Date().toISOString(), version: 1, payload: { orderId: aggregateId } }), "{}");
      const k = rows.length * 5; rows.push(`($${k + 1}, $${k + 2}, $${k + 3}, $${k + 4}, $${k + 5})`);
    }
    await client.query(`INSERT INTO msa_outbox (event_id, event_type, aggregate_id, body, headers) VALUES ${rows.join(", ")}`, values);
  }
  await client.query("COMMIT");
  const c0 = cpuMs(s.child.pid), t0 = performance.now();
  await client.end();
  await until(async () => (await c.count.n()) >= N, () => "relay", broker);
  return { rate: (N / (performance.now() - t0)) * 1000, cpu: (cpuMs(s.child.pid) - c0) / N };
}
async function e2eRound(c, s, r) {
  await c.count.purge();
  const c0 = cpuMs(s.child.pid), t0 = performance.now();
  await post(s.port, { count: N, concurrency: 16, prefix: `e${r}` });
  await until(async () => (await c.count.n()) >= N, () => "e2e", broker);
  return { rate: (N / (performance.now() - t0)) * 1000, cpu: (cpuMs(s.child.pid) - c0) / N };
}
const cs = [];
for (const [k, cfg] of CONFIGS.entries()) cs.push(await setup(cfg, k));
try {
  for (let r = 0; r < ROUNDS; r++) {
    for (const c of cs) {
      const s = startService(c.svc, c.env); await s.ready;
      if (!RELAY_ONLY) await e2eRound(c, s, `w${r}`);
      await relayRound(c, s, `w${r}`);
      const e = RELAY_ONLY ? { rate: 0, cpu: 0 } : await e2eRound(c, s, `${r}`);
      const x = await relayRound(c, s, `${r}`);
      await s.stop();
      c.rel.push(x.rate); c.relCpu.push(x.cpu); c.e2e.push(e.rate); c.e2eCpu.push(e.cpu);
      progress(broker, `round ${r} ${c.cfg.label}: relay ${x.rate.toFixed(0)} ev/s cpu ${x.cpu.toFixed(3)}; e2e ${e.rate.toFixed(0)} ev/s cpu ${e.cpu.toFixed(3)}`);
    }
  }
} finally { for (const c of cs) { await c.count.end(); await c.db.drop(); fs.rmSync(c.dir, { recursive: true, force: true }); } }
const f = (xs, d = 0) => xs.map((x) => x.toFixed(d)).join(", ");
for (const c of cs) console.log(`${broker} ${c.cfg.label}: relay alone median ${median(c.rel).toFixed(0)} ev/s (${f(c.rel)}), CPU ${median(c.relCpu).toFixed(3)} ms/ev (${f(c.relCpu, 3)}); end to end ${median(c.e2e).toFixed(0)} ev/s (${f(c.e2e)}), CPU ${median(c.e2eCpu).toFixed(3)} ms/ev (${f(c.e2eCpu, 3)})`);
const a = cs[0];
for (const c of cs.slice(1)) console.log(`${broker} ${c.cfg.label} / ${a.cfg.label}: relay ${(median(c.rel) / median(a.rel)).toFixed(2)}x, relay CPU ${(median(c.relCpu) / median(a.relCpu)).toFixed(2)}x, e2e ${(median(c.e2e) / median(a.e2e)).toFixed(2)}x, e2e CPU ${(median(c.e2eCpu) / median(a.e2eCpu)).toFixed(2)}x`);
