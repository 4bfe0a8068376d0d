// Issue #23 at the level of system.yaml: `compatibility: { mode, policy }` (schema, model, event-compatibility)
// and the event-consumer-version warning's reason.
import { describe, expect, it } from "vitest";
import { diagnostic, type Diagnostic } from "../../src/core/diagnostics.js";
import { loadYamlText, positionOf } from "../../src/core/load.js";
import { buildModel } from "../../src/core/model.js";
import { eventCompatibility } from "../../src/core/rules/event-compatibility.js";
import { eventConsumerVersion } from "../../src/core/rules/event-consumer-version.js";
import type { RawSystem, Rule, RuleContext } from "../../src/core/rules/types.js";
import { validateSchema } from "../../src/core/validate.js";

function load(text: string) {
  const { loaded, diagnostics } = loadYamlText(text, "system.yaml");
  if (!loaded) throw new Error(JSON.stringify(diagnostics));
  return loaded;
}
function run(rule: Rule, text: string): Diagnostic[] {
  const loaded = load(text);
  const { model } = buildModel({ loaded, dir: "/virtual", readFile: () => "" });
  if (!model) throw new Error("no model");
  const ctx: RuleContext = {
    loaded, data: loaded.data as RawSystem, model,
    at: (p, message, opts) => diagnostic(loaded.file, positionOf(loaded, p, { key: opts?.key }), opts?.severity ?? "error", rule.id, message),
  };
  return rule.check(ctx);
}

const system = (compatibility: string, v1: string, v2: string, consumes = "[thing.created]") => `version: 1
name: demo
contexts:
  alpha:
    publishes: [thing.created]
  beta:
    consumes: ${consumes}
events:
  thing.created:
    compatibility: ${compatibility}
    versions:
      1: ${v1}
      2: ${v2}
`;
const OPEN_V1 = "{ type: object, properties: { id: { type: string } } }";
const OPEN_V2_ADDED = "{ type: object, properties: { id: { type: string }, note: { type: string } } }";

describe("compatibility: { mode, policy }", () => {
  it("the system schema accepts the object form and rejects an unknown policy", () => {
    expect(validateSchema(load(system("{ mode: backward, policy: lenient }", OPEN_V1, OPEN_V2_ADDED)))).toEqual([]);
    expect(validateSchema(load(system("backward", OPEN_V1, OPEN_V2_ADDED)))).toEqual([]);
    expect(validateSchema(load(system("{ mode: backward, policy: loose }", OPEN_V1, OPEN_V2_ADDED))).length).toBeGreaterThan(0);
  });

  it("the model reads mode and policy (defaults: backward, strict)", () => {
    const model = (c: string) => buildModel({ loaded: load(system(c, OPEN_V1, OPEN_V2_ADDED)), dir: "/virtual", readFile: () => "" }).model!.events[0]!;
    expect(model("{ mode: full, policy: lenient }")).toMatchObject({ compatibility: "full", compatibilityPolicy: "lenient" });
    expect(model("{ policy: lenient }")).toMatchObject({ compatibility: "backward", compatibilityPolicy: "lenient" });
    expect(model("forward")).toMatchObject({ compatibility: "forward", compatibilityPolicy: "strict" });
  });

  it("strict: a property added to an open model is an error; lenient: a warning with Confluent's change type", () => {
    const strict = run(eventCompatibility, system("backward", OPEN_V1, OPEN_V2_ADDED));
    expect(strict).toHaveLength(1);
    expect(strict[0]).toMatchObject({ severity: "error", line: 13 });
    expect(strict[0]?.message).toContain("OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL");
    const lenient = run(eventCompatibility, system("{ mode: backward, policy: lenient }", OPEN_V1, OPEN_V2_ADDED));
    expect(lenient).toHaveLength(1);
    expect(lenient[0]).toMatchObject({ severity: "warning" });
    // lenient is not "anything goes": a type change stays an error
    const changed = run(eventCompatibility, system("{ mode: backward, policy: lenient }", OPEN_V1, "{ type: object, properties: { id: { type: number } } }"));
    expect(changed.map((d) => d.severity)).toEqual(["error"]);
  });
});

describe("event-consumer-version: the warning says why", () => {
  it("names the change that makes the latest schema reject retired messages", () => {
    const ds = run(eventConsumerVersion, system("none", "{ type: object, properties: { id: { type: integer } } }", "{ type: object, properties: { id: { type: string } } }"));
    expect(ds).toHaveLength(1);
    expect(ds[0]?.message).toContain("v2's schema rejects some of them (v1: TYPE_CHANGED, id: type changed from \"integer\" to \"string\")");
  });
  it("is quiet for a pair where the latest schema accepts every retired payload (tuple, allOf, dependency removed)", () => {
    for (const [v1, v2] of [
      ["{ type: array, items: [{ type: string }], additionalItems: false }", "{ type: array, items: [{ type: string }, { type: integer }], additionalItems: false }"],
      ["{ allOf: [{ type: object }, { required: [id] }] }", "{ type: object, required: [id] }"],
      ["{ type: object, dependencies: { a: [b] } }", "{ type: object }"],
    ]) expect(run(eventConsumerVersion, system("none", v1!, v2!))).toEqual([]);
  });
});
