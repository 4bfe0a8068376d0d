// The node gateway's trace export off the event loop (issue #15; templates/gateway/node/src/trace-export.ts and
// trace-worker.ts, docs/observability.md): its spans leave in batches for a worker thread that encodes and sends them
// with OpenTelemetry's OTLP exporter. Checked on the built gateway, as a process, against a test OTLP/HTTP receiver:
//   1. a burst of requests, none of whose spans leaves before SIGTERM (batch and delay larger than the burst): after
//      the graceful stop the receiver holds every request's server and client span, with the right parents — the
//      shutdown flushed the batch and waited for the worker's export;
//   2. a collector that accepts connections and never answers: the gateway holds at most OTEL_BSP_MAX_QUEUE_SIZE
//      spans, drops the rest, and reports every lost span (dropped on a full queue, or unexported at shutdown) in a
//      warning — nothing grows without bound and nothing is lost silently;
//   2b. the request thread hands its spans over 256 at a time and the worker gathers them into exports of
//      OTEL_BSP_MAX_EXPORT_BATCH_SIZE (full ones while the burst runs, the rest at the stop); spans fewer than a full
//      export leave OTEL_BSP_SCHEDULE_DELAY after they ended, with no stop;
//   3. a worker that dies (here: it exits on its first batch) takes nothing else down: the span processor keeps taking
//      spans without throwing, counts the ones the dead worker held and the ones that ended while none ran, and
//      starts a new worker, whose exports reach the collector with the process's resource.
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { freePort, tail, waitFor } from "./harness.js";
import { buildNodeGateway, CLIENT, SERVER, startReceiver, startTraced, type Receiver } from "./otlp-support.js";

const SYSTEM = `trexport${(process.env.MSA_E2E_SUFFIX ?? "").toLowerCase().replace(/[^a-z0-9]/g, "")}`;
const yaml = `
version: 1
name: ${SYSTEM}
gateway:
  kind: node
  auth: none
  routes:
    - { path: /api/items, context: items, methods: [GET] }
contexts:
  items:
    port: 3000
    api: ["GET /items/{id}"]
`;

