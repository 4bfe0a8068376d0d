// Golden: the python-flask services of two saga orchestrators — orders on postgres (a declared call policy with a
// bulkhead for one step context, the defaults for the other) and billing on mysql — rendered in memory and compared
// byte for byte with test/golden/py-saga/ (`.golden` suffix). `UPDATE_GOLDEN=1 npx vitest run test/golden` rewrites them.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { planPythonServices } from "../../src/core/plan/service-python.js";
import { modelFromYaml, renderer } from "../helpers/engine-model.js";

const SYSTEM = `version: 1
name: pysaga
broker: { kind: memory }
contexts:
  orders:
    runtime: python-flask
    port: 5000
    database: postgres
    api: ["GET /orders/{id}"]
    calls:
      payments: { timeout: 400ms, retries: 1, bulkhead: { maxConcurrent: 4, maxQueue: 8 } }
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
`;
const SUFFIX = ".golden";
const dir = path.join(import.meta.dirname, "py-saga");
const update = process.env.UPDATE_GOLDEN === "1";

function listFiles(d: string, base = d): string[] {
  if (!fs.existsSync(d)) return [];
  return fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(d, e.name);
    return e.isDirectory() ? listFiles(full, base) : [path.relative(base, full).split(path.sep).join("/")];
  });
}

describe("golden py-saga (python-flask orchestrators on postgres and mysql)", () => {
  const planned = planPythonServices(modelFromYaml(SYSTEM), renderer()).filter((f) => f.path.startsWith("services/orders/") || f.path.startsWith("services/billing/"));
  const want = new Map(planned.map((f) => [f.path, f.content]));
  if (update) {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const [p, content] of want) {
      const abs = path.join(dir, p + SUFFIX);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, content);
    }
  }

  it("has exactly the planned files", () => {
    expect(listFiles(dir).map((p) => p.slice(0, -SUFFIX.length)).sort()).toEqual([...want.keys()].sort());
  });

  it.each([...want.keys()])("%s", (p) => {
    const abs = path.join(dir, p + SUFFIX);
    expect(fs.existsSync(abs), `${p} has no golden file; run UPDATE_GOLDEN=1 npx vitest run test/golden`).toBe(true);
    expect(want.get(p)).toBe(fs.readFileSync(abs, "utf8"));
  });
});
