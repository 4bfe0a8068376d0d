// The fast path of loading system.yaml (src/core/yaml-fast.ts, issue #24) must never differ from the precise
// one: the same data, the same diagnostics (it hands every doubtful text to the precise path), the same
// positions. Proved here on every system.yaml in the repository, on random systems, on synthetic ones, on
// YAML that the two libraries read differently, and on thousands of mutated texts.
import fs from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { describe, expect, it } from "vitest";
import { loadYamlText, positionOf, type LoadedDocument, type PathSegment } from "../../src/core/load.js";
import { parseAllDocuments } from "yaml";
import { fastYamlData, fastYamlDocuments, plainYamlData } from "../../src/core/yaml-fast.js";
import { randomSystem } from "../helpers/random-system.js";
// @ts-expect-error a plain .mjs module without types
import { synthSystem } from "../../bench/synth.mjs";

const ROOT = path.resolve(__dirname, "../..");

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name.startsWith(".")) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Every shape the plain line reader of yaml-fast.ts reads itself (and nothing it declines). */
const PLAIN_SHAPES = [
  "# a comment",
  "version: 1",
  "name: 'it''s'   # a comment after a quoted scalar",
  "title: \"say 'no' # not a comment\"",
  "url: http://host:8080/a#b",
  "'quoted key': x",
  "\"dq key\": [a, 'b''c', \"d e\", {k: v, 'q': [1, 2.5, -3, 0x1F, 0o17, .5, 1e3, ~, null, true, FALSE]}, [], {}, last,]",
  "numbers: { i: 12, f: 1.5, neg: -0, plus: +7, s: 2s, t: 12:30, n: .nan, inf: -.inf }",
  "list:",
  "- a",
  "-   b  # spaced",
  "- key: value",
  "  other: [x, y]",
  "-",
  "  nested: deep",
  "- ",
  "map:",
  "  1: one",
  "  1.5: onefive",
  "  a.b/c-d_e: {x: [y, {z: 'w'}]}",
  "  empty:",
  "  after: 3",
  "  seq:",
  "    - [p, q]",
  "    - - not",
  "",
].join("\n").replace("    - - not\n", "    - {r: s}\n");

const corpus: { name: string; text: string }[] = [
  { name: "plain shapes", text: PLAIN_SHAPES },
  ...[...yamlFiles(path.join(ROOT, "examples")), ...yamlFiles(path.join(ROOT, "test")), ...yamlFiles(path.join(ROOT, "templates"))]
    .filter((f) => !f.endsWith(".hbs"))
    .map((f) => ({ name: path.relative(ROOT, f), text: fs.readFileSync(f, "utf8") })),
  ...Array.from({ length: 24 }, (_, i) => ({ name: `random ${i}`, text: randomSystem(i) })),
  ...[3, 20, 60].map((n) => ({ name: `synth ${n}`, text: synthSystem(n) as string })),
  // positions read from lines alone (keys, same-line values, flow sequence items): every shape of item
  {
    name: "flow items",
    text: [
      "a:",
      "  b: [x, \"y, z\", 'q''s',  {k: [1, 2]}, [n, m], last ]  # a comment",
      "  c: [ ]",
      "  d: [one,two,]",
      "  e: [http://h:1/p, k: v]",
      "  f: \"quoted value\"",
      "  g: {a: [1]}",
      "  h: [1, [2, 3]] ",
      "  i: |",
      "    text",
      "  j:",
      "    - [p, q]",
      "",
    ].join("\n"),
  },
];

/** Equal data: node's deep strict equality (vitest's toStrictEqual compares `a.constructor`, which in a
 * system with a key named "constructor" is data, two equal but distinct objects). */
function sameData(a: unknown, b: unknown, name: string): void {
  if (!isDeepStrictEqual(a, b)) expect(a, name).toStrictEqual(b);
}

/** Every path into the data (keys and indices), each also with a segment that does not exist. */
function paths(v: unknown, prefix: PathSegment[] = [], out: PathSegment[][] = []): PathSegment[][] {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
  out.push([...prefix, "no-such-key"]);
  return out;
}

