// Resilience of a generated client, end to end: orders calls inventory (declared: timeout 400ms,
// retries 2, circuit breaker 50% / resetTimeout 2s). With the callee hanging, each attempt times out
// after 400 ms and the call is retried twice; with the callee stopped, failures open the circuit and
// calls fail fast without reaching it; once inventory is back, the circuit closes after resetTimeout.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet, requireBroker, waitFor, NATS_URL } from "./harness.js";
import { buildE2eSystem, startE2eSystem, type RunningSystem } from "./fixtures/system.js";

describe("calls: timeout, retries, circuit breaker (orders → inventory)", () => {
  let skip: string | null = null;
  let sys: RunningSystem | undefined;
  let stub: http.Server | undefined;

  beforeAll(async () => {
    skip = (await requireBroker("nats")) ?? (await requireBroker("postgres"));
    if (skip) return;
    const built = await buildE2eSystem("nats");
    sys = await startE2eSystem(built, NATS_URL, ["orders"]);
  });

  afterAll(async () => {
    stub?.closeAllConnections();
    stub?.close();
    await sys?.stopAll();
  });

  it("times out per attempt, retries as declared, opens the circuit, and closes it after resetTimeout", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const orders = sys!.procs.orders!;
    const seen: (string | undefined)[] = [];
    // 1. a callee that accepts and never answers
    stub = http.createServer((req) => void seen.push(req.headers["x-correlation-id"] as string | undefined));
    await new Promise<void>((r) => stub!.listen(sys!.ports.inventory, "127.0.0.1", r));
    const started = Date.now();
    const slow = await httpGet(`${orders.url}/orders/sku-1`, { "X-Correlation-ID": "corr-timeout" });
    const elapsed = Date.now() - started;
    expect(slow.status).toBe(504);
    expect(slow.body).toMatchObject({ error: "call to inventory failed: timeout" });
    expect(seen).toEqual(["corr-timeout", "corr-timeout", "corr-timeout"]); // 1 attempt + 2 retries
    expect(elapsed).toBeGreaterThanOrEqual(3 * 400);
    expect(elapsed).toBeLessThan(3 * 400 + 3_000);
    expect(orders.logs.filter((l) => l.msg === "retrying call" && l.correlationId === "corr-timeout")).toHaveLength(2);

    // 2. the callee stopped: failures open the circuit, then calls fail fast without reaching it
    stub.closeAllConnections();
    await new Promise<void>((r) => stub!.close(() => r()));
    stub = undefined;
    await waitFor(async () => {
      const r = await httpGet(`${orders.url}/orders/sku-2`);
      expect(r.status).toBe(503);
      return (r.body as { error?: string }).error === "call to inventory failed: circuit-open";
    }, 15_000, "the circuit to open");
    const openedAt = await orders.waitForLog((l) => l.msg === "circuit state changed" && l.circuit === "Open", 2_000, "circuit Open logged");
    const t0 = Date.now();
    const fast = await httpGet(`${orders.url}/orders/sku-3`);
    expect(fast.status).toBe(503);
    expect(fast.body).toMatchObject({ error: "call to inventory failed: circuit-open" });
    expect(Date.now() - t0).toBeLessThan(300);

    // 3. the callee is back: after resetTimeout (2 s) a trial call goes through and the circuit closes
    const inventory = await sys!.start("inventory");
    const back = Date.now();
    await waitFor(async () => (await httpGet(`${orders.url}/orders/sku-4`)).status === 200, 10_000, "calls to succeed again");
    const closedAt = await orders.waitForLog((l) => l.msg === "circuit state changed" && l.circuit === "Closed", 2_000, "circuit Closed logged");
    expect(Date.parse(String(closedAt.time)) - Date.parse(String(openedAt.time))).toBeGreaterThanOrEqual(2_000);
    expect(Date.now() - back).toBeLessThan(10_000);
    const ok = await httpGet(`${orders.url}/orders/sku-5`, { "X-Correlation-ID": "corr-ok" });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ orderId: "sku-5", stock: { sku: "sku-5", available: 7 } });
    await inventory.waitForLog((l) => l.msg === "stock asked" && l.correlationId === "corr-ok", 5_000, "inventory sees the correlation id");
  });
});
