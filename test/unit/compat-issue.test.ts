// Issue #23: every finding of the issue, one test each; the JSON Schema keywords the comparison models
// (tuples, combinators, not, dependencies, contains bounds, unevaluated*, $ref with siblings) in both
// directions; the recursive 12-type schema's time and the guard; hints that, applied, clear their finding.
import { describe, expect, it } from "vitest";
import { checkCompatibility, isCompatible, type CompatFinding } from "../../src/core/events/compat.js";
import type { Compatibility } from "../../src/core/model.js";
import { tradeSchema } from "./compat-fixtures.js";

type S = Record<string, unknown>;
const obj = (props: S, extra: S = {}): S => ({ type: "object", properties: props, ...extra });
const closed = (props: S, extra: S = {}): S => obj(props, { additionalProperties: false, ...extra });
const rules = (fs: CompatFinding[]): string[] => fs.filter((f) => f.severity === "error").map((f) => f.rule);
const D2020 = "https://json-schema.org/draft/2020-12/schema";

interface Case { name: string; old: S; new: S; backward: boolean; forward: boolean; rule?: string }
/** Changes Confluent's rules call compatible (backward) that msa used to reject, and their counterparts. */
const CASES: Case[] = [
  // tuples
  { name: "tuple: an item added to an open tuple with {}", old: { type: "array", items: [{ type: "string" }] }, new: { type: "array", items: [{ type: "string" }, {}] }, backward: true, forward: true },
  { name: "tuple: an item added to a closed tuple", old: { type: "array", items: [{ type: "string" }], additionalItems: false }, new: { type: "array", items: [{ type: "string" }, { type: "integer" }], additionalItems: false }, backward: true, forward: false },
  { name: "tuple: an item added to an open tuple", old: { type: "array", items: [{ type: "string" }] }, new: { type: "array", items: [{ type: "string" }, { type: "integer" }] }, backward: false, forward: true, rule: "ITEM_ADDED_TO_OPEN_CONTENT_MODEL" },
  { name: "tuple: an item removed from a closed tuple", old: { type: "array", items: [{ type: "string" }, { type: "integer" }], additionalItems: false }, new: { type: "array", items: [{ type: "string" }], additionalItems: false }, backward: false, forward: true, rule: "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL" },
  { name: "tuple: an item removed, covered by additionalItems", old: { type: "array", items: [{ type: "string" }, { type: "integer" }], additionalItems: { type: "integer" } }, new: { type: "array", items: [{ type: "string" }], additionalItems: { type: "integer" } }, backward: true, forward: true },
  { name: "tuple: additionalItems false → schema", old: { type: "array", items: [{ type: "string" }], additionalItems: false }, new: { type: "array", items: [{ type: "string" }], additionalItems: { type: "string" } }, backward: true, forward: false },
  { name: "tuple: additionalItems removed (opened)", old: { type: "array", items: [{ type: "string" }], additionalItems: false }, new: { type: "array", items: [{ type: "string" }] }, backward: true, forward: false },
  { name: "prefixItems (2020-12): item widened", old: { $schema: D2020, type: "array", prefixItems: [{ type: "integer" }], items: false }, new: { $schema: D2020, type: "array", prefixItems: [{ type: "number" }], items: false }, backward: true, forward: false, rule: "TYPE_EXTENDED" },
  { name: "prefixItems (2020-12): items false → schema", old: { $schema: D2020, type: "array", prefixItems: [{ type: "integer" }], items: false }, new: { $schema: D2020, type: "array", prefixItems: [{ type: "integer" }], items: { type: "string" } }, backward: true, forward: false },
  // allOf
  { name: "allOf reordered", old: obj({ p: { allOf: [{ enum: ["a", "bb"] }, { type: "string" }, { maxLength: 5 }] } }), new: obj({ p: { allOf: [{ maxLength: 5 }, { enum: ["a", "bb"] }, { type: "string" }] } }), backward: true, forward: true },
  { name: "allOf duplicated", old: obj({ p: { allOf: [{ type: "string" }] } }), new: obj({ p: { allOf: [{ type: "string" }, { type: "string" }] } }), backward: true, forward: true },
  { name: "allOf wrapped around a schema", old: obj({ p: { type: "string", maxLength: 5 } }), new: obj({ p: { allOf: [{ type: "string" }, { maxLength: 5 }] } }), backward: true, forward: true },
  { name: "allOf: a conjunct added (narrows)", old: obj({ p: { allOf: [{ type: "string" }] } }), new: obj({ p: { allOf: [{ type: "string" }, { maxLength: 5 }] } }), backward: false, forward: true, rule: "MAX_LENGTH_ADDED" },
  // switching combinators
  { name: "allOf → anyOf of the same subschemas", old: obj({ p: { allOf: [{ type: "string" }, { maxLength: 5 }] } }), new: obj({ p: { anyOf: [{ type: "string" }, { maxLength: 5 }] } }), backward: true, forward: false },
  { name: "allOf → oneOf of disjoint subschemas (one branch)", old: obj({ p: { allOf: [{ type: "string" }] } }), new: obj({ p: { oneOf: [{ type: "string" }, { type: "integer" }] } }), backward: true, forward: false },
  { name: "anyOf → allOf", old: obj({ p: { anyOf: [{ type: "string" }, { type: "integer" }] } }), new: obj({ p: { allOf: [{ type: "string" }] } }), backward: false, forward: true, rule: "COMBINED_TYPE_CHANGED" },
  { name: "oneOf with overlapping branches is not read as anyOf", old: obj({ p: { type: "integer" } }), new: obj({ p: { oneOf: [{ type: "number" }, { type: "integer" }] } }), backward: false, forward: false, rule: "COMBINED_TYPE_SUBSCHEMAS_CHANGED" },
  // dependencies
  { name: "dependency schema removed", old: obj({ a: {}, b: {} }, { dependencies: { a: { required: ["b"] } } }), new: obj({ a: {}, b: {} }), backward: true, forward: false },
  { name: "dependency array removed", old: obj({ a: {}, b: {} }, { dependencies: { a: ["b"] } }), new: obj({ a: {}, b: {} }), backward: true, forward: false },
  { name: "dependentRequired (2020-12) added", old: { $schema: D2020, ...obj({ a: {}, b: {} }) }, new: { $schema: D2020, ...obj({ a: {}, b: {} }, { dependentRequired: { a: ["b"] } }) }, backward: false, forward: true, rule: "DEPENDENCY_ARRAY_ADDED" },
  { name: "dependentSchemas (2020-12) removed", old: { $schema: D2020, ...obj({ a: {} }, { dependentSchemas: { a: { minProperties: 2 } } }) }, new: { $schema: D2020, ...obj({ a: {} }) }, backward: true, forward: false },
  // not, contains
  { name: "not narrowed", old: obj({ p: { type: "string", not: { enum: ["a", "b"] } } }), new: obj({ p: { type: "string", not: { enum: ["a"] } } }), backward: true, forward: false, rule: "NOT_TYPE_NARROWED" },
  { name: "not extended", old: obj({ p: { type: "string", not: { enum: ["a"] } } }), new: obj({ p: { type: "string", not: { enum: ["a", "b"] } } }), backward: false, forward: true, rule: "NOT_TYPE_EXTENDED" },
  { name: "minContains lowered", old: { $schema: D2020, type: "array", contains: { type: "string" }, minContains: 2 }, new: { $schema: D2020, type: "array", contains: { type: "string" }, minContains: 1 }, backward: true, forward: false },
  { name: "maxContains lowered", old: { $schema: D2020, type: "array", contains: { type: "string" }, maxContains: 3 }, new: { $schema: D2020, type: "array", contains: { type: "string" }, maxContains: 2 }, backward: false, forward: true, rule: "MAX_CONTAINS_DECREASED" },
  // content models
  { name: "a removed property covered by patternProperties", old: closed({ a_1: { type: "string" } }, { patternProperties: { "^a_": { type: "string" } } }), new: closed({}, { patternProperties: { "^a_": { type: "string" } } }), backward: true, forward: true },
  { name: "a removed property covered by the pattern that also applied to it", old: closed({ a_1: { type: "integer" } }, { patternProperties: { "^a_": { type: "number" } } }), new: closed({}, { patternProperties: { "^a_": { type: "number" } } }), backward: true, forward: false },
  { name: "a removed property not covered by patternProperties", old: closed({ a_1: { type: "integer" } }, { patternProperties: { "^a_": {} } }), new: closed({}, { patternProperties: { "^a_": { type: "string" } } }), backward: false, forward: false, rule: "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL" },
  { name: "a false property removed from a closed model", old: closed({ a: { type: "string" }, gone: false }), new: closed({ a: { type: "string" } }), backward: true, forward: true },
  { name: "unevaluatedProperties: false is a closed model", old: { $schema: D2020, ...obj({ a: { type: "string" } }, { unevaluatedProperties: false }) }, new: { $schema: D2020, ...obj({ a: { type: "string" }, b: { type: "string" } }, { unevaluatedProperties: false }) }, backward: true, forward: false },
  // the two unsafe passes of the issue
  { name: "a property removed from a model closed with unevaluatedProperties: false", old: { $schema: D2020, ...obj({ a: { type: "string" }, b: { type: "string" } }, { unevaluatedProperties: false }) }, new: { $schema: D2020, ...obj({ a: { type: "string" } }, { unevaluatedProperties: false }) }, backward: false, forward: true, rule: "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL" },
  {
    name: "2020-12: a keyword beside $ref changes (a sibling property string → number)",
    old: { $schema: D2020, type: "object", properties: { m: { $ref: "#/$defs/base", properties: { s: { type: "string" } } } }, $defs: { base: { type: "object", properties: { id: { type: "string" } } } } },
    new: { $schema: D2020, type: "object", properties: { m: { $ref: "#/$defs/base", properties: { s: { type: "number" } } } }, $defs: { base: { type: "object", properties: { id: { type: "string" } } } } },
    backward: false, forward: false, rule: "TYPE_CHANGED",
  },
];

