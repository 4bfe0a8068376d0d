// What the node gateway's request thread pays per batch of ended spans (issue #15): the hand-off to the export worker
// (trace-export.ts: the columnar copy in onEnd and the postMessage, whose structured clone runs on the sending thread)
// against what the worker takes off it (OpenTelemetry's own OTLP protobuf encoding of the same spans, as the SDK's
// BatchSpanProcessor ran it on the request thread). The spans are the gateway's: per request a SERVER span (5
// attributes, a remote parent) and a CLIENT span (4 attributes), made by the SDK with the gateway's telemetry.js calls'
// attributes. The worker here answers each batch without exporting it: only the sending side is timed.
// Timed synchronously on one thread (hrtime around the calls): wall time of CPU-bound code, noisy under load —
// medians of R rounds, each over N batches.
// It needs a gateway built by bench/gateway-tracing.mjs (its default folder) or by hand: GWDIR with dist/ and node_modules/.
// usage: node bench/gateway-tracing-handoff.mjs [--gateway GWDIR] [--batch 256] [--batches 200] [--rounds 7]
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { DATA, median, numArg } from "./lib.mjs";

const argv = process.argv.slice(2);
const GW = path.resolve(argv.includes("--gateway") ? argv[argv.indexOf("--gateway") + 1] : path.join(DATA, "gateway-tracing-bench/gateway"));
const BATCH = numArg("--batch", 256);
const BATCHES = numArg("--batches", 200);
const ROUNDS = numArg("--rounds", 7);
if (!fs.existsSync(path.join(GW, "dist/trace-export.js"))) {
  console.log(`!!  gateway-tracing-handoff: no gateway with a worker export in ${GW} (run node bench/gateway-tracing.mjs once, or pass --gateway)`);
  process.exit(1);
}
const req = createRequire(path.join(GW, "package.json"));
const load = (name) => import(pathToFileURL(req.resolve(name)).href);
const api = await load("@opentelemetry/api");
const { BasicTracerProvider } = await load("@opentelemetry/sdk-trace-base");
const { resourceFromAttributes } = await load("@opentelemetry/resources");
const { ProtobufTraceSerializer } = await load("@opentelemetry/otlp-transformer");
const { WorkerSpanProcessor } = await import(pathToFileURL(path.join(GW, "dist/trace-export.js")).href);

// the ended spans of BATCH / 2 requests, as the SDK hands them to a span processor
const ended = [];
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ "service.name": "gateway-bench", "telemetry.sdk.language": "nodejs", "telemetry.sdk.name": "opentelemetry", "telemetry.sdk.version": "2.12.0", "host.name": os.hostname(), "process.pid": process.pid }),
  spanProcessors: [{ onStart() {}, onEnd: (s) => ended.push(s), forceFlush: async () => {}, shutdown: async () => {} }],
});
const tracer = provider.getTracer("benchtr-gateway");
const caller = api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1, isRemote: true });
for (let i = 0; i < BATCH / 2; i++) {
  const server = tracer.startSpan("GET", { kind: api.SpanKind.SERVER }, caller);
  server.setAttribute("http.request.method", "GET");
  server.setAttribute("url.path", `/api/v1/items/${i}`);
  server.setAttribute("url.scheme", "http");
  server.setAttribute("http.route", "/api/v1/items/{id}");
  server.updateName("GET /api/v1/items/{id}");
  const client = tracer.startSpan("GET", { kind: api.SpanKind.CLIENT }, api.trace.setSpan(api.ROOT_CONTEXT, server));
  client.setAttribute("http.request.method", "GET");
  client.setAttribute("url.full", `http://127.0.0.1:3000/items/${i}`);
  client.setAttribute("http.response.status_code", 200);
  client.end();
  server.setAttribute("http.response.status_code", 200);
  server.end();
}

// a worker that acknowledges each batch at once (the request thread's side of the hand-off is what is timed)
const sinkWorker = path.join(os.tmpdir(), `msa-handoff-worker-${process.pid}.mjs`);
fs.writeFileSync(sinkWorker, `import { parentPort } from "node:worker_threads";
parentPort.on("message", (m) => parentPort.postMessage(m.type === "batch" ? { type: "exported", id: m.id, count: m.batch.count, ok: true } : { type: "flushed", id: m.id }));
`);
process.on("exit", () => fs.rmSync(sinkWorker, { force: true }));
const processor = new WorkerSpanProcessor({ maxQueueSize: 1 << 30, maxExportBatchSize: BATCH, scheduledDelayMillis: 1 << 30, exportTimeoutMillis: 30_000, workerUrl: pathToFileURL(sinkWorker) });

const us = (t0) => Number(process.hrtime.bigint() - t0) / 1e3;
const handoff = [];
const encode = [];
let bytes = 0;
for (let r = 0; r < ROUNDS + 1; r++) {
  let t0 = process.hrtime.bigint();
  for (let b = 0; b < BATCHES; b++) for (const s of ended) processor.onEnd(s); // the last onEnd of each batch posts it
  const h = us(t0) / BATCHES;
  await processor.forceFlush(); // the worker has them all: the next round starts with an empty queue
  t0 = process.hrtime.bigint();
  for (let b = 0; b < BATCHES; b++) bytes = ProtobufTraceSerializer.serializeRequest(ended).length;
  const e = us(t0) / BATCHES;
  if (r > 0) {
    // round 0 warms both up
    handoff.push(h);
    encode.push(e);
  }
}
await processor.shutdown();
const f1 = (x) => x.toFixed(1);
console.log(`batches of ${BATCH} spans (${BATCH / 2} requests), ${ROUNDS} rounds × ${BATCHES} batches, medians; load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
console.log(`  hand-off to the worker (columnar copy + postMessage): ${f1(median(handoff))} µs a batch = ${((median(handoff) / BATCH) * 2).toFixed(2)} µs a request (rounds ${handoff.map(f1).join(", ")})`);
console.log(`  OTLP protobuf encoding on the request thread (the SDK's BatchSpanProcessor path): ${f1(median(encode))} µs a batch = ${((median(encode) / BATCH) * 2).toFixed(2)} µs a request (rounds ${encode.map(f1).join(", ")}); ${bytes} bytes`);
console.log(`  hand-off ÷ encoding: ${(median(handoff) / median(encode)).toFixed(2)}×`);
