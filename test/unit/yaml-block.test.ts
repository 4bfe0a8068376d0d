import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { blockYaml, plainAsItIs, YAML_OPTIONS } from "../../src/core/yaml-block.js";

// what the templates' yaml helper wrote before (render.ts): the library's text, indented
const reference = (v: unknown, n: number) => {
  const pad = " ".repeat(n);
  return stringify(v, YAML_OPTIONS).replace(/\n$/, "").split("\n").map((l) => (l ? pad + l : l)).join("\n");
};

const words = fc.constantFrom("yes", "no", "on", "off", "y", "n", "Y", "true", "False", "null", "~", "1.0", "0o17", "0x1F", "017", "1_000", "12:30", "190:20:30", "2001-12-14", "=", ".inf", "-.nan", "<<", "", " ", "a b", "a: b", "a #b", "#x", "- x", "-", "?", "? x", "%x", "---", "...", "x\n---", "@x", "`x", "'q'", '"q"', "a\nb", "a\n", "\tx", "x ", "é", "\u2028", "${VAR}", "*", "&a", "!tag", "|", ">", "{a}", "[b]", "a,b");
const text = fc.oneof(words, fc.string({ unit: fc.constantFrom("a", "1", " ", ":", "#", "-", "?", "\n", "'", '"', "\t", ".", "%", ",", "[", "{", "!", "&", "*", "\\", "é", "y") , maxLength: 12 }), fc.string({ maxLength: 8 }));
const scalar = fc.oneof(text, fc.integer(), fc.double({ noNaN: false }), fc.boolean(), fc.constant(null));
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: "small" }, scalar, tie("list"), tie("map")),
  list: fc.array(tie("node"), { maxLength: 4 }),
  // plain objects, as the templates' views are (fast-check's dictionaries have no prototype)
  map: fc.dictionary(text, tie("node"), { maxKeys: 4 }).map((o) => Object.fromEntries(Object.entries(o))),
})).node;

describe("blockYaml", () => {
  it("writes what the yaml library writes, whenever it answers", () => {
    let answered = 0;
    fc.assert(
      fc.property(value, fc.constantFrom(0, 2, 4, 10), (v, n) => {
        const fast = blockYaml(v, n);
        if (fast === undefined) return true;
        answered++;
        return fast === reference(v, n);
      }),
      { numRuns: 4000 },
    );
    expect(answered).toBeGreaterThan(500); // the comparison is not vacuous
  });

  it("answers for most collections of one-line scalars, and equally", () => {
    // (document markers — `%`, `---`, `...` at a line start — and -0 and infinities are left to the library)
    const plain = text.filter((t) => !t.includes("\n") && !/^(%|---|\.\.\.)/.test(t));
    const oneLine = fc.oneof(plain, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)), fc.boolean());
    const data = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, oneLine, tie("list"), tie("map")),
      list: fc.array(tie("node"), { minLength: 1, maxLength: 4 }),
      map: fc.dictionary(plain, tie("node"), { minKeys: 1, maxKeys: 4 }).map((o) => Object.fromEntries(Object.entries(o))),
    }));
    let answered = 0;
    fc.assert(
      fc.property(fc.oneof(data.list, data.map), fc.constantFrom(0, 4, 14), (v, n) => {
        const fast = blockYaml(v, n);
        if (fast === undefined) return true;
        answered++;
        return fast === reference(v, n);
      }),
      { numRuns: 3000 },
    );
    expect(answered).toBeGreaterThan(2500);
  });

  it("answers for the data the templates hand it: labels, selectors, rules, schemas", () => {
    const labels = { "app.kubernetes.io/name": "orders", "app.kubernetes.io/part-of": "shop", version: "1.0", on: "yes" };
    const rules = [{ alert: "OrdersErrors", expr: 'sum(rate(x{code=~"5.."}[5m])) > 0.05', for: "5m", labels: { severity: "page" }, annotations: { summary: "a: b #c" } }];
    const schema = { type: "object", required: ["id"], properties: { id: { type: "string" }, n: { type: "integer", minimum: 0 } }, additionalProperties: false, enum: [] };
    for (const [v, n] of [[labels, 4], [rules, 8], [schema, 10], [[["a", "b"], [{ x: [1, 2.5, -3] }]], 2]] as const) {
      expect(blockYaml(v, n)).toBe(reference(v, n));
    }
  });

  it("leaves to the library what it does not cover", () => {
    const shared = { a: 1 };
    for (const v of [null, "x", [], {}, { a: null }, { a: "x\ny" }, { "---": 1 }, [shared, shared], { a: new Date(0) }, { a: undefined }, { ["k".repeat(1100)]: 1 }])
      expect(blockYaml(v, 2)).toBeUndefined();
  });

  it("takes a name-like string as it is only where the library writes it so", () => {
    // letters, digits and `_ . / -`, weighted to the YAML 1.1 booleans, nulls and exponents (`e5`, `E-1`)
    const nameLike = fc.oneof(
      fc.string({ unit: fc.constantFrom("e", "E", "y", "Y", "n", "N", "o", "O", "f", "F", "t", "T", "u", "l", "s", "a", "r", "0", "1", "9", "+", "-", ".", "_", "/"), minLength: 1, maxLength: 7 }),
      fc.constantFrom("yes", "Yes", "YES", "yEs", "no", "No", "NO", "on", "On", "ON", "oN", "off", "Off", "OFF", "true", "True", "TRUE", "false", "False", "FALSE", "null", "Null", "NULL", "nULL", "y", "Y", "n", "N", "e1", "E-5", "e+10", "e0001.created", "c0001", "a/b.c-d_e"),
    );
    let asIs = 0;
    fc.assert(
      fc.property(nameLike, (s) => {
        const lib = stringify({ a: s }, YAML_OPTIONS).slice(3, -1);
        if (!plainAsItIs(s)) return true;
        asIs++;
        return lib === s && blockYaml([s, { k: s }], 2) === reference([s, { k: s }], 2);
      }),
      { numRuns: 20000 },
    );
    expect(asIs).toBeGreaterThan(2000);
    for (const w of ["yes", "No", "ON", "off", "null", "Y", "e5", "E-1"]) expect(plainAsItIs(w)).toBe(false);
  });
});
