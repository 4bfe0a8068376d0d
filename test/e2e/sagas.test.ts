// Sagas end to end: orders orchestrates place-order = inventory.reserve (compensation release), then
// shipping.schedule (compensation unschedule), over HTTP between real processes. POST /sagas/place-order answers 202
// with the status URL; steps run in order, each with Idempotency-Key <sagaId>:<step>, through orders' resilient
// client of the step context (inventory: 400 ms timeout, 2 retries). A refused step compensates the steps before it;
// a step whose outcome is unknown (5xx, timeout) is compensated too — a reserve answering after the timeout is
// released after it applied, never before. The state is persisted, so an orchestrator killed mid-saga (SIGKILL)
// and restarted finishes it — forward if it was running, backward if it was compensating, never both — and the
// participants apply the repeated step once. orders has postgres, so the state is in msa_sagas, and orchestrator
// replicas share it: each saga is driven by one owner at a time (a lease, fenced saves).
// Tracing is on (OTEL_* to a sink in this test that takes and drops the spans): a saga started by a request with a
// caller's traceparent stays in that trace when another process resumes it — every step call, the repeated one after
// the restart included, is logged by the participant with the caller's trace id.
import { randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet, httpPost, NATS_URL, requireBroker, sharedRequire, waitFor, type LogLine, type ServiceProcess } from "./harness.js";

interface PgClient {
  connect(): Promise<void>;
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  end(): Promise<void>;
}
import { buildE2eSystem, startE2eSystem, type RunningSystem } from "./fixtures/system.js";

interface SagaState {
  sagaId: string;
  status: string;
  error?: string;
  steps: { action: string; status: string }[];
}

/** POST /sagas/place-order: 202 with the status URL, then GET it until the saga ends. */
async function runSaga(orders: ServiceProcess, data: Record<string, unknown>, correlationId: string): Promise<SagaState> {
  const res = await httpPost(`${orders.url}/sagas/place-order`, data, { "X-Correlation-ID": correlationId });
  expect(res.status).toBe(202);
  const accepted = res.body as { sagaId: string; status: string; statusUrl: string };
  expect(accepted.status).toBe("running");
  expect(res.headers.get("location")).toBe(`/sagas/place-order/${accepted.sagaId}`);
  expect(accepted.statusUrl).toBe(res.headers.get("location"));
  let state: SagaState | undefined;
  await waitFor(
    async () => {
      state = (await httpGet(`${orders.url}${accepted.statusUrl}`)).body as SagaState;
      return !["running", "compensating"].includes(state.status);
    },
    30_000,
    "the saga to end",
  );
  return state!;
}

const stepCalls = (p: ServiceProcess, correlationId: string): LogLine[] =>
  p.logs.filter((l) => l.msg === "saga step called" && l.correlationId === correlationId);
const names = (lines: LogLine[]): string[] => lines.map((l) => String(l.sagaStep));
const applied = (p: ServiceProcess, correlationId: string): LogLine[] =>
  p.logs.filter((l) => l.msg === "saga step applied" && l.correlationId === correlationId);
const at = (l: LogLine | undefined): number => Date.parse(String(l?.time));

