import { describe, expect, it } from "vitest";
import { createRenderer, hoistConstants, precompileTemplates, templatesKey, type PrecompiledTemplates } from "../../src/core/render.js";

// render.ts hoists the location literals and the empty helper hash out of precompiled template code (hoistConstants):
// the template gives the same text and the same errors as one compiled at run time.
describe("precompiled templates' hoisted constants", () => {
  const sources = new Map([["t.yaml", "a: {{name}}\n{{#if on}}b: {{upper name}}\n{{/if}}{{#each list}}- {{this}}\n{{/each}}c: {{missing.deep}}"]]);
  const specs = precompileTemplates(sources, false);
  const built: PrecompiledTemplates = {
    key: templatesKey(sources),
    specs: Object.fromEntries(Object.entries(specs).map(([k, js]) => [k, new Function(`return ${js}`)()])),
  };

  it("writes each location and the empty hash once, as frozen constants", () => {
    const js = specs["t.yaml"] as string;
    expect(js).not.toMatch(/"loc":\{/);
    expect(js).not.toContain('"hash":{}');
    expect(js).toContain("msaNoHash = Object.freeze({})");
    expect(js.match(/msaLoc\d+ = /g)?.length).toBe(new Set(js.match(/msaLoc\d+ = Object\.freeze\([^)]*\)/g)).size);
  });

  it("renders and fails as the run-time compiled template does", () => {
    const pre = createRenderer(sources, (guarded) => (guarded ? undefined : built));
    const runtime = createRenderer(sources);
    const view = { name: "x", on: true, list: [1, "two"], missing: { deep: "d" } };
    expect(pre("t.yaml", view)).toBe(runtime("t.yaml", view));
    const error = (render: typeof pre): string => {
      try {
        render("t.yaml", { name: "x", on: false, list: [] });
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    };
    expect(error(pre)).toBe('"deep" not defined in undefined - 4:14'); // the location (line 4, column 14) comes through
    expect(error(pre)).toBe(error(runtime));
  });

  it("leaves a spec without such literals as it is", () => {
    expect(hoistConstants('{"main":function(){return "x";},"useData":true}')).toBe('{"main":function(){return "x";},"useData":true}');
  });
});
