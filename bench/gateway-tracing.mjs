// Tracing overhead (issue #15): the generated node gateway's requests/s with OpenTelemetry on (always_on, every
// span exported over OTLP/HTTP to a local sink process that reads and answers 200) against the same gateway with tracing
// off, with wrk at 16 connections in interleaved rounds (off, on, off, …) so a burst of load from others hits both
// alike. Both gateways verify a JWT, apply a never-tripping rate limit and log every request (to /dev/null).
// Target: on ≥ 0.85× off (median requests/s, same run).
// usage: node bench/gateway-tracing.mjs [--rounds N] [--seconds S] [--sampler always_on | parentbased_traceidratio:0.1 | …]
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { DATA, MSA, cpuMicros, median, freePort, numArg, waitHttp } from "./lib.mjs";

const arg = numArg;
const ROUNDS = arg("--rounds", 5);
const SECONDS = arg("--seconds", 5);
const SECRET = "bench-gateway-secret-0123456789abcdef";
// the sampler of the traced gateway: always_on by default (every span exported); e.g. --sampler parentbased_traceidratio:0.1
const [SAMPLER, SAMPLER_ARG] = (process.argv.includes("--sampler") ? process.argv[process.argv.indexOf("--sampler") + 1] : "always_on").split(":");

if (spawnSync("wrk", ["--version"]).error) {
  console.log("!!  gateway-tracing: wrk is not installed (apt-get install wrk)");
  process.exit(1);
}

// 1. the generated gateway of a one-route system
const dir = path.join(DATA, "gateway-tracing-bench");
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(
  path.join(dir, "system.yaml"),
  `version: 1
name: benchtr
gateway:
  kind: node
  auth: jwt
  rateLimit: 1000000/second
  routes:
    - { path: /api/v1/items, context: items, methods: [GET] }
contexts:
  items:
    port: 3000
    database: none
    api: ["GET /items/{id}"]
`,
);
execFileSync("node", [MSA, "generate"], { cwd: dir, stdio: "ignore" });
fs.rmSync(path.join(dir, "package.json"), { force: true }); // install the gateway alone, as its Docker build does
const gwDir = path.join(dir, "gateway");
execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline"], { cwd: gwDir, stdio: "ignore" });
execFileSync("node", [path.join(gwDir, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: gwDir, stdio: "inherit" });

// 2. upstream, OTLP sink, gateway off and gateway on: each its own process
const children = [];
const start = (args, env, cwd) => {
  const c = spawn("node", args, { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "ignore", "inherit"] });
  children.push(c);
  return c;
};
process.on("exit", () => children.forEach((c) => c.kill("SIGKILL")));
const [upPort, offPort, onPort, m1, m2] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
// the sink is a process of its own: it must read and answer while wrk blocks this one, or the exporter (one batch in
// flight at a time) stalls, its queue overflows and the dropped spans cost nothing — tracing would look cheap
const sinkPort = await freePort();
const SINK = `let n=0,b=0;require("node:http").createServer((q,s)=>{if(q.url==="/stats"){s.end(JSON.stringify({exports:n,bytes:b}));return}q.on("data",(c)=>{b+=c.length});q.on("end",()=>{n++;s.writeHead(200,{"content-type":"application/x-protobuf"}).end()})}).listen(${sinkPort},"127.0.0.1")`;
const UPSTREAM = `const b=JSON.stringify({id:"42",name:"item"});require("node:http").createServer((q,s)=>{q.resume();s.writeHead(200,{"content-type":"application/json","content-length":Buffer.byteLength(b)});s.end(b)}).listen(${upPort},"127.0.0.1")`;
start(["-e", UPSTREAM], {}, dir);
start(["-e", SINK], {}, dir);
await waitHttp(`http://127.0.0.1:${sinkPort}/stats`);
const gwEnv = { JWT_SECRET: SECRET, JWT_ISSUER: "benchtr", JWT_AUDIENCE: "benchtr", LOG_LEVEL: "info", ROUTE_ITEMS_URL: `http://127.0.0.1:${upPort}` };
const offProc = start(["dist/main.js"], { ...gwEnv, PORT: String(offPort), METRICS_PORT: String(m1) }, gwDir);
const onProc = start(
  ["dist/main.js"],
  {
    ...gwEnv,
    PORT: String(onPort),
    METRICS_PORT: String(m2),
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    OTEL_TRACES_SAMPLER: SAMPLER,
    ...(SAMPLER_ARG ? { OTEL_TRACES_SAMPLER_ARG: SAMPLER_ARG } : {}),
    OTEL_SERVICE_NAME: "gateway-bench",
  },
  gwDir,
);
await Promise.all([upPort, offPort, onPort].map((p) => waitHttp(`http://127.0.0.1:${p}/health`, 30_000)));

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const now = Math.floor(Date.now() / 1000);
const unsigned = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: "bench", iss: "benchtr", aud: "benchtr", iat: now, exp: now + 3600 })}`;
const token = `${unsigned}.${createHmac("sha256", SECRET).update(unsigned).digest("base64url")}`;
for (const port of [offPort, onPort]) {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/items/42`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`the gateway on ${port} answered ${res.status}, not 200`);
}

