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
