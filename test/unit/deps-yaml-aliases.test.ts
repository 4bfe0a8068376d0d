// analyze-deps reads compose and k8s files through fastYamlDocumentsWithAliases (src/core/yaml-fast.ts): the
// fast path, plus js-yaml for documents with anchors, aliases and `<<` keys. Whatever it returns must be what
// the `yaml` library gives (parseAllDocuments, toJS({ maxAliasCount: 100 }), as harvestDeployment reads it).
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { fastYamlDocumentsWithAliases } from "../../src/core/yaml-fast.js";

const precise = (text: string): unknown[] => parseAllDocuments(text, { logLevel: "silent" }).map((d) => d.toJS({ maxAliasCount: 100 }) as unknown).filter((d) => d !== null);

const logging = "    logging: &logging\n      driver: \"json-file\"\n      options:\n        max-size: \"25m\"\n";
const compose = (n: number): string =>
  "version: '3'\nservices:\n  first:\n    build:\n      context: first\n    environment:\n      CART_HOST: cart\n      PORT: 8080\n" + logging +
  Array.from({ length: n }, (_, i) => `  s${i}:\n    image: x/s${i}:\${TAG}\n    environment:\n      - A_URL=http://a:80\n      - N=${i}\n    logging:\n      <<: *logging\n`).join("");

const READ: [string, string][] = [
  ["compose with an anchor and 11 merges (robot-shop's shape)", compose(11)],
  ["compose with an anchor and 12 merges", compose(12)],
  ["an alias as a whole value", "a: &x { b: 1, c: [true, null, 0x1f, 1.5, '2'] }\nd: *x\ne: [*x, *x]\n"],
  ["nested anchors", "base: &base\n  env:\n    - name: A\n      value: \"1\"\nmore: &more\n  inner: *base\n  again: *base\nlast: *more\n"],
  ["k8s documents, one with an anchor", "apiVersion: v1\nkind: Deployment\nmetadata:\n  name: a\n---\nkind: StatefulSet\nmetadata: &m\n  name: b\nspec:\n  template:\n    metadata: *m\n---\n"],
  ["an ampersand and an asterisk inside values", "environment:\n  Q: a&b\n  GLOB: 'x *y'\n  R: \"*\"\n"],
  ["an anchored scalar", "x: &v 010\ny: *v\nz: &w 1_000\nw: *w\n"],
];
const DECLINED: [string, string][] = [
  ["13 aliases", compose(13)],
  ["two `<<` keys in one map (a duplicate key)", "a: &a { x: 1 }\nb: &b { y: 2 }\nc:\n  <<: *a\n  <<: *b\n"],
  ["an alias to an anchor in another document", "a: &a 1\n---\nb: *a\n"],
  ["an alias before its anchor", "b: *a\na: &a 1\n"],
  ["a tag", "a: &a !!str 1\nb: *a\n"],
];
/** Read or declined: either is right, but what is read must be the yaml library's data. */
const EITHER: [string, string][] = [
  ["an anchored key", "&k key: 1\nb: *k\n"],
  ["an alias in a flow mapping", "a: &a x\nb: { c: *a, d: [*a] }\n"],
  ["an anchored sequence item", "a:\n  - &i { name: A, value: v }\n  - *i\n"],
  ["a self-referencing anchor", "a: &a { b: *a }\n"],
];

describe("fastYamlDocumentsWithAliases: the `yaml` library's data, or undefined", () => {
  for (const [what, text] of READ) {
    it(`reads ${what} as the yaml library does`, () => {
      const fast = fastYamlDocumentsWithAliases(text);
      expect(fast).toBeDefined();
      expect(fast).toEqual(precise(text));
    });
  }
  for (const [what, text] of DECLINED) {
    it(`declines ${what}`, () => {
      expect(fastYamlDocumentsWithAliases(text)).toBeUndefined();
    });
  }
  for (const [what, text] of EITHER) {
    it(`reads ${what} as the yaml library does, or declines it`, () => {
      const fast = fastYamlDocumentsWithAliases(text);
      if (fast !== undefined) expect(fast).toEqual(precise(text));
    });
  }
});
