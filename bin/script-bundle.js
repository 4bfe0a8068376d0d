// The script form of a bundled fast path (dist/bundle/NAME.cjs, scripts/bundle-cli.mjs) compiled from the V8 code
// cache beside it (dist/bundle/NAME.cache, scripts/code-cache.mjs) — issue #24: an ES module is compiled from its
// source on every start (Node 20 has no compile cache), ~90 M instructions of a 500-context `msa validate` in
// compiling the bundle and then each function a validation runs. Shared by bin/msa.js and the build step that
// makes the cache, so both compile exactly the same text.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import vm from "node:vm";

/** The bundle's text as the function it runs in; `__msaBundleUrl` stands for import.meta.url (bundle-cli.mjs). */
const wrap = (source) => `(function (exports, require, module, __filename, __dirname, __msaBundleUrl, __msaImport) { ${source}\n})`;
/** A package's dynamic import for the bundle (bundle-cli.mjs): resolved from here, in the package as dist/ is. */
const importPackage = (specifier) => import(specifier);

/** Compiles and runs the script bundle `file` (its `source`), from `cachedData` when given: its script and exports. */
export function runScriptBundle(file, source, cachedData) {
  const script = new vm.Script(wrap(source), { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file), pathToFileURL(file).href, importPackage);
  return { script, exports: module.exports };
}

/**
 * The exports of dist/bundle/NAME.cjs compiled from its code cache, or undefined: no cache, a cache made from
 * another text (it holds the text it was made from: 32-bit length, the bytes, then V8's data). A cache V8 rejects (another Node
 * version or other V8 flags) still runs: compiled from the text, as the ES module would be.
 */
export function scriptBundle(name) {
  const file = fileURLToPath(new URL(`../dist/bundle/${name}.cjs`, import.meta.url));
  let cache;
  let source;
  try {
    cache = fs.readFileSync(file.replace(/\.cjs$/, ".cache"));
    source = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  const length = cache.length >= 4 ? cache.readUInt32LE(0) : -1;
  if (length !== source.length || !cache.subarray(4, 4 + length).equals(source)) return undefined;
  return runScriptBundle(file, source.toString("utf8"), cache.subarray(4 + length)).exports;
}
