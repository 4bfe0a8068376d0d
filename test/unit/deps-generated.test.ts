// analyze-deps on real generated output: examples/shop through `msa generate`, then one planted
// undeclared call and one planted cycle. Exactly those two are reported, and the run exits 1.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseDocument } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./deps-helpers.js";

const SHOP = path.resolve(import.meta.dirname, "../../examples/shop");
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-deps-gen-"));
  fs.cpSync(SHOP, dir, { recursive: true });
  const gen = await runCli(dir, ["generate"]);
  expect(gen.code, gen.stderr).toBe(0);
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Json = { findings: { severity: string; rule: string; file: string; line: number; path: string[]; message: string }[]; edges: { from: string; to: string; kind: string; declared: boolean; discovered: boolean }[] };
const analyse = async (...args: string[]) => {
  const r = await runCli(dir, ["analyze-deps", "--output-format", "json", ...args]);
  return { code: r.code, doc: JSON.parse(r.stdout) as Json };
};
const errors = (doc: Json) => doc.findings.filter((f) => f.severity === "error").map((f) => `${f.rule} ${f.path.join(" → ")} @${f.file}:${f.line}`);

describe("analyze-deps on msa generate's output of examples/shop", () => {
  it("the generated system is clean: every declared call, route, publish and consume is found in its code", async () => {
    const { code, doc } = await analyse();
    expect(code).toBe(0);
    expect(errors(doc)).toEqual([]);
    const seen = (kind: string, from: string, to: string) => doc.edges.find((e) => e.kind === kind && e.from === from && e.to === to);
    expect(seen("call", "orders", "inventory")).toMatchObject({ declared: true, discovered: true });
    expect(seen("route", "gateway", "orders")).toMatchObject({ declared: true, discovered: true });
    expect(seen("route", "gateway", "catalog")).toMatchObject({ declared: true, discovered: true });
    expect(seen("publish", "orders", "event:order.created")).toMatchObject({ declared: true, discovered: true });
    expect(seen("consume", "event:order.created", "inventory")).toMatchObject({ declared: true, discovered: true });
    expect(seen("consume", "event:payment.completed", "orders")).toMatchObject({ declared: true, discovered: true });
    expect(doc.findings.filter((f) => f.rule === "unused-dependency")).toEqual([]);
  });

  it("with one planted undeclared call and one planted cycle it reports exactly those two errors and exits 1", async () => {
    // The undeclared call: payment's code calls catalog, which system.yaml does not declare.
    fs.writeFileSync(path.join(dir, "services/payment/src/catalog-client.ts"),
      'export const listProducts = () => fetch(`${process.env.CATALOG_URL ?? "http://catalog:5000"}/products`);\n');
    // The cycle: inventory now calls orders back, declared in system.yaml and present in code.
    const doc = parseDocument(fs.readFileSync(path.join(dir, "system.yaml"), "utf8"));
    doc.setIn(["contexts", "inventory", "calls"], doc.createNode({ orders: { timeout: "1s" } }));
    fs.writeFileSync(path.join(dir, "system.yaml"), String(doc));
    fs.writeFileSync(path.join(dir, "services/inventory/src/orders-client.ts"),
      "export const ordersUrl = process.env.ORDERS_URL ?? \"http://orders:3000\";\n");

    const { code, doc: out } = await analyse();
    expect(errors(out)).toEqual([
      "undeclared-dependency payment → catalog @services/payment/src/catalog-client.ts:1",
      expect.stringMatching(/^dependency-cycle inventory → orders → inventory @system\.yaml:\d+$/),
    ]);
    expect(code).toBe(1);

    const text = await runCli(dir, ["analyze-deps"]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain("synchronous call cycle inventory → orders → inventory");
    expect(text.stdout).toMatch(/2 errors, \d+ warnings?/);
  });

  it("a cycle planted in code alone is also undeclared: three errors", async () => {
    const doc = parseDocument(fs.readFileSync(path.join(dir, "system.yaml"), "utf8"));
    doc.deleteIn(["contexts", "inventory", "calls"]);
    fs.writeFileSync(path.join(dir, "system.yaml"), String(doc));
    const { code, doc: out } = await analyse();
    expect(errors(out)).toEqual([
      "dependency-cycle inventory → orders → inventory @services/inventory/src/orders-client.ts:1",
      "undeclared-dependency inventory → orders @services/inventory/src/orders-client.ts:1",
      "undeclared-dependency payment → catalog @services/payment/src/catalog-client.ts:1",
    ]);
    expect(code).toBe(1);
  });
});

// Every runtime × database msa generates (and both saga orchestrators), on each broker: msa's own output must pass its
// own check with nothing to say — a docstring's example publish("stock.reserved", …) in the python SQL services made
// a fresh system fail analyze-deps (exit 1), and the runtimes' computed names (EXCHANGE, CONSUMED_EVENTS, event_type)
// filled a note with "constants whose value was not found".
const MATRIX = (broker: string) => `version: 1
name: matrix
broker: { kind: ${broker} }
gateway:
  kind: node
  routes:
    - { path: /api/v1/a, context: npg }
    - { path: /api/v1/b, context: ppg }
contexts:
  npg: { port: 3000, database: postgres, api: ["POST /a"], publishes: [a.created], consumes: [b.created], calls: { pmy: { timeout: 2s }, nnone: { timeout: 2s } } }
  nmy: { port: 3001, database: mysql, consumes: [a.created], api: ["POST /reserve"] }
  nmongo: { port: 3002, database: mongodb, consumes: [a.created], publishes: [c.created] }
  nredis: { port: 3003, database: redis, consumes: [c.created] }
  nnone: { port: 3004, database: none, consumes: [c.created], api: ["GET /n/{id}", "POST /charge"] }
  ppg: { runtime: python-flask, port: 5000, database: postgres, api: ["POST /b"], publishes: [b.created], consumes: [a.created], calls: { nmy: { timeout: 2s } } }
  pmy: { runtime: python-flask, port: 5001, database: mysql, consumes: [b.created], api: ["GET /p/{id}", "POST /hold"] }
  pmongo: { runtime: python-flask, port: 5002, database: mongodb, consumes: [b.created] }
  predis: { runtime: python-flask, port: 5003, database: redis, consumes: [a.created] }
  pnone: { runtime: python-flask, port: 5004, database: none, consumes: [c.created] }
events:
  a.created: { schema: { type: object, required: [id], properties: { id: { type: string } } } }
  b.created: { schema: { type: object, required: [id], properties: { id: { type: string } } } }
  c.created: { schema: { type: object, required: [id], properties: { id: { type: string } } } }
sagas:
  place-a: { orchestrator: npg, steps: [{ context: nmy, action: reserve, compensation: release }, { context: nnone, action: charge, compensation: refund }] }
  place-b: { orchestrator: ppg, steps: [{ context: pmy, action: hold, compensation: unhold }, { context: nmy, action: reserve, compensation: release }] }
`;

describe.each(["rabbitmq", "nats", "kafka"])("analyze-deps on a freshly generated system of every runtime and database (%s)", (broker) => {
  let mdir = "";
  beforeAll(async () => {
    mdir = fs.mkdtempSync(path.join(os.tmpdir(), `msa-deps-matrix-${broker}-`));
    fs.writeFileSync(path.join(mdir, "system.yaml"), MATRIX(broker));
    const gen = await runCli(mdir, ["generate"]);
    expect(gen.code, gen.stderr).toBe(0);
  }, 120_000);
  afterAll(() => fs.rmSync(mdir, { recursive: true, force: true }));

  it("exits 0 with no findings and no note, and finds every declared publish and consume in the code", async () => {
    const r = await runCli(mdir, ["analyze-deps", "--format", "json"]);
    const doc = JSON.parse(r.stdout) as Json & { notes: string[] };
    expect(doc.findings).toEqual([]);
    expect(doc.notes).toEqual([]);
    expect(r.code).toBe(0);
    const async = doc.edges.filter((e) => e.kind === "publish" || e.kind === "consume");
    expect(async.length).toBe(13); // 3 publishes; a.created 4 consumers, b.created and c.created 3 each
    expect(async.filter((e) => !(e.declared && e.discovered))).toEqual([]);
    // the stores are the variables the services read (readiness.py's f"tcp://{url}" once listed a store named "url")
    const uses = (doc as unknown as { datastores: { store: string; kind: string }[] }).datastores;
    const of = (kind: string): string[] => [...new Set(uses.filter((d) => d.kind === kind).map((d) => d.store))].sort();
    expect(of("datastore").filter((s) => !["BROKER_URL", "DATABASE_URL", "REDIS_URL"].includes(s))).toEqual([]);
    // the trace exporter's endpoint is telemetry, not a data store (it was listed under "data stores and brokers")
    expect(of("telemetry")).toEqual(["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);
    expect(uses.length).toBe(uses.filter((d) => d.kind === "datastore" || d.kind === "telemetry").length);
  });

  it("still notes a user's constant it cannot resolve, not a variable", async () => {
    const file = path.join(mdir, "services/npg/src/notify.ts");
    fs.writeFileSync(file, "export const notify = (ch: any, topic: string, body: Buffer) => {\n  ch.publish(\"shop.events\", ORDER_TOPIC, body);\n  ch.publish(\"shop.events\", topic, body);\n};\n");
    try {
      const r = await runCli(mdir, ["analyze-deps", "--format", "json"]);
      const doc = JSON.parse(r.stdout) as { notes: string[] };
      expect(doc.notes).toEqual(["1 broker call(s) name their event by a constant whose value was not found in the scanned code: ORDER_TOPIC (services/npg/src/notify.ts:2)"]);
    } finally {
      fs.rmSync(file);
    }
  });
});
