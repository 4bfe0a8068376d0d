// The `msa validate` rules of the events area: event-compatibility and event-consumer-version,
// run over real system.yaml text (and schema files) so line:col are checked end to end.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { diagnostic, type Diagnostic } from "../../src/core/diagnostics.js";
import { loadYamlText, positionOf } from "../../src/core/load.js";
import { buildModel } from "../../src/core/model.js";
import { eventCompatibility } from "../../src/core/rules/event-compatibility.js";
import { eventConsumerVersion } from "../../src/core/rules/event-consumer-version.js";
import type { RawSystem, Rule, RuleContext } from "../../src/core/rules/types.js";
import { checkEventHistory } from "../../src/core/events/history.js";

function run(rule: Rule, text: string, files: Record<string, string> = {}, dir = "/virtual"): Diagnostic[] {
  const { loaded, diagnostics } = loadYamlText(text, "system.yaml");
  if (!loaded) throw new Error(JSON.stringify(diagnostics));
  const { model } = buildModel({
    loaded, dir,
    readFile: (abs) => {
      const rel = path.relative(dir, abs);
      if (rel in files) return files[rel] as string;
      return fs.readFileSync(abs, "utf8");
    },
  });
  if (!model) throw new Error("no model");
  const ctx: RuleContext = {
    loaded, data: loaded.data as RawSystem, model,
    at: (p, message, opts) => diagnostic(loaded.file, positionOf(loaded, p, { key: opts?.key }), opts?.severity ?? "error", rule.id, message),
  };
  return rule.check(ctx).map((d) => ({ ...d, rule: d.rule || rule.id }));
}

const system = (events: string, consumes = "[thing.created]") => `version: 1
name: demo
contexts:
  alpha:
    publishes: [thing.created]
  beta:
    consumes: ${consumes}
events:
  thing.created:
${events}`;

describe("event-compatibility", () => {
  it("passes a compatible history (backward: optional property added to a closed model)", () => {
    const text = system(`    versions:
      1: { type: object, additionalProperties: false, properties: { id: { type: string } } }
      2: { type: object, additionalProperties: false, properties: { id: { type: string }, note: { type: string } } }
`);
    expect(run(eventCompatibility, text)).toEqual([]);
  });

  it("reports a removed property of a closed model at the property's line:col in the old version", () => {
    const text = system(`    versions:
      1:
        type: object
        additionalProperties: false
        properties:
          id: { type: string }
          note: { type: string }
      2:
        type: object
        additionalProperties: false
        properties:
          id: { type: string }
`);
    const ds = run(eventCompatibility, text);
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ file: "system.yaml", line: 16, column: 17, severity: "error", rule: "event-compatibility" });
    expect(ds[0]?.message).toContain("thing.created v1 → v2 is not backward compatible (declared backward): PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL");
    expect(ds[0]?.message).toContain("fix:");
  });

  it("reports a tightened constraint at the keyword in the new version (forward mode is fine with it)", () => {
    const events = (mode: string) => `    compatibility: ${mode}
    versions:
      1:
        type: object
        properties:
          name: { type: string, maxLength: 10 }
      2:
        type: object
        properties:
          name: { type: string, maxLength: 5 }
`;
    const ds = run(eventCompatibility, system(events("backward")));
    expect(ds.map((d) => [d.line, d.column, d.severity])).toEqual([[19, 44, "error"]]);
    expect(ds[0]?.message).toContain("MAX_LENGTH_DECREASED");
    expect(run(eventCompatibility, system(events("forward")))).toEqual([]);
    expect(run(eventCompatibility, system(events("full")))).toHaveLength(1);
    expect(run(eventCompatibility, system(events("none")))).toEqual([]);
  });

  it("points into the schema file when a version is a file", () => {
    const text = system(`    versions:
      1: schemas/v1.json
      2: { type: object, properties: { id: { type: integer } } }
`);
    const v1 = `{
  "type": "object",
  "properties": {
    "id": { "type": "string" }
  }
}
`;
    const ds = run(eventCompatibility, text, { "schemas/v1.json": v1 });
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ file: "system.yaml", rule: "event-compatibility" });
    expect(ds[0]?.message).toContain("TYPE_CHANGED");
    const back = run(eventCompatibility, system(`    versions:
      1: { type: object, properties: { id: { type: string } } }
      2: schemas/v2.json
`), { "schemas/v2.json": v1.replace('"string"', '"integer"') });
    expect(back[0]).toMatchObject({ file: "schemas/v2.json", line: 4, column: 11 });
  });

  it("the spec's shop example passes with no finding: v1 is a closed model, so adding currency in v2 is compatible", () => {
    const dir = path.resolve(__dirname, "../../examples/shop");
    const ds = run(eventCompatibility, fs.readFileSync(path.join(dir, "system.yaml"), "utf8"), {}, dir);
    expect(ds).toEqual([]);
  });

  it("--transitive compares every earlier version, not only consecutive ones", () => {
    // v1→v2 removes x from an open model (backward: yes), v2→v3 adds x back as a number (open model: no)
    // — but with v1's string x, so v1→v3 also breaks; the pair list differs.
    const text = system(`    versions:
      1: { type: object, properties: { x: { type: string } } }
      2: { type: object, properties: { } }
      3: { type: object, properties: { x: { type: string, maxLength: 3 } } }
`);
    const { loaded } = loadYamlText(text, "system.yaml");
    const { model } = buildModel({ loaded: loaded!, dir: "/virtual", readFile: () => "" });
    const e = model!.events[0]!;
    const consecutive = checkEventHistory(e).map((d) => d.message.split(":")[0]);
    const transitive = checkEventHistory(e, { transitive: true }).map((d) => d.message.split(":")[0]);
    expect(consecutive).toEqual(["thing.created v2 → v3 is not backward compatible (declared backward)"]);
    expect(transitive).toContain("thing.created v1 → v3 is not backward compatible (declared backward)");
  });
});

describe("event-consumer-version", () => {
  const retiredIncompatible = (mode: string) => `    compatibility: ${mode}
    versions:
      1: { type: object, properties: { id: { type: integer } } }
      2: { type: object, properties: { id: { type: string } } }
`;
  it("warns each consumer of an event whose retired versions the latest schema does not read", () => {
    const ds = run(eventConsumerVersion, system(retiredIncompatible("none"), "[other, thing.created]").replace("  beta:\n", "  beta:\n    publishes: [other]\n") + "  other:\n    schema: { type: object }\n");
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ line: 8, column: 23, severity: "warning", rule: "event-consumer-version" });
    expect(ds[0]?.message).toContain("emits only v2; v1 messages may still arrive");
  });
  it("is quiet when the latest version reads the old ones, or when event-compatibility already reports it", () => {
    expect(run(eventConsumerVersion, system(`    versions:
      1: { type: object, properties: { id: { type: integer } } }
      2: { type: object, properties: { id: { type: number } } }
`))).toEqual([]);
    expect(run(eventConsumerVersion, system(retiredIncompatible("backward")))).toEqual([]);
    expect(run(eventConsumerVersion, system(retiredIncompatible("forward")))).toHaveLength(1);
  });
  it("is quiet for single-version events and events nobody consumes", () => {
    expect(run(eventConsumerVersion, system(`    schema: { type: object }\n`))).toEqual([]);
    expect(run(eventConsumerVersion, system(retiredIncompatible("none"), "[]"))).toEqual([]);
  });
});
