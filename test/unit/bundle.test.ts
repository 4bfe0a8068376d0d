// Event schemas that refer to other schema files: bundled into one self-contained schema (core/events/bundle.ts)
// that the model, validate-events and every generated service use.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadSystemAt } from "../../src/io/system.js";
import { bundleRefs } from "../../src/core/events/bundle.js";
import { compileSchema } from "../../src/core/events/validator.js";
import { planSystem } from "../../src/core/plan/index.js";
import { renderer } from "../helpers/engine-model.js";

const files: Record<string, unknown> = {
  "/s/events/order.json": { type: "object", required: ["total", "lines"], properties: { total: { $ref: "../common/money.json#/definitions/money" }, lines: { type: "array", items: { $ref: "line.json" } } } },
  "/s/events/line.json": { $id: "https://example.com/line", $schema: "http://json-schema.org/draft-07/schema#", type: "object", required: ["sku", "price"], properties: { sku: { $ref: "#/definitions/sku" }, price: { $ref: "../common/money.json#/definitions/money" } }, definitions: { sku: { type: "string", pattern: "^[A-Z]{3}$" } } },
  "/s/common/money.json": { definitions: { money: { type: "object", required: ["value", "currency"], properties: { value: { type: "number", minimum: 0 }, currency: { $ref: "#/definitions/currency" } } }, currency: { enum: ["EUR", "USD"] } } },
  "/s/cycle/a.json": { type: "object", properties: { b: { $ref: "b.json" } } },
  "/s/cycle/b.json": { type: "object", properties: { a: { $ref: "a.json" } } },
};
const read = (p: string): unknown => {
  if (!(p in files)) throw new Error("no such file or directory");
  return files[p];
};

describe("bundleRefs", () => {
  it("embeds every referenced file once, rewrites references to local pointers, and ajv checks the result", () => {
    const b = bundleRefs(files["/s/events/order.json"] as Record<string, unknown>, "/s/events/order.json", read);
    expect(b.problems).toEqual([]);
    expect(b.files).toEqual(["/s/common/money.json", "/s/events/line.json"]);
    expect(JSON.stringify(b.schema)).not.toMatch(/"\$ref":"[^#]/);
    const defs = b.schema.$defs as Record<string, Record<string, unknown>>;
    expect(Object.keys(defs).sort()).toEqual(["file:../common/money.json", "file:line.json"]);
    expect(defs["file:line.json"]!.$id).toBeUndefined(); // an embedded $id would move the base of its refs
    const validate = compileSchema(b.schema);
    const good = { total: { value: 3, currency: "EUR" }, lines: [{ sku: "ABC", price: { value: 3, currency: "USD" } }] };
    expect(validate(good)).toBe(true);
    expect(validate({ ...good, lines: [{ sku: "abc", price: { value: 3, currency: "GBP" } }] })).toBe(false);
    expect(validate.errors!.map((e) => e.instancePath).sort()).toEqual(["/lines/0/price/currency", "/lines/0/sku"]);
  });
  it("handles files that refer to each other", () => {
    const b = bundleRefs(files["/s/cycle/a.json"] as Record<string, unknown>, "/s/cycle/a.json", read);
    expect(b.problems).toEqual([]);
    expect(compileSchema(b.schema)({ b: { a: { b: {} } } })).toBe(true);
    expect(compileSchema(b.schema)({ b: { a: 1 } })).toBe(false);
  });
  it("returns a schema without external references as it is", () => {
    const s = { type: "object", properties: { a: { $ref: "#/definitions/a" } }, definitions: { a: { type: "string" } } };
    expect(bundleRefs(s, "/s/x.json", read).schema).toBe(s);
  });
  it.each([
    ["a missing file", { $ref: "nope.json" }, "cannot read nope.json (no such file or directory)"],
    ["a remote reference", { $ref: "https://example.com/s.json" }, "remote references are not fetched"],
    ["an anchor fragment", { $ref: "../common/money.json#money" }, "only JSON-pointer fragments"],
  ])("says what it cannot resolve: %s", (_name, schema, message) => {
    expect(bundleRefs(schema, "/s/events/x.json", read).problems.join("\n")).toContain(message);
  });
});

describe("schemas with references to other files, through the model", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-bundle-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (rel: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  const system = (ref: string): string => `version: 1
name: refs
broker: { kind: memory }
contexts:
  a: { port: 3000, publishes: [money.moved], api: ["GET /a"] }
  b: { port: 3001, consumes: [money.moved] }
events:
  money.moved:
    versions:
      1: schemas/money.moved.v1.json
      2:
        type: object
        required: [amount]
        properties: { amount: { $ref: "${ref}" }, note: { type: string } }
        additionalProperties: false
`;
  write("schemas/money.moved.v1.json", JSON.stringify({ type: "object", required: ["amount"], properties: { amount: { $ref: "common.yaml#/money" } }, additionalProperties: false }));
  write("schemas/common.yaml", "money:\n  type: object\n  required: [value]\n  properties:\n    value: { type: number }\n");

  it("loads both versions self-contained, lists the files they read, and plans services whose schema files compile", () => {
    write("system.yaml", system("schemas/common.yaml#/money"));
    const r = loadSystemAt(path.join(dir, "system.yaml"), "system.yaml");
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const versions = r.model!.events[0]!.versions;
    expect(versions.map((v) => v.refFiles)).toEqual([[path.join(dir, "schemas/common.yaml")], [path.join(dir, "schemas/common.yaml")]]);
    const planned = planSystem(r.model!, renderer()).find((f) => f.path === "services/a/schemas/events/money.moved.v2.json")!;
    const validate = compileSchema(JSON.parse(planned.content));
    expect(validate({ amount: { value: 2 } })).toBe(true);
    expect(validate({ amount: { value: "2" } })).toBe(false);
  });
  it("reports a reference it cannot resolve at the version, with rule schema-ref", () => {
    write("system.yaml", system("schemas/missing.json#/money"));
    const r = loadSystemAt(path.join(dir, "system.yaml"), "system.yaml");
    const found = r.diagnostics.filter((d) => d.rule === "schema-ref");
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ line: 12, column: 9, severity: "error" });
    expect(found[0]!.message).toContain("money.moved v2: $ref schemas/missing.json#/money: cannot read schemas/missing.json");
  });
});
