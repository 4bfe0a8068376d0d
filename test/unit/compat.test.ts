// Table-driven: every row of issue #5's compatibility table, in both directions, at the top level,
// inside a nested object and inside array items.
import { describe, expect, it } from "vitest";
import { checkCompatibility, isCompatible, where, type CompatFinding } from "../../src/core/events/compat.js";

type Schema = Record<string, unknown>;
interface Row {
  change: string;
  /** The payload property "p" (or the whole object when `whole`) before and after. */
  old: Schema;
  new: Schema;
  backward: boolean;
  forward: boolean;
  /** Rule id expected when a direction breaks. */
  backwardRule?: string;
  forwardRule?: string;
  /** Under policy: lenient (Confluent's lenient changes are warnings); default: as strict. */
  lenientBackward?: boolean;
  lenientForward?: boolean;
}

const obj = (props: Schema, extra: Schema = {}): Schema => ({ type: "object", properties: props, ...extra });
const closed = (props: Schema, extra: Schema = {}): Schema => obj(props, { additionalProperties: false, ...extra });
const base = { id: { type: "string" } };

const ROWS: Row[] = [
  { change: "add optional property, closed model", old: closed(base), new: closed({ ...base, p: { type: "string" } }),
    backward: true, forward: false, forwardRule: "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", lenientForward: true },
  { change: "add optional property, open model", old: obj(base), new: obj({ ...base, p: { type: "string" } }),
    backward: false, forward: true, backwardRule: "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", lenientBackward: true },
  { change: "add optional property {} to an open model", old: obj(base), new: obj({ ...base, p: {} }),
    backward: true, forward: true },
  { change: "add required property (no default), closed", old: closed(base), new: closed({ ...base, p: { type: "string" } }, { required: ["p"] }),
    backward: false, forward: false, backwardRule: "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", forwardRule: "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", lenientForward: true },
  { change: "add required property (no default), open", old: obj(base), new: obj({ ...base, p: { type: "string" } }, { required: ["p"] }),
    backward: false, forward: true, backwardRule: "REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL" },
  // With a default: accepted as Confluent's strict rule does, with a warning (see the test below).
  { change: "add required property with default, closed", old: closed(base), new: closed({ ...base, p: { type: "string", default: "x" } }, { required: ["p"] }),
    backward: true, forward: false, forwardRule: "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", lenientForward: true },
  { change: "remove property, open model", old: obj({ ...base, p: { type: "string" } }), new: obj(base),
    backward: true, forward: false, forwardRule: "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL", lenientForward: true },
  { change: "remove optional property, closed model", old: closed({ ...base, p: { type: "string" } }), new: closed(base),
    backward: false, forward: true, backwardRule: "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", lenientBackward: true },
  { change: "optional → required", old: obj({ ...base, p: { type: "string" } }), new: obj({ ...base, p: { type: "string" } }, { required: ["p"] }),
    backward: false, forward: true, backwardRule: "REQUIRED_ATTRIBUTE_ADDED" },
  { change: "optional → required with default", old: obj({ ...base, p: { type: "string" } }), new: obj({ ...base, p: { type: "string", default: "x" } }, { required: ["p"] }),
    backward: true, forward: true },
  { change: "required → optional", old: obj({ ...base, p: { type: "string" } }, { required: ["p"] }), new: obj({ ...base, p: { type: "string" } }),
    backward: true, forward: false, forwardRule: "REQUIRED_ATTRIBUTE_REMOVED" },
  { change: "widen type integer → number", old: obj({ p: { type: "integer" } }), new: obj({ p: { type: "number" } }),
    backward: true, forward: false, forwardRule: "TYPE_EXTENDED" },
  { change: "widen type T → [T, null]", old: obj({ p: { type: "string" } }), new: obj({ p: { type: ["string", "null"] } }),
    backward: true, forward: false, forwardRule: "TYPE_EXTENDED" },
  { change: "widen type: add an anyOf branch", old: obj({ p: { anyOf: [{ type: "string" }] } }), new: obj({ p: { anyOf: [{ type: "string" }, { type: "integer" }] } }),
    backward: true, forward: false, forwardRule: "SUM_TYPE_EXTENDED" },
  { change: "widen type: T → anyOf [T, U]", old: obj({ p: { type: "string" } }), new: obj({ p: { anyOf: [{ type: "string" }, { type: "integer" }] } }),
    backward: true, forward: false, forwardRule: "SUM_TYPE_EXTENDED" },
  { change: "narrow type number → integer", old: obj({ p: { type: "number" } }), new: obj({ p: { type: "integer" } }),
    backward: false, forward: true, backwardRule: "TYPE_NARROWED" },
  { change: "change type string → number", old: obj({ p: { type: "string" } }), new: obj({ p: { type: "number" } }),
    backward: false, forward: false, backwardRule: "TYPE_CHANGED", forwardRule: "TYPE_CHANGED" },
  { change: "enum: add value", old: obj({ p: { enum: ["a", "b"] } }), new: obj({ p: { enum: ["a", "b", "c"] } }),
    backward: true, forward: false, forwardRule: "ENUM_ARRAY_EXTENDED" },
  { change: "enum: remove value", old: obj({ p: { enum: ["a", "b"] } }), new: obj({ p: { enum: ["a"] } }),
    backward: false, forward: true, backwardRule: "ENUM_ARRAY_NARROWED" },
  { change: "enum: replace value", old: obj({ p: { enum: ["a", "b"] } }), new: obj({ p: { enum: ["a", "c"] } }),
    backward: false, forward: false, backwardRule: "ENUM_ARRAY_CHANGED", forwardRule: "ENUM_ARRAY_CHANGED" },
  { change: "additionalProperties false → true", old: closed(base), new: obj(base, { additionalProperties: true }),
    backward: true, forward: false, forwardRule: "ADDITIONAL_PROPERTIES_ADDED", lenientForward: true },
  { change: "additionalProperties true → false", old: obj(base, { additionalProperties: true }), new: closed(base),
    backward: false, forward: true, backwardRule: "ADDITIONAL_PROPERTIES_REMOVED", lenientBackward: true },
  { change: "relax: maxLength up", old: obj({ p: { type: "string", maxLength: 5 } }), new: obj({ p: { type: "string", maxLength: 10 } }),
    backward: true, forward: false, forwardRule: "MAX_LENGTH_INCREASED" },
  { change: "relax: minimum down", old: obj({ p: { type: "number", minimum: 5 } }), new: obj({ p: { type: "number", minimum: 0 } }),
    backward: true, forward: false, forwardRule: "MINIMUM_DECREASED" },
  { change: "relax: pattern removed", old: obj({ p: { type: "string", pattern: "^a" } }), new: obj({ p: { type: "string" } }),
    backward: true, forward: false, forwardRule: "PATTERN_REMOVED" },
  { change: "relax: maxItems removed", old: obj({ p: { type: "array", maxItems: 3 } }), new: obj({ p: { type: "array" } }),
    backward: true, forward: false, forwardRule: "MAX_ITEMS_REMOVED" },
  { change: "tighten: maxLength down", old: obj({ p: { type: "string", maxLength: 10 } }), new: obj({ p: { type: "string", maxLength: 5 } }),
    backward: false, forward: true, backwardRule: "MAX_LENGTH_DECREASED" },
  { change: "tighten: minimum up", old: obj({ p: { type: "number", minimum: 0 } }), new: obj({ p: { type: "number", minimum: 1 } }),
    backward: false, forward: true, backwardRule: "MINIMUM_INCREASED" },
  { change: "add a constraint: minLength", old: obj({ p: { type: "string" } }), new: obj({ p: { type: "string", minLength: 1 } }),
    backward: false, forward: true, backwardRule: "MIN_LENGTH_ADDED" },
  { change: "add a constraint: pattern", old: obj({ p: { type: "string" } }), new: obj({ p: { type: "string", pattern: "^a" } }),
    backward: false, forward: true, backwardRule: "PATTERN_ADDED" },
  { change: "add a constraint: format", old: obj({ p: { type: "string" } }), new: obj({ p: { type: "string", format: "uuid" } }),
    backward: false, forward: true, backwardRule: "FORMAT_ADDED" },
  { change: "change a pattern", old: obj({ p: { type: "string", pattern: "^a" } }), new: obj({ p: { type: "string", pattern: "^b" } }),
    backward: false, forward: false, backwardRule: "PATTERN_CHANGED", forwardRule: "PATTERN_CHANGED" },
  { change: "title, description, default, $id only",
    old: obj({ p: { type: "string" } }, { $id: "urn:a" }),
    new: obj({ p: { type: "string", title: "P", description: "the p", default: "x" } }, { $id: "urn:b", title: "T", description: "D" }),
    backward: true, forward: true },
];