function samePositions(fast: LoadedDocument, slow: LoadedDocument): number {
  let n = 0;
  for (const p of paths(slow.data)) {
    for (const key of [false, true]) {
      expect(positionOf(fast, p, { key }), `${JSON.stringify(p)} key=${key}`).toStrictEqual(positionOf(slow, p, { key }));
      n++;
    }
  }
  return n;
}

describe("the fast YAML path reads exactly what the precise path reads", () => {
  it("on every YAML file of the repository, random and synthetic systems: data, diagnostics and positions", () => {
    let fastCount = 0;
    let plainCount = 0;
    for (const { name, text } of corpus) {
      const slow = loadYamlText(text, "system.yaml", { precise: true });
      const plain = plainYamlData(text);
      if (plain) {
        plainCount++;
        expect(slow.diagnostics, name).toStrictEqual([]);
        sameData(plain.data, slow.loaded?.data, name);
      }
      const fast = fastYamlData(text);
      if (!fast) continue;
      fastCount++;
      expect(slow.diagnostics, name).toStrictEqual([]);
      sameData(fast.data, slow.loaded?.data, name);
      const viaLoad = loadYamlText(text, "system.yaml");
      sameData(viaLoad.loaded?.data, slow.loaded?.data, name);
      samePositions(viaLoad.loaded as LoadedDocument, slow.loaded as LoadedDocument);
    }
    // the examples and most random systems take the fast path, else this proves nothing
    expect(fastCount).toBeGreaterThan(corpus.length / 2);
    // and most of those through the plain line reader (the rest through js-yaml)
    expect(plainCount).toBeGreaterThan(fastCount / 2);
  });

  it("reads multi-document streams (compose files, Kubernetes manifests) as parseAllDocuments does", () => {
    const precise = (text: string) =>
      parseAllDocuments(text).map((d) => d.toJS({ maxAliasCount: 100 }) as unknown).filter((d) => d !== null);
    const streams = [
      ...corpus.map((c) => c.text),
      "---\napiVersion: v1\nkind: Service\nmetadata: { name: a }\n---\n# only a comment\n---\nkind: Deployment\nspec:\n  env:\n    - { name: X_HOST, value: x }\n",
      "a: 1\n--- # a comment\nb: [2]\n---\n",
      "services:\n  web:\n    environment:\n      - CART_HOST=cart\n",
      "a: 1\n--- b\n", // a marker with content: declined
      "a: 1\n...\n---\nb: 2\n", // an end marker: declined
      "%YAML 1.2\n---\na: 1\n", // a directive: declined
      "a: 1\n---\na: [1, 2\n", // an error in the second document: declined
    ];
    let answered = 0;
    for (const text of streams) {
      const fast = fastYamlDocuments(text);
      if (!fast) continue;
      answered++;
      for (const d of parseAllDocuments(text)) expect(d.errors, text).toStrictEqual([]);
      sameData(fast, precise(text), text);
    }
    expect(answered).toBeGreaterThan(streams.length / 2);
    expect(fastYamlDocuments(streams[streams.length - 7] as string)).toHaveLength(2);
    for (const declined of streams.slice(-4)) expect(fastYamlDocuments(declined), declined).toBeUndefined();
  });

  it("hands YAML that js-yaml reads differently to the precise path", () => {
    const cases = [
      "a: yes\nb: on\nc: 0777\nd: 2001-12-14\n", // YAML 1.1 words, octal and dates are strings/numbers in 1.2 — fast and equal
      "%YAML 1.1\n---\na: yes\n", // a directive switches the schema
      "base: &b { x: 1 }\nother: *b\n", // aliases
      "a: { <<: { x: 1 } }\n", // merge key
      "a: !!binary aGk=\n", // tags
      "? [a, b]\n: c\n", // explicit collection key
      "null: 1\n", // js-yaml names a null key "null", yaml ""
      "~: 1\n",
      "a: 1\na: 2\n", // duplicate keys: an error with a position
      "a:\n\tb: 1\n", // a tab in the indentation
      "a: [1, 2\n", // syntax error
      "\uFEFFa: 1\n",
      "a: 1\r\nb: 2\r\n",
      "",
      "# only a comment\n",
      "a: 0o17\nb: 0x1F\nc: +12\nd: -0\ne: .5\nf: 1e3\ng: .inf\nh: -.Inf\ni: .nan\nj: 1_000\nk: 0b11\nl: TRUE\nm: True\nn: ~\no: Null\np: 12345678901234567890\n",
      "a: |\n  keep\n\n\nb: >-\n  folded\n  text\n\nc: \"esc \\x41 \\u00e9 \\N \\_\"\nd: 'it''s'\ne: plain\n  continued\n",
      "__proto__: { polluted: true }\n",
      "[a, b]: c\n",
    ];
    for (const text of cases) {
      const slow = loadYamlText(text, "system.yaml", { precise: true });
      const fast = fastYamlData(text);
      if (fast) {
        expect(slow.diagnostics, JSON.stringify(text)).toStrictEqual([]);
        expect(fast.data, JSON.stringify(text)).toStrictEqual(slow.loaded?.data);
      }
      const viaLoad = loadYamlText(text, "system.yaml");
      expect(viaLoad.diagnostics, JSON.stringify(text)).toStrictEqual(slow.diagnostics);
      expect(viaLoad.loaded?.data, JSON.stringify(text)).toStrictEqual(slow.loaded?.data);
    }
    // the plain 1.2 cases really do take the fast path
    expect(fastYamlData(cases[0] as string)?.data).toStrictEqual({ a: "yes", b: "on", c: 777, d: "2001-12-14" });
    expect(fastYamlData(cases[15] as string)).toBeDefined();
    expect(fastYamlData(cases[16] as string)).toBeDefined();
  });

  it("on mutated texts: whenever the fast path answers, the precise path finds no error and the same data", () => {
    // deterministic mutations of small valid systems: characters YAML cares about inserted or deleted,
    // lines duplicated, re-indented or swapped
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const bases = [fs.readFileSync(path.join(ROOT, "examples/minimal/system.yaml"), "utf8"), randomSystem(3), randomSystem(11), synthSystem(4) as string, PLAIN_SHAPES];
    const chars = [":", " ", "-", "[", "]", "{", "}", ",", "\"", "'", "#", "|", ">", "\n", "  ", "? ", "\\", "%", "@", "`", "1", "."];
    let fastHits = 0;
    let plainHits = 0;
    let mutants = 0;
    for (let round = 0; round < 1500; round++) {
      let text = bases[round % bases.length] as string;
      const edits = 1 + Math.floor(rnd() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rnd() * text.length);
        const kind = Math.floor(rnd() * 5);
        if (kind === 0) text = text.slice(0, at) + text.slice(at + 1);
        else if (kind === 1) text = text.slice(0, at) + chars[Math.floor(rnd() * chars.length)] + text.slice(at);
        else {
          const lines = text.split("\n");
          const i = Math.floor(rnd() * lines.length);
          if (kind === 2) lines.splice(i, 0, lines[i] as string);
          else if (kind === 3) lines[i] = (rnd() < 0.5 ? " " : "") + (lines[i] as string).replace(/^ /, rnd() < 0.5 ? "" : " ");
          else lines.splice(i, 2, lines[i + 1] ?? "", lines[i] as string);
          text = lines.join("\n");
        }
      }
      mutants++;
      const plain = plainYamlData(text);
      if (plain) {
        plainHits++;
        const slow = loadYamlText(text, "system.yaml", { precise: true });
        expect(slow.diagnostics, text).toStrictEqual([]);
        sameData(plain.data, slow.loaded?.data, text);
      }
      const fast = fastYamlData(text);
      if (!fast) continue;
      fastHits++;
      const slow = loadYamlText(text, "system.yaml", { precise: true });
      expect(slow.diagnostics, text).toStrictEqual([]);
      sameData(fast.data, slow.loaded?.data, text);
    }
    expect(mutants).toBe(1500);
    expect(fastHits).toBeGreaterThan(100);
    expect(plainYamlData(PLAIN_SHAPES), "the plain reader reads every shape it knows").toBeDefined();
    expect(plainHits).toBeGreaterThan(100);
  });
});
