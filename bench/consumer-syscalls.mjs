// Write and read system calls, context switches and CPU per consumed event of the generated node-express consumer
// (RabbitMQ or NATS, inbox on PostgreSQL, the bench's no-op handler), read from /proc/<pid>/io (syscw, syscr),
// /proc/<pid>/status and /proc/<pid>/stat of the service before and after N events (after W to warm it up): what
// callgrind (user space only) does not see — each socket write's work in the kernel.
// usage: node bench/consumer-syscalls.mjs --msa A/bin/msa.js,B/bin/msa.js [--broker rabbitmq|nats] [--events N] [--warm W] [--rounds R]
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { cpuMicros } from "./lib.mjs";
import { NATS, NOOP_CONSUMER_NODE, RABBIT, arg, warmedConsumer, consumerYaml, generate, privateDatabase, sharedModules, sleep, startService, until } from "./messaging.mjs";

const MSAS = String(arg("--msa")).split(",").map((m) => path.resolve(m));
const BROKER = String(arg("--broker", "rabbitmq"));
const N = Number(arg("--events", 1000));
const WARM = Number(arg("--warm", 1500));
const ROUNDS = Number(arg("--rounds", 1));
const { shared, amqp, pg, nats } = sharedModules();
const run = randomUUID().slice(0, 6);


async function measure(msa, i, round) {
  const system = `sccons${i}-${BROKER}-${run}`;
  const dir = generate(shared, `syscalls${i}-${BROKER}-${run}`, consumerYaml(system, BROKER), ["ledger"], { "services/ledger/src/consumers/order.placed.ts": NOOP_CONSUMER_NODE }, msa);
  const svc = path.join(dir, "services/ledger");
  const db = await privateDatabase(pg, `msa_bench_sc${i}_${BROKER}_${run}`);
  const service = startService(svc, { BROKER_URL: BROKER === "rabbitmq" ? RABBIT : NATS, DATABASE_URL: db.url });
  const { child } = service;
  const { pub, processed } = await warmedConsumer(service, { amqp, nats }, BROKER, system, WARM);
  const io = () => Object.fromEntries(fs.readFileSync(`/proc/${child.pid}/io`, "utf8").trim().split("\n").map((l) => [l.split(":")[0], Number(l.split(":")[1])]));
  const st = () => Object.fromEntries(fs.readFileSync(`/proc/${child.pid}/status`, "utf8").trim().split("\n").map((l) => [l.split(":")[0], l.split(":")[1].trim()]));
  const io0 = io(), st0 = st(), cpu0 = cpuMicros(child.pid, {});
  await pub.fill(N);
  await until(() => processed() >= WARM + N, () => `${processed() - WARM}/${N}`, system, 600_000);
  const io1 = io(), st1 = st(), cpu1 = cpuMicros(child.pid, {});
  const res = { syscw: (io1.syscw - io0.syscw) / N, syscr: (io1.syscr - io0.syscr) / N, ctx: (Number(st1.voluntary_ctxt_switches) + Number(st1.nonvoluntary_ctxt_switches) - Number(st0.voluntary_ctxt_switches) - Number(st0.nonvoluntary_ctxt_switches)) / N, cpu: (cpu1 - cpu0) / N / 1000 };
  await sleep(500);
  await service.stop();
  await pub.close();
  await db.drop();
  return res;
}

for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < MSAS.length; k++) {
    const i = (k + r) % MSAS.length;
    const x = await measure(MSAS[i], i, r);
    console.log(`round ${r + 1}: ${MSAS[i]}: per event: write syscalls ${x.syscw.toFixed(3)}, read syscalls ${x.syscr.toFixed(3)}, context switches ${x.ctx.toFixed(3)}, CPU ${x.cpu.toFixed(4)} ms`);
  }
}
