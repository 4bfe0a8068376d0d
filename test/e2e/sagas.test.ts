// Sagas end to end: orders orchestrates place-order = inventory.reserve (compensation release), then
// shipping.schedule (compensation unschedule), over HTTP between real processes. Steps run in order;
// a failing step compensates the completed steps in reverse order; the state is persisted, so an
// orchestrator killed mid-saga (SIGKILL) and restarted finishes it — forward if it was running,
// backward if it was compensating, never both. orders has postgres, so the state is in msa_sagas, and two
// orchestrator replicas share it: each saga is driven by one owner at a time (a lease, fenced saves).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet, httpPost, NATS_URL, POSTGRES_URL, requireBroker, sharedRequire, waitFor, type LogLine, type ServiceProcess } from "./harness.js";

interface PgClient {
  connect(): Promise<void>;
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  end(): Promise<void>;
}
import { buildE2eSystem, startE2eSystem, type RunningSystem } from "./fixtures/system.js";

interface SagaState {
  sagaId: string;
  status: string;
  steps: { action: string; status: string }[];
}

const stepCalls = (p: ServiceProcess, correlationId: string): LogLine[] =>
  p.logs.filter((l) => l.msg === "saga step called" && l.correlationId === correlationId);
const names = (lines: LogLine[]): string[] => lines.map((l) => String(l.sagaStep));
const at = (l: LogLine | undefined): number => Date.parse(String(l?.time));

