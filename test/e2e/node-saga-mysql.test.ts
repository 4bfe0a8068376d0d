// A node-express saga orchestrator on MariaDB: ledger (database: mysql) orchestrates topup = wallet.charge
// (compensation refund), wallet.reserve (compensation release). Its saga state is a row of msa_sagas in mysql — the
// table a python-flask orchestrator on mysql uses —, not a JSON file per pod: replicas share it. Proven: the saga
// completes and its row says so; a refused step compensates; the owner killed (SIGKILL) mid-charge has its saga
// resumed by exactly one of two other replicas, each step applied once (the repeated charge carries its key).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystemCached, freePort, httpGet, httpPost, IN_CI, startService, tcpReachable, waitFor, type ServiceProcess } from "./harness.js";
import { mysqlConnect, MYSQL_URL_BASE, nodeSagaStep } from "./saga-steps.js";

const SUFFIX = (process.env.MSA_E2E_SUFFIX ?? "").toLowerCase();
const NAME = `msae2e-nodemysaga${SUFFIX}`;
const DB = `msae2e_nodemysaga${SUFFIX.replace(/[^a-z0-9]/g, "_")}`;
const SYSTEM = `
version: 1
name: ${NAME}
broker: { kind: memory }
contexts:
  ledger:
    port: 3000
    database: mysql
    api: ["GET /ledger/{id}"]
  wallet:
    port: 3001
    api: ["GET /wallets/{id}"]
sagas:
  topup:
    orchestrator: ledger
    steps:
      - { context: wallet, action: charge, compensation: refund }
      - { context: wallet, action: reserve, compensation: release }
`;



interface SagaState {
  sagaId: string;
  status: string;
  steps: { action: string; status: string }[];
}

