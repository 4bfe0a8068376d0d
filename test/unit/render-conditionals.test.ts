import { describe, expect, it } from "vitest";
import { createRenderer, inlineConditionals, precompileTemplates, templatesKey, type PrecompiledTemplates } from "../../src/core/render.js";

// render.ts calls the built-in {{#if}} / {{#unless}} of precompiled templates directly (inlineConditionals): every
// shape — with and without {{else}}, nested, inside {{#each}} with @first/@last, with `../` (depths), on a
// subexpression, in a partial, falsy values of every kind, empty and non-empty arrays, a function value — renders
// as the template compiled at run time (not rewritten) does, for the plain and the guarded set.
describe("precompiled templates' inlined conditionals", () => {
  const sources = new Map([
    [
      "t.txt",
      [
        "{{#if on}}on{{/if}}|{{#if on}}yes{{else}}no{{/if}}|{{#unless on}}off{{/unless}}|{{#unless on}}u{{else}}e{{/unless}}",
        "{{#if (eq name \"x\")}}eq{{else if on}}elif{{else}}neither{{/if}}",
        "{{#each list}}{{#if @first}}[{{/if}}{{this}}{{#unless @last}},{{/unless}}{{#if ../on}}+{{../name}}{{/if}}{{#if @last}}]{{/if}}{{/each}}",
        "{{#each list}}{{#if ../on}}a{{else}}b{{@index}}{{/if}}{{#unless ../on}}c{{/unless}}{{/each}}",
        "{{#with nested}}{{#if inner}}{{inner}}{{else}}{{@root.name}}{{/if}}{{/with}}",
        "{{#if empty}}E{{else}}not-e{{/if}}{{#if zero}}Z{{else}}not-z{{/if}}{{#if fn}}F{{/if}}{{#unless nothing}}N{{/unless}}",
        "{{#each items}}<{{@index}}:{{@key}}:{{#if @first}}f{{/if}}{{#if @last}}l{{/if}}={{this}}{{#each ../list}}({{@index}}{{this}}{{@root.name}}){{/each}}>{{else}}none{{/each}}",
        "{{#each list}}{{#each (lookup ../table @index)}}{{@key}}{{this}}{{@../index}}{{/each}}{{/each}}|{{#each table}}[{{#each this}}{{this}}{{/each}}]{{/each}}",
        "{{#each nothing}}x{{else}}empty{{/each}}{{#each fn}}{{this}}{{/each}}{{#each iter}}{{this}}{{@last}}{{/each}}{{#each holes}}{{@index}}{{/each}}",
        "{{> _p}}",
        "",
      ].join("\n"),
    ],
    ["_p", "{{#if on}}p-on {{name}}{{else}}p-off{{/if}}{{#each list}}{{#unless @first}};{{/unless}}{{#if this}}{{this}}{{/if}}{{/each}}"],
  ]);
  const built = (guarded: boolean): PrecompiledTemplates => ({
    key: templatesKey(sources),
    specs: Object.fromEntries(Object.entries(precompileTemplates(sources, guarded)).map(([k, js]) => [k, new Function(`return ${js}`)()])),
  });
  const plain = built(false);
  const guarded = built(true);
  const views = [
    { name: "x", on: true, list: [1, "two", 0, ""], nested: { inner: "in" }, empty: [], zero: 0, fn: () => ["a", "b"], nothing: null, items: ["p", "q"], table: [{ k: 1 }, ["u", "v"]], iter: new Set(["s1", "s2"]), holes: [1, , 3] }, // prettier-ignore
    { name: "y", on: false, list: [], nested: { inner: "" }, empty: [0], zero: 1, fn: () => "z", nothing: 0, items: { a: 1, b: 2 }, table: [], iter: new Map([["k", "v"]]), holes: [] },
    { name: "z", on: "", list: [false], nested: { inner: 0 }, empty: "", zero: -0, fn: null, nothing: "s", items: [], table: [["t"]], iter: [], holes: new Array(3) },
    { name: "w", on: [], list: [NaN, -0], nested: { inner: [] }, empty: {}, zero: NaN, fn: undefined, nothing: [], items: null, table: [{}, { a: [1] }], iter: "ab", holes: [undefined] },
  ];

  it("rewrites every if and unless of the precompiled code, and each without depths", () => {
    for (const js of Object.values(precompileTemplates(sources, false))) expect(js).not.toMatch(/lookupProperty\(helpers,"(if|unless)"\)/);
    expect(precompileTemplates(new Map([["e", "{{#each a}}{{this}}{{/each}}"]]), false).e).not.toContain('lookupProperty(helpers,"each")');
  });

  it("renders as the run-time compiled templates do", () => {
    const runtime = createRenderer(sources);
    const pre = createRenderer(sources, (g) => (g ? guarded : plain));
    const outcome = (f: () => string | undefined): string | undefined => {
      try {
        return f();
      } catch (e) {
        return `error: ${(e as Error).message}`;
      }
    };
    for (const view of views) {
      expect(outcome(() => pre("t.txt", view))).toBe(outcome(() => runtime("t.txt", view)));
      expect(outcome(() => pre.guarded?.("t.txt", view))).toBe(outcome(() => runtime.guarded?.("t.txt", view)));
    }
    expect(pre("t.txt", views[0])).toContain("[1,+xtwo,+x0,+x+x]");
    for (const view of views) expect(`${view.name}: ${outcome(() => pre("t.txt", view))}`).not.toMatch(/^.: error/);
  });

  it("leaves other shapes alone", () => {
    const spec = '{"main":function(){return lookupProperty(helpers,"if").call(a,b,c,{"name":"if","hash":{"includeZero":true}})}}';
    expect(inlineConditionals(spec)).toBe(spec);
  });
});

