// Instructions per consumed event of the generated node-express consumer (RabbitMQ or NATS, inbox on PostgreSQL, the
// bench's no-op handler), counted by valgrind's callgrind in the service process (user space only: the kernel's work
// for its socket writes is not in it): W events to warm it up, counters zeroed (callgrind_control -z), N events,
// counters dumped. Several msa builds in one run, each its own system, database and queue, in rotated order per round:
// small deltas that CPU time at this noise cannot show (bench/consumer.mjs measures events/s and CPU against the floor).
// usage: node bench/consumer-callgrind.mjs --msa A/bin/msa.js,B/bin/msa.js [--broker rabbitmq|nats] [--events N] [--warm W] [--rounds R]
import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { NATS, NOOP_CONSUMER_NODE, RABBIT, arg, warmedConsumer, consumerYaml, generate, privateDatabase, sharedModules, sleep, startService, until } from "./messaging.mjs";

const MSAS = String(arg("--msa")).split(",").map((m) => path.resolve(m));
const BROKER = String(arg("--broker", "rabbitmq"));
const N = Number(arg("--events", 1000));
const WARM = Number(arg("--warm", 1500));
const ROUNDS = Number(arg("--rounds", 1));
const { shared, amqp, pg, nats } = sharedModules();
const run = randomUUID().slice(0, 6);
const OUT = fs.mkdtempSync("/tmp/msa-callgrind-");


async function measure(msa, i, round) {
  const system = `cgcons${i}-${BROKER}-${run}`;
  const dir = generate(shared, `callgrind${i}-${BROKER}-${run}`, consumerYaml(system, BROKER), ["ledger"], { "services/ledger/src/consumers/order.placed.ts": NOOP_CONSUMER_NODE }, msa);
  const svc = path.join(dir, "services/ledger");
  const db = await privateDatabase(pg, `msa_bench_cg${i}_${BROKER}_${run}`);
  const out = path.join(OUT, `${i}-${round}.out`);
  // valgrind's own messages to a file: the service's stderr is copied to this one's
  const service = startService(svc, { BROKER_URL: BROKER === "rabbitmq" ? RABBIT : NATS, DATABASE_URL: db.url }, { wrap: ["valgrind", "--tool=callgrind", `--callgrind-out-file=${out}`, `--log-file=${out}-valgrind.log`] });
  const { child } = service;
  const { pub, processed } = await warmedConsumer(service, { amqp, nats }, BROKER, system, WARM);
  execFileSync("callgrind_control", ["-z", String(child.pid)], { stdio: "ignore" });
  await pub.fill(N);
  await until(() => processed() >= WARM + N, () => `${processed() - WARM}/${N}`, system, 600_000);
  execFileSync("callgrind_control", ["-d", String(child.pid)], { stdio: "ignore" });
  await sleep(500);
  await service.stop();
  await pub.close();
  await db.drop();
  // the dump made by -d: <out>.<n>; its totals line
  const dumps = fs.readdirSync(OUT).filter((f) => f.startsWith(`${i}-${round}.out.`)).sort();
  const file = path.join(OUT, dumps[0]);
  const ir = Number(/^(?:summary|totals): (\d+)/m.exec(fs.readFileSync(file, "utf8"))?.[1]);
  // the main thread alone (the event loop: node::Start inclusive), without V8's background compiler and GC threads
  const annotated = execFileSync("callgrind_annotate", ["--inclusive=yes", "--threshold=100", file], { encoding: "utf8", maxBuffer: 1 << 28 });
  const main = Number((/^\s*([\d,]+) \([^)]*\)\s+\?\?\?:node::Start\(int, char\*\*\)/m.exec(annotated)?.[1] ?? "NaN").replace(/,/g, ""));
  return { total: ir / N, main: main / N };
}

const results = MSAS.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < MSAS.length; k++) {
    const i = (k + r) % MSAS.length;
    const perEvent = await measure(MSAS[i], i, r);
    results[i].push(perEvent);
    process.stderr.write(`round ${r + 1}: ${MSAS[i]}: ${Math.round(perEvent.main)} instructions per event on the main thread, ${Math.round(perEvent.total)} in all threads\n`);
  }
}
const low = (xs, k) => Math.min(...xs.map((x) => x[k]));
for (let i = 0; i < MSAS.length; i++) {
  console.log(`${MSAS[i]}: main thread ${results[i].map((x) => Math.round(x.main)).join(", ")}; all threads ${results[i].map((x) => Math.round(x.total)).join(", ")} instructions per event (callgrind, ${BROKER}, ${N} events after ${WARM})`);
}
for (let i = 1; i < MSAS.length; i++) {
  console.log(`${MSAS[i]} / ${MSAS[0]}: main thread ${(low(results[i], "main") / low(results[0], "main")).toFixed(3)}, all threads ${(low(results[i], "total") / low(results[0], "total")).toFixed(3)} (lowest of each)`);
}
