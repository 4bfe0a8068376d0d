// Generated node services install, typecheck under strict TS, build, and pass their own tests:
// the spec's shop (RabbitMQ, postgres, calls, a saga), a Kafka system whose contexts use mysql, mongodb,
// redis and no database (Kafka has no broker here: its adapter compiles and is unit-tested), and a
// one-context system on the memory broker whose event schema needs a sample that meets pattern, multipleOf,
// maximum, uniqueItems, format and not.
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
      audit-log: { timeout: 500ms, retries: 1 }
  audit-log:
    port: 4101
    database: mongodb
    consumes: [account.opened]
    api: ["GET /accounts/{accountId}/entries/{entryId}", "DELETE /entries/{entryId}"]
  sessions:
    port: 4102
    database: redis
    consumes: [account.opened]
  relay:
    port: 4103
    consumes: [account.opened]
events:
  account.opened:
    compatibility: none
    versions:
      1:
        type: object
        required: [accountId]
        properties:
          accountId: { type: string, minLength: 3 }
      2:
        type: object
        required: [accountId, openedAt, limits]
        properties:
          accountId: { type: string, minLength: 3 }
          openedAt: { type: string, format: date-time }
          limits: { type: array, minItems: 1, items: { type: integer, minimum: 10 } }
          tier: { enum: [basic, gold] }
sagas:
  open-account:
    orchestrator: accounts
    steps:
      - { context: audit-log, action: record-opening, compensation: strike-opening }
      - { context: sessions, action: grant }
`;

const MEMORY_SYSTEM = `
version: 1
name: solo
broker: { kind: memory }
contexts:
  notes:
    port: 4200
    api: ["GET /notes", "POST /notes"]
    publishes: [note.created]
    consumes: [note.created]
events:
  note.created:
    # constraints a naive sample payload breaks: the generated tests publish and consume a sample through
    # the real schema check, so it must satisfy every one of them
    schema:
      type: object
      additionalProperties: false
      required: [noteId, priority, tags, origin, state, lines]
      properties:
        noteId: { type: string, pattern: "^N-[0-9]{4}$" }
        priority: { type: integer, minimum: 1, maximum: 9, multipleOf: 3 }
        score: { type: number, maximum: 0 }
        tags: { type: array, minItems: 2, uniqueItems: true, items: { type: string, enum: [red, green, blue] } }
        origin: { type: string, format: ipv4 }
        state: { type: string, not: { const: x } }
        lines:
          type: array
          minItems: 1
          items: { type: object, required: [sku], properties: { sku: { type: string, pattern: "^[A-Z]{3}-[0-9]{4}$" } } }
`;

// Odd but valid (test/k8s/fixtures/wild, also checked by kustomize + k8s-check): NATS, Istio, a node gateway, digits and hyphens in names, a registry with a port, a python
// consumer, redis, calls with 0 retries, and event schemas with local $refs, patterns and multipleOf.
const WILD_SYSTEM = fs.readFileSync(path.join(REPO_ROOT, "test/k8s/fixtures/wild/system.yaml"), "utf8");
// Names that are Object.prototype members (test/k8s/fixtures/proto-names): context, event and saga constructor.
const PROTO_NAMES_SYSTEM = fs.readFileSync(path.join(REPO_ROOT, "test/k8s/fixtures/proto-names/system.yaml"), "utf8");
// Names YAML does not read as strings (test/k8s/fixtures/yaml-words): contexts y, off (python) and null, event yes, saga n.
const YAML_WORDS_SYSTEM = fs.readFileSync(path.join(REPO_ROOT, "test/k8s/fixtures/yaml-words/system.yaml"), "utf8");

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
      ...Object.fromEntries(["schemas/api/create-order.json", "schemas/api/order.json"].map((f) => [f, fs.readFileSync(path.join(shop, f), "utf8")])),
    });
    expect(sys.files).toContain("services/orders/package.json");
    expect(sys.files).not.toContain("services/catalog/package.json"); // python-flask: not a node service
    await buildAndTest(sys.dir, ["orders", "inventory", "payment"], true);
  }, 300_000);

  it("ledger (kafka; mysql, mongodb, redis, none; hyphenated names, two event versions, a saga)", async () => {
    const sys = await generateSystem(KAFKA_SYSTEM, "ledger");
    // typecheck (sources and tests) and own tests; the emit step is the same as shop's
    await buildAndTest(sys.dir, ["accounts", "audit-log", "sessions", "relay"], false);
  }, 300_000);

  it("wild-west-2 (nats, istio, node gateway; $ref, pattern and multipleOf in event schemas)", async () => {
    const sys = await generateSystem(WILD_SYSTEM, "wild");
    await buildAndTest(sys.dir, ["a1", "x"], false);
  }, 300_000);

  it("on (names YAML reads as booleans or null: contexts y and null, event yes, saga n)", async () => {
    const sys = await generateSystem(YAML_WORDS_SYSTEM, "yaml-words");
    await buildAndTest(sys.dir, ["null", "y"], false);
  }, 300_000);

  it("constructor (context, event, saga and payload properties named like Object.prototype members)", async () => {
    const sys = await generateSystem(PROTO_NAMES_SYSTEM, "proto-names");
    await buildAndTest(sys.dir, ["constructor"], false);
  }, 300_000);

  it("solo (memory broker; publishes and consumes its own event, whose schema has pattern, multipleOf, uniqueItems, not)", async () => {
    const sys = await generateSystem(MEMORY_SYSTEM, "solo");
    await buildAndTest(sys.dir, ["notes"], false);
  }, 120_000);
});