/** The row's change placed at the top level, inside a nested object, and inside array items. */
function placements(row: Row): [string, Schema, Schema][] {
  return [
    ["top level", row.old, row.new],
    ["nested object", obj({ nested: row.old }), obj({ nested: row.new })],
    ["array items", obj({ list: { type: "array", items: row.old } }), obj({ list: { type: "array", items: row.new } })],
  ];
}

const errors = (fs: CompatFinding[]) => fs.filter((f) => f.severity === "error");

describe("checkCompatibility: the table, both directions", () => {
  for (const row of ROWS) {
    for (const [placement, oldS, newS] of placements(row)) {
      it(`${row.change} (${placement}): backward ${row.backward ? "yes" : "no"}, forward ${row.forward ? "yes" : "no"}`, () => {
        const back = errors(checkCompatibility(oldS, newS, "backward"));
        const fwd = errors(checkCompatibility(oldS, newS, "forward"));
        expect(back.length === 0, `backward: ${JSON.stringify(back)}`).toBe(row.backward);
        expect(fwd.length === 0, `forward: ${JSON.stringify(fwd)}`).toBe(row.forward);
        if (row.backwardRule) expect(back.map((f) => f.rule)).toContain(row.backwardRule);
        if (row.forwardRule) expect(fwd.map((f) => f.rule)).toContain(row.forwardRule);
        for (const f of [...back, ...fwd]) {
          expect(f.message.length).toBeGreaterThan(0);
          expect(f.fix.length).toBeGreaterThan(0);
        }
        // full = both; none = nothing; lenient accepts what Confluent's lenient policy accepts
        expect(isCompatible(oldS, newS, "full")).toBe(row.backward && row.forward);
        expect(isCompatible(oldS, newS, "backward", { policy: "lenient" })).toBe(row.lenientBackward ?? row.backward);
        expect(isCompatible(oldS, newS, "forward", { policy: "lenient" })).toBe(row.lenientForward ?? row.forward);
        expect(checkCompatibility(oldS, newS, "none")).toEqual([]);
      });
    }
  }
});