// withShortcuts returns an own property (a prototype's `constructor` back-reference aside) without the runtime's
// chain of checks; every other lookup (missing, inherited, that constructor, on a primitive or null) goes to the
// runtime: same text, same error.
describe("precompiled templates' looked-up values", () => {
  const sources = new Map([
    ["v.txt", "{{a}}|{{b.c}}|{{#each list}}{{this}}{{/each}}|{{upper a}}|{{join list \"-\"}}|{{#with b}}{{c}}{{/with}}\n"],
    ["f.txt", "{{fn}}|{{constructor}}|{{upper (lookup this \"a\")}}\n"],
    ["m.txt", "{{a}}{{missing}}\n"],
    ["p.txt", "{{a.length}}{{a.b}}\n"],
    ["s.txt", "{{#each list}}{{this.length}}{{length}}{{/each}}\n"],
    ["o.txt", "{{#with b}}{{c}}{{/with}}{{b.c}}{{b.c.d}}\n"],
  ]);
  const built: PrecompiledTemplates = {
    key: templatesKey(sources),
    specs: Object.fromEntries(Object.entries(precompileTemplates(sources, false)).map(([k, js]) => [k, new Function(`return ${js}`)()])),
  };
  const outcome = (f: () => string): string => {
    try {
      return f();
    } catch (e) {
      return `error: ${(e as Error).message}`;
    }
  };
  class Inherits {
    get a(): string {
      return "inherited";
    }
  }
  const views: unknown[] = [
    { a: "x", b: { c: 1 }, list: ["ab", "c"], fn: () => "called", missing: null },
    { a: 0, b: { c: null }, list: [], fn: "plain", missing: undefined },
    { a: "y", b: null, list: ["z"] },
    { a: "y", b: { c: false }, list: ["z"], fn: function (this: { a: string }) { return this.a; } }, // prettier-ignore
    new Inherits(),
    (() => {
      const o: Record<string, unknown> = { a: "own", fn: () => "f" };
      const F = function () {};
      F.prototype = o;
      o.constructor = F;
      return o;
    })(),
    { a: "b", constructor: () => "own constructor" },
    { get a() { return "getter"; }, b: { c: 2 }, list: [] }, // prettier-ignore
    null,
  ];

  it("renders and fails as the run-time compiled templates do", () => {
    const pre = createRenderer(sources, (g) => (g ? undefined : built));
    const runtime = createRenderer(sources);
    for (const name of sources.keys()) for (const view of views) expect(outcome(() => pre(name, view))).toBe(outcome(() => runtime(name, view)));
    expect(pre("v.txt", views[0])).toBe("x|1|abc|X|ab-c|1\n");
  });

  it("reads a getter once, as the runtime does", () => {
    let reads = 0;
    const view = {
      get a() {
        reads++;
        return "g";
      },
    };
    const pre = createRenderer(sources, (g) => (g ? undefined : built));
    const runtime = createRenderer(sources);
    const preOut = ["m.txt", "p.txt"].map((name) => outcome(() => pre(name, view)));
    const preReads = reads;
    reads = 0;
    expect(["m.txt", "p.txt"].map((name) => outcome(() => runtime(name, view)))).toEqual(preOut);
    expect(preReads).toBe(reads);
    expect(reads).toBeGreaterThan(0);
  });
});
