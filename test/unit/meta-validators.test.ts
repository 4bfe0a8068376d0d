// validate-events checks event schemas against their draft's meta-schema with validators the build
// precompiled (scripts/compile-schema.mjs → dist/core/events/meta-<draft>.validate.cjs), instead of ajv
// compiling its meta-schema on every run. They must answer exactly as ajv's own check: the same verdict
// and the same "schema is invalid: …" message, at every depth. Runs against the build (npm test builds first).
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const built = path.join(root, "dist/core/events/validator.js");
type Validator = typeof import("../../src/core/events/validator.js");
const v = (await import(built)) as Validator;

const DRAFT_URI: Record<string, string | undefined> = {
  "draft-07": undefined, // no $schema: draft-07
  "2019-09": "https://json-schema.org/draft/2019-09/schema",
  "2020-12": "https://json-schema.org/draft/2020-12/schema",
};

const BAD: Record<string, object> = {
  "unknown type name": { type: "numbr" },
  "nested property type": { type: "object", properties: { a: { type: "object", properties: { b: { type: "strin" } } } } },
  "items constraint of the wrong type": { type: "array", items: { type: "integer", minimum: "x" } },
  "enum not an array, deep": { properties: { a: { properties: { b: { enum: "red" } } } } },
  "required not an array": { type: "object", required: "a" },
  "empty anyOf": { anyOf: [] },
  "pattern not a string": { type: "string", pattern: 5 },
  "additionalProperties not a schema": { type: "object", additionalProperties: "no" },
  "negative maxLength": { type: "string", maxLength: -1 },
  "two problems at once": { type: "object", properties: { a: { type: 1 }, b: { minItems: "two" } } },
};
const GOOD: Record<string, object> = {
  empty: {},
  "an order": { type: "object", additionalProperties: false, required: ["id"], properties: { id: { type: "string", format: "uuid" }, n: { type: ["integer", "null"] } } },
  "refs and definitions": { definitions: { money: { type: "number", minimum: 0 } }, type: "object", properties: { total: { $ref: "#/definitions/money" } } },
};
const LATER: Record<string, object> = {
  "unevaluatedProperties not a schema": { type: "object", unevaluatedProperties: "x" },
  "dependentRequired not arrays": { type: "object", dependentRequired: { a: "b" } },
  "$defs with a bad type": { $defs: { x: { type: 1 } }, $ref: "#/$defs/x" },
};

/** ajv's own answer: an ajv that checks schemas itself compiles it. */
function ajvAnswer(draft: string, schema: object): string {
  const ajv = v.ajvForDraft(draft as never, true);
  try {
    ajv.compile(schema);
    return "ok";
  } catch (e) {
    return (e as Error).message.split("\n")[0] ?? "";
  }
}
function msaAnswer(schema: object): string {
  try {
    v.compileWithAjv(schema as Record<string, unknown>);
    return "ok";
  } catch (e) {
    return (e as Error).message;
  }
}

describe("precompiled meta-schema validators", () => {
  for (const draft of Object.keys(DRAFT_URI)) {
    it(`${draft}: built, stamped with this ajv and these options, and used`, () => {
      const file = path.join(root, `dist/core/events/meta-${draft}.validate.cjs`);
      expect(fs.existsSync(file)).toBe(true);
      expect(fs.readFileSync(file, "utf8")).toContain(`module.exports.stamp = ${JSON.stringify(v.metaValidatorStamp(draft as never))};`);
      expect(v.usesPrecompiledMeta(draft as never)).toBe(true);
    });
    const cases = { ...BAD, ...GOOD, ...(draft === "draft-07" ? {} : LATER) };
    for (const [name, body] of Object.entries(cases)) {
      it(`${draft}: ${name} — the same answer as ajv's own check`, () => {
        const uri = DRAFT_URI[draft];
        // a fresh $id each time: the shared ajv must not refuse a schema it has seen
        const schema = { ...(uri ? { $schema: uri } : {}), $id: `urn:test:${draft}:${encodeURIComponent(name)}`, ...body };
        const expected = ajvAnswer(draft, schema);
        expect(msaAnswer(schema)).toBe(expected);
        if (name in GOOD) expect(expected).toBe("ok");
        else expect(expected).toMatch(/^schema is invalid: data/);
      });
    }
  }
  it("the build's one-file ajv (dist/vendor/ajv.cjs) is what compiles, unless it is of another ajv version", async () => {
    expect(v.usesVendoredAjv()).toBe(true);
    const copy = path.join(root, ".tmp", `dist-vendor-${process.pid}`);
    fs.rmSync(copy, { recursive: true, force: true });
    fs.cpSync(path.join(root, "dist"), copy, { recursive: true });
    try {
      const file = path.join(copy, "vendor/ajv.cjs");
      fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/version: require_package\(\)\.version/, 'version: "0.0.0-other"'));
      expect(fs.readFileSync(file, "utf8")).toContain('version: "0.0.0-other"');
      const other = (await import(path.join(copy, "core/events/validator.js"))) as Validator;
      expect(other.usesVendoredAjv()).toBe(false);
      expect(() => other.compileWithAjv({ type: "strin" })).toThrow(/^schema is invalid: data\/type must be equal to one of the allowed values/);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
  it("the precompiled validator is what checks (a planted one decides), and one with another stamp is ignored", async () => {
    const planted = (stamp: string) =>
      `module.exports = function v() { v.errors = [{ instancePath: "/planted", schemaPath: "#", keyword: "x", params: {}, message: "was checked here" }]; return false; };\nmodule.exports.stamp = ${JSON.stringify(stamp)};\n`;
    /** validator.js from a copy of the build inside the repository (so node_modules resolves), its draft-07 validator replaced */
    const copies: string[] = [];
    const withMeta = async (name: string, source: string): Promise<Validator> => {
      const copy = path.join(root, ".tmp", `dist-meta-${name}-${process.pid}`);
      copies.push(copy);
      fs.rmSync(copy, { recursive: true, force: true });
      fs.cpSync(path.join(root, "dist"), copy, { recursive: true });
      fs.writeFileSync(path.join(copy, "core/events/meta-draft-07.validate.cjs"), source);
      return (await import(path.join(copy, "core/events/validator.js"))) as Validator;
    };
    try {
      const used = await withMeta("planted", planted(v.metaValidatorStamp("draft-07")));
      expect(used.usesPrecompiledMeta("draft-07")).toBe(true);
      expect(() => used.compileWithAjv({ type: "string" })).toThrow("schema is invalid: data/planted was checked here");
      const ignored = await withMeta("stale", planted(v.metaValidatorStamp("draft-07").replace('"ajvVersion":"', '"ajvVersion":"0.')));
      expect(ignored.usesPrecompiledMeta("draft-07")).toBe(false);
      expect(() => ignored.compileWithAjv({ type: "string" })).not.toThrow();
      expect(() => ignored.compileWithAjv({ type: "strin" })).toThrow(/^schema is invalid: data\/type must be equal to one of the allowed values/);
    } finally {
      for (const c of copies) fs.rmSync(c, { recursive: true, force: true });
    }
  });
});
