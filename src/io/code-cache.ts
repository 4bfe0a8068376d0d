// A CommonJS module run from the V8 code cache the build wrote beside it (issue #24): compiling the precompiled
// system.yaml validator (~0.2 MB of code) and then the functions a validation runs cost ~15–20 ms of `msa validate`.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";
import { commonJsWrapper } from "../core/validate.js";

/**
 * `file` (a .cjs module) as `require` would run it, compiled with the cache in the file of the same name ending in
 * `.cache` (scripts/compile-schema.mjs writes it: the source's byte length as a 32-bit number, the source, then V8's
 * data). Undefined when there is no cache or it was made from another source — the caller then `require`s the
 * module. V8 itself rejects data from another V8 version or other flags: then the source is compiled as require would.
 */
export function requireWithCodeCache(file: URL): unknown {
  try {
    const cache = fs.readFileSync(new URL(file.href.replace(/\.cjs$/, ".cache")));
    const source = fs.readFileSync(file);
    const length = cache.readUInt32LE(0);
    if (length !== source.length || !cache.subarray(4, 4 + length).equals(source)) return undefined;
    const filename = fileURLToPath(file);
    const script = new vm.Script(commonJsWrapper(source.toString("utf8")), { filename, cachedData: cache.subarray(4 + length) });
    const module = { exports: {} as unknown };
    (script.runInThisContext() as (...args: unknown[]) => void).call(module.exports, module.exports, createRequire(file), module, filename, path.dirname(filename));
    return module.exports;
  } catch {
    return undefined;
  }
}