describe("issue #23: JSON Schema keywords, both directions", () => {
  for (const c of CASES) {
    it(`${c.name}: backward ${c.backward ? "yes" : "no"}, forward ${c.forward ? "yes" : "no"}`, () => {
      const back = rules(checkCompatibility(c.old, c.new, "backward"));
      const fwd = rules(checkCompatibility(c.old, c.new, "forward"));
      expect(back.length === 0, `backward: ${back.join(", ")}`).toBe(c.backward);
      expect(fwd.length === 0, `forward: ${fwd.join(", ")}`).toBe(c.forward);
      if (c.rule) expect([...back, ...fwd]).toContain(c.rule);
      // the same change nested in an object and in array items
      const nest = (s: S): S => ({ ...(s.$schema ? { $schema: s.$schema } : {}), type: "object", properties: { n: { type: "array", items: { ...s, $schema: undefined } } }, ...(s.$defs ? { $defs: s.$defs } : {}) });
      if (!JSON.stringify(c.old).includes("$ref")) {
        expect(isCompatible(nest(c.old), nest(c.new), "backward")).toBe(c.backward);
        expect(isCompatible(nest(c.old), nest(c.new), "forward")).toBe(c.forward);
      }
    });
  }
  it("no finding message says 'undefined'", () => {
    for (const c of CASES) for (const f of checkCompatibility(c.old, c.new, "full")) expect(f.message).not.toMatch(/undefined/);
  });
});

