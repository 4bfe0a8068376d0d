// Instructions per proxied request of the generated node gateway, tracing off and on (issue #15), counted by valgrind's
// callgrind in the gateway process (every thread: the trace export worker and V8's GC helpers included; user space
// only): W requests to warm it up, counters zeroed (callgrind_control -z), N requests (16 in flight, keep-alive, a
// JWT each, as bench/gateway-tracing.mjs sends), counters dumped. A figure the machine's load does not move, for
// comparing builds and changes when requests/s cannot be trusted (the judge stays gateway-tracing.mjs on a quiet
// machine). Needs gateways built by gateway-tracing.mjs (its default folder) or by hand (dist/ and node_modules/).
// Each thread is counted apart (--separate-threads): the event loop, the trace export worker, V8's optimizing compiler.
// Under valgrind a request is ~50× slower, so a few thousand requests make only a few exports: the worker's code is
// still being compiled in the window (the compiler's share says how much) — warm long (--warm 20000: ~25 minutes)
// before reading the worker's figure as its steady state; the event loop's is steady after a few thousand.
// usage: node bench/gateway-callgrind.mjs [--gateway GWDIR[,GWDIR…]] [--requests N] [--warm W] [--modes off,on]
import { execFileSync, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { DATA, freePort, numArg, waitHttp } from "./lib.mjs";

const argv = process.argv.slice(2);
const opt = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const GATEWAYS = opt("--gateway", path.join(DATA, "gateway-tracing-bench/gateway")).split(",").map((g) => path.resolve(g));
const N = numArg("--requests", 4000);
const WARM = numArg("--warm", 8000);
const MODES = opt("--modes", "off,on").split(",");
const SECRET = "bench-gateway-secret-0123456789abcdef";
const OUT = fs.mkdtempSync("/tmp/msa-gw-callgrind-");

for (const gw of GATEWAYS) {
  if (!fs.existsSync(path.join(gw, "dist/main.js"))) {
    console.log(`!!  gateway-callgrind: no built gateway in ${gw} (run node bench/gateway-tracing.mjs once, or pass --gateway)`);
    process.exit(1);
  }
}
const children = [];
process.on("exit", () => children.forEach((c) => c.kill("SIGKILL")));
const upPort = await freePort();
const sinkPort = await freePort();
const node = (code) => {
  const c = spawn("node", ["-e", code], { stdio: ["ignore", "ignore", "inherit"] });
  children.push(c);
  return c;
};
node(`const b=JSON.stringify({id:"42",name:"item"});require("node:http").createServer((q,s)=>{q.resume();s.writeHead(200,{"content-type":"application/json","content-length":Buffer.byteLength(b)});s.end(b)}).listen(${upPort},"127.0.0.1")`);
node(`let n=0;require("node:http").createServer((q,s)=>{if(q.url==="/stats"){s.end(String(n));return}q.on("data",c=>{n+=c.length});q.on("end",()=>{s.writeHead(200,{"content-type":"application/x-protobuf"}).end()})}).listen(${sinkPort},"127.0.0.1")`);
await waitHttp(`http://127.0.0.1:${sinkPort}/stats`);

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const now = Math.floor(Date.now() / 1000);
const unsigned = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: "bench", iss: "benchtr", aud: "benchtr", iat: now, exp: now + 3600 })}`;
const token = `${unsigned}.${createHmac("sha256", SECRET).update(unsigned).digest("base64url")}`;

/** n requests, 16 in flight on keep-alive connections; every answer must be 200 */
async function load(port, n) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  let next = 0;
  const one = () =>
    new Promise((resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port, path: "/api/v1/items/42", agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
          res.resume();
          res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`answer ${res.statusCode}`))));
        })
        .on("error", reject);
    });
  const lane = async () => {
    while (next < n) {
      next++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: 16 }, lane));
  agent.destroy();
}

async function measure(gw, mode, i) {
  const [port, metrics] = [await freePort(), await freePort()];
  const out = path.join(OUT, `${i}-${mode}.out`);
  const env = {
    PATH: process.env.PATH,
    JWT_SECRET: SECRET,
    JWT_ISSUER: "benchtr",
    JWT_AUDIENCE: "benchtr",
    LOG_LEVEL: "info",
    ROUTE_ITEMS_URL: `http://127.0.0.1:${upPort}`,
    PORT: String(port),
    METRICS_PORT: String(metrics),
    ...(mode === "on"
      ? {
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${sinkPort}/v1/traces`,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
          OTEL_TRACES_SAMPLER: "always_on",
          OTEL_SERVICE_NAME: "gateway-bench",
          // exports of full batches only, as at a busy gateway's rate (2048 spans every ~0.1 s at 10,000 requests/s):
          // under valgrind the requests are ~50× slower, and the 1 s timer would export many small batches instead
          OTEL_BSP_SCHEDULE_DELAY: "600000",
        }
      : {}),
  };
  const child = spawn("valgrind", ["--tool=callgrind", "--separate-threads=yes", `--callgrind-out-file=${out}`, `--log-file=${out}-valgrind.log`, "node", "dist/main.js"], { cwd: gw, env, stdio: ["ignore", "ignore", "inherit"] });
  children.push(child);
  await waitHttp(`http://127.0.0.1:${port}/health`, 300_000);
  await load(port, WARM);
  await new Promise((r) => setTimeout(r, 1500));
  execFileSync("callgrind_control", ["-z", String(child.pid)], { stdio: "ignore" });
  const sent = Number(await (await fetch(`http://127.0.0.1:${sinkPort}/stats`)).text());
  await load(port, N);
  // the spans of these N requests exported too (the export leaves at least every second)
  await new Promise((r) => setTimeout(r, 500));
  execFileSync("callgrind_control", ["-d", String(child.pid)], { stdio: "ignore" });
  const bytes = Number(await (await fetch(`http://127.0.0.1:${sinkPort}/stats`)).text()) - sent;
  child.kill("SIGKILL");
  // one dump per thread (<out>.<n>-<thread>): the event loop is thread 1; the trace export worker is the thread that
  // runs node::worker::Worker::Run; the rest are V8's helpers (the optimizing compiler — late JIT work still in the
  // window: warm longer when it is large —, GC) and libuv's pool
  const dumps = fs.readdirSync(OUT).filter((f) => f.startsWith(`${i}-${mode}.out.`));
  const part = { main: 0, worker: 0, jit: 0, other: 0 };
  for (const d of dumps) {
    const text = fs.readFileSync(path.join(OUT, d), "utf8");
    const ir = Number(/^(?:summary|totals): (\d+)/m.exec(text)?.[1] ?? 0);
    const thread = Number(/-(\d+)$/.exec(d)?.[1]);
    if (thread === 1) part.main += ir;
    else if (/node::worker::Worker::Run/.test(text)) part.worker += ir;
    else if (/OptimizingCompileDispatcher::CompileTask::RunInternal/.test(text)) part.jit += ir;
    else part.other += ir;
  }
  const ir = part.main + part.worker + part.jit + part.other;
  return { perRequest: ir / N, main: part.main / N, worker: part.worker / N, jit: part.jit / N, other: part.other / N, bytes: bytes / N };
}

const f = (x) => Math.round(x).toLocaleString("en");
for (const [i, gw] of GATEWAYS.entries()) {
  const r = {};
  for (const mode of MODES) r[mode] = await measure(gw, mode, i);
  const parts = MODES.map((m) => `${m} ${f(r[m].perRequest)} (event loop ${f(r[m].main)}, export worker ${f(r[m].worker)}, optimizing compiler ${f(r[m].jit)}, other threads ${f(r[m].other)}${m === "on" ? `, ${f(r[m].bytes)} bytes exported a request` : ""})`);
  const noJit = (x) => x.perRequest - x.jit;
  const ratio = r.off && r.on ? `; off/on ${(r.off.perRequest / r.on.perRequest).toFixed(3)} (without the compiler's ${(noJit(r.off) / noJit(r.on)).toFixed(3)}), tracing adds ${f(noJit(r.on) - noJit(r.off))} without the compiler, of it the event loop ${f(r.on.main - r.off.main)} and the export worker ${f(r.on.worker - r.off.worker)}` : "";
  console.log(`${gw}: instructions per request (callgrind, all threads, ${N} after ${WARM}): ${parts.join(", ")}${ratio}`);
}
children.forEach((c) => c.kill("SIGKILL"));
process.exit(0);
