// src/io/tiering.ts: validate raises V8's interrupt budget for its run, and the precompiled schema validator's
// code cache (made by the build under V8's defaults) is still accepted, because it is compiled under them.
// Runs the built modules in a fresh node (the flag is per process).
import { execFileSync } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const dist = path.resolve(__dirname, "../../dist");
const url = (rel: string): string => pathToFileURL(path.join(dist, rel)).href;

function run(raise: boolean): { underDefaults: boolean; underRaised: boolean; exportsOk: boolean } {
  const script = `
    import fs from "node:fs";
    import { raiseTierUpBudget, withDefaultTiering } from ${JSON.stringify(url("io/tiering.js"))};
    import { runCommonJs, requireWithCodeCache } from ${JSON.stringify(url("io/code-cache.js"))};
    const file = ${JSON.stringify(path.join(dist, "core/system-schema.validate.cjs"))};
    const cache = fs.readFileSync(file.replace(/\\.cjs$/, ".cache"));
    const length = cache.readUInt32LE(0);
    const source = cache.subarray(4, 4 + length).toString("utf8");
    const data = cache.subarray(4 + length);
    if (${raise}) raiseTierUpBudget();
    const underDefaults = withDefaultTiering(() => runCommonJs(file, source, data).script.cachedDataRejected);
    const underRaised = runCommonJs(file, source, data).script.cachedDataRejected;
    const fn = requireWithCodeCache(new URL(${JSON.stringify(url("core/system-schema.validate.cjs"))}));
    console.log(JSON.stringify({ underDefaults, underRaised, exportsOk: typeof fn === "function" && fn({}) === false }));`;
  return JSON.parse(execFileSync("node", ["--input-type=module", "-e", script], { encoding: "utf8" }));
}

describe("tier-up budget of a short run", () => {
  it("leaves V8 alone unless raised: the build's cache is accepted either way", () => {
    expect(run(false)).toEqual({ underDefaults: false, underRaised: false, exportsOk: true });
  });

  it("raised (Node 20's V8), the cache is rejected under the raised flag and accepted through withDefaultTiering", () => {
    const r = run(true);
    if (!process.versions.v8.startsWith("11.3.")) {
      // another V8: the budget is not touched (its default is not known here)
      expect(r).toEqual({ underDefaults: false, underRaised: false, exportsOk: true });
      return;
    }
    expect(r).toEqual({ underDefaults: false, underRaised: true, exportsOk: true });
  });
});