function wrk(port, seconds) {
  const out = execFileSync("wrk", ["-t2", "-c16", `-d${seconds}s`, "-H", `Authorization: Bearer ${token}`, `http://127.0.0.1:${port}/api/v1/items/42`], { encoding: "utf8" });
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  if (non2xx) throw new Error(`wrk saw ${non2xx} non-2xx answers:\n${out}`);
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]), requests: Number(/(\d+) requests in/.exec(out)?.[1]) };
}
/** requests/s, and the gateway's CPU time (user + system, /proc) per request over the round */
function round(port, proc, seconds) {
  const before = cpuMicros(proc.pid);
  const w = wrk(port, seconds);
  return { rps: w.rps, requests: w.requests, cpuUs: (cpuMicros(proc.pid) - before) / w.requests };
}
// a short rest between rounds, so that one round's queued export does not land in the next one
const pause = () => new Promise((r) => setTimeout(r, 1_500));
wrk(offPort, 2);
wrk(onPort, 2);
await pause();
const loadAtStart = os.loadavg().map((l) => l.toFixed(1)).join(" ");
const rounds = { off: [], on: [] };
for (let i = 0; i < ROUNDS; i++) {
  rounds.off.push(round(offPort, offProc, SECONDS));
  await pause();
  rounds.on.push(round(onPort, onProc, SECONDS));
  await pause();
}
const r = { off: rounds.off.map((x) => x.rps), on: rounds.on.map((x) => x.rps) };
const cpu = { off: rounds.off.map((x) => x.cpuUs), on: rounds.on.map((x) => x.cpuUs) };
await new Promise((res) => setTimeout(res, 6_000)); // the last batch exported
const { exports, bytes: exportedBytes } = await (await fetch(`http://127.0.0.1:${sinkPort}/stats`)).json();
const tracedRequests = rounds.on.reduce((n, x) => n + x.requests, 0);
children.forEach((c) => c.kill("SIGTERM"));

const ratio = median(r.on) / median(r.off);
console.log(`${ROUNDS} interleaved rounds × ${SECONDS} s, wrk -t2 -c16, medians; load average at the start ${loadAtStart}, at the end ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
console.log(`    tracing off: ${median(r.off).toFixed(0)} req/s (rounds ${r.off.map((x) => x.toFixed(0)).join(", ")})`);
console.log(`    tracing on (${SAMPLER}${SAMPLER_ARG ? ` ${SAMPLER_ARG}` : ""}, OTLP/HTTP protobuf to a local sink): ${median(r.on).toFixed(0)} req/s (rounds ${r.on.map((x) => x.toFixed(0)).join(", ")}); ${exports} exports, ${(exportedBytes / 1e6).toFixed(1)} MB received = ${(exportedBytes / tracedRequests).toFixed(0)} bytes per traced request of the rounds (two spans each; ~430 bytes a request sampled in full, so far less means spans were dropped)`);
console.log(`${ratio >= 0.85 ? "ok" : "!!"}  gateway requests/s, tracing on vs off: ${ratio.toFixed(2)}×   (target ≥ 0.85×)`);
console.log(`    CPU per request (user + system, /proc): off ${median(cpu.off).toFixed(1)} µs (rounds ${cpu.off.map((x) => x.toFixed(0)).join(", ")}), on ${median(cpu.on).toFixed(1)} µs (rounds ${cpu.on.map((x) => x.toFixed(0)).join(", ")}): off/on = ${(median(cpu.off) / median(cpu.on)).toFixed(2)}×`);
if (exports === 0) console.log("!!  the sink received no export: tracing was not on");
