// Bad input at the load and schema stages: each a clear message at the right line and column.
import fs from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { loadSystemAt } from "../../src/io/system.js";
import { MAX_SYSTEM_FILE_BYTES } from "../../src/core/load.js";

const check = (text: string) => loadSystemAt("/virtual/system.yaml", "system.yaml", text).diagnostics;
const root = path.resolve(import.meta.dirname, "../..");

describe("load", () => {
  it("reports YAML syntax errors with line and column", () => {
    const ds = check("version: 1\nname: demo\ncontexts:\n  a: [1, 2\n");
    expect(ds[0]).toMatchObject({ rule: "yaml-syntax", severity: "error", file: "system.yaml" });
    expect(ds[0]?.line).toBeGreaterThanOrEqual(4);
  });

  it("reports duplicate keys at the second occurrence", () => {
    const ds = check("version: 1\nname: demo\nname: other\ncontexts: {a: {api: ['GET /x']}}\n");
    expect(ds).toEqual([expect.objectContaining({ rule: "yaml-duplicate-key", line: 3, column: 1 })]);
  });

  it("refuses a billion-laughs alias bomb quickly", () => {
    const bomb = [
      "version: 1",
      "name: demo",
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
      "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
      "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
      "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
      "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]",
      "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]",
      "contexts: {x: {api: ['GET /x']}}",
    ].join("\n");
    const started = Date.now();
    const ds = check(bomb);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(ds).toEqual([expect.objectContaining({ rule: "yaml-alias-limit", line: 4 })]);
  });

  it("refuses files over the size limit before parsing", () => {
    const ds = check("# " + "x".repeat(MAX_SYSTEM_FILE_BYTES) + "\nversion: 1\n");
    expect(ds).toEqual([expect.objectContaining({ rule: "file-too-large" })]);
  });
});

describe("schema", () => {
  it("accepts the spec example (examples/shop) with its schema file", () => {
    const file = path.join(root, "examples/shop/system.yaml");
    const res = loadSystemAt(file, "system.yaml");
    expect(res.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(res.model?.events.find((e) => e.name === "order.created")?.versions.map((v) => v.version)).toEqual([1, 2]);
  });

  it("is itself a valid draft-07 schema that ajv compiles (what editors load)", () => {
    const schema = JSON.parse(fs.readFileSync(path.join(root, "schemas/system.schema.json"), "utf8"));
    const ajv = new Ajv({ strict: false });
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it("reports unknown keys at the key, with a did-you-mean", () => {
    const ds = check("version: 1\nname: demo\ncontexts:\n  a:\n    prot: 3000\n    api: ['GET /x']\n");
    expect(ds).toEqual([expect.objectContaining({ rule: "schema-unknown-key", line: 5, column: 5 })]);
    expect(ds[0]?.message).toContain('did you mean "port"?');
  });

  it("reports wrong types at the value", () => {
    const ds = check("version: 1\nname: demo\ncontexts:\n  a:\n    port: three\n    api: ['GET /x']\n");
    expect(ds).toEqual([expect.objectContaining({ rule: "schema-type", line: 5, column: 11 })]);
    expect(ds[0]?.message).toContain("contexts.a.port must be an integer");
  });

  it("reports a bad enum with the allowed values", () => {
    const ds = check("version: 1\nname: demo\nbroker: { kind: rabbit }\ncontexts:\n  a:\n    api: ['GET /x']\n");
    expect(ds[0]).toMatchObject({ rule: "schema-enum", line: 3, column: 17 });
    expect(ds[0]?.message).toContain('"rabbitmq"');
  });

  it("reports a missing required key", () => {
    const ds = check("name: demo\ncontexts:\n  a:\n    api: ['GET /x']\n");
    expect(ds[0]).toMatchObject({ rule: "schema-required" });
    expect(ds[0]?.message).toContain('"version"');
  });

  it("explains a bad database form once, not per union branch", () => {
    const ds = check("version: 1\nname: demo\ncontexts:\n  a:\n    database: oracle\n    api: ['GET /x']\n");
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ rule: "schema-anyOf", line: 5, column: 15 });
    expect(ds[0]?.message).toContain("postgres, mysql, mongodb, redis or none");
  });

  it("reports a malformed api entry with an example", () => {
    const ds = check("version: 1\nname: demo\ncontexts:\n  a:\n    api: ['FETCH /x']\n");
    expect(ds[0]).toMatchObject({ rule: "schema-pattern", line: 5, column: 11 });
    expect(ds[0]?.message).toContain('"GET /orders/{id}"');
  });

  it("reports a missing schema file at the version that names it", () => {
    const ds = check("version: 1\nname: demo\ncontexts:\n  a:\n    publishes: [x.y]\nevents:\n  x.y:\n    versions:\n      1: schemas/nope.json\n");
    expect(ds).toEqual([expect.objectContaining({ rule: "schema-file-missing", line: 9, column: 10 })]);
  });
});
