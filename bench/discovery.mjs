// discovery: consul — what the lookup costs a caller (issue #18 item 4). The same generated node caller (orders →
// stock, GET /orders/{id} calling GET /stock/{sku}) built twice: with `discovery: consul` (every call asks the
// resolver; Consul's health API answered by a minimal agent in this process, cached CONSUL_CACHE_TTL_MS = 5 s as
// generated) and without (the fixed STOCK_URL). The callee is a tiny node:http server in this process. Interleaved
// rounds; per round the caller process's CPU (user + system from /proc/<pid>/stat) per request and the wall
// requests/s of N sequential keep-alive requests; medians and the ratio consul / dns. Prints the load average.
//   node bench/discovery.mjs [--rounds 5] [--requests 3000]
// Needs the e2e shared node_modules (run test/e2e/consul.test.ts once).
import http from "node:http";
import os from "node:os";
import { cpuMicros } from "./lib.mjs";
import { arg, generate, median, progress, sharedModules, startService } from "./messaging.mjs";

const ROUNDS = Number(arg("--rounds", "5"));
const N = Number(arg("--requests", "3000"));

const yaml = (consul) => `version: 1
name: disc${consul ? "c" : "d"}
${consul ? "discovery: consul\n" : ""}broker: { kind: memory }
contexts:
  orders:
    port: 3000
    database: none
    api: ["GET /orders/{id}"]
    calls:
      stock: { timeout: 2s, retries: 0 }
  stock:
    port: 3001
    database: none
    api: ["GET /stock/{sku}"]
`;
const handler = `import type { Request, Response } from "express";
import type { HandlerContext } from "../generated/routes.js";

export async function getOrdersById(req: Request<{ id: string }>, res: Response, ctx: HandlerContext): Promise<void> {
  const stock = await ctx.clients.stock.getStockBySku({ sku: req.params.id });
  res.json({ orderId: req.params.id, stock: stock.body });
}
`;

const listen = (server) => new Promise((r) => server.listen(0, "127.0.0.1", () => r(server.address().port)));
const { shared } = sharedModules();

// the callee, and a minimal agent: registration accepted, the health API listing the callee as passing
const callee = http.createServer((req, res) => res.writeHead(200, { "content-type": "application/json" }).end(`{"sku":"${req.url.split("/").pop()}"}`));
const calleePort = await listen(callee);
let lookups = 0;
const agent = http.createServer((req, res) => {
  req.resume();
  if (req.url.startsWith("/v1/health/service/stock")) {
    lookups++;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify([{ Node: { Address: "127.0.0.1" }, Service: { ID: "stock-1", Service: "stock", Address: "127.0.0.1", Port: calleePort }, Checks: [] }]));
  } else res.writeHead(200).end();
});
const agentPort = await listen(agent);

progress("discovery", "generating and building both callers");
const files = { "services/orders/src/handlers/getOrdersById.ts": handler };
const dirC = generate(shared, "discovery-consul", yaml(true), ["orders"], files);
const dirD = generate(shared, "discovery-dns", yaml(false), ["orders"], files);
const common = { SHUTDOWN_DELAY_MS: "0", LOG_LEVEL: "warn" };
const consul = startService(`${dirC}/services/orders`, { ...common, LOG_LEVEL: "info", CONSUL_HTTP_ADDR: `http://127.0.0.1:${agentPort}`, SERVICE_ADDRESS: "127.0.0.1", STOCK_URL: "http://127.0.0.1:9" });
const dns = startService(`${dirD}/services/orders`, { ...common, LOG_LEVEL: "info", STOCK_URL: `http://127.0.0.1:${calleePort}` });
await Promise.all([consul.ready, dns.ready]);

const cpuMs = (pid) => cpuMicros(pid) / 1000;
const agentKeepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
const get = (port, id) =>
  new Promise((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path: `/orders/${id}`, agent: agentKeepAlive }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    }).on("error", reject);
  });
async function round(svc, n) {
  const c0 = cpuMs(svc.child.pid);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await get(svc.port, `s${i}`);
  const wall = performance.now() - t0;
  return { cpuPerReq: (cpuMs(svc.child.pid) - c0) / n, rps: n / (wall / 1000) };
}

progress("discovery", "warming up");
await round(consul, 500);
await round(dns, 500);
const r = { consul: [], dns: [] };
for (let i = 0; i < ROUNDS; i++) {
  // interleaved, the order alternating
  for (const [name, svc] of i % 2 ? [["dns", dns], ["consul", consul]] : [["consul", consul], ["dns", dns]]) r[name].push(await round(svc, N));
  progress("discovery", `round ${i + 1}/${ROUNDS}`);
}
const med = (xs, k) => median(xs.map((x) => x[k]));
const load = os.loadavg().map((x) => x.toFixed(2)).join(" ");
console.log(`discovery (${ROUNDS} rounds × ${N} sequential requests, load average ${load}; agent lookups: ${lookups})`);
for (const name of ["dns", "consul"]) console.log(`  ${name.padEnd(7)} CPU ${med(r[name], "cpuPerReq").toFixed(3)} ms/request   ${med(r[name], "rps").toFixed(0)} requests/s`);
console.log(`  consul / dns: CPU per request ${(med(r.consul, "cpuPerReq") / med(r.dns, "cpuPerReq")).toFixed(2)}×, requests/s ${(med(r.consul, "rps") / med(r.dns, "rps")).toFixed(2)}×`);
await Promise.all([consul.stop(), dns.stop()]);
callee.close();
agent.close();
