// The build writes a V8 code cache beside each precompiled template module (scripts/compile-templates.mjs); a
// generate compiles the module from it (src/io/templates.ts). The cache must hold exactly the module's source, be
// accepted by this node, and give the same templates as requiring the module. Runs the built modules in a fresh node.
import { execFileSync } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const dist = path.resolve(__dirname, "../../dist");
const url = (rel: string): string => pathToFileURL(path.join(dist, rel)).href;

function check(set: "plain" | "guarded"): { sameSource: boolean; rejected: boolean; sameKey: boolean; sameNames: boolean } {
  const script = `
    import fs from "node:fs";
    import { createRequire } from "node:module";
    import { runCommonJs } from ${JSON.stringify(url("io/code-cache.js"))};
    import { precompiledTemplates } from ${JSON.stringify(url("io/templates.js"))};
    const file = ${JSON.stringify(path.join(dist, `core/templates.${set}.cjs`))};
    const cache = fs.readFileSync(file.replace(/\\.cjs$/, ".cache"));
    const length = cache.readUInt32LE(0);
    const source = cache.subarray(4, 4 + length);
    const { script } = runCommonJs(file, source.toString("utf8"), cache.subarray(4 + length));
    const loaded = precompiledTemplates(${set === "guarded"});
    const required = createRequire(import.meta.url)(file);
    console.log(JSON.stringify({
      sameSource: source.equals(fs.readFileSync(file)),
      rejected: script.cachedDataRejected,
      sameKey: loaded.key === required.key,
      sameNames: JSON.stringify(Object.keys(loaded.specs)) === JSON.stringify(Object.keys(required.specs)),
    }));`;
  return JSON.parse(execFileSync("node", ["--input-type=module", "-e", script], { encoding: "utf8" }));
}

describe("precompiled templates' code cache", () => {
  for (const set of ["plain", "guarded"] as const)
    it(`${set}: made from the module's source, accepted, same templates as require`, () => {
      expect(check(set)).toEqual({ sameSource: true, rejected: false, sameKey: true, sameNames: true });
    });
});