describe("checkCompatibility: locations and details", () => {
  it("points at the property inside the schema that holds it", () => {
    const oldS = closed({ id: { type: "string" }, gone: { type: "string" } });
    const newS = closed({ id: { type: "string" } });
    const [f] = checkCompatibility(oldS, newS, "backward");
    expect(f).toMatchObject({ rule: "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", direction: "backward", at: "old", oldPath: ["properties", "gone"], newPath: [] });
    expect(f?.message).toContain('"gone"');
    expect(f?.fix).toMatch(/optional/);
  });

  it("names nested properties by their data path", () => {
    const oldS = obj({ lines: { type: "array", items: obj({ sku: { type: "string", maxLength: 10 } }) } });
    const newS = obj({ lines: { type: "array", items: obj({ sku: { type: "string", maxLength: 5 } }) } });
    const [f] = checkCompatibility(oldS, newS, "backward");
    expect(f?.rule).toBe("MAX_LENGTH_DECREASED");
    expect(f?.newPath).toEqual(["properties", "lines", "items", "properties", "sku", "maxLength"]);
    expect(f?.message).toContain("lines[].sku");
    expect(f?.message).toContain("from 10 to 5");
  });

  it("an optional property with a default added to an open model: a warning that says what it risks (a deliberate choice)", () => {
    const oldS = obj({ id: { type: "string" } });
    const newS = obj({ id: { type: "string" }, currency: { type: "string", default: "EUR" } });
    for (const policy of ["strict", "lenient"] as const) {
      const fs = checkCompatibility(oldS, newS, "backward", { policy });
      expect(fs).toHaveLength(1);
      expect(fs[0]).toMatchObject({ rule: "OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", severity: "warning", newPath: ["properties", "currency"] });
      expect(fs[0]?.message).toMatch(/old producers did not send it; an old document that carried an undeclared "currency"/);
    }
    // without the default it is an error
    expect(isCompatible(oldS, obj({ id: { type: "string" }, currency: { type: "string" } }), "backward")).toBe(false);
    // a required property with a default: a warning that names what the schema rejects (Confluent: compatible)
    const req = checkCompatibility(oldS, obj({ id: { type: "string" }, currency: { type: "string", default: "EUR" } }, { required: ["currency"] }), "backward");
    expect(req).toMatchObject([{ rule: "REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL", severity: "warning" }]);
    expect(req[0]?.message).toMatch(/rejects old documents without "currency" — a handler reading them must apply the default/);
    // applying the hint ({}) leaves nothing
    expect(checkCompatibility(oldS, obj({ id: { type: "string" }, currency: { default: "EUR" } }), "backward")).toEqual([]);
  });

  it("resolves local $refs and follows them for locations", () => {
    const oldS = { type: "object", properties: { a: { $ref: "#/definitions/money" } }, definitions: { money: { type: "number" } } };
    const newS = { type: "object", properties: { a: { $ref: "#/$defs/money" } }, $defs: { money: { type: "integer" } } };
    const [f] = checkCompatibility(oldS, newS, "backward");
    expect(f?.rule).toBe("TYPE_NARROWED");
    expect(f?.newPath).toEqual(["$defs", "money"]);
    expect(isCompatible(oldS, newS, "forward")).toBe(true);
  });

  it("terminates on recursive schemas", () => {
    const tree = (t: string) => ({ type: "object", properties: { v: { type: t }, kids: { type: "array", items: { $ref: "#" } } } });
    expect(isCompatible(tree("integer"), tree("number"), "backward")).toBe(true);
    expect(checkCompatibility(tree("number"), tree("integer"), "backward").map((f) => f.rule)).toEqual(["TYPE_NARROWED"]);
  });

  it("compares keywords it does not model for equality, both ways", () => {
    const oldS = obj({ p: { type: "string", "x-unknown": 1, contentMediaType: "a" , foo: 1 } });
    const newS = obj({ p: { type: "string", foo: 2 } });
    expect(checkCompatibility(oldS, newS, "full").map((f) => f.rule)).toEqual(["KEYWORD_CHANGED", "KEYWORD_CHANGED"]);
    expect(isCompatible(oldS, oldS, "full")).toBe(true);
  });

  it("removing an anyOf branch is backward-incompatible", () => {
    const oldS = obj({ p: { anyOf: [{ type: "string" }, { type: "integer" }] } });
    const newS = obj({ p: { anyOf: [{ type: "string" }, { type: "boolean" }] } });
    expect(checkCompatibility(oldS, newS, "backward").map((f) => f.rule)).toEqual(["SUM_TYPE_NARROWED"]);
  });

  it("a partially open model (additionalProperties schema) covers added properties that fit it", () => {
    const oldS = obj({ id: { type: "string" } }, { additionalProperties: { type: "string" } });
    expect(isCompatible(oldS, obj({ id: { type: "string" }, p: { type: "string" } }, { additionalProperties: { type: "string" } }), "backward")).toBe(true);
    expect(checkCompatibility(oldS, obj({ id: { type: "string" }, p: { type: "integer" } }, { additionalProperties: { type: "string" } }), "backward").map((f) => f.rule))
      .toEqual(["PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"]);
  });

  it("identical schemas are compatible in every mode", () => {
    const s = closed({ a: { type: "string", format: "uuid" }, b: { type: "array", items: { enum: [1, 2] } } }, { required: ["a"] });
    for (const mode of ["backward", "forward", "full", "none"] as const) expect(checkCompatibility(s, s, mode)).toEqual([]);
  });

  it("where() renders data paths", () => {
    expect(where([])).toBe("the payload");
    expect(where(["properties", "a", "items", "properties", "b"])).toBe("a[].b");
    expect(where(["properties", "m", "additionalProperties"])).toBe("m.*");
  });
});