describe("issue #23: recursive schemas", () => {
  it("the recursive 12-type oneOf trade compares in < 1 s, both ways, with the right verdicts", () => {
    const t0 = performance.now();
    expect(checkCompatibility(tradeSchema(12), tradeSchema(12, "widen"), "backward")).toEqual([]);
    expect(rules(checkCompatibility(tradeSchema(12), tradeSchema(12, "widen"), "forward"))).toContain("OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL");
    expect(rules(checkCompatibility(tradeSchema(12), tradeSchema(12, "narrow"), "backward"))).toContain("MAX_LENGTH_DECREASED");
    expect(checkCompatibility(tradeSchema(12), tradeSchema(12, "narrow"), "forward")).toEqual([]);
    const ms = performance.now() - t0;
    expect(ms, `${ms.toFixed(0)} ms for four comparisons`).toBeLessThan(1000);
  });

  it("the guard reports COMPATIBILITY_UNDECIDED, as an error with a location, instead of running on", () => {
    const fs = checkCompatibility(tradeSchema(12), tradeSchema(12, "widen"), "backward", { maxSteps: 5 });
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatchObject({ rule: "COMPATIBILITY_UNDECIDED", severity: "error", direction: "backward" });
    expect(fs[0]?.newPath.length).toBeGreaterThan(0);
    expect(fs[0]?.message).toMatch(/could not decide/);
  });

  it("output is deterministic", () => {
    const a = JSON.stringify(checkCompatibility(tradeSchema(8, "narrow"), tradeSchema(8, "widen"), "full"));
    const b = JSON.stringify(checkCompatibility(tradeSchema(8, "narrow"), tradeSchema(8, "widen"), "full"));
    expect(a).toBe(b);
  });
});

