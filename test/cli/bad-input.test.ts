// Every kind of bad input the foundation issue lists: a clear message at the right place, exit 1,
// no stack trace, and nothing written — through `msa generate`, the command that would write.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { msa, snapshot, tempDir } from "../support/cli.js";

const GOOD = `version: 1
name: demo
gateway:
  kind: node
  routes:
    - { path: /api/a, context: alpha, methods: [GET] }
contexts:
  alpha:
    port: 3000
    database: postgres
    api: ["GET /a/{id}"]
    publishes: [a.created]
    calls:
      beta: { timeout: 1s }
  beta:
    port: 3001
    database: postgres
    api: ["GET /b"]
    consumes: [a.created]
events:
  a.created:
    versions:
      1: { type: object, required: [id], properties: { id: { type: string }, n: { type: integer } } }
`;

const CASES: [string, string, RegExp][] = [
  ["YAML syntax", GOOD.replace("  beta:\n    port: 3001", "  beta:\n    port: [3001"), /yaml-syntax/],
  ["duplicate key", GOOD.replace("    port: 3001\n", "    port: 3001\n    port: 3002\n"), /:17:5  error  yaml-duplicate-key/],
  ["alias bomb", `a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n` + GOOD, /yaml-alias-limit/],
  ["oversized file", "# " + "x".repeat(4 * 1024 * 1024 + 10) + "\n" + GOOD, /file-too-large/],
  ["wrong type", GOOD.replace("port: 3001", "port: '3001'"), /:16:11  error  schema-type/],
  ["unknown key", GOOD.replace("    database: postgres\n    api: [\"GET /b\"]", "    databse: postgres\n    api: [\"GET /b\"]"), /schema-unknown-key .*did you mean "database"/],
  ["name with ..", GOOD.replace("  beta:\n", "  be..ta:\n").replace("beta: { timeout", "be..ta: { timeout"), /name-format/],
  ["name with a shell metacharacter", GOOD.replace("  beta:\n", '  "beta$(id)":\n').replace("beta: { timeout", '"beta$(id)": { timeout'), /name-format/],
  ["undeclared context", GOOD.replace("context: alpha", "context: gamma"), /ref-context/],
  ["undeclared event", GOOD.replace("consumes: [a.created]", "consumes: [a.deleted]"), /ref-event/],
  ["duplicate port", GOOD.replace("port: 3001", "port: 3000"), /port-unique/],
  ["sync-call cycle", GOOD.replace('    api: ["GET /b"]\n', '    api: ["GET /b"]\n    calls:\n      alpha: { timeout: 1s }\n'), /calls-cycle .*alpha → beta → alpha/],
  ["shared database", GOOD.replace("    port: 3001\n    database: postgres", "    port: 3001\n    database: { engine: postgres, name: alpha }"), /database-shared/],
  ["two publishers", GOOD.replace("consumes: [a.created]", "publishes: [a.created]"), /event-publisher/],
  ["duplicate route", GOOD.replace("    - { path: /api/a, context: alpha, methods: [GET] }", "    - { path: /api/a, context: alpha, methods: [GET] }\n    - { path: /api/a, context: beta, methods: [GET] }"), /route-duplicate/],
  ["new required property", GOOD + "      2: { type: object, required: [id, extra], properties: { id: { type: string }, n: { type: integer }, extra: { type: string } } }\n", /event-compatibility .*extra/],
  ["removed property", GOOD.replace("      1: { type: object, additionalProperties: false", "      1: { type: object") + "      2: { type: object, additionalProperties: false, required: [id], properties: { id: { type: string } } }\n", /event-compatibility/],
  ["retyped property", GOOD + "      2: { type: object, required: [id], properties: { id: { type: string }, n: { type: string } } }\n", /event-compatibility .*"?n"?/],
];

describe("bad input through msa generate", () => {
  for (const [what, text, expected] of CASES) {
    it(`${what}: exit 1, the rule at its place, no stack trace, nothing written`, async () => {
      const dir = tempDir();
      fs.writeFileSync(path.join(dir, "system.yaml"), text);
      const before = snapshot(dir);
      const r = await msa(["generate"], dir);
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stdout + r.stderr).toMatch(/system\.yaml:\d+:\d+  error  /);
      expect(r.stdout + r.stderr).toMatch(expected);
      expect(r.stdout + r.stderr).not.toMatch(/\n\s+at [\w.<]/);
      expect(snapshot(dir)).toEqual(before);
    });
  }

  it("the good fixture generates", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, "system.yaml"), GOOD);
    const r = await msa(["generate"], dir);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  });
});
