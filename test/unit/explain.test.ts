import { describe, expect, it } from "vitest";
import { EXPLANATIONS, explanation } from "../../src/core/explain.js";
import { missingDeployInputs, missingInputsMessage } from "../../src/core/deploy/validate.js";
import { RULES } from "../../src/core/rules/index.js";
import { codeFrame } from "../../src/cli/report.js";

describe("msa explain's texts", () => {
  it("every rule of the registry has a long text; every example pair is a failing and a passing one", () => {
    for (const r of RULES) expect(explanation(r.id)?.text, r.id).toBeTruthy();
    for (const [id, e] of Object.entries(EXPLANATIONS)) if (e.bad !== undefined) expect(e.good, id).toBeDefined();
    expect(explanation("schema-enum")?.text).toContain("schema");
    expect(explanation("no-such-rule")).toBeUndefined();
  });
});

describe("code frames", () => {
  it("show the line with a caret under the column, tabs made visible", () => {
    expect(codeFrame("a: 1\n  b: 2\n", 2, 3)).toBe(["    |", "  2 |   b: 2", "    |   ^"].join("\n"));
    expect(codeFrame("x:\n\ty: 1\n", 2, 1)).toContain("2 | →y: 1");
    expect(codeFrame("a: 1\n", 9, 1)).toBeUndefined();
  });
});

describe("deploy's missing inputs", () => {
  const base = { env: "prod", systemFile: "system.yaml", registry: null, skipPush: false, imageTag: undefined, gitCommit: null };
  it("lists the registry and the tag together", () => {
    const m = missingDeployInputs(base);
    expect(m).toHaveLength(2);
    expect(missingInputsMessage("prod", m)).toMatch(/^deploy --env prod needs 2 more inputs:\n {2}- no registry.*\n {2}- no --image-tag/);
  });
  it("asks for nothing that was given", () => {
    expect(missingDeployInputs({ ...base, registry: "ghcr.io/acme", gitCommit: "abc1234" })).toEqual([]);
    expect(missingDeployInputs({ ...base, skipPush: true, imageTag: "v1" })).toEqual([]);
  });
});