describe("saga place-order (orders orchestrates inventory and shipping)", () => {
  let skip: string | null = null;
  let sys: RunningSystem | undefined;

  beforeAll(async () => {
    skip = (await requireBroker("nats")) ?? (await requireBroker("postgres"));
    if (skip) return;
    const built = await buildE2eSystem("nats");
    sys = await startE2eSystem(built, NATS_URL);
  });

  afterAll(async () => {
    await sys?.stopAll();
  });

  const procs = (ctx: { skip: (note?: string) => void }) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    return { orders: sys!.procs.orders!, inventory: sys!.procs.inventory!, shipping: sys!.procs.shipping! };
  };

  it("runs the steps in order", async (ctx) => {
    const { orders, inventory, shipping } = procs(ctx);
    const res = await httpPost(`${orders.url}/sagas/place-order`, { orderId: "s-1" }, { "X-Correlation-ID": "corr-saga-ok" });
    expect(res.status).toBe(201);
    const state = res.body as SagaState;
    expect(state).toMatchObject({ status: "completed", steps: [{ action: "reserve", status: "done" }, { action: "schedule", status: "done" }] });
    // (log lines travel through a pipe: wait until they are read)
    await shipping.waitForLog((l) => l.msg === "saga step called" && l.correlationId === "corr-saga-ok", 5_000, "schedule logged");
    expect(names(stepCalls(inventory, "corr-saga-ok"))).toEqual(["reserve"]);
    expect(names(stepCalls(shipping, "corr-saga-ok"))).toEqual(["schedule"]);
    expect(at(stepCalls(inventory, "corr-saga-ok")[0])).toBeLessThanOrEqual(at(stepCalls(shipping, "corr-saga-ok")[0]));
    expect((await httpGet(`${orders.url}/sagas/place-order/${state.sagaId}`)).body).toMatchObject({ status: "completed" });
    // orders has postgres: the state is a row of msa_sagas
    const pg = await sharedRequire<{ Client: new (o: { connectionString: string }) => PgClient }>("pg");
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const r = await client.query("SELECT status, state FROM msa_sagas WHERE saga_id = $1", [state.sagaId]);
      expect(r.rows).toEqual([{ status: "completed", state: expect.objectContaining({ sagaId: state.sagaId, status: "completed" }) }]);
    } finally {
      await client.end();
    }
  });

  it("compensates the completed steps in reverse order when a step fails", async (ctx) => {
    const { orders, inventory, shipping } = procs(ctx);
    const res = await httpPost(`${orders.url}/sagas/place-order`, { orderId: "s-2", fail: "schedule" }, { "X-Correlation-ID": "corr-saga-fail" });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ status: "compensated", steps: [{ action: "reserve", status: "compensated" }, { action: "schedule", status: "failed" }] });
    await inventory.waitForLog((l) => l.sagaStep === "release" && l.correlationId === "corr-saga-fail", 5_000, "release logged");
    expect(names(stepCalls(inventory, "corr-saga-fail"))).toEqual(["reserve", "release"]);
    expect(names(stepCalls(shipping, "corr-saga-fail"))).toEqual(["schedule"]); // the failed step is not compensated
    expect(at(stepCalls(shipping, "corr-saga-fail")[0])).toBeLessThanOrEqual(at(stepCalls(inventory, "corr-saga-fail")[1]));
  });

  async function killAndRestartOrders(): Promise<ServiceProcess> {
    await sys!.procs.orders!.kill();
    return sys!.start("orders");
  }

  it("a restarted orchestrator finishes a saga interrupted while running (forward only)", async (ctx) => {
    const { orders, inventory, shipping } = procs(ctx);
    const corr = "corr-saga-crash-forward";
    void httpPost(`${orders.url}/sagas/place-order`, { orderId: "s-3", slow: "schedule", slowMs: 2500 }, { "X-Correlation-ID": corr });
    const during = await shipping.waitForLog((l) => l.msg === "saga step called" && l.correlationId === corr, 10_000, "schedule started");
    const sagaId = String(during.sagaId);
    const restarted = await killAndRestartOrders();
    await restarted.waitForLog((l) => l.msg === "resuming interrupted saga" && l.sagaId === sagaId, 10_000, "recovery");
    await waitFor(async () => ((await httpGet(`${restarted.url}/sagas/place-order/${sagaId}`)).body as SagaState).status === "completed", 20_000, "the saga to complete");
    await waitFor(() => stepCalls(shipping, corr).length === 2, 5_000, "the repeated schedule logged");
    expect(names(stepCalls(inventory, corr))).toEqual(["reserve"]); // not repeated, not compensated
    expect(names(stepCalls(shipping, corr))).toEqual(["schedule", "schedule"]); // cut short, so repeated once
  });

  it("a restarted orchestrator finishes compensating a saga interrupted while compensating (backward only)", async (ctx) => {
    const { orders, inventory, shipping } = procs(ctx);
    const corr = "corr-saga-crash-backward";
    void httpPost(`${orders.url}/sagas/place-order`, { orderId: "s-4", fail: "schedule", slow: "release", slowMs: 2500 }, { "X-Correlation-ID": corr });
    const during = await inventory.waitForLog((l) => l.msg === "saga step called" && l.correlationId === corr && l.sagaStep === "release", 10_000, "release started");
    const sagaId = String(during.sagaId);
    const restarted = await killAndRestartOrders();
    await waitFor(async () => ((await httpGet(`${restarted.url}/sagas/place-order/${sagaId}`)).body as SagaState).status === "compensated", 20_000, "the saga to be compensated");
    await waitFor(() => stepCalls(inventory, corr).length === 3, 5_000, "the repeated release logged");
    expect(names(stepCalls(inventory, corr))).toEqual(["reserve", "release", "release"]);
    expect(names(stepCalls(shipping, corr))).toEqual(["schedule"]); // never resumed forward
  });

  it("orchestrator replicas on one msa_sagas: a killed one's saga is resumed by exactly one of three others, once", async (ctx) => {
    const { orders, inventory, shipping } = procs(ctx);
    const corr = "corr-saga-replicas";
    const second = await sys!.startReplica("orders");
    void httpPost(`${orders.url}/sagas/place-order`, { orderId: "s-5", slow: "schedule", slowMs: 3000 }, { "X-Correlation-ID": corr });
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
    await waitFor(() => stepCalls(shipping, corr).length >= 2, 5_000, "the repeated schedule logged");
    await new Promise((r) => setTimeout(r, 3_000)); // two more leases: nobody resumes it again
    expect(resumers([second, third!, fourth!])).toHaveLength(1);
    expect(names(stepCalls(inventory, corr))).toEqual(["reserve"]);
    expect(names(stepCalls(shipping, corr))).toEqual(["schedule", "schedule"]); // cut short once, resumed once
  });
});