describe("issue #23: hints follow the declared mode, and applying one clears its finding", () => {
  const only = (oldS: S, newS: S, mode: Compatibility): CompatFinding => {
    const fs = checkCompatibility(oldS, newS, mode).filter((f) => f.severity === "error");
    expect(fs.length).toBeGreaterThan(0);
    return fs[0]!;
  };
  const gone = (rule: string, oldS: S, newS: S, mode: Compatibility): void => {
    expect(rules(checkCompatibility(oldS, newS, mode))).not.toContain(rule);
  };

  it("full, property added to an open model: no 'close the model' (it would break forward); {} clears it in both directions", () => {
    const oldS = obj({ id: { type: "string" } });
    const f = only(oldS, obj({ id: { type: "string" }, p: { type: "string" } }), "full");
    expect(f.rule).toBe("OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL");
    expect(f.fix).not.toMatch(/additionalProperties: false/);
    expect(f.fix).toMatch(/\{\}/);
    expect(checkCompatibility(oldS, obj({ id: { type: "string" }, p: {} }), "full")).toEqual([]);
  });

  it("backward, property added to an open model: closing the model in every version clears it", () => {
    const f = only(obj({ id: { type: "string" } }), obj({ id: { type: "string" }, p: { type: "string" } }), "backward");
    expect(f.fix).toMatch(/additionalProperties: false in every version/);
    expect(checkCompatibility(closed({ id: { type: "string" } }), closed({ id: { type: "string" }, p: { type: "string" } }), "backward")).toEqual([]);
  });

  it("full, property added to a closed model: declaring it in the old version too clears it", () => {
    const f = only(closed({ id: {} }), closed({ id: {}, p: { type: "string" } }), "full");
    expect(f.rule).toBe("OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL");
    expect(f.fix).not.toMatch(/drop additionalProperties/);
    expect(checkCompatibility(closed({ id: {}, p: { type: "string" } }), closed({ id: {}, p: { type: "string" } }), "full")).toEqual([]);
  });

  it("forward, property added to a closed model: opening the old model clears it", () => {
    const f = only(closed({ id: {} }), closed({ id: {}, p: { type: "string" } }), "forward");
    expect(f.fix).toMatch(/drop additionalProperties: false from the old version/);
    gone(f.rule, obj({ id: {} }), closed({ id: {}, p: { type: "string" } }), "forward");
  });

  it("property removed from a closed model: keeping it optional clears it (backward and full)", () => {
    for (const mode of ["backward", "full"] as const) {
      const f = only(closed({ a: {}, p: { type: "string" } }), closed({ a: {} }), mode);
      expect(f.fix).toMatch(/keep "p"/);
      expect(checkCompatibility(closed({ a: {}, p: { type: "string" } }), closed({ a: {}, p: { type: "string" } }), mode)).toEqual([]);
    }
  });

  it("property removed from an open model (forward): keeping it clears it", () => {
    const f = only(obj({ a: {}, p: { type: "string" } }), obj({ a: {} }), "forward");
    expect(f.fix).toMatch(/keep "p"/);
    expect(checkCompatibility(obj({ a: {}, p: { type: "string" } }), obj({ a: {}, p: { type: "string" } }), "forward")).toEqual([]);
  });

  it("required property added: making it optional clears it (closed model)", () => {
    const f = only(closed({ a: {} }), closed({ a: {}, p: { type: "string" } }, { required: ["p"] }), "backward");
    expect(f.fix).toMatch(/make "p" optional/);
    expect(f.fix).toMatch(/default does not/);
    gone(f.rule, closed({ a: {} }), closed({ a: {}, p: { type: "string" } }), "backward");
  });

  it("required property added to an open model under full: optional with {} clears every finding", () => {
    const f = only(obj({ a: {} }), obj({ a: {}, p: { type: "string" } }, { required: ["p"] }), "full");
    expect(f.fix).toMatch(/optional and give it the schema \{\}/);
    expect(checkCompatibility(obj({ a: {} }), obj({ a: {}, p: {} }), "full")).toEqual([]);
  });

  it("made required / made optional: keeping the old requirement clears it", () => {
    const f1 = only(obj({ p: {} }), obj({ p: {} }, { required: ["p"] }), "backward");
    expect(f1.fix).toMatch(/keep "p" optional/);
    const f2 = only(obj({ p: {} }, { required: ["p"] }), obj({ p: {} }), "forward");
    expect(f2.fix).toMatch(/keep "p" required/);
    expect(checkCompatibility(obj({ p: {} }, { required: ["p"] }), obj({ p: {} }, { required: ["p"] }), "full")).toEqual([]);
  });

  it("narrowed / widened: the hint for full says revert, and reverting clears it", () => {
    const oldS = obj({ p: { type: "string", maxLength: 10 } });
    expect(only(oldS, obj({ p: { type: "string", maxLength: 5 } }), "backward").fix).toMatch(/widen the new schema/);
    expect(only(oldS, obj({ p: { type: "string", maxLength: 20 } }), "forward").fix).toMatch(/narrow the new schema/);
    expect(only(oldS, obj({ p: { type: "string", maxLength: 20 } }), "full").fix).toMatch(/revert/);
    expect(checkCompatibility(oldS, oldS, "full")).toEqual([]);
  });
});

