// A CommonJS module run from the V8 code cache the build wrote beside it (issue #24): compiling the precompiled
// system.yaml validator (~0.2 MB of code) and then the functions a validation runs cost ~15–20 ms of `msa validate`.
// The build step that writes the cache (scripts/compile-schema.mjs) runs the module through runCommonJs too, so both
// compile exactly the same text, and writes it with codeCacheBytes.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { withDefaultTiering } from "./tiering.js";

/** A CommonJS module's source as the function Node wraps it in. */
const commonJsWrapper = (source: string): string => `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;

/** Compiles (from `cachedData` when given) and runs the CommonJS module `filename` of text `source`, as require would. */
export function runCommonJs(filename: string, source: string, cachedData?: Buffer): { script: vm.Script; exports: unknown } {
  const script = new vm.Script(commonJsWrapper(source), { filename, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as unknown };
  (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(filename), module, filename, path.dirname(filename));
  return { script, exports: module.exports };
}

/** The cache file's bytes: the source's byte length (32-bit, little-endian), the source, then V8's data. */
export function codeCacheBytes(source: Buffer, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32LE(source.length);
  return Buffer.concat([length, source, data]);
}

/**
 * `file` (a .cjs module) as `require` would run it, compiled with the cache in the file of the same name ending in
 * `.cache` (codeCacheBytes). Undefined when there is no cache or it was made from another source — the caller then
 * `require`s the module. V8 itself rejects data from another V8 version or other flags: then the source is compiled
 * as require would.
 */
export function requireWithCodeCache(file: URL): unknown {
  try {
    const cache = fs.readFileSync(new URL(file.href.replace(/\.cjs$/, ".cache")));
    const source = fs.readFileSync(file);
    const length = cache.readUInt32LE(0);
    if (length !== source.length || !cache.subarray(4, 4 + length).equals(source)) return undefined;
    // under the flags the cache was made with (src/io/tiering.ts)
    return withDefaultTiering(() => runCommonJs(fileURLToPath(file), source.toString("utf8"), cache.subarray(4 + length)).exports);
  } catch {
    return undefined;
  }
}