/** Sends `n` GETs through the gateway, `concurrency` at a time, each with a traceparent of its own; returns their trace ids. */
async function burst(url: string, n: number, concurrency: number): Promise<{ traceIds: string[]; callerSpans: string[] }> {
  const traceIds: string[] = [];
  const callerSpans: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      traceIds[i] = randomBytes(16).toString("hex");
      callerSpans[i] = randomBytes(8).toString("hex");
      const res = await fetch(`${url}/api/items/${i}`, { headers: { traceparent: `00-${traceIds[i]}-${callerSpans[i]}-01` } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`request ${i}: ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { traceIds, callerSpans };
}

describe("tracing: the node gateway's worker-thread export (OTLP/HTTP)", () => {
  let tmp = "";
  let gatewayDir = "";
  let upstream: Server;
  let upstreamUrl = "";
  let receiver: Receiver;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "msa-e2e-trexport-"));
    fs.writeFileSync(path.join(tmp, "system.yaml"), yaml);
    gatewayDir = await buildNodeGateway(tmp);
    upstream = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ traceparent: req.headers.traceparent ?? null }));
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", () => r()));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    receiver = await startReceiver();
  }, 600_000);

  afterAll(async () => {
    upstream?.close();
    receiver?.server.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The gateway traced to the test receiver (http/json, always_on) as `service`, with `env` on top. */
  const startGateway = async (service: string, env: Record<string, string>): Promise<Awaited<ReturnType<typeof startTraced>>> =>
    startTraced(gatewayDir, "gateway", {
      ROUTE_ITEMS_URL: upstreamUrl,
      METRICS_PORT: String(await freePort()),
      SHUTDOWN_DELAY_MS: "0",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: service,
      OTEL_TRACES_SAMPLER: "always_on",
      ...env,
    });

  it("delivers every span of a burst, flushed at SIGTERM", async () => {
    const N = 600;
    const gw = await startGateway(`gateway-burst-${SYSTEM}`, {
      // nothing leaves before the stop: the batch is larger than the burst's 2 × N spans and its delay longer than the test
      OTEL_BSP_MAX_QUEUE_SIZE: "4096",
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "4096",
      OTEL_BSP_SCHEDULE_DELAY: "600000",
    });
    const { traceIds, callerSpans } = await burst(gw.url, N, 16);
    const mine = () => receiver.spans.filter((s) => s.service === `gateway-burst-${SYSTEM}`);
    expect(mine(), "spans left before the stop: the batch settings were not honoured").toHaveLength(0);
    expect(await gw.stop(), tail(gw)).toBe(0);
    const spans = mine();
    expect(spans).toHaveLength(2 * N);
    const byTrace = new Map<string, typeof spans>();
    for (const s of spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
    for (let i = 0; i < N; i++) {
      const t = byTrace.get(traceIds[i]!) ?? [];
      const server = t.find((s) => s.kind === SERVER);
      const client = t.find((s) => s.kind === CLIENT);
      expect(server, `request ${i}: server span`).toMatchObject({ name: "GET /api/items", parentSpanId: callerSpans[i] });
      expect(client, `request ${i}: client span`).toMatchObject({ parentSpanId: server!.spanId });
      expect(t).toHaveLength(2);
    }
    expect(gw.logs.some((l) => l.msg === "traces: spans dropped"), tail(gw)).toBe(false);
  }, 180_000);

  it("with a collector that never answers: bounded queue, every lost span counted", async () => {
    // accepts connections and never answers: each export hangs until the exporter's timeout
    const sockets = new Set<net.Socket>();
    const dead = net.createServer((s) => {
      sockets.add(s);
      s.on("error", () => {});
    });
    await new Promise<void>((r) => dead.listen(0, "127.0.0.1", () => r()));
    const N = 1500;
    const QUEUE = 256;
    const gw = await startTraced(gatewayDir, "gateway", {
      ROUTE_ITEMS_URL: upstreamUrl,
      METRICS_PORT: String(await freePort()),
      SHUTDOWN_DELAY_MS: "0",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(dead.address() as AddressInfo).port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_EXPORTER_OTLP_TIMEOUT: "60000",
      OTEL_SERVICE_NAME: `gateway-dead-${SYSTEM}`,
      OTEL_BSP_MAX_QUEUE_SIZE: String(QUEUE),
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "64",
      OTEL_BSP_SCHEDULE_DELAY: "50",
      // how long the stop waits for the worker before the spans it holds are counted as lost
      OTEL_BSP_EXPORT_TIMEOUT: "1000",
    });
    try {
      await burst(gw.url, N, 16);
      const t0 = Date.now();
      expect(await gw.stop(), tail(gw)).toBe(0);
      // the stop waited for the hung export at most OTEL_BSP_EXPORT_TIMEOUT (plus the drain), not the exporter's 60 s
      expect(Date.now() - t0).toBeLessThan(15_000);
      const lost = gw.logs.filter((l) => l.msg === "traces: spans dropped") as unknown as { queueFull: number; exportFailed: number }[];
      expect(lost.length, tail(gw)).toBeGreaterThan(0);
      const queueFull = lost.reduce((n, l) => n + l.queueFull, 0);
      const exportFailed = lost.reduce((n, l) => n + l.exportFailed, 0);
      // nothing reached a collector, so every one of the 2 × N spans is counted, once; at most QUEUE were held
      expect(queueFull + exportFailed).toBe(2 * N);
      expect(exportFailed).toBeLessThanOrEqual(QUEUE);
      expect(queueFull).toBeGreaterThanOrEqual(2 * N - QUEUE);
    } finally {
      for (const s of sockets) s.destroy();
      dead.close();
    }
  }, 180_000);

  it("gathers the hand-offs into exports of OTEL_BSP_MAX_EXPORT_BATCH_SIZE spans; a partial one leaves after the delay", async () => {
    const service = `gateway-gather-${SYSTEM}`;
    const N = 1600;
    const gw = await startGateway(service, {
      // 1000 is no multiple of the 256-span hand-off: exports are cut from what the worker gathered
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "1000",
      OTEL_BSP_SCHEDULE_DELAY: "600000",
    });
    const mine = () => receiver.exports.filter((e) => e.service === service).map((e) => e.spans);
    try {
      await burst(gw.url, N, 16);
      // 3,200 spans: twelve hand-offs of 256 (3,072) reached the worker, three full exports left
      await waitFor(() => mine().length >= 3, 10_000, "three full exports");
      await new Promise((r) => setTimeout(r, 300));
      expect(mine()).toEqual([1000, 1000, 1000]);
    } finally {
      expect(await gw.stop(), tail(gw)).toBe(0);
    }
    // the stop: the 128 still on the request thread and the 72 waiting in the worker, in one export
    expect(mine()).toEqual([1000, 1000, 1000, 200]);
    expect(receiver.spans.filter((s) => s.service === service)).toHaveLength(2 * N);

    // with a short delay, fewer spans than an export leave on their own: 128 requests are one full hand-off of 256
    // (nothing left on the request thread, so only the worker's own delay can send them) and 3 more a partial one
    const quick = `gateway-quick-${SYSTEM}`;
    const gw2 = await startGateway(quick, {
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "1000",
      OTEL_BSP_SCHEDULE_DELAY: "300",
    });
    const quickSpans = () => receiver.spans.filter((s) => s.service === quick).length;
    try {
      await burst(gw2.url, 128, 8);
      await waitFor(() => quickSpans() === 256, 5_000, "a full hand-off's spans, with no stop");
      await burst(gw2.url, 3, 1);
      await waitFor(() => quickSpans() === 262, 5_000, "a partial hand-off's spans, with no stop");
    } finally {
      expect(await gw2.stop(), tail(gw2)).toBe(0);
    }
    expect(quickSpans()).toBe(262);
  }, 180_000);

  it("a worker that dies: spans counted as lost, the processor never throws, a new worker exports", async () => {
    const service = `gateway-crash-${SYSTEM}`;
    // the first worker exits as soon as a batch arrives; the one started after it is the gateway's own trace-worker.js
    const marker = path.join(tmp, "crashed-once");
    const crashing = path.join(gatewayDir, "dist", "crash-once-worker.mjs");
    fs.writeFileSync(
      crashing,
      `import fs from "node:fs";
import { parentPort } from "node:worker_threads";
if (!fs.existsSync(${JSON.stringify(marker)})) {
  fs.writeFileSync(${JSON.stringify(marker)}, "");
  parentPort.on("message", () => process.exit(3));
} else await import("./trace-worker.js");
`,
    );
    const req = createRequire(path.join(gatewayDir, "package.json"));
    // the gateway's own SDK packages (msa does not depend on them): just the calls used here
    type Tracer = { startSpan(name: string): { end(): void } };
    const { BasicTracerProvider } = (await import(pathToFileURL(req.resolve("@opentelemetry/sdk-trace-base")).href)) as {
      BasicTracerProvider: new (o: { resource: unknown; spanProcessors: unknown[] }) => { getTracer(name: string): Tracer; shutdown(): Promise<void> };
    };
    const { resourceFromAttributes } = (await import(pathToFileURL(req.resolve("@opentelemetry/resources")).href)) as { resourceFromAttributes(a: Record<string, string>): unknown };
    const { WorkerSpanProcessor } = (await import(pathToFileURL(path.join(gatewayDir, "dist", "trace-export.js")).href)) as {
      WorkerSpanProcessor: new (o: object) => { loss: { queueFull: number; exportFailed: number; lastError?: string }; forceFlush(): Promise<void>; shutdown(): Promise<void>; onEnd(s: unknown): void };
    };
    const processor = new WorkerSpanProcessor({
      maxQueueSize: 1024,
      maxExportBatchSize: 10,
      scheduledDelayMillis: 50,
      exportTimeoutMillis: 5_000,
      workerUrl: pathToFileURL(crashing),
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: "http/json" },
    });
    const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ "service.name": service }), spanProcessors: [processor] });
    const tracer = provider.getTracer("crash-test");
    const mine = () => receiver.spans.filter((s) => s.service === service);
    try {
      // the first batch of 10 kills the worker: those spans are lost; ending spans meanwhile never throws
      for (let i = 0; i < 10; i++) tracer.startSpan(`lost-${i}`).end();
      await waitFor(() => processor.loss.exportFailed >= 10, 5_000, "the first worker's exit");
      expect(processor.loss.lastError).toMatch(/exited \(code 3\)/);
      for (let i = 0; i < 5; i++) expect(() => tracer.startSpan(`while-down-${i}`).end()).not.toThrow();
      // the new worker (started ~1 s after the exit) exports what ends from then on, with the resource
      await new Promise((r) => setTimeout(r, 1_500));
      for (let i = 0; i < 20; i++) tracer.startSpan(`after-${i}`).end();
      await processor.forceFlush();
      await waitFor(() => mine().length >= 20, 10_000, "the spans exported by the new worker");
      expect(mine().map((s) => s.name).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `after-${i}`).sort());
      // every span that did not arrive is counted: 10 held by the dead worker, 5 ended while none ran
      expect(processor.loss.exportFailed).toBe(15);
      expect(processor.loss.queueFull).toBe(0);
    } finally {
      await provider.shutdown();
    }
  }, 120_000);
});
