// Property: every "compatible" verdict is sound. fast-check generates a schema (draft-07 or 2020-12, with
// the keywords the comparison models, $refs with siblings and recursive $refs), a changed copy of it, and
// documents; whenever checkCompatibility says backward holds (no finding at all), ajv must accept under the new schema every
// document the old one accepts (forward: the other way round). A failure prints the shrunk schemas and
// the document that breaks the verdict.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ValidateFunction } from "ajv";
import { ajvForDraft } from "../../src/core/events/validator.js";
import { checkCompatibility } from "../../src/core/events/compat.js";

type Json = unknown;
type S = Record<string, Json> | boolean;

const KEYS = ["a", "b", "c", "a_1"];
const TYPES = ["string", "integer", "number", "boolean", "null", "object", "array"];
const leaf = fc.constantFrom<Json>(null, true, false, 0, 1, 2, 5, -1, 2.5, "", "a", "ab", "abc", "b", "a_1");
const json: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof({ depthSize: "small", maxDepth: 3 },
    leaf,
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie("v"), { maxKeys: 4, noNullPrototype: true })),
})).v;

function keyword(s: fc.Arbitrary<S>, d2020: boolean): fc.Arbitrary<[string, Json]> {
  const common: fc.Arbitrary<[string, Json]>[] = [
    fc.constantFrom(...TYPES).map((t) => ["type", t]),
    fc.subarray(TYPES, { minLength: 1, maxLength: 3 }).map((t) => ["type", t]),
    fc.array(leaf, { minLength: 1, maxLength: 3 }).map((v) => ["enum", v]),
    leaf.map((v) => ["const", v]),
    fc.tuple(fc.constantFrom("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"), fc.integer({ min: -1, max: 6 })),
    fc.constantFrom(1, 2, 0.5).map((n) => ["multipleOf", n]),
    fc.tuple(fc.constantFrom("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"), fc.nat(3)),
    fc.constantFrom("^a", "b$", "^[ab]+$").map((p) => ["pattern", p]),
    fc.dictionary(fc.constantFrom(...KEYS), s, { maxKeys: 3, noNullPrototype: true }).map((p) => ["properties", p]),
    fc.subarray(KEYS, { maxLength: 3 }).map((r) => ["required", r]),
    fc.oneof(fc.boolean(), s).map((a) => ["additionalProperties", a]),
    fc.dictionary(fc.constantFrom("^a", "^b", "_1$"), s, { maxKeys: 2, noNullPrototype: true }).map((p) => ["patternProperties", p]),
    fc.constantFrom({ maxLength: 1 }, { pattern: "^a" }).map((p) => ["propertyNames", p]),
    s.map((i) => ["items", i]),
    fc.constant<[string, Json]>(["uniqueItems", true]),
    s.map((c) => ["contains", c]),
    fc.array(s, { minLength: 1, maxLength: 3 }).map((l) => ["anyOf", l]),
    fc.array(s, { minLength: 1, maxLength: 3 }).map((l) => ["oneOf", l]),
    fc.array(s, { minLength: 1, maxLength: 3 }).map((l) => ["allOf", l]),
    s.map((n) => ["not", n]),
    s.map((n) => ["if", n]), s.map((n) => ["then", n]), s.map((n) => ["else", n]),
    fc.constantFrom("#/$defs/d", "#/$defs/tree").map((r) => ["$ref", r]),
  ];
  const draft07: fc.Arbitrary<[string, Json]>[] = [
    fc.array(s, { maxLength: 2 }).map((t) => ["items", t]),
    fc.oneof(fc.boolean(), s).map((a) => ["additionalItems", a]),
    fc.dictionary(fc.constantFrom(...KEYS), fc.oneof(fc.subarray(KEYS, { maxLength: 2 }), s), { maxKeys: 2, noNullPrototype: true }).map((d) => ["dependencies", d]),
  ];
  const d20: fc.Arbitrary<[string, Json]>[] = [
    fc.array(s, { minLength: 1, maxLength: 2 }).map((t) => ["prefixItems", t]),
    fc.dictionary(fc.constantFrom(...KEYS), fc.subarray(KEYS, { maxLength: 2 }), { maxKeys: 2, noNullPrototype: true }).map((d) => ["dependentRequired", d]),
    fc.dictionary(fc.constantFrom(...KEYS), s, { maxKeys: 2, noNullPrototype: true }).map((d) => ["dependentSchemas", d]),
    fc.oneof(fc.boolean(), s).map((u) => ["unevaluatedProperties", u]),
    fc.oneof(fc.boolean(), s).map((u) => ["unevaluatedItems", u]),
    fc.tuple(fc.constantFrom("minContains", "maxContains"), fc.nat(3)),
  ];
  return fc.oneof(...common, ...(d2020 ? d20 : draft07));
}

