import { describe, expect, it } from "vitest";
import { checkPlan, planSystem } from "../../src/core/plan/index.js";
import type { PlannedFile, Planner } from "../../src/core/plan/types.js";
import { exampleModel, renderer } from "../helpers/engine-model.js";

const f = (path: string, extra: Partial<PlannedFile> = {}): PlannedFile => ({ path, content: "x\n", owner: "generated", ...extra });

describe("checkPlan", () => {
  it("accepts clean relative POSIX paths", () => {
    expect(() => checkPlan([f("a/b.txt"), f("c.txt")])).not.toThrow();
  });
  it.each([
    ["../escape.txt", "'..'"],
    ["a/../../b", "'..'"],
    ["/etc/passwd", "absolute"],
    ["C:/x", "absolute"],
    ["a\\b", "backslash"],
    ["a//b", "empty"],
    ["./a", "'.'"],
    [".msa/manifest.json", "reserved"],
  ])("rejects %s", (p, why) => {
    expect(() => checkPlan([f(p)])).toThrow(why);
  });
  it("rejects duplicates, case-insensitive collisions and file/directory clashes", () => {
    expect(() => checkPlan([f("a.txt"), f("a.txt")])).toThrow("planned twice");
    expect(() => checkPlan([f("README.md"), f("readme.md")])).toThrow("case-insensitive");
    expect(() => checkPlan([f("a"), f("a/b")])).toThrow("also planned as a file");
  });
});

describe("planSystem", () => {
  it("includes the system-wide artifacts, sorted by path, and the same bytes twice", () => {
    const model = exampleModel("shop");
    const first = planSystem(model, renderer());
    const paths = first.map((x) => x.path);
    expect(paths).toEqual([...paths].sort());
    for (const p of ["asyncapi.yaml", "docker-compose.yml", "docs/architecture.md", "scripts/deploy-to-k8s.sh"]) expect(paths).toContain(p);
    const second = planSystem(exampleModel("shop"), renderer());
    expect(second).toEqual(first);
  });
  it("--only keeps only the named contexts' files", () => {
    const fake: Planner = (m) => [f("docker-compose.yml"), ...m.contexts.map((c) => f(`services/${c.name}/index.ts`, { context: c.name }))];
    const files = planSystem(exampleModel("shop"), renderer(), { only: ["orders", "catalog"], planners: [fake] });
    expect(files.map((x) => x.path)).toEqual(["services/catalog/index.ts", "services/orders/index.ts"]);
  });
  it("a planner producing a bad path is an internal error", () => {
    const bad: Planner = () => [f("../outside.txt")];
    expect(() => planSystem(exampleModel("shop"), renderer(), { planners: [bad] })).toThrow(/internal: the generation plan is invalid/);
  });
});
