import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRenderer, normalizeText, precompileTemplates, templatesKey, type PrecompiledTemplates } from "../../src/core/render.js";
import { loadTemplates } from "../../src/io/templates.js";

// The expression normalizeText stands for (render.ts); it scans the whole text several times, normalizeText once.
const reference = (text: string) => text.replace(/\r\n?/g, "\n").replace(/[ \t]+$/gm, "").replace(/\n*$/, "\n");

describe("normalizeText", () => {
  it("equals the plain regular-expression form on texts made of the characters it cares about", () => {
    const text = fc.array(fc.constantFrom("a", "b", " ", "\t", "\n", "\r", "\r\n", "x y"), { maxLength: 40 }).map((parts) => parts.join(""));
    fc.assert(fc.property(text, (t) => normalizeText(t) === reference(t)), { numRuns: 5000 });
  });

  it("leaves a normalized text as it is", () => {
    for (const t of ["a\n", "a  b\n\tc\n", "\n"]) expect(normalizeText(t)).toBe(t);
    expect(normalizeText("a \r\nb\t\n\n\n")).toBe("a\nb\n");
  });
});

describe("templates compiled at build time (scripts/compile-templates.mjs)", () => {
  const sources = new Map([
    ["a.yaml", "name: {{name}}\n{{> _p}}"],
    ["_p", "items:\n{{#each items}}\n  - {{this}}\n{{/each}}"],
  ]);
  // what the build writes: each spec's JavaScript source, loaded as a module would load it
  const built = (src: ReadonlyMap<string, string>, guarded: boolean): PrecompiledTemplates => ({
    key: templatesKey(src),
    specs: Object.fromEntries(Object.entries(precompileTemplates(src, guarded)).map(([k, js]) => [k, new Function(`return ${js}`)()])),
  });
  const view = { name: "null", items: ["n", "x"] };

  it("render exactly as templates compiled at run time, plain and guarded", () => {
    const runtime = createRenderer(sources);
    const pre = createRenderer(sources, (g) => built(sources, g));
    expect(pre("a.yaml", view)).toBe(runtime("a.yaml", view));
    expect(pre.guarded?.("a.yaml", view)).toBe(runtime.guarded?.("a.yaml", view));
    expect(pre.guarded?.("a.yaml", view)).not.toBe(pre("a.yaml", view)); // the guarded set marks `null` and `n`
  });

  it("are not used when they were made from other sources", () => {
    const other = new Map([...sources, ["a.yaml", "OTHER {{name}}"]]);
    const stale = createRenderer(sources, (g) => built(other, g));
    expect(stale("a.yaml", view)).toBe("name: null\nitems:\n  - n\n  - x\n");
    expect(templatesKey(other)).not.toBe(templatesKey(sources));
  });

  it("of msa's own templates render a system's files byte for byte as the run-time compile", () => {
    const all = loadTemplates();
    const pre = createRenderer(all, (g) => built(all, g));
    const runtime = createRenderer(all);
    const v = { system: "shop", namespace: "shop" };
    expect(pre("scripts/deploy-to-k8s.sh", v)).toBe(runtime("scripts/deploy-to-k8s.sh", v));
  });
});
