// A python-flask saga orchestrator on real services. orders (python-flask under gunicorn, 2 workers, postgres: the
// saga state in msa_sagas) orchestrates checkout = stock.reserve (compensation release), payments.charge
// (compensation refund), stock.confirm. stock is a python-flask participant (postgres for its Idempotency-Key store),
// payments a node-express one (its store in memory: one process). The step modules are written by the test as a user
// would: each appends "<step> <sagaId>" to a shared file once it applied the step ("start:<step> <sagaId>" when it
// begins), so "applied once" and the order of the applications are read across processes and runtimes.
// Proven: POST /sagas/checkout answers 202 with the status URL and the saga completes, each step applied once, in
// order; a refused charge (422) compensates reserve and is not compensated itself; a charge answering after orders'
// 400 ms timeout is refunded after it applied, never before (the money is never left taken); orders killed with
// SIGKILL (master and workers) mid-charge and started again finishes the saga, each step applied once, in the caller's
// trace; a step sent twice with one Idempotency-Key is applied once, by either runtime. billing (python-flask on
// MariaDB: msa_sagas in mysql) orchestrates topup = payments.charge (refund), stock.reserve (release): it completes, a
// refused reserve refunds the charge, and a SIGKILL mid-charge is finished by the restarted server, each step once.
import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystemCached, freePort, httpGet, httpPost, IN_CI, POSTGRES_URL, requireBroker, startService, tcpReachable, waitFor, type ServiceProcess, pgClient, type PgClient } from "./harness.js";
import { findPython, generatePythonSystem, startGunicorn, type Gunicorn } from "./flask-support.js";
import { mysqlConnect, MYSQL_URL_BASE, nodeSagaStep } from "./saga-steps.js";

const SUFFIX = (process.env.MSA_E2E_SUFFIX ?? "").toLowerCase();
const NAME = `msae2e-pyorch${SUFFIX}`;
const DB_SUFFIX = SUFFIX.replace(/[^a-z0-9]/g, "_");
const ORDERS_DB = `msae2e_pyorch_orders${DB_SUFFIX}`;
const STOCK_DB = `msae2e_pyorch_stock${DB_SUFFIX}`;
const BILLING_DB = `msae2e_pyorch_billing${DB_SUFFIX}`;
const SYSTEM = `
version: 1
name: ${NAME}
broker: { kind: memory }
contexts:
  orders:
    runtime: python-flask
    port: 5000
    database: postgres
    api: ["GET /orders/{id}"]
    calls:
      payments: { timeout: 400ms, retries: 1 }
  billing:
    runtime: python-flask
    port: 5002
    database: mysql
    api: ["GET /invoices/{id}"]
  payments:
    port: 3001
    api: ["GET /payments/{id}"]
  stock:
    runtime: python-flask
    port: 5001
    database: postgres
    api: ["GET /stock/{sku}"]
sagas:
  checkout:
    orchestrator: orders
    steps:
      - { context: stock, action: reserve, compensation: release }
      - { context: payments, action: charge, compensation: refund }
      - { context: stock, action: confirm }
  topup:
    orchestrator: billing
    steps:
      - { context: payments, action: charge, compensation: refund }
      - { context: stock, action: reserve, compensation: release }
`;

/** A python step module: logs its start, may be slow or refuse (as data asks), appends "<step> <sagaId>" once applied. */
const pyStep = (step: string) => `import os
import time

from app.saga_steps import SagaStepInput, SagaStepRefused  # noqa: F401


def run(step: SagaStepInput) -> dict:
    with open(os.environ["STEP_LOG"], "a") as f:
        f.write("start:${step} " + step.saga_id + "\\n")
    if step.data.get("slow") == "${step}":
        time.sleep(float(step.data.get("slowMs", 0)) / 1000)
    if step.data.get("refuse") == "${step}":
        raise SagaStepRefused("refused: ${step}")
    with open(os.environ["STEP_LOG"], "a") as f:
        f.write("${step} " + step.saga_id + "\\n")
    return {"${step}": True}
`;


interface SagaState {
  sagaId: string;
  status: string;
  error?: string;
  trace?: { traceparent?: string };
  steps: { action: string; status: string }[];
}

