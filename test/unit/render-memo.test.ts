import fc from "fast-check";
import Handlebars from "handlebars";
import { describe, expect, it } from "vitest";
import { memoised, Recording, sameObservations } from "../../src/core/render-memo.js";
import { createRenderer } from "../../src/core/render.js";

// a render function that counts its calls: reuse is a call that did not happen
function counted(render: (view: any) => string) {
  const calls = { n: 0 };
  return { calls, run: memoised((v) => (calls.n++, render(v))) };
}

describe("reusing a template's output (render-memo.ts)", () => {
  it("reuses an output when only fields the render did not read differ, and renders again when a read field differs", () => {
    const { calls, run } = counted((v) => `engine ${v.engine}${v.flags.outbox ? " outbox" : ""}\n`);
    expect(run({ engine: "pg", flags: { outbox: true }, name: "a" })).toBe("engine pg outbox\n"); // first call: plain
    expect(run({ engine: "pg", flags: { outbox: true }, name: "b" })).toBe("engine pg outbox\n"); // recorded
    expect(calls.n).toBe(2);
    // `name` was never read: reused
    expect(run({ engine: "pg", flags: { outbox: true }, name: "c", extra: [1, 2] })).toBe("engine pg outbox\n");
    expect(calls.n).toBe(2);
    // a read field differs: rendered again, with its own output
    expect(run({ engine: "mysql", flags: { outbox: true }, name: "d" })).toBe("engine mysql outbox\n");
    expect(calls.n).toBe(3);
    // a field read below the root differs: rendered again
    expect(run({ engine: "pg", flags: { outbox: false }, name: "e" })).toBe("engine pg\n");
    expect(calls.n).toBe(4);
    // both earlier outputs are kept
    expect(run({ engine: "mysql", flags: { outbox: true }, name: "f" })).toBe("engine mysql outbox\n");
    expect(run({ engine: "pg", flags: { outbox: false }, name: "g" })).toBe("engine pg\n");
    expect(calls.n).toBe(4);
  });

  it("sees key lists, `in`, own properties, prototypes and the kind of a value, not only values", () => {
    const rec = new Recording();
    const view = rec.wrap({ list: [1, 2], map: { a: 1 }, o: {} }) as any;
    void [Object.keys(view.map), "b" in view.map, Object.prototype.hasOwnProperty.call(view, "o"), Object.getPrototypeOf(view.o), view.list.length, Array.isArray(view.list)];
    const same = { list: [1, 2], map: { a: 1 }, o: {} };
    expect(sameObservations(rec.observations, same)).toBe(true);
    expect(sameObservations(rec.observations, { ...same, map: { a: 1, b: 2 } })).toBe(false); // keys and `in`
    expect(sameObservations(rec.observations, { ...same, list: [1, 2, 3] })).toBe(false); // length
    expect(sameObservations(rec.observations, { ...same, o: Object.create(null) })).toBe(false); // prototype
    expect(sameObservations(rec.observations, { ...same, list: { length: 2 } })).toBe(false); // an object, not an array
    expect(sameObservations(rec.observations, { list: [1, 2], map: { a: 1 } })).toBe(false); // own property gone
  });

  it("never reuses a render that compared objects by identity (eq) or wrote YAML (aliases)", () => {
    const render = createRenderer(new Map([["t", "{{#if (eq a b)}}same{{else}}other{{/if}}"], ["y", "{{yaml v 0}}"]]));
    const shared = { x: 1 };
    const views = [{ a: shared, b: shared }, { a: shared, b: shared }, { a: { x: 1 }, b: { x: 1 } }, { a: shared, b: shared }];
    expect(views.map((v) => render("t", v))).toEqual(["same\n", "same\n", "other\n", "same\n"]);
    // YAML of an object reached twice is written with an alias; of two equal objects, without
    const one = { k: "v" };
    const yviews = [{ v: [one, one] }, { v: [one, one] }, { v: [{ k: "v" }, { k: "v" }] }];
    const out = yviews.map((v) => render("y", v));
    expect(out[2]).toBe("- k: v\n- k: v\n");
    expect(out[1]).toBe(out[0]);
    expect(out[0]).not.toBe(out[2]);
  });

  it("never reuses a render that met a function in the data", () => {
    // the recording stops at the read of the function, before it is called: called once per render
    const run = memoised((v: any) => `${v.f()}\n`);
    let i = 0;
    const f = () => String(i++);
    expect([run({ f }), run({ f }), run({ f }), run({ f })]).toEqual(["0\n", "1\n", "2\n", "3\n"]);
  });

  it("stops recording a template whose outputs are never reused, and still renders it right", () => {
    const { calls, run } = counted((v) => `${v.name}\n`);
    for (let i = 0; i < 50; i++) expect(run({ name: `c${i}` })).toBe(`c${i}\n`);
    expect(calls.n).toBe(50);
  });

  // The property: a renderer that reuses outputs renders every view as a renderer that has never seen another
  // (a template's first call is always rendered plainly), over templates using every construct msa's templates use.
  it("renders random views exactly as a fresh renderer does", () => {
    const templates = new Map([
      ["a", "{{name}} {{#if flags.on}}on{{else}}off{{/if}} {{#each items}}[{{this}}{{#if @first}}!{{/if}}]{{/each}}\n"],
      ["b", "{{#with flags}}{{#unless on}}not {{/unless}}{{kind}}{{/with}} {{#each map}}{{@key}}={{this}};{{/each}} {{length items}} {{join items \"+\"}}\n"],
      ["c", "{{#if (and flags.on (includes items \"x\"))}}x{{/if}}{{json map}} {{upper flags.kind}} {{#each items}}{{../name}}{{/each}}\n"],
      ["d", "{{#each deep}}{{#each this}}{{@index}}:{{lookup @root.map this}}{{@../index}}{{@root.name}} {{/each}}|{{/each}}\n{{> _p}}"],
      ["_p", "{{#if (eq flags.kind \"pg\")}}pg{{/if}}{{#if (gt (length items) 1)}}many{{/if}}"],
    ]);
    const word = fc.constantFrom("x", "y", "pg", "mysql", "", "on");
    const view = fc.record({
      name: fc.constantFrom("n1", "n2"),
      flags: fc.record({ on: fc.boolean(), kind: word }, { noNullPrototype: true }),
      items: fc.array(word, { maxLength: 3 }),
      map: fc.dictionary(fc.constantFrom("x", "y", "k"), word, { maxKeys: 2 }).map((o) => Object.fromEntries(Object.entries(o))),
      deep: fc.array(fc.array(fc.constantFrom("x", "y", "k"), { maxLength: 2 }), { maxLength: 2 }),
    }, { noNullPrototype: true });
    fc.assert(
      fc.property(fc.array(view, { minLength: 5, maxLength: 25 }), (views) => {
        const reusing = createRenderer(templates);
        for (const v of views)
          for (const t of ["a", "b", "c", "d"]) {
            // an error (a strict-mode lookup that fails) must be the same error
            const outcome = (r: typeof reusing) => {
              try {
                return r(t, v);
              } catch (e) {
                return `error: ${(e as Error).message}`;
              }
            };
            if (outcome(reusing) !== outcome(createRenderer(templates))) return false;
          }
        return true;
      }),
      { numRuns: 60 },
    );
    // and reuse happens on such data (a template reading a few fields of it): most renders are reused
    const hb = Handlebars.create();
    const a = hb.compile("{{#if flags.on}}on{{else}}off{{/if}} {{#with flags}}{{#if on}}{{@root.flags.on}}{{/if}}{{/with}}", { strict: true, noEscape: true });
    const { calls, run } = counted((v) => a(v));
    const views = fc.sample(view, { numRuns: 200, seed: 24 });
    for (const v of views) expect(run(v)).toBe(a(v));
    expect(calls.n).toBeLessThan(views.length / 2);
  });
});
