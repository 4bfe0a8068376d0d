// Names YAML does not read as strings (n, y, yes, no, on, off: booleans in YAML 1.1; null, true, false: in any
// YAML) are valid system, context, event, saga, database and host names. Generated YAML must hand them to
// YAML 1.1 readers (kubectl, Kong, PyYAML) as strings; everything else must come out as before.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { addContext } from "../../src/core/add-context.js";
import { renderInitialSystem, setTopLevelScalar } from "../../src/core/init.js";
import { planSystem } from "../../src/core/plan/index.js";
import { createRenderer } from "../../src/core/render.js";
import { hasYamlNonStrings, isYamlNonString, markYamlWord, resolveMarks } from "../../src/core/yaml-words.js";
import { exampleModel, modelFromYaml, renderer, repoRoot } from "../helpers/engine-model.js";

const mark = (s: string): string => String(markYamlWord(s));
const fixture = (name: string): string => fs.readFileSync(path.join(repoRoot, "test/k8s/fixtures", name, "system.yaml"), "utf8");

/** Every document of a YAML text as plain data, read as YAML 1.1 and as YAML 1.2. */
const readAs = (text: string, version: "1.1" | "1.2"): unknown[] => parseAllDocuments(text, { version }).map((d) => d.toJS());

describe("isYamlNonString / hasYamlNonStrings", () => {
  it.each(["n", "N", "y", "yes", "No", "on", "OFF", "null", "true", "False", "~"])("%s is not a string to some YAML reader", (w) => {
    expect(isYamlNonString(w)).toBe(true);
  });
  it.each(["nn", "none", "on1", "yes-no", "nullable", "", "o", "offline"])("%s is a string to every YAML reader", (w) => {
    expect(isYamlNonString(w)).toBe(false);
  });
  it("finds such a word anywhere in the data, keys included, and nothing in ordinary data", () => {
    expect(hasYamlNonStrings({ a: [{ b: new Map([["x", new Set(["on"])]]) }] })).toBe(true);
    expect(hasYamlNonStrings({ properties: { no: { type: "string" } } })).toBe(true);
    const cyclic: Record<string, unknown> = { name: "shop" };
    cyclic.self = cyclic;
    expect(hasYamlNonStrings(cyclic)).toBe(false);
    expect(hasYamlNonStrings({ ...exampleModel("shop"), loaded: undefined })).toBe(false);
  });
});

describe("resolveMarks", () => {
  it("quotes a marked whole plain scalar (value, key, flow item) in YAML and only drops the mark elsewhere", () => {
    const text = [
      `# ${mark("n")} runs here`,
      `namespace: ${mark("n")}`,
      `name: ${mark("n")}-kong`,
      `quoted: "${mark("null")}"`,
      `${mark("on")}: 1`,
      `list: [${mark("yes")}, b]`,
      `block: |`,
      `  ${mark("off")}`,
      `---`,
      `kind: ${mark("y")}`,
      "",
    ].join("\n");
    expect(resolveMarks(text, true)).toBe(
      ['# n runs here', 'namespace: "n"', "name: n-kong", 'quoted: "null"', '"on": 1', 'list: ["yes", b]', "block: |", "  off", "---", 'kind: "y"', ""].join("\n"),
    );
    expect(resolveMarks(`const name = "${mark("null")}";\n`, false)).toBe('const name = "null";\n');
  });
  it("returns text without marks as it is", () => {
    const text = "namespace: n\nflag: true\n";
    expect(resolveMarks(text, true)).toBe(text);
  });
  it("marks only strings that are such words", () => {
    expect(markYamlWord("shop")).toBe("shop");
    expect(markYamlWord(true)).toBe(true);
    expect(markYamlWord(3)).toBe(3);
    expect(markYamlWord("null")).not.toBe("null");
  });
});

describe("the guarded renderer", () => {
  const sources = new Map([
    ["t", "name: {{name}}\nup: {{upper name}}\nflag: {{flag}}\nitems:\n{{#each items}}  - {{this}}\n{{/each}}{{> _p}}"],
    ["_p", "partial: {{name}}\n"],
  ]);
  it("marks plain interpolations of such words, in blocks and partials, and leaves helpers and booleans alone", () => {
    const render = createRenderer(sources);
    const view = { name: "no", flag: true, items: ["on", "x"] };
    expect(render("t", view)).toBe("name: no\nup: NO\nflag: true\nitems:\n  - on\n  - x\npartial: no\n");
    expect(resolveMarks(render.guarded!("t", view), true)).toBe('name: "no"\nup: NO\nflag: true\nitems:\n  - "on"\n  - x\npartial: "no"\n');
  });
});