const dbUrl = (db: string): string => POSTGRES_URL.replace(/\/[^/]*$/, `/${db}`);

/** SIGKILL to the gunicorn master and its workers: a crash of the whole server. */
function killServer(g: Gunicorn): Promise<unknown> {
  const master = g.child.pid!;
  const children = fs
    .readdirSync(`/proc/${master}/task`)
    .flatMap((t) => fs.readFileSync(`/proc/${master}/task/${t}/children`, "utf8").trim().split(/\s+/))
    .filter(Boolean)
    .map(Number);
  for (const pid of children) process.kill(pid, "SIGKILL");
  process.kill(master, "SIGKILL");
  return g.exited;
}

describe("a python-flask saga orchestrator driving a node and a python participant", () => {
  let skip: string | null = null;
  let python = "";
  let ordersDir = "";
  let billingDir = "";
  let orders: Gunicorn | undefined;
  let billing: Gunicorn | undefined;
  let noMysql: string | null = null;
  let stock: Gunicorn | undefined;
  let payments: ServiceProcess | undefined;
  let admin: PgClient | undefined;
  let stepLog = "";
  const ordersEnv = (): Record<string, string> => ({
    DATABASE_URL: dbUrl(ORDERS_DB),
    BROKER_URL: "memory://",
    SERVICE_NAME: "orders",
    PAYMENTS_URL: payments!.url,
    STOCK_URL: stock!.base,
    SAGA_LEASE_MS: "1500",
    SAGA_COMPENSATION_ATTEMPTS: "10",
  });
  const billingEnv = (): Record<string, string> => ({ ...ordersEnv(), DATABASE_URL: `${MYSQL_URL_BASE}/${BILLING_DB}`, SERVICE_NAME: "billing" });

  beforeAll(async () => {
    skip = await requireBroker("postgres");
    const found = await findPython(["flask", "gunicorn", "psycopg2", "jsonschema"]);
    skip ??= found.missing ?? null;
    if (skip || !found.python) return;
    python = found.python;
    admin = await pgClient(POSTGRES_URL);
    for (const db of [ORDERS_DB, STOCK_DB]) {
      await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${db}`);
    }
    const nodeSteps = {
      "services/payments/src/saga/checkout.charge.ts": nodeSagaStep("charge", "checkoutCharge"),
      "services/payments/src/saga/checkout.refund.ts": nodeSagaStep("refund", "checkoutRefund"),
      "services/payments/src/saga/topup.charge.ts": nodeSagaStep("charge", "topupCharge"),
      "services/payments/src/saga/topup.refund.ts": nodeSagaStep("refund", "topupRefund"),
    };
    const built = await buildSystemCached(NAME, SYSTEM, nodeSteps, ["payments"]);
    const dir = generatePythonSystem(SYSTEM);
    ordersDir = path.join(dir, "services/orders");
    const saga = path.join(dir, "services/stock/app/saga");
    for (const step of ["reserve", "release", "confirm"]) fs.writeFileSync(path.join(saga, `checkout__${step}.py`), pyStep(step));
    for (const step of ["reserve", "release"]) fs.writeFileSync(path.join(saga, `topup__${step}.py`), pyStep(step));
    billingDir = path.join(dir, "services/billing");
    stepLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "msa-e2e-pyorch-")), "steps.log");
    fs.writeFileSync(stepLog, "");
    stock = await startGunicorn(python, path.join(dir, "services/stock"), { DATABASE_URL: dbUrl(STOCK_DB), BROKER_URL: "memory://", SERVICE_NAME: "stock", STEP_LOG: stepLog });
    payments = await startService(built.service("payments"), { name: "payments", port: await freePort(), env: { SERVICE_NAME: "payments", BROKER_URL: "memory://", STEP_LOG: stepLog } });
    orders = await startGunicorn(python, ordersDir, ordersEnv());
    // billing: the same orchestrator on MariaDB
    const pymysql = await findPython(["pymysql"]);
    noMysql = !(await tcpReachable("127.0.0.1", 3306)) ? "MariaDB is not reachable on 127.0.0.1:3306" : (pymysql.missing ?? null);
    if (noMysql && IN_CI) throw new Error(`${noMysql} (CI=true: e2e tests must not skip)`);
    if (noMysql) return;
    const my = await mysqlConnect(MYSQL_URL_BASE);
    await my.query(`DROP DATABASE IF EXISTS ${BILLING_DB}`);
    await my.query(`CREATE DATABASE ${BILLING_DB}`);
    await my.end();
    billing = await startGunicorn(python, billingDir, billingEnv());
  }, 240_000);

  afterAll(async () => {
    await billing?.stop();
    if (billing) {
      const my = await mysqlConnect(MYSQL_URL_BASE);
      await my.query(`DROP DATABASE IF EXISTS ${BILLING_DB}`).catch(() => undefined);
      await my.end();
    }
    await orders?.stop();
    await stock?.stop();
    await payments?.stop();
    for (const db of [ORDERS_DB, STOCK_DB]) await admin?.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
  });

  const lines = (sagaId: string): string[] =>
    fs.readFileSync(stepLog, "utf8").split("\n").filter((l) => l.endsWith(` ${sagaId}`)).map((l) => l.split(" ")[0]!);
  const applied = (sagaId: string): string[] => lines(sagaId).filter((l) => !l.startsWith("start:"));

  async function finished(sagaId: string, base = orders!.base, saga = "checkout"): Promise<SagaState> {
    let state: SagaState | undefined;
    await waitFor(async () => {
      state = (await httpGet(`${base}/sagas/${saga}/${sagaId}`)).body as SagaState;
      return !["running", "compensating"].includes(state.status);
    }, 40_000, `saga ${sagaId} to end`);
    return state!;
  }

  async function start(data: Record<string, unknown>, headers: Record<string, string> = {}, base = orders!.base, saga = "checkout"): Promise<string> {
    const res = await httpPost(`${base}/sagas/${saga}`, data, headers);
    expect(res.status).toBe(202);
    const body = res.body as { sagaId: string; status: string; statusUrl: string };
    expect(body.status).toBe("running");
    expect(body.statusUrl).toBe(`/sagas/${saga}/${body.sagaId}`);
    expect(res.headers.get("location")).toBe(body.statusUrl);
    return body.sagaId;
  }

  it("answers 202 with a status URL and completes, each step applied once, in order; the state is a row of msa_sagas", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const sagaId = await start({ sku: "A-1" });
    const s = await finished(sagaId);
    expect(s.status).toBe("completed");
    expect(s.steps.map((x) => [x.action, x.status])).toEqual([["reserve", "done"], ["charge", "done"], ["confirm", "done"]]);
    expect(applied(sagaId)).toEqual(["reserve", "charge", "confirm"]);
    const db = await pgClient(dbUrl(ORDERS_DB));
    try {
      const r = await db.query<{ status: string; owner: string | null }>("SELECT status, owner FROM msa_sagas WHERE saga_id = $1", [sagaId]);
      expect(r.rows.map((x) => x.status)).toEqual(["completed"]);
    } finally {
      await db.end();
    }
    // the step calls are counted as the node clients count them
    const metrics = String((await httpGet(`${orders!.base}/metrics`)).body);
    expect(metrics).toMatch(/outbound_calls_total\{result="ok",target="payments"\} [1-9]/);
    expect(metrics).toMatch(/outbound_calls_total\{result="ok",target="stock"\} [2-9]/);
    expect((await httpGet(`${orders!.base}/sagas/checkout/${randomUUID()}`)).status).toBe(404);
    expect((await httpPost(`${orders!.base}/sagas/no-such-saga`, {})).status).toBe(404);
  });

  it("POST /sagas with an Idempotency-Key: the instance is saved with the stored 202 (one commit), a repeat gets the same saga", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const key = `start-${randomUUID()}`;
    const first = await httpPost(`${orders!.base}/sagas/checkout`, { sku: "K-1" }, { "Idempotency-Key": key });
    expect(first.status).toBe(202);
    const sagaId = (first.body as { sagaId: string }).sagaId;
    const again = await httpPost(`${orders!.base}/sagas/checkout`, { sku: "K-1" }, { "Idempotency-Key": key });
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((again.body as { sagaId: string }).sagaId).toBe(sagaId);
    expect((await finished(sagaId)).status).toBe("completed");
    expect(applied(sagaId)).toEqual(["reserve", "charge", "confirm"]);
    expect(orders!.logs.some((l) => l.msg === "saga taken over by another replica; stopped driving it")).toBe(false);
  });

  it("a refused charge (422, node participant) compensates reserve and is not compensated itself", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const sagaId = await start({ sku: "B-2", refuse: "charge" });
    const s = await finished(sagaId);
    expect(s.status).toBe("compensated");
    expect(s.steps.map((x) => [x.action, x.status])).toEqual([["reserve", "compensated"], ["charge", "failed"], ["confirm", "pending"]]);
    expect(applied(sagaId)).toEqual(["reserve", "release"]);
    expect(lines(sagaId)).not.toContain("start:refund");
  });

  it("a charge answering after the 400 ms timeout is refunded after it applied, never before; then reserve is released", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const sagaId = await start({ sku: "C-3", slow: "charge", slowMs: 1500 });
    const s = await finished(sagaId);
    expect(s.status).toBe("compensated");
    expect(s.error).toContain("outcome unknown");
    expect(s.steps.map((x) => [x.action, x.status])).toEqual([["reserve", "compensated"], ["charge", "compensated"], ["confirm", "pending"]]);
    // the retry carried the key (charge ran once); the refund waited for the charge (503 while in flight) and ran after it
    expect(applied(sagaId)).toEqual(["reserve", "charge", "refund", "release"]);
    expect(lines(sagaId).filter((l) => l === "start:charge")).toHaveLength(1);
    expect(orders!.logs.some((l) => l.msg === "saga compensation failed; retrying" && l.sagaId === sagaId && l.step === "refund")).toBe(true);
  });

  it("orders killed (SIGKILL, master and workers) mid-charge and started again finishes the saga: each step applied once, in the caller's trace", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const traceId = randomBytes(16).toString("hex");
    const corr = `corr-pyorch-crash-${randomUUID()}`;
    const sagaId = await start({ sku: "D-4", slow: "charge", slowMs: 1000 }, { "X-Correlation-ID": corr, traceparent: `00-${traceId}-${randomBytes(8).toString("hex")}-01` });
    await waitFor(() => lines(sagaId).includes("start:charge"), 10_000, "charge to start");
    await killServer(orders!);
    const db = await pgClient(dbUrl(ORDERS_DB));
    try {
      const r = await db.query<{ status: string; state: SagaState }>("SELECT status, state FROM msa_sagas WHERE saga_id = $1", [sagaId]);
      expect(r.rows[0]?.status).toBe("running");
      expect(r.rows[0]?.state.steps.map((x) => x.status)).toEqual(["done", "running", "pending"]);
      expect(r.rows[0]?.state.trace?.traceparent).toContain(traceId);
    } finally {
      await db.end();
    }
    orders = await startGunicorn(python, ordersDir, ordersEnv());
    const s = await finished(sagaId);
    expect(s.status).toBe("completed");
    expect(orders.logs.filter((l) => l.msg === "resuming interrupted saga" && l.sagaId === sagaId)).toHaveLength(1);
    // charge was cut short and sent again with its key: replayed, not run again
    expect(applied(sagaId)).toEqual(["reserve", "charge", "confirm"]);
    expect(lines(sagaId).filter((l) => l === "start:charge")).toHaveLength(1);
    // every step request stock saw (before the kill and after) is in the caller's trace, with the saga's correlation id
    await stock!.waitFor(() => stock!.logs.some((l) => l.msg === "request" && l.path === "/saga/checkout/confirm" && l.correlationId === corr) || undefined, 5_000, "confirm logged");
    const stepRequests = stock!.logs.filter((l) => l.msg === "request" && l.correlationId === corr);
    expect(stepRequests.map((l) => l.path)).toEqual(["/saga/checkout/reserve", "/saga/checkout/confirm"]);
    expect(stepRequests.map((l) => l.trace_id)).toEqual([traceId, traceId]);
  });

  it("a step sent twice with one Idempotency-Key is applied once, by the node and the python participant", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    for (const [base, step] of [[payments!.url, "charge"], [stock!.base, "reserve"]] as const) {
      const sagaId = randomUUID();
      const body = { sagaId, data: { sku: "E-5" } };
      const first = await httpPost(`${base}/saga/checkout/${step}`, body, { "Idempotency-Key": `${sagaId}:${step}` });
      const again = await httpPost(`${base}/saga/checkout/${step}`, body, { "Idempotency-Key": `${sagaId}:${step}` });
      expect(first.status).toBe(200);
      expect(again.status).toBe(200);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.body).toEqual(first.body);
      expect(applied(sagaId)).toEqual([step]);
    }
  });

  describe("billing: the orchestrator on MariaDB (msa_sagas in mysql)", () => {
    const mysqlSkip = (ctx: { skip: (note?: string) => void }): void => {
      if (skip) ctx.skip(`skipped: ${skip}`);
      if (noMysql) ctx.skip(`skipped: ${noMysql}`);
    };

    it("completes, each step applied once; the state is a row of msa_sagas", async (ctx) => {
      mysqlSkip(ctx);
      const sagaId = await start({ sku: "M-1" }, {}, billing!.base, "topup");
      const s = await finished(sagaId, billing!.base, "topup");
      expect(s.status).toBe("completed");
      expect(applied(sagaId)).toEqual(["charge", "reserve"]);
      const my = await mysqlConnect(`${MYSQL_URL_BASE}/${BILLING_DB}`);
      try {
        const [rows] = await my.query("SELECT status FROM msa_sagas WHERE saga_id = ?", [sagaId]);
        expect(rows).toEqual([{ status: "completed" }]);
      } finally {
        await my.end();
      }
    });

    it("POST /sagas with an Idempotency-Key on mysql: saved with the stored 202, driven at once, a repeat gets the same saga", async (ctx) => {
      mysqlSkip(ctx);
      const key = `start-${randomUUID()}`;
      const first = await httpPost(`${billing!.base}/sagas/topup`, { sku: "M-K" }, { "Idempotency-Key": key });
      expect(first.status).toBe(202);
      const sagaId = (first.body as { sagaId: string }).sagaId;
      const again = await httpPost(`${billing!.base}/sagas/topup`, { sku: "M-K" }, { "Idempotency-Key": key });
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect((again.body as { sagaId: string }).sagaId).toBe(sagaId);
      expect((await finished(sagaId, billing!.base, "topup")).status).toBe("completed");
      expect(applied(sagaId)).toEqual(["charge", "reserve"]);
      expect(billing!.logs.some((l) => l.msg === "saga taken over by another replica; stopped driving it" || l.msg === "resuming interrupted saga")).toBe(false);
    });

    it("a refused reserve (422, python participant) refunds the charge", async (ctx) => {
      mysqlSkip(ctx);
      const sagaId = await start({ sku: "M-2", refuse: "reserve" }, {}, billing!.base, "topup");
      const s = await finished(sagaId, billing!.base, "topup");
      expect(s.status).toBe("compensated");
      expect(s.steps.map((x) => [x.action, x.status])).toEqual([["charge", "compensated"], ["reserve", "failed"]]);
      expect(applied(sagaId)).toEqual(["charge", "refund"]);
    });

    it("billing killed (SIGKILL) mid-charge and started again finishes the saga, each step applied once", async (ctx) => {
      mysqlSkip(ctx);
      const sagaId = await start({ sku: "M-3", slow: "charge", slowMs: 1000 }, {}, billing!.base, "topup");
      await waitFor(() => lines(sagaId).includes("start:charge"), 10_000, "charge to start");
      await killServer(billing!);
      billing = await startGunicorn(python, billingDir, billingEnv());
      const s = await finished(sagaId, billing.base, "topup");
      expect(s.status).toBe("completed");
      expect(billing.logs.filter((l) => l.msg === "resuming interrupted saga" && l.sagaId === sagaId)).toHaveLength(1);
      expect(applied(sagaId)).toEqual(["charge", "reserve"]);
      expect(lines(sagaId).filter((l) => l === "start:charge")).toHaveLength(1);
    });
  });
});
