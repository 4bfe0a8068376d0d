// A python-flask saga participant driven by a real node-express orchestrator. orders (node) orchestrates
// checkout = stock.reserve (compensation release), then stock.confirm; and audit = stock.record, whose module is left
// as msa wrote it. stock is python-flask under gunicorn (2 workers) with postgres for its Idempotency-Key store, its
// step modules (app/saga/checkout__reserve.py, …) written by the test as a user would: each applied step appends a
// line to a file, so "applied once" is counted across the workers. Proven: a saga completes through the python
// steps; a refused confirm (422) compensates reserve and is not compensated itself; a reserve answering after the
// orchestrator's 400 ms timeout is released only after it applied (the compensation waits with 503 while the action
// is in flight), once; the same step sent three times at once with one key is applied once; a step module left as
// generated answers 501 and the saga does not complete.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystemCached, freePort, httpGet, httpPost, POSTGRES_URL, requireBroker, startService, waitFor, type ServiceProcess } from "./harness.js";
import { findPython, generatePythonSystem, startGunicorn, type Gunicorn } from "./flask-support.js";

const NAME = `msae2e-pysaga${(process.env.MSA_E2E_SUFFIX ?? "").toLowerCase()}`;
const SYSTEM = `
version: 1
name: ${NAME}
broker: { kind: memory }
contexts:
  orders:
    port: 3000
    api: ["GET /orders/{id}"]
    calls:
      stock: { timeout: 400ms, retries: 1 }
  stock:
    runtime: python-flask
    port: 5000
    database: postgres
    api: ["GET /stock/{sku}"]
sagas:
  checkout:
    orchestrator: orders
    steps:
      - { context: stock, action: reserve, compensation: release }
      - { context: stock, action: confirm }
  audit:
    orchestrator: orders
    steps:
      - { context: stock, action: record }
`;

/** A step module as a user writes it: appends "<step> <sagaId>" to STEP_LOG once applied; data may ask it to be slow or to refuse. */
const stepModule = (step: string, opts: { refuse?: boolean } = {}) => `import os
import time

from app.saga_steps import SagaStepInput, SagaStepRefused  # noqa: F401


def run(step: SagaStepInput) -> dict:
    if step.data.get("slow") == "${step}":
        time.sleep(float(step.data.get("slowMs", 0)) / 1000)
${opts.refuse ? `    if step.data.get("refuse"):\n        raise SagaStepRefused("no stock for " + str(step.data.get("sku")))\n` : ""}    with open(os.environ["STEP_LOG"], "a") as f:
        f.write("${step} " + step.saga_id + "\\n")
    return {"${step}": True, "sku": step.data.get("sku")}
`;

interface SagaState {
  sagaId: string;
  status: string;
  steps: { action: string; status: string }[];
}

