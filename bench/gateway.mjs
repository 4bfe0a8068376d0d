// Gateway speed (issue #14 item 8): the generated node gateway against a 30-line keep-alive proxy with no auth
// (bench/gateway-floor.mjs) and against calling the upstream directly, with wrk at 16 connections in
// interleaved rounds (direct, floor, gateway, direct, …) so a burst of load from others hits all three alike.
// Budget: gateway ≥ 0.85× the floor's requests/s (wrk, saturated), and ≤ 2 ms added at p99 over the direct
// call — latency measured at a fixed, non-saturating rate (16 keep-alive connections, RATE req/s in all, a
// paced node:http client), since at saturation p99 is mostly queueing and says nothing about the gateway. The gateway
// verifies the JWT of every request (a bounded cache of verified tokens), applies a rate limit that never
// trips, and logs every request at info (to /dev/null), as it runs in production.
// usage: node bench/gateway.mjs [--rounds N] [--seconds S] [--rate R]   (also: node bench/run.mjs gateway)
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { DATA, MSA, ROOT, cpuMicros, median, freePort, numArg, waitHttp } from "./lib.mjs";

const arg = numArg;
const ROUNDS = arg("--rounds", 5);
const SECONDS = arg("--seconds", 5);
const CONNECTIONS = 16;
const RATE = arg("--rate", 800);
const SECRET = "bench-gateway-secret-0123456789abcdef";

if (spawnSync("wrk", ["--version"]).error) {
  console.log("!!  gateway: wrk is not installed (apt-get install wrk)");
  process.exit(1);
}



// 1. the generated gateway of a one-route system, built once into bench/.data/gateway-bench
const dir = path.join(DATA, "gateway-bench");
const system = `version: 1
name: benchgw
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
`;
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, "system.yaml"), system);
execFileSync("node", [MSA, "generate"], { cwd: dir, stdio: "ignore" });
const gwDir = path.join(dir, "gateway");
// installed as its Docker build does, the gateway folder alone: the generated root package.json would make npm
// install the whole workspace, msa-cli included, which is not on the registry until it is published
fs.rmSync(path.join(dir, "package.json"), { force: true });
execFileSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline"], { cwd: gwDir, stdio: "ignore" });
execFileSync("node", [path.join(gwDir, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: gwDir, stdio: "inherit" });

// 2. upstream, floor proxy and gateway, each its own process
const children = [];
const start = (args, env, cwd = ROOT) => {
  const c = spawn("node", args, { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "ignore", "inherit"] });
  children.push(c);
  return c;
};
process.on("exit", () => children.forEach((c) => c.kill("SIGKILL")));
const [upPort, floorPort, gwPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
const UPSTREAM = `const b=JSON.stringify({id:"42",name:"item"});require("node:http").createServer((q,s)=>{q.resume();s.writeHead(200,{"content-type":"application/json","content-length":Buffer.byteLength(b)});s.end(b)}).listen(${upPort},"127.0.0.1")`;
start(["-e", UPSTREAM], {});
const floorProc = start([path.join(ROOT, "bench/gateway-floor.mjs")], { PORT: String(floorPort), UPSTREAM: `http://127.0.0.1:${upPort}` });
const gwProc = start(["dist/main.js"], { PORT: String(gwPort), METRICS_PORT: String(metricsPort), JWT_SECRET: SECRET, JWT_ISSUER: "benchgw", LOG_LEVEL: "info", ROUTE_ITEMS_URL: `http://127.0.0.1:${upPort}` }, gwDir);
await Promise.all([upPort, floorPort, gwPort].map((p) => waitHttp(`http://127.0.0.1:${p}/health`)));

const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
const now = Math.floor(Date.now() / 1000);
const unsigned = `${b64({ alg: "HS256", typ: "JWT" })}.${b64({ sub: "bench", iss: "benchgw", iat: now, exp: now + 3600 })}`;
const token = `${unsigned}.${createHmac("sha256", SECRET).update(unsigned).digest("base64url")}`;
const auth = ["-H", `Authorization: Bearer ${token}`];
const targets = {
  direct: [`http://127.0.0.1:${upPort}/items/42`],
  floor: [`http://127.0.0.1:${floorPort}/items/42`],
  gateway: [...auth, `http://127.0.0.1:${gwPort}/api/v1/items/42`],
};
const check = await fetch(`http://127.0.0.1:${gwPort}/api/v1/items/42`, { headers: { authorization: `Bearer ${token}` } });
if (check.status !== 200) throw new Error(`the gateway answered ${check.status}, not 200`);

// 3. wrk rounds
const toMs = (v) => {
  const m = /^([\d.]+)(us|ms|s)$/.exec(v);
  return m ? Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1) : NaN;
};
function wrk(args, seconds) {
  const out = execFileSync("wrk", ["-t2", `-c${CONNECTIONS}`, `-d${seconds}s`, "--latency", ...args], { encoding: "utf8" });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99 = toMs(/^\s+99%\s+(\S+)/m.exec(out)?.[1] ?? "");
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  if (non2xx) throw new Error(`wrk saw ${non2xx} non-2xx answers:\n${out}`);
  return { rps, p99, requests: Number(/(\d+) requests in/.exec(out)?.[1]) };
}
// CPU time of the proxy process per request over a wrk round (user + system from /proc): less swayed by the load of
// others than requests/s, which also measure how much of the 2 cores the process was given
const pids = { floor: floorProc.pid, gateway: gwProc.pid };
function wrkCpu(name, t, seconds) {
  const before = pids[name] ? cpuMicros(pids[name]) : 0;
  const w = wrk(t, seconds);
  return { ...w, cpuUs: pids[name] ? (cpuMicros(pids[name]) - before) / w.requests : NaN };
}
/** p99 of requests sent at a fixed total rate over CONNECTIONS keep-alive connections. */
async function pacedP99(url, headers, seconds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const lat = [];
  const interval = (1000 * CONNECTIONS) / RATE;
  const end = performance.now() + seconds * 1000;
  const one = () =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      http
        .get(url, { agent, headers }, (res) => {
          res.resume();
          res.on("end", () => {
            if (res.statusCode !== 200) reject(new Error(`${url}: ${res.statusCode}`));
            lat.push(performance.now() - t0);
            resolve();
          });
        })
        .on("error", reject);
    });
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      await new Promise((r) => setTimeout(r, (interval * c) / CONNECTIONS));
      while (performance.now() < end) {
        const next = performance.now() + interval;
        await one();
        const wait = next - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }),
  );
  agent.destroy();
  lat.sort((a, b) => a - b);
  return lat[Math.floor(lat.length * 0.99)];
}
const paced = {
  direct: [`http://127.0.0.1:${upPort}/items/42`, {}],
  floor: [`http://127.0.0.1:${floorPort}/items/42`, {}],
  gateway: [`http://127.0.0.1:${gwPort}/api/v1/items/42`, { authorization: `Bearer ${token}` }],
};

