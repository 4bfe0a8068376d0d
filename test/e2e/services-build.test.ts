// Generated node services install, typecheck under strict TS, build, and pass their own tests:
// the spec's shop (RabbitMQ, postgres, calls, a saga) and a Kafka system whose contexts use
// mysql, mongodb, redis and no database (Kafka has no broker here: its adapter compiles and is unit-tested).
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { buildService, generateSystem, REPO_ROOT, runServiceTests } from "./harness.js";

const KAFKA_SYSTEM = `
version: 1
name: ledger
broker: { kind: kafka }
contexts:
  accounts:
    port: 4100
    database: mysql
    api: ["GET /accounts/{accountId}", "PUT /accounts/{accountId}"]
    publishes: [account.opened]
    calls:
      audit: { timeout: 500ms, retries: 1 }
  audit:
    port: 4101
    database: mongodb
    consumes: [account.opened]
    api: ["GET /entries"]
  sessions:
    port: 4102
    database: redis
    consumes: [account.opened]
  relay:
    port: 4103
    consumes: [account.opened]
events:
  account.opened:
    schema:
      type: object
      required: [accountId, openedAt, limits]
      properties:
        accountId: { type: string, minLength: 3 }
        openedAt: { type: string, format: date-time }
        limits: { type: array, minItems: 1, items: { type: integer, minimum: 10 } }
        tier: { enum: [basic, gold] }
`;

async function buildAndTest(dir: string, services: string[], emit: boolean): Promise<void> {
  for (const s of services) {
    const sdir = path.join(dir, "services", s);
    await buildService(sdir, { emit });
    if (emit) expect(fs.existsSync(path.join(sdir, "dist", "main.js")), `${s} built`).toBe(true);
    const out = await runServiceTests(sdir);
    expect(out, s).toMatch(/Tests\s+\d+ passed/);
    expect(out, s).not.toMatch(/failed|skipped/);
  }
}

describe("generated node services build and pass their own tests", () => {
  it("shop (rabbitmq): orders, inventory, payment", async () => {
    const shop = path.join(REPO_ROOT, "examples", "shop");
    const schema = "schemas/events/order.created.v1.json";
    const sys = await generateSystem(fs.readFileSync(path.join(shop, "system.yaml"), "utf8"), "shop", {
      [schema]: fs.readFileSync(path.join(shop, schema), "utf8"),
    });
    expect(sys.files).toContain("services/orders/package.json");
    expect(sys.files).not.toContain("services/catalog/package.json"); // python-flask: not a node service
    await buildAndTest(sys.dir, ["orders", "inventory", "payment"], true);
  }, 300_000);

  it("ledger (kafka; mysql, mongodb, redis, none)", async () => {
    const sys = await generateSystem(KAFKA_SYSTEM, "ledger");
    // typecheck (sources and tests) and own tests; the emit step is the same as shop's
    await buildAndTest(sys.dir, ["accounts", "audit", "sessions", "relay"], false);
  }, 300_000);
});