describe("a node-express saga orchestrator on MariaDB (msa_sagas in mysql, shared by replicas)", () => {
  let skip: string | null = null;
  let ledgerDir = "";
  let wallet: ServiceProcess | undefined;
  const ledgers: ServiceProcess[] = [];
  let stepLog = "";

  const startLedger = async (): Promise<ServiceProcess> => {
    const p = await startService(ledgerDir, {
      name: "ledger",
      port: await freePort(),
      env: { SERVICE_NAME: "ledger", BROKER_URL: "memory://", DATABASE_URL: `${MYSQL_URL_BASE}/${DB}`, WALLET_URL: wallet!.url, SAGA_LEASE_MS: "1500", SAGA_DATA_DIR: "/nonexistent/never-used" },
      // SAGA_DATA_DIR cannot be written: a saga saved to a file (the old per-pod store) would fail to start
    });
    ledgers.push(p);
    return p;
  };

  beforeAll(async () => {
    if (!(await tcpReachable("127.0.0.1", 3306))) {
      skip = "MariaDB is not reachable on 127.0.0.1:3306";
      if (IN_CI) throw new Error(`${skip} (CI=true: e2e tests must not skip)`);
      return;
    }
    const my = await mysqlConnect(MYSQL_URL_BASE);
    await my.query(`DROP DATABASE IF EXISTS ${DB}`);
    await my.query(`CREATE DATABASE ${DB}`);
    await my.end();
    const built = await buildSystemCached(
      NAME,
      SYSTEM,
      {
        "services/wallet/src/saga/topup.charge.ts": nodeSagaStep("charge", "topupCharge"),
        "services/wallet/src/saga/topup.refund.ts": nodeSagaStep("refund", "topupRefund"),
        "services/wallet/src/saga/topup.reserve.ts": nodeSagaStep("reserve", "topupReserve"),
        "services/wallet/src/saga/topup.release.ts": nodeSagaStep("release", "topupRelease"),
      },
      ["ledger", "wallet"],
    );
    ledgerDir = built.service("ledger");
    stepLog = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "msa-e2e-nodemysaga-")), "steps.log");
    fs.writeFileSync(stepLog, "");
    wallet = await startService(built.service("wallet"), { name: "wallet", port: await freePort(), env: { SERVICE_NAME: "wallet", BROKER_URL: "memory://", STEP_LOG: stepLog } });
    await startLedger();
  }, 240_000);

  afterAll(async () => {
    for (const p of ledgers) await p.stop().catch(() => undefined);
    await wallet?.stop();
    if (!skip) {
      const my = await mysqlConnect(MYSQL_URL_BASE);
      await my.query(`DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
      await my.end();
    }
    if (stepLog) fs.rmSync(path.dirname(stepLog), { recursive: true, force: true });
  });

  const lines = (sagaId: string): string[] => fs.readFileSync(stepLog, "utf8").split("\n").filter((l) => l.endsWith(` ${sagaId}`)).map((l) => l.split(" ")[0]!);
  const applied = (sagaId: string): string[] => lines(sagaId).filter((l) => !l.startsWith("start:"));

  async function start(base: string, data: Record<string, unknown>): Promise<string> {
    const res = await httpPost(`${base}/sagas/topup`, data);
    expect(res.status).toBe(202);
    return (res.body as { sagaId: string }).sagaId;
  }
  async function finished(base: string, sagaId: string): Promise<SagaState> {
    let state: SagaState | undefined;
    await waitFor(async () => {
      state = (await httpGet(`${base}/sagas/topup/${sagaId}`)).body as SagaState;
      return !["running", "compensating"].includes(state.status);
    }, 30_000, `saga ${sagaId} to end`);
    return state!;
  }
  async function row(sagaId: string): Promise<unknown> {
    const my = await mysqlConnect(`${MYSQL_URL_BASE}/${DB}`);
    try {
      return (await my.query("SELECT status, owner IS NOT NULL AS owned FROM msa_sagas WHERE saga_id = ?", [sagaId]))[0];
    } finally {
      await my.end();
    }
  }

  it("completes, each step applied once, in order; the state is a row of msa_sagas in mysql", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const base = ledgers[0]!.url;
    const sagaId = await start(base, { id: "t-1" });
    expect((await finished(base, sagaId)).status).toBe("completed");
    expect(applied(sagaId)).toEqual(["charge", "reserve"]);
    expect(await row(sagaId)).toEqual([{ status: "completed", owned: 1 }]);
  });

  it("a refused reserve (422) refunds the charge and is not compensated itself", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const base = ledgers[0]!.url;
    const sagaId = await start(base, { id: "t-2", refuse: "reserve" });
    const s = await finished(base, sagaId);
    expect(s.status).toBe("compensated");
    expect(s.steps.map((x) => [x.action, x.status])).toEqual([["charge", "compensated"], ["reserve", "failed"]]);
    expect(applied(sagaId)).toEqual(["charge", "refund"]);
  });

  it("the owner killed (SIGKILL) mid-charge: exactly one of two other replicas resumes the saga, each step applied once", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const owner = ledgers[0]!;
    const second = await startLedger();
    // charge ends 2.5 s after it starts: after the kill, before a new owner can claim the saga (lease 1.5 s)
    const sagaId = await start(owner.url, { id: "t-3", slow: "charge", slowMs: 2500 });
    await waitFor(() => lines(sagaId).includes("start:charge"), 10_000, "charge to start");
    // while the owner renews its lease, the second replica leaves the saga alone
    await new Promise((r) => setTimeout(r, 1_000));
    expect(second.logs.some((l) => l.msg === "resuming interrupted saga" && l.sagaId === sagaId)).toBe(false);
    await owner.kill();
    const third = await startLedger();
    await waitFor(async () => ((await httpGet(`${second.url}/sagas/topup/${sagaId}`)).body as SagaState).status === "completed", 20_000, "the saga to complete");
    await new Promise((r) => setTimeout(r, 3_000)); // two more leases: nobody resumes it again
    const resumers = [second, third].filter((p) => p.logs.some((l) => l.msg === "resuming interrupted saga" && l.sagaId === sagaId));
    expect(resumers).toHaveLength(1);
    // the charge cut short by the kill was sent again with its Idempotency-Key: applied once (the first run finished it)
    expect(applied(sagaId)).toEqual(["charge", "reserve"]);
    expect(lines(sagaId).filter((l) => l === "start:charge")).toHaveLength(1);
  });
});