describe("saga place-order (orders orchestrates inventory and shipping)", () => {
  let skip: string | null = null;
  let sys: RunningSystem | undefined;
  let sink: http.Server | undefined;

  beforeAll(async () => {
    skip = (await requireBroker("nats")) ?? (await requireBroker("postgres"));
    if (skip) return;
    const built = await buildE2eSystem("nats");
    sink = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
    });
    await new Promise<void>((r) => sink!.listen(0, "127.0.0.1", r));
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_BSP_SCHEDULE_DELAY: "200",
    };
    sys = await startE2eSystem(built, NATS_URL, undefined, otel);
  });

  afterAll(async () => {
    await sys?.stopAll();
    await new Promise((r) => (sink ? sink.close(r) : r(undefined)));
  });

  const procs = (ctx: { skip: (note?: string) => void }) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    return { orders: sys!.procs.orders!, inventory: sys!.procs.inventory!, shipping: sys!.procs.shipping! };
  };

  it("starts with 202 and a status URL, runs the steps in order with their Idempotency-Key, ends completed", async (ctx) => {
    const { orders, inventory, shipping } = procs(ctx);
    const state = await runSaga(orders, { orderId: "s-1" }, "corr-saga-ok");
    expect(state).toMatchObject({ status: "completed", steps: [{ action: "reserve", status: "done" }, { action: "schedule", status: "done" }] });
    // (log lines travel through a pipe: wait until they are read)
    // (each service's info lines are buffered, LOG_FLUSH_MS: inventory's may arrive after shipping's)
    await inventory.waitForLog((l) => l.msg === "saga step called" && l.correlationId === "corr-saga-ok", 5_000, "reserve logged");
    await shipping.waitForLog((l) => l.msg === "saga step called" && l.correlationId === "corr-saga-ok", 5_000, "schedule logged");
    expect(names(stepCalls(inventory, "corr-saga-ok"))).toEqual(["reserve"]);
    expect(names(stepCalls(shipping, "corr-saga-ok"))).toEqual(["schedule"]);
    expect(at(stepCalls(inventory, "corr-saga-ok")[0])).toBeLessThanOrEqual(at(stepCalls(shipping, "corr-saga-ok")[0]));
    // orders has postgres: the state is a row of msa_sagas; inventory kept reserve's answer under its key
    const pg = await sharedRequire<{ Client: new (o: { connectionString: string }) => PgClient }>("pg");
    const client = new pg.Client({ connectionString: sys!.databaseUrl });
    await client.connect();
    try {
      const r = await client.query("SELECT status, state FROM msa_sagas WHERE saga_id = $1", [state.sagaId]);
      expect(r.rows).toEqual([{ status: "completed", state: expect.objectContaining({ sagaId: state.sagaId, status: "completed" }) }]);
      const keys = await client.query("SELECT idempotency_key, route, status FROM msa_idempotency WHERE idempotency_key LIKE $1", [`${state.sagaId}:%`]);
      expect(keys.rows).toEqual([{ idempotency_key: `${state.sagaId}:reserve`, route: "POST /saga/place-order/reserve", status: 200 }]);
    } finally {
      await client.end();
    }
  });

  it("a refused step (422) is not compensated; the steps before it are, in reverse order", async (ctx) => {
    const { orders, inventory, shipping } = procs(ctx);
    const state = await runSaga(orders, { orderId: "s-2", fail: "schedule" }, "corr-saga-fail");
    expect(state).toMatchObject({ status: "compensated", steps: [{ action: "reserve", status: "compensated" }, { action: "schedule", status: "failed" }] });
    await inventory.waitForLog((l) => l.sagaStep === "release" && l.correlationId === "corr-saga-fail", 5_000, "release logged");
    await shipping.waitForLog((l) => l.sagaStep === "schedule" && l.correlationId === "corr-saga-fail", 5_000, "schedule logged");
    expect(names(stepCalls(inventory, "corr-saga-fail"))).toEqual(["reserve", "release"]);
    expect(names(stepCalls(shipping, "corr-saga-fail"))).toEqual(["schedule"]); // refused: nothing to undo there
    expect(at(stepCalls(shipping, "corr-saga-fail")[0])).toBeLessThanOrEqual(at(stepCalls(inventory, "corr-saga-fail")[1]));
  });

  it("a reserve answering after the step timeout is compensated, and released only after it applied", async (ctx) => {
    const { orders, inventory, shipping } = procs(ctx);
    const corr = "corr-saga-timeout";
    // orders' client of inventory: 400 ms timeout, 2 retries; reserve takes 1.5 s
    const state = await runSaga(orders, { orderId: "s-7", slow: "reserve", slowMs: 1500 }, corr);
    expect(state).toMatchObject({ status: "compensated", steps: [{ action: "reserve", status: "compensated" }, { action: "schedule", status: "pending" }] });
    expect(state.error).toContain("outcome unknown");
    await inventory.waitForLog((l) => l.msg === "saga step applied" && l.sagaStep === "release" && l.correlationId === corr, 5_000, "release applied");
    // the retries carried the key: reserve ran once (the repeat got 409 while it ran), and the refund reached inventory
    expect(names(stepCalls(inventory, corr))).toEqual(["reserve", "release"]);
    expect(names(applied(inventory, corr))).toEqual(["reserve", "release"]);
    expect(at(applied(inventory, corr)[0])).toBeLessThanOrEqual(at(stepCalls(inventory, corr)[1]));
    expect(stepCalls(shipping, corr)).toEqual([]);
  });

  it("a participant receiving the same step twice applies it once; a step arriving after its compensation is not applied", async (ctx) => {
    const { inventory } = procs(ctx);
    const post = (action: string, sagaId: string, key: string, corr: string, data: Record<string, unknown> = {}) =>
      httpPost(`${inventory.url}/saga/place-order/${action}`, { sagaId, data }, { "Idempotency-Key": key, "X-Correlation-ID": corr });
    // sequentially
    const seq = "corr-saga-twice-seq";
    const idA = randomUUID(); // msa_idempotency outlives the run: a fresh saga instance
    const first = await post("reserve", idA, `${idA}:reserve`, seq);
    const again = await post("reserve", idA, `${idA}:reserve`, seq);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    // concurrently, while the first is still running
    const conc = "corr-saga-twice-conc";
    const idB = randomUUID(); // msa_idempotency outlives the run: a fresh saga instance
    const answers = await Promise.all([0, 1, 2].map(() => post("reserve", idB, `${idB}:reserve`, conc, { slow: "reserve", slowMs: 500 })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409]);
    expect((await post("reserve", idB, `${idB}:reserve`, conc, { slow: "reserve", slowMs: 500 })).status).toBe(200);
    // the compensation first (the action's request was late): the action is then refused, not applied
    const late = "corr-saga-late-action";
    const idC = randomUUID(); // msa_idempotency outlives the run: a fresh saga instance
    expect((await post("release", idC, `${idC}:reserve:compensate`, late)).status).toBe(200);
    const action = await post("reserve", idC, `${idC}:reserve`, late);
    expect(action.status).toBe(409);
    expect(action.body).toMatchObject({ type: "urn:msa:problem:saga-step-compensated" });
    await new Promise((r) => setTimeout(r, 300)); // log lines through the pipe
    expect(names(applied(inventory, seq))).toEqual(["reserve"]);
    expect(names(applied(inventory, conc))).toEqual(["reserve"]);
    expect(names(stepCalls(inventory, late))).toEqual(["release"]);
  });

  async function killAndRestartOrders(): Promise<ServiceProcess> {
    await sys!.procs.orders!.kill();
    return sys!.start("orders");
  }

  it("a restarted orchestrator finishes a saga interrupted while running (forward only); the repeated step is applied once", async (ctx) => {
    const { orders, inventory, shipping } = procs(ctx);
    const corr = "corr-saga-crash-forward";
    // schedule ends 1.5 s after it starts: after the kill, and before the restarted orchestrator (a restart plus at
    // least 1 s of lease) repeats it with its key
    const traceId = randomBytes(16).toString("hex");
    void httpPost(`${orders.url}/sagas/place-order`, { orderId: "s-3", slow: "schedule", slowMs: 1500 }, { "X-Correlation-ID": corr, traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` });
    const during = await shipping.waitForLog((l) => l.msg === "saga step called" && l.correlationId === corr, 10_000, "schedule started");
    const sagaId = String(during.sagaId);
    const restarted = await killAndRestartOrders();
    await restarted.waitForLog((l) => l.msg === "resuming interrupted saga" && l.sagaId === sagaId, 10_000, "recovery");
    await waitFor(async () => ((await httpGet(`${restarted.url}/sagas/place-order/${sagaId}`)).body as SagaState).status === "completed", 20_000, "the saga to complete");
    await shipping.waitForLog((l) => l.msg === "request" && l.correlationId === corr && l.status === 200, 5_000, "the repeated schedule answered");
    expect(names(stepCalls(inventory, corr))).toEqual(["reserve"]); // not repeated, not compensated
    expect(names(stepCalls(shipping, corr))).toEqual(["schedule"]); // cut short, repeated with its key: replayed, not run again
    // one trace from the caller's request to the step the restarted orchestrator repeated: every step request the
    // participants logged (before the kill and after it) carries the caller's trace id
    const stepRequests = [inventory, shipping].flatMap((p) => p.logs.filter((l) => l.msg === "request" && l.correlationId === corr));
    expect(stepRequests.length).toBeGreaterThanOrEqual(2);
    expect(shipping.logs.filter((l) => l.msg === "request" && l.correlationId === corr).length).toBeGreaterThanOrEqual(1);
    expect(stepRequests.map((l) => l.trace_id)).toEqual(stepRequests.map(() => traceId));
  });

  it("a restarted orchestrator finishes compensating a saga interrupted while compensating (backward only)", async (ctx) => {
    const { orders, inventory, shipping } = procs(ctx);
    const corr = "corr-saga-crash-backward";
    void httpPost(`${orders.url}/sagas/place-order`, { orderId: "s-4", fail: "schedule", slow: "release", slowMs: 2500 }, { "X-Correlation-ID": corr });
    const during = await inventory.waitForLog((l) => l.msg === "saga step called" && l.correlationId === corr && l.sagaStep === "release", 10_000, "release started");
    const sagaId = String(during.sagaId);
    const restarted = await killAndRestartOrders();
    await waitFor(async () => ((await httpGet(`${restarted.url}/sagas/place-order/${sagaId}`)).body as SagaState).status === "compensated", 30_000, "the saga to be compensated");
    // the repeated release carried the key: it waited for the first (409 while it ran) and got its answer
    expect(names(stepCalls(inventory, corr))).toEqual(["reserve", "release"]);
    expect(names(applied(inventory, corr))).toEqual(["reserve", "release"]);
    expect(names(stepCalls(shipping, corr))).toEqual(["schedule"]); // never resumed forward
  });

  it("orchestrator replicas on one msa_sagas: a killed one's saga is resumed by exactly one of three others, once", async (ctx) => {
    const { orders, inventory, shipping } = procs(ctx);
    const corr = "corr-saga-replicas";
    const second = await sys!.startReplica("orders");
    // schedule ends 2.6 s after it starts: after the kill (2 s), before a new owner can claim the saga (≥ 3 s)
    void httpPost(`${orders.url}/sagas/place-order`, { orderId: "s-5", slow: "schedule", slowMs: 2600 }, { "X-Correlation-ID": corr });
    const during = await shipping.waitForLog((l) => l.msg === "saga step called" && l.correlationId === corr, 10_000, "schedule started");
    const sagaId = String(during.sagaId);
    const resumers = (ps: ServiceProcess[]) => ps.filter((p) => p.logs.some((l) => l.msg === "resuming interrupted saga" && l.sagaId === sagaId));
    // while its owner is alive and renewing the lease (1.5 s here), the other replica leaves the saga alone
    await new Promise((r) => setTimeout(r, 2_000));
    expect(resumers([second])).toHaveLength(0);
    // the owner dies mid-step; two new processes start at once (a rollout) beside the second replica
    await sys!.procs.orders!.kill();
    const [third, fourth] = await Promise.all([sys!.start("orders"), sys!.startReplica("orders")]);
    await waitFor(async () => ((await httpGet(`${second.url}/sagas/place-order/${sagaId}`)).body as SagaState).status === "completed", 20_000, "the saga to complete");
    await new Promise((r) => setTimeout(r, 3_000)); // two more leases: nobody resumes it again
    expect(resumers([second, third!, fourth!])).toHaveLength(1);
    expect(names(stepCalls(inventory, corr))).toEqual(["reserve"]);
    expect(names(stepCalls(shipping, corr))).toEqual(["schedule"]); // cut short once, repeated with its key: applied once
  });

  // last: its 500s open the orchestrator's circuit breaker for shipping (5 failed attempts in 10 s), which would make
  // the next saga's schedule fail fast for resetTimeout — right for the service, wrong for the tests after it
  it("a step whose outcome is unknown (500) is compensated too", async (ctx) => {
    const { orders, inventory, shipping } = procs(ctx);
    const corr = "corr-saga-crash";
    const state = await runSaga(orders, { orderId: "s-6", crash: "schedule" }, corr);
    expect(state).toMatchObject({ status: "compensated", steps: [{ action: "reserve", status: "compensated" }, { action: "schedule", status: "compensated" }] });
    expect(state.error).toContain("outcome unknown");
    await shipping.waitForLog((l) => l.sagaStep === "unschedule" && l.correlationId === corr, 5_000, "unschedule logged");
    await inventory.waitForLog((l) => l.sagaStep === "release" && l.correlationId === corr, 5_000, "release logged");
    // a 500 is not kept under the key: the client's retries ran schedule again; then it was undone, then reserve
    const shipped = names(stepCalls(shipping, corr));
    expect(shipped.at(-1)).toBe("unschedule");
    expect(shipped.slice(0, -1).every((n) => n === "schedule")).toBe(true);
    expect(at(stepCalls(shipping, corr).at(-1))).toBeLessThanOrEqual(at(stepCalls(inventory, corr).at(-1)));
    expect(names(stepCalls(inventory, corr))).toEqual(["reserve", "release"]);
  });
});
