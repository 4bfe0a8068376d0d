import { describe, expect, it } from "vitest";
import { createRenderer, precompileTemplates, templatesKey, type PrecompiledTemplates } from "../../src/core/render.js";

// render.ts sets each precompiled template's Handlebars runtime up once (setUpOnce): later calls, with other views,
// through partials, helpers and @root, must give what templates compiled at run time give on every call.
describe("precompiled templates set up once", () => {
  const sources = new Map([
    ["a.yaml", "name: {{name}}\n{{#if (eq kind \"x\")}}x: {{upper name}}\n{{/if}}{{> _p}}\nroot: {{@root.name}}"],
    ["b.yaml", "{{#each list}}{{> _p items=../items}}{{@index}} {{json this}}\n{{/each}}"],
    ["_p", "items:\n{{#each items}}\n  - {{this}}{{#if @last}} (last){{/if}}\n{{/each}}"],
  ]);
  const built = (guarded: boolean): PrecompiledTemplates => ({
    key: templatesKey(sources),
    specs: Object.fromEntries(Object.entries(precompileTemplates(sources, guarded)).map(([k, js]) => [k, new Function(`return ${js}`)()])),
  });
  const views = [
    { name: "one", kind: "x", items: ["a", "b"], list: [1, 2] },
    { name: "two", kind: "y", items: [], list: [] },
    { name: "null", kind: "x", items: ["n"], list: [{ k: "v" }] },
  ];

  it("render every call as the run-time compile does, plain and guarded, in any order", () => {
    const runtime = createRenderer(sources);
    const pre = createRenderer(sources, built);
    for (let round = 0; round < 3; round++)
      for (const v of round === 1 ? [...views].reverse() : views)
        for (const t of ["a.yaml", "b.yaml"]) {
          expect(pre(t, v)).toBe(runtime(t, v));
          expect(pre.guarded?.(t, v)).toBe(runtime.guarded?.(t, v));
        }
  });

  it("still report a missing value (strict mode) after the first call", () => {
    const pre = createRenderer(sources, built);
    expect(pre("a.yaml", views[0])).toContain("x: ONE");
    expect(() => pre("a.yaml", { kind: "x", items: [], list: [] })).toThrow(/name/);
  });
});
