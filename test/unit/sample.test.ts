// Sample payloads for generated tests must validate against their schema (the generated tests publish and
// consume them through the real check). Each case is checked here by ajv independently of the sampler.
import { describe, expect, it } from "vitest";
import { compileSchema } from "../../src/core/events/validator.js";
import { sampleFromSchema, samplePayload } from "../../src/core/plan/sample.js";

const SOLVED: Record<string, object> = {
  "pattern with classes and counts": { type: "object", required: ["sku"], properties: { sku: { type: "string", pattern: "^[A-Z]{3}-[0-9]{4}$" } } },
  "pattern with alternation and \\d": { type: "string", pattern: "^(ORD|INV)-\\d{6}$" },
  "pattern and exact length": { type: "string", pattern: "^[a-z]+$", minLength: 5, maxLength: 5 },
  "unanchored pattern": { type: "string", pattern: "[0-9]" },
  "multipleOf above a minimum": { type: "integer", minimum: 1, multipleOf: 5 },
  "decimal multipleOf in a range": { type: "number", minimum: 0.5, maximum: 0.75, multipleOf: 0.25 },
  "maximum below 1": { type: "number", maximum: 0 },
  "exclusive maximum, negative": { type: "integer", exclusiveMaximum: -3 },
  "exclusive minimum": { type: "integer", exclusiveMinimum: 7 },
  "number strictly between 0 and 1": { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 },
  "number in a closed interval narrower than 1": { type: "number", minimum: 2.1, maximum: 2.2 },
  "number above an exclusive minimum and at most a maximum": { type: "number", exclusiveMinimum: -0.5, maximum: -0.25 },
  "maxLength below the default sample": { type: "string", maxLength: 0 },
  "uniqueItems over an enum": { type: "array", items: { enum: ["a", "b", "c"] }, minItems: 3, uniqueItems: true },
  "uniqueItems over integers": { type: "array", items: { type: "integer" }, minItems: 3, uniqueItems: true },
  "uniqueItems over objects": { type: "array", minItems: 2, uniqueItems: true, items: { type: "object", required: ["n"], properties: { n: { type: "integer" } } } },
  contains: { type: "array", contains: { type: "string", const: "gold" } },
  "formats ajv-formats checks": {
    type: "object",
    required: ["a", "b", "c", "d", "e", "f", "g", "h"],
    properties: {
      a: { type: "string", format: "ipv4" }, b: { type: "string", format: "ipv6" }, c: { type: "string", format: "hostname" },
      d: { type: "string", format: "duration" }, e: { type: "string", format: "uri-reference" }, f: { type: "string", format: "time" },
      g: { type: "string", format: "json-pointer" }, h: { type: "string", format: "regex" },
    },
  },
  "not const": { type: "string", not: { const: "x" } },
  "not enum of the first values": { type: "string", enum: ["a", "b", "c"], not: { enum: ["a", "b"] } },
  "minProperties from optional properties": { type: "object", minProperties: 2, properties: { a: { type: "string" }, b: { type: "integer" } } },
  "oneOf where the first branch overlaps the second": { oneOf: [{ type: "integer" }, { type: "number", multipleOf: 1 }, { type: "string" }] },
  "allOf merging properties": { allOf: [{ type: "object", required: ["a"], properties: { a: { type: "string" } } }, { required: ["b"], properties: { b: { type: "integer", minimum: 3 } } }] },
  "anyOf beside properties": { type: "object", required: ["id"], properties: { id: { type: "string" } }, anyOf: [{ required: ["email"], properties: { email: { type: "string", format: "email" } } }, { required: ["phone"] }] },
  "if/then": { type: "object", required: ["kind"], properties: { kind: { enum: ["a", "b"] }, ref: { type: "string" } }, if: { properties: { kind: { const: "a" } } }, then: { required: ["ref"] } },
  "dependentRequired": { type: "object", required: ["card"], properties: { card: { type: "string" }, cvc: { type: "string" } }, dependentRequired: { card: ["cvc"] } },
  "local $ref to definitions": { definitions: { money: { type: "number", minimum: 0.01, multipleOf: 0.01 }, sku: { type: "string", pattern: "^[A-Z]{2}[0-9]{3}$" } }, type: "object", required: ["total", "sku"], properties: { total: { $ref: "#/definitions/money" }, sku: { $ref: "#/definitions/sku" } } },
  "$defs reference with a keyword beside it": { $schema: "https://json-schema.org/draft/2020-12/schema", $defs: { code: { type: "string", pattern: "^C[0-9]+$" } }, type: "object", required: ["code"], properties: { code: { $ref: "#/$defs/code", maxLength: 4 } } },
  "recursive reference": { type: "object", required: ["name"], properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#" } } } },
  "nested pattern in array items": { type: "object", required: ["lines"], properties: { lines: { type: "array", minItems: 2, items: { type: "object", required: ["sku", "qty"], properties: { sku: { type: "string", pattern: "^[A-Z]{3}-[0-9]{4}$" }, qty: { type: "integer", minimum: 1, maximum: 9 } } } } } },
};

describe("samplePayload", () => {
  for (const [name, schema] of Object.entries(SOLVED)) {
    it(`${name}: a sample the schema accepts, the same every time`, () => {
      const { sample, valid } = samplePayload(schema);
      const validate = compileSchema(schema);
      expect(validate(sample), JSON.stringify({ sample, errors: validate.errors })).toBe(true);
      expect(valid).toBe(true);
      expect(samplePayload(schema)).toEqual({ sample, valid });
    });
  }
  it("says so when no variant validates (then the generated tests show it)", () => {
    // every string of length ≤ 3 is in both branches; longer ones are in none
    const schema = { oneOf: [{ type: "string", maxLength: 3 }, { type: "string", maxLength: 3, minLength: 0 }] };
    const r = samplePayload(schema);
    expect(r.valid).toBe(false);
    expect(compileSchema(schema)(r.sample)).toBe(false);
  });
  it("does not compile schemas whose keywords the first sample always meets", () => {
    const plain = { type: "object", additionalProperties: false, required: ["id", "n", "tags"], properties: { id: { type: "string", minLength: 3 }, n: { type: "integer", minimum: 10 }, tags: { type: "array", items: { type: "string" }, minItems: 2 } } };
    const { sample, valid } = samplePayload(plain);
    expect(valid).toBe(true);
    expect(sample).toEqual({ id: "xxx", n: 10, tags: ["x", "x"] });
    expect(compileSchema(plain)(sample)).toBe(true);
  });
  it("uses defaults, consts and the first enum value first", () => {
    expect(sampleFromSchema({ type: "object", required: ["a", "b", "c"], properties: { a: { type: "string", default: "d" }, b: { const: 3 }, c: { enum: ["p", "q"] } } })).toEqual({ a: "d", b: 3, c: "p" });
  });
});
