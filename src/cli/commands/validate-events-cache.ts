// A disk cache of compiled event validators (ajv standalone code), keyed by the schema's content,
// ajv's version and options: a repeated run loads a small module instead of loading ajv and
// compiling (meta-schema included). Any problem with the cache falls back to compiling.
// The file name is a fast hash of the key (slot-hash.ts); the module carries the whole key and is
// used only when it matches, so a shared slot costs a compile, never a wrong validator.
// Location: $MSA_CACHE_DIR, else $XDG_CACHE_HOME/msa/validators, else ~/.cache/msa/validators;
// MSA_NO_CACHE=1 or --no-cache turns it off.
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import type { ValidateFunction } from "ajv";
import { slotHash } from "../../core/slot-hash.js";
import { writeFileAtomic } from "../../io/atomic.js";
import { AJV_OPTIONS, compileWithAjv, standaloneSource, type Compile } from "../../core/events/validator.js";

const require = createRequire(import.meta.url);
/** Bump when the generated module's shape changes. */
const CACHE_FORMAT = 2;

export function cacheDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.MSA_NO_CACHE && env.MSA_NO_CACHE !== "0") return undefined;
  if (env.MSA_CACHE_DIR) return env.MSA_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "msa", "validators");
}

let salt: string | undefined;
/** ajv's version, the options and where ajv lives (the cached code requires its runtime by absolute path). */
function cacheSalt(): string {
  if (salt === undefined) {
    const ajvPkg = require.resolve("ajv/package.json");
    const version = (JSON.parse(fs.readFileSync(ajvPkg, "utf8")) as { version: string }).version;
    salt = `${CACHE_FORMAT}\0${version}\0${JSON.stringify(AJV_OPTIONS)}\0${path.dirname(ajvPkg)}`;
  }
  return salt;
}

/** The cached code requires modules by bare name: resolve them now so the cache can live anywhere. */
function absoluteRequires(source: string): string {
  return source.replace(/require\("([^"]+)"\)/g, (_m, id: string) => `require(${JSON.stringify(require.resolve(id))})`);
}

/** The key a cached module carries (set after ajv's `module.exports = validate`). */
type Cached = ValidateFunction & { msaCacheKey?: unknown };

export function cachingCompile(dir: string, compile: Compile = compileWithAjv): Compile {
  return (schema) => {
    let file: string | undefined;
    let key: string | undefined;
    try {
      key = `${cacheSalt()}\0${JSON.stringify(schema)}`;
      file = path.join(dir, `${slotHash(key)}.cjs`);
      if (fs.existsSync(file)) {
        delete require.cache[file]; // always what is on disk now
        const fn = require(file) as Cached;
        if (typeof fn === "function" && fn.msaCacheKey === key) return fn;
      }
    } catch {
      // unreadable or broken cache entry: compile instead (and overwrite it below)
    }
    const fn = compile(schema); // throws for an invalid schema: nothing is cached
    if (file && key) {
      try {
        const source = standaloneSource(fn);
        if (source) {
          writeFileAtomic(file, `// msa validate-events: cached validator (safe to delete)\n${absoluteRequires(source)}\nmodule.exports.msaCacheKey = ${JSON.stringify(key)};\n`);
        }
      } catch {
        // a read-only or full disk only costs the next run a compile
      }
    }
    return fn;
  };
}
