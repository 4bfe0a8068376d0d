// The system schema's validator precompiled at build time (scripts/compile-schema.mjs, ajv standalone code)
// must answer exactly like the one compiled at run time: same verdicts, same errors (with parentSchema, which
// the messages read x-expect and the allowed keys from).
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Ajv, type ValidateFunction } from "ajv";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
// @ts-ignore -- a plain .mjs build script without types
import { standaloneSource } from "../../scripts/compile-schema.mjs";

const root = path.resolve(import.meta.dirname, "../..");
const schema = JSON.parse(fs.readFileSync(path.join(root, "schemas/system.schema.json"), "utf8"));
const tmp = path.join(root, ".tmp", `system-schema-${process.pid}.cjs`); // inside the repo: resolves ajv/dist/runtime/*
fs.mkdirSync(path.dirname(tmp), { recursive: true });
fs.writeFileSync(tmp, (standaloneSource as (s: unknown) => string)(schema));
afterAll(() => fs.rmSync(tmp, { force: true }));
const standalone = createRequire(import.meta.url)(tmp) as ValidateFunction & { schemaHash: string };

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, verbose: true });
ajv.addKeyword({ keyword: "x-expect", schemaType: "string" });
const runtime = ajv.compile(schema);

const docs: Record<string, string> = {
  shop: fs.readFileSync(path.join(root, "examples/shop/system.yaml"), "utf8"),
  minimal: fs.readFileSync(path.join(root, "examples/minimal/system.yaml"), "utf8"),
  "unknown keys": "version: 1\nname: demo\ncontxts: {}\ncontexts:\n  a: { prot: 3000, api: ['GET /x'] }\n",
  "wrong types": "version: '1'\nname: 7\ncontexts:\n  a: { port: 'x', publishes: order.created, calls: [b] }\n",
  "bad patterns and enums": "version: 1\nname: Not_Valid\nbroker: { kind: zeromq }\ncontexts:\n  A!: { runtime: cobol, database: excel }\nevents:\n  order.created: { versions: { zero: {} } }\n",
  "missing required": "name: demo\n",
  "not an object": "- a\n- b\n",
};

describe("precompiled system schema validator", () => {
  it("carries the hash of the schema it was made from", () => {
    expect(standalone.schemaHash).toMatch(/^[0-9a-f]{64}$/);
  });
  for (const [name, text] of Object.entries(docs)) {
    it(`answers like the run-time compiled one: ${name}`, () => {
      const data = parse(text);
      const a = standalone(data);
      const b = runtime(data);
      expect(a).toBe(b);
      expect(structuredClone(standalone.errors ?? null)).toEqual(structuredClone(runtime.errors ?? null));
      if (name === "shop" || name === "minimal") expect(a).toBe(true);
      else expect(standalone.errors?.length).toBeGreaterThan(0);
    });
  }
});