describe("issue #23: the remaining hints, applied", () => {
  it("not covered by a partially open model: a schema inside what additionalProperties allowed clears it", () => {
    const oldS = obj({ id: {} }, { additionalProperties: { type: "string" } });
    const [f] = checkCompatibility(oldS, obj({ id: {}, p: { type: "integer" } }, { additionalProperties: { type: "string" } }), "backward");
    expect(f?.rule).toBe("PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL");
    expect(f?.fix).toMatch(/accepts exactly what additionalProperties\/patternProperties allowed/);
    expect(checkCompatibility(oldS, obj({ id: {}, p: { type: "string" } }, { additionalProperties: { type: "string" } }), "full")).toEqual([]);
  });

  it("a changed type: the hint says revert or a new event type, and reverting clears it", () => {
    const oldS = obj({ p: { type: "string" } });
    const [f] = checkCompatibility(oldS, obj({ p: { type: "number" } }), "backward");
    expect(f?.rule).toBe("TYPE_CHANGED");
    expect(f?.fix).toMatch(/revert this change, or publish the new shape as a new event type/);
    expect(checkCompatibility(oldS, obj({ p: { type: "string" } }), "backward")).toEqual([]);
  });

  it("a required property with a default (a warning): keeping it optional with its default leaves nothing", () => {
    const oldS = closed({ a: {} });
    const [f] = checkCompatibility(oldS, closed({ a: {}, p: { type: "string", default: "x" } }, { required: ["p"] }), "backward");
    expect(f).toMatchObject({ rule: "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL", severity: "warning" });
    expect(f?.fix).toMatch(/keep "p" optional \(with its default\)/);
    expect(checkCompatibility(oldS, closed({ a: {}, p: { type: "string", default: "x" } }), "backward")).toEqual([]);
  });

  it("undecided: the hint says where to simplify", () => {
    const [f] = checkCompatibility(tradeSchema(12), tradeSchema(12, "widen"), "backward", { maxSteps: 5 });
    expect(f?.fix).toMatch(/simplify the schema here/);
    expect(checkCompatibility(tradeSchema(12), tradeSchema(12, "widen"), "backward")).toEqual([]);
  });
});