describe("a python-flask saga participant, driven by a node orchestrator", () => {
  let skip: string | null = null;
  let orders: ServiceProcess | undefined;
  let stock: Gunicorn | undefined;
  let stepLog = "";

  beforeAll(async () => {
    skip = await requireBroker("postgres");
    const { python, missing } = await findPython(["flask", "gunicorn", "psycopg2", "jsonschema"]);
    skip ??= missing ?? null;
    if (skip || !python) return;
    const built = await buildSystemCached(NAME, SYSTEM, {}, ["orders"]);
    // the python service fresh from the templates (the cache key above covers the node side only)
    const dir = generatePythonSystem(SYSTEM);
    const app = path.join(dir, "services/stock/app/saga");
    expect(fs.readFileSync(path.join(app, "audit__record.py"), "utf8")).toContain("StepNotImplemented");
    fs.writeFileSync(path.join(app, "checkout__reserve.py"), stepModule("reserve"));
    fs.writeFileSync(path.join(app, "checkout__release.py"), stepModule("release"));
    fs.writeFileSync(path.join(app, "checkout__confirm.py"), stepModule("confirm", { refuse: true }));
    stepLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "msa-e2e-pysaga-")), "steps.log");
    fs.writeFileSync(stepLog, "");
    stock = await startGunicorn(python, path.join(dir, "services/stock"), { DATABASE_URL: POSTGRES_URL, BROKER_URL: "memory://", SERVICE_NAME: "stock", STEP_LOG: stepLog });
    orders = await startService(built.service("orders"), {
      name: "orders",
      port: await freePort(),
      env: { SERVICE_NAME: "orders", BROKER_URL: "memory://", STOCK_URL: stock.base, SAGA_DATA_DIR: path.dirname(stepLog) },
    });
  }, 240_000);

  afterAll(async () => {
    await orders?.stop();
    await stock?.stop();
  });

  const applied = (sagaId: string): string[] =>
    fs.readFileSync(stepLog, "utf8").split("\n").filter((l) => l.endsWith(` ${sagaId}`)).map((l) => l.split(" ")[0]!);

  async function run(saga: string, data: Record<string, unknown>): Promise<SagaState> {
    const res = await httpPost(`${orders!.url}/sagas/${saga}`, data);
    expect(res.status).toBe(202);
    const { statusUrl } = res.body as { statusUrl: string };
    let state: SagaState | undefined;
    await waitFor(async () => {
      state = (await httpGet(`${orders!.url}${statusUrl}`)).body as SagaState;
      return !["running", "compensating"].includes(state.status);
    }, 30_000, `saga ${saga} to end`);
    return state!;
  }

  it("completes through the python steps, each applied once", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const s = await run("checkout", { sku: "A-1" });
    expect(s.status).toBe("completed");
    expect(applied(s.sagaId)).toEqual(["reserve", "confirm"]);
  });

  it("a refused confirm (422) compensates reserve and is not compensated itself", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const s = await run("checkout", { sku: "B-2", refuse: true });
    expect(s.status).toBe("compensated");
    expect(s.steps.map((x) => [x.action, x.status])).toEqual([["reserve", "compensated"], ["confirm", "failed"]]);
    expect(applied(s.sagaId)).toEqual(["reserve", "release"]);
  });

  it("a reserve answering after the timeout is released after it applied, never before, once", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const s = await run("checkout", { sku: "C-3", slow: "reserve", slowMs: 1500 });
    expect(s.status).toBe("compensated");
    expect(applied(s.sagaId)).toEqual(["reserve", "release"]);
    // the release arrived while reserve was in flight: answered 503 (retried) before it was applied
    expect(stock!.logs.some((l) => l.msg === "request" && l.path === "/saga/checkout/release" && l.status === 503)).toBe(true);
  });

  it("the same step three times at once with one Idempotency-Key is applied once", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const sagaId = randomUUID();
    const body = { sagaId, saga: "checkout", step: "reserve", data: { sku: "D-4", slow: "reserve", slowMs: 300 } };
    const answers = await Promise.all([0, 1, 2].map(() => httpPost(`${stock!.base}/saga/checkout/reserve`, body, { "Idempotency-Key": `${sagaId}:reserve` })));
    expect(answers.map((a) => a.status).filter((x) => x === 200).length).toBeGreaterThanOrEqual(1);
    expect(answers.every((a) => a.status === 200 || a.status === 409)).toBe(true);
    const again = await httpPost(`${stock!.base}/saga/checkout/reserve`, body, { "Idempotency-Key": `${sagaId}:reserve` });
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(applied(sagaId)).toEqual(["reserve"]);
  });

  it("a step module left as generated answers 501: the saga does not complete", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const direct = await httpPost(`${stock!.base}/saga/audit/record`, { sagaId: randomUUID(), data: {} });
    expect(direct.status).toBe(501);
    const s = await run("audit", {});
    expect(s.status).not.toBe("completed");
    expect(s.steps[0]!.status).toBe("failed");
  });
});
