import { describe, expect, it } from "vitest";
import { schemaNeedsOwnProperties } from "../../src/core/events/own-properties.js";

describe("schemaNeedsOwnProperties", () => {
  it.each([
    ["a property", { type: "object", properties: { toString: { type: "integer" } } }],
    ["a required name", { type: "object", required: ["constructor"] }],
    ["a nested property", { type: "object", properties: { a: { type: "array", items: { properties: { valueOf: {} } } } } }],
    ["a definition", { definitions: { x: { properties: { hasOwnProperty: { type: "string" } } } } }],
    ["dependentRequired", { dependentRequired: { isPrototypeOf: ["a"] } }],
  ])("is true for %s named like an Object.prototype member", (_name, schema) => {
    expect(schemaNeedsOwnProperties(schema)).toBe(true);
  });
  it.each([
    ["ordinary names", { type: "object", required: ["id"], properties: { id: { type: "string" }, tostring: {}, Constructor: {} } }],
    ["such a word as a value, not a name", { type: "object", properties: { kind: { enum: ["constructor", "toString"] } }, title: "toString" }],
    ["no properties", { type: "string" }],
  ])("is false for %s", (_name, schema) => {
    expect(schemaNeedsOwnProperties(schema)).toBe(false);
  });
});