const loadAtStart = os.loadavg().map((l) => l.toFixed(1)).join(" ");
for (const t of Object.values(targets)) wrk(t, 2); // warm-up: JIT, connection pools, the token cache
const r = { direct: [], floor: [], gateway: [] };
const p = { direct: [], floor: [], gateway: [] };
for (let i = 0; i < ROUNDS; i++) {
  for (const [name, t] of Object.entries(targets)) r[name].push(wrkCpu(name, t, SECONDS));
  for (const [name, [url, headers]] of Object.entries(paced)) p[name].push(await pacedP99(url, headers, SECONDS));
}
children.forEach((c) => c.kill("SIGTERM"));

const med = (name, k) => median(r[name].map((x) => x[k]));
const p99 = (name) => median(p[name]);
const ratio = med("gateway", "rps") / med("floor", "rps");
const added = p99("gateway") - p99("direct");
const line = (ok, figure, value, budget) => console.log(`${ok === undefined ? "  " : ok ? "ok" : "!!"}  ${figure}: ${value}${budget ? `   (budget ${budget})` : ""}`);
console.log(`${ROUNDS} interleaved rounds × ${SECONDS} s; wrk -t2 -c${CONNECTIONS} (saturated) and a paced client at ${RATE} req/s over ${CONNECTIONS} connections; medians; load average at the start ${loadAtStart}, at the end ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
for (const name of Object.keys(r)) {
  line(undefined, `${name}`, `${med(name, "rps").toFixed(0)} req/s saturated (rounds ${r[name].map((x) => x.rps.toFixed(0)).join(", ")}); p99 at ${RATE} req/s ${p99(name).toFixed(2)} ms (rounds ${p[name].map((x) => x.toFixed(2)).join(", ")})`);
}
line(ratio >= 0.85, "gateway requests/s vs floor proxy", `${ratio.toFixed(2)}×`, "≥ 0.85×");
const cpu = (name) => med(name, "cpuUs");
line(undefined, "CPU per request (user + system, /proc)", `floor ${cpu("floor").toFixed(1)} µs (rounds ${r.floor.map((x) => x.cpuUs.toFixed(0)).join(", ")}), gateway ${cpu("gateway").toFixed(1)} µs (rounds ${r.gateway.map((x) => x.cpuUs.toFixed(0)).join(", ")}): the floor's = ${(cpu("floor") / cpu("gateway")).toFixed(2)}× the gateway's`);
line(added <= 2, "gateway p99 added over a direct call", `${added.toFixed(2)} ms (floor: ${(p99("floor") - p99("direct")).toFixed(2)} ms)`, "≤ 2 ms");