function schemaArb(d2020: boolean): fc.Arbitrary<S> {
  return fc.letrec<{ s: S }>((tie) => ({
    s: fc.oneof({ depthSize: "small", maxDepth: 3 },
      fc.boolean(),
      fc.array(keyword(tie("s"), d2020), { maxLength: 3 }).map((kvs) => Object.fromEntries(kvs))),
  })).s;
}

/** All subschema objects of a schema (where a change can be made), in a fixed order. */
function nodes(s: Json, out: Record<string, Json>[] = []): Record<string, Json>[] {
  if (!s || typeof s !== "object") return out;
  if (Array.isArray(s)) { for (const x of s) nodes(x, out); return out; }
  out.push(s as Record<string, Json>);
  for (const v of Object.values(s)) nodes(v, out);
  return out;
}

interface Change { at: number; op: number; kw: [string, Json] }
/** The new version: the old one with a few keyword-level changes (remove, set, replace). */
function applyChanges(old: Json, changes: Change[]): Json {
  const copy = structuredClone(old);
  for (const c of changes) {
    const all = nodes(copy);
    const node = all[c.at % all.length];
    if (!node) continue;
    const keys = Object.keys(node).filter((k) => k !== "$defs" && k !== "$schema");
    if (c.op % 3 === 0 && keys.length) delete node[keys[c.at % keys.length]!];
    else node[c.kw[0]] = structuredClone(c.kw[1]);
  }
  return copy;
}

/** msa's own ajv setup (what generated consumers and validate-events run). */
const ajvs = { d7: ajvForDraft("draft-07"), d2020: ajvForDraft("2020-12") };
function compile(s: Json, d2020: boolean): ValidateFunction | null {
  try { return (d2020 ? ajvs.d2020 : ajvs.d7).compile(s as object); } catch { return null; }
}

function caseArb(d2020: boolean) {
  const sub = schemaArb(d2020);
  return fc.record({
    body: fc.array(keyword(sub, d2020), { maxLength: 4 }).map((kvs) => Object.fromEntries(kvs)),
    d: sub,
    tree: sub,
    changes: fc.array(fc.record({ at: fc.nat(), op: fc.nat(), kw: keyword(sub, d2020) }), { minLength: 1, maxLength: 3 }),
    docs: fc.array(json, { minLength: 20, maxLength: 60 }),
  }).map(({ body, d, tree, changes, docs }) => {
    const old = {
      ...(d2020 ? { $schema: "https://json-schema.org/draft/2020-12/schema" } : {}),
      ...body,
      $defs: { d, tree: { type: "object", properties: { v: tree, kids: { type: "array", items: { $ref: "#/$defs/tree" } } } } },
    };
    return { old, new: applyChanges(old, changes), docs };
  });
}

/** A validator that throws (a $ref cycle ajv recurses on without end) stands for no usable schema. */
function safe(v: ValidateFunction | null): ((doc: Json) => boolean) | null {
  if (!v) return null;
  try { v({}); v([]); v(null); } catch { return null; }
  return (doc) => { try { return v(doc) as boolean; } catch { return false; } };
}

const stats = { compatible: 0, checkedDocs: 0 };

describe("property: every compatible verdict is sound (ajv on generated documents)", () => {
  for (const d2020 of [false, true]) {
    it(`${d2020 ? "2020-12" : "draft-07"}: no document accepted by the narrower side is rejected by the wider one`, () => {
      fc.assert(
        fc.property(caseArb(d2020), ({ old, new: neu, docs }) => {
          const vOld = safe(compile(old, d2020));
          const vNew = safe(compile(neu, d2020));
          if (!vOld || !vNew) return true; // not a schema ajv accepts: nothing to check
          for (const [dir, narrow, wide] of [["backward", vOld, vNew], ["forward", vNew, vOld]] as const) {
            if (checkCompatibility(old, neu, dir).length) continue; // a clean verdict: no error, no warning
            stats.compatible++;
            const all = [...docs, ...nodes(old).flatMap((n) => [n.const, ...(Array.isArray(n.enum) ? n.enum : [])]).filter((x) => x !== undefined)];
            for (const doc of all) {
              if (!narrow(doc)) continue;
              stats.checkedDocs++;
              if (!wide(doc)) throw new Error(`unsafe ${dir} pass: ${JSON.stringify(doc)} accepted by the ${dir === "backward" ? "old" : "new"} schema, rejected by the ${dir === "backward" ? "new" : "old"}`);
            }
          }
          return true;
        }),
        { numRuns: Number(process.env.MSA_COMPAT_RUNS ?? 400), seed: process.env.MSA_COMPAT_SEED ? Number(process.env.MSA_COMPAT_SEED) : 2323 },
      );
      // not vacuous: verdicts were "compatible" and documents were checked against them
      expect(stats.compatible).toBeGreaterThan(20);
      expect(stats.checkedDocs).toBeGreaterThan(100);
    }, 120_000);
  }
});
