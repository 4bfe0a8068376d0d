// The direct cost of the node gateway's tracing (issue #15), without HTTP traffic: the generated gateway's own
// dist/telemetry.js (OpenTelemetry's SDK, BatchSpanProcessor and OTLP/HTTP protobuf exporter, always_on) exporting to
// a sink process, driven through the calls one proxied request makes (server span, route name, log ids, client span
// with W3C inject, both ends), in slices of 100 every 10 ms (at most 10,000 requests/s, a busy gateway's rate: faster,
// the one export in flight cannot keep up, the queue overflows and dropped spans make it look cheap). Prints the CPU
// (user + system) per request, the bytes exported per request (far below ~428 means spans were dropped) and, with
// --heap, the allocations per request by function (V8's sampling heap profiler, collected objects included).
// It needs a gateway built by bench/gateway-tracing.mjs (its default folder) or by hand: GWDIR with dist/ and node_modules/.
// Whatever the gateway adds on top of this figure under load (the gateway-tracing.mjs difference minus this) is the
// indirect cost: young-generation GCs copying the spans that wait in the export queue (bench/README.md).
// usage: node bench/gateway-tracing-micro.mjs [--gateway GWDIR] [--requests N] [--rounds R] [--heap]
import { spawn } from "node:child_process";
import fs from "node:fs";
import { Session } from "node:inspector/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { DATA, freePort, median, numArg, waitHttp } from "./lib.mjs";

const argv = process.argv.slice(2);
const GW = path.resolve(argv.includes("--gateway") ? argv[argv.indexOf("--gateway") + 1] : path.join(DATA, "gateway-tracing-bench/gateway"));
const N = numArg("--requests", 50_000);
const ROUNDS = numArg("--rounds", 3);
const HEAP = argv.includes("--heap");

if (!fs.existsSync(path.join(GW, "dist/telemetry.js"))) {
  console.log(`!!  gateway-tracing-micro: no built gateway in ${GW} (run node bench/gateway-tracing.mjs once, or pass --gateway)`);
  process.exit(1);
}
const sinkPort = await freePort();
const sink = spawn("node", ["-e", `let n=0;require("node:http").createServer((q,s)=>{if(q.url==="/stats"){s.end(String(n));return}q.on("data",c=>{n+=c.length});q.on("end",()=>{s.writeHead(200,{"content-type":"application/x-protobuf"}).end()})}).listen(${sinkPort},"127.0.0.1")`], { stdio: "inherit" });
process.on("exit", () => sink.kill("SIGKILL"));
await waitHttp(`http://127.0.0.1:${sinkPort}/stats`);
// the SDK reads process.env itself; an OTEL_BSP_* already set (to try other batching) wins over the gateway's defaults
Object.assign(process.env, {
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${sinkPort}/v1/traces`,
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
  OTEL_TRACES_SAMPLER: "always_on",
  OTEL_SERVICE_NAME: "gateway-bench",
});
const t = await import(pathToFileURL(path.join(GW, "dist/telemetry.js")).href);
const telemetry = await t.startTelemetry("gateway-bench");
if (!telemetry.enabled) throw new Error("tracing did not start");

const req = { headers: { host: "127.0.0.1:8080", authorization: "Bearer x", "user-agent": "wrk", accept: "*/*" } };
/** what one proxied request does with tracing on (app.ts and proxy.ts) */
function request() {
  const span = t.startServerSpan(req, "GET", "/api/v1/items/42");
  t.nameServerSpan(span, "GET", "/api/v1/items");
  const ids = t.traceIdsOf(span);
  const headers = { host: "127.0.0.1:3000", "x-correlation-id": "c0ffee" };
  const client = t.startClientSpan(span, "GET", "http://127.0.0.1:3000/items/42", headers);
  t.endClientSpan(client, { status: 200 });
  t.endServerSpan(span, 200);
  return ids;
}
const turn = () => new Promise((r) => setTimeout(r, 10));
async function run(n) {
  for (let i = 0; i < n; i++) {
    request();
    if (i % 100 === 99) await turn();
  }
}
await run(10_000); // warm-up: compiled code, an export or two
await new Promise((r) => setTimeout(r, 1_500));
const bytesSoFar = async () => Number(await (await fetch(`http://127.0.0.1:${sinkPort}/stats`)).text());

const cpu = [];
let session = null;
if (HEAP) {
  session = new Session();
  session.connect();
  await session.post("HeapProfiler.startSampling", { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
}
const before = await bytesSoFar();
for (let r = 0; r < ROUNDS; r++) {
  const c0 = process.cpuUsage();
  await run(N);
  const c = process.cpuUsage(c0);
  cpu.push((c.user + c.system) / N);
}
let heap = null;
if (session) heap = (await session.post("HeapProfiler.stopSampling")).profile;
await telemetry.shutdown(); // the last batch out
const bytes = (await bytesSoFar()) - before;
console.log(`${ROUNDS} rounds × ${N} requests, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}; ${GW}`);
console.log(`    tracing CPU per request: ${median(cpu).toFixed(2)} µs (rounds ${cpu.map((x) => x.toFixed(2)).join(", ")})${HEAP ? " — under the heap profiler" : ""}`);
console.log(`    exported ${bytes} bytes = ${(bytes / (ROUNDS * N)).toFixed(0)} bytes per request (~428 with every span; fewer: spans dropped)`);
if (heap) {
  const by = new Map();
  let total = 0;
  const walk = (node) => {
    const f = node.callFrame;
    const where = (f.url || "").replace(/.*node_modules\//, "").replace(/.*\/dist\//, "dist/");
    const name = `${f.functionName || "(anonymous)"} ${where}:${f.lineNumber + 1}`;
    total += node.selfSize;
    if (node.selfSize) by.set(name, (by.get(name) ?? 0) + node.selfSize);
    node.children.forEach(walk);
  };
  walk(heap.head);
  const per = ROUNDS * N;
  console.log(`    allocated (sampled) ${(total / per).toFixed(0)} bytes per request; by function:`);
  for (const [name, size] of [...by].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`    ${(size / per).toFixed(0).padStart(7)} B  ${name}`);
}
process.exit(0);