describe("planSystem with such names", () => {
  it("renders an ordinary system through the guarded templates to the same bytes as through the plain ones", () => {
    for (const model of [exampleModel("shop"), modelFromYaml(fixture("wild"))]) {
      const plain = planSystem(model, renderer());
      const guarded = planSystem(model, renderer().guarded!);
      expect(guarded.map((f) => f.path)).toEqual(plain.map((f) => f.path));
      for (let i = 0; i < plain.length; i++) expect(guarded[i]!.content, plain[i]!.path).toBe(plain[i]!.content);
    }
  });

  it("writes YAML that YAML 1.1 and 1.2 readers read the same, for the fixture of such names and for ordinary systems", () => {
    const systems = {
      "yaml-words": modelFromYaml(fixture("yaml-words")),
      shop: exampleModel("shop"),
      wild: modelFromYaml(fixture("wild")),
    };
    for (const [name, model] of Object.entries(systems)) {
      const files = planSystem(model, renderer()).filter((f) => /\.ya?ml$/.test(f.path));
      expect(files.length, name).toBeGreaterThan(10);
      for (const f of files) expect(readAs(f.content, "1.1"), `${name}: ${f.path}`).toEqual(readAs(f.content, "1.2"));
      for (const f of planSystem(model, renderer())) expect(f.content, `${name}: ${f.path}`).not.toMatch(/[\uE000\uE001]/);
    }
  });
  it("reads the names back as strings: namespace, Deployment names, labels, Kong tags, AsyncAPI channels", () => {
    const files = new Map(planSystem(modelFromYaml(fixture("yaml-words")), renderer()).map((f) => [f.path, f.content]));
    const one = (p: string): Record<string, unknown> => readAs(files.get(p)!, "1.1")[0] as Record<string, unknown>;
    // prod deploys to the system's namespace; dev and staging to <namespace>-<env>
    expect(one("k8s/overlays/prod/kustomization.yaml").namespace).toBe("no");
    expect(one("k8s/overlays/dev/kustomization.yaml").namespace).toBe("no-dev");
    const dep = one("k8s/base/null/deployment.yaml") as { metadata: { name: unknown; labels: Record<string, unknown> } };
    expect(dep.metadata.name).toBe("null");
    expect(dep.metadata.labels["app.kubernetes.io/part-of"]).toBe("on");
    expect(one("k8s/base/y/deployment.yaml")).toMatchObject({ metadata: { name: "y" } });
    expect(JSON.stringify(one("gateway/kong.yml"))).toContain('"tags":["msa","on","y"]');
    expect(Object.keys((one("asyncapi.yaml") as { channels: object }).channels)).toContain("yes");
    // the same system under an ordinary name is written without quotes
    const shop = planSystem(exampleModel("shop"), renderer()).find((f) => f.path === "k8s/overlays/prod/kustomization.yaml")!;
    expect(shop.content).toMatch(/^namespace: shop$/m);
  });
});

describe("system.yaml written by init and add-service", () => {
  it("init quotes such names, and they read back as names under YAML 1.1 and 1.2", () => {
    const text = renderInitialSystem({ name: "null", contexts: ["y", "null", "orders"], broker: "nats", gateway: "kong" }, renderer());
    for (const v of ["1.1", "1.2"] as const) {
      const doc = readAs(text, v)[0] as { name: unknown; contexts: Record<string, unknown>; gateway: { routes: { context: unknown }[] } };
      expect(doc.name, v).toBe("null");
      expect(Object.keys(doc.contexts), v).toEqual(["y", "null", "orders"]);
      expect(doc.gateway.routes.map((r) => r.context), v).toEqual(["y", "null", "orders"]);
    }
    // an ordinary name is written as before: plain
    expect(renderInitialSystem({ name: "shop", contexts: ["orders"], broker: "nats", gateway: "kong" }, renderer())).toMatch(/^name: shop$/m);
  });
  it("renaming an example to such a name quotes it and keeps the trailing comment's column", () => {
    const text = "name: shop                     # system name\nversion: 1\n";
    expect(setTopLevelScalar(text, "name", "no")).toBe('name: "no"                     # system name\nversion: 1\n');
    expect(setTopLevelScalar(text, "name", "payments")).toBe("name: payments                 # system name\nversion: 1\n");
  });
  it("add-service writes a new context and event with such names quoted", () => {
    const base = "version: 1\nname: shop\ncontexts:\n  orders:\n    port: 3000\n";
    const { text } = addContext(base, { name: "off", api: [], publishes: ["yes"], consumes: [], calls: [] });
    expect(text).toContain('  "off":\n');
    const doc = readAs(text, "1.1")[0] as { contexts: Record<string, { publishes: unknown[] }>; events: Record<string, unknown> };
    expect(doc.contexts.off!.publishes).toEqual(["yes"]);
    expect(Object.keys(doc.events)).toEqual(["yes"]);
  });
});
