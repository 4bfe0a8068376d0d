// Build step (npm run build, after tsc): the fast path of `msa validate` (src/cli/fast-validate.ts and every msa
// module it imports, statically or on first need) as one ES module, dist/bundle/validate.js, with a source map
// beside it. Issue #24: loading its ~57 modules one by one (resolve, read, compile, link each) cost ~2× the CPU of
// loading one file of the same code, ~30–40 ms of a ~0.3 s run at 500 contexts. bin/msa.js uses the bundle unless
// it is older than dist/cli/fast-validate.js by more than 2 s (a `tsc` run alone leaves it older: the modules then).
//
// What the bundle keeps as it was:
//  - packages stay imports of node_modules (`packages: "external"`), loaded when and as they were;
//  - each module's `import.meta.url` is its own compiled file's URL (dist/<same path>.js), so the relative paths
//    it reads through it (the precompiled schema validator, schemas/*.json, package.json) resolve as before;
//  - src/core/build-id.ts stays the module the build writes (dist/core/build-id.js, by compile-schema.mjs, which
//    runs after this step), imported at run time: bundled, it would say "dev" in a built msa;
//  - the code is esbuild's reading of the TypeScript sources — the transform the unit tests run — not minified;
//    the source map (`node --enable-source-maps`) points stack traces into src/.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { asciiOnly } from "./ascii-only.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "dist/bundle");
// analyze-deps (issue #22/#24): its fast path with the command's code, and the scan's worker thread, which
// loads the scanner again in its own isolate (ScanPool.start prefers this bundle to dist/io/scan-worker.js).
// generate (issue #24, second round): its fast path with generate's action and everything it loads on the way.
const ENTRIES = { validate: "src/cli/fast-validate.ts", generate: "src/cli/fast-generate.ts", "analyze-deps": "src/cli/fast-analyze-deps.ts", "scan-worker": "src/io/scan-worker.ts" };

/** Rewrites `import.meta.url` in each source to the URL of that module's compiled file in dist/. */
const ownUrl = {
  name: "own-import-meta-url",
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      const rel = path.relative(path.join(root, "src"), args.path);
      if (rel.startsWith("..")) return undefined;
      const compiled = path.relative(outdir, path.join(root, "dist", rel.replace(/\.ts$/, ".js"))).split(path.sep).join("/");
      const text = fs.readFileSync(args.path, "utf8");
      return { contents: text.replaceAll("import.meta.url", `new URL(${JSON.stringify(compiled)}, import.meta.url).href`), loader: "ts" };
    });
  },
};

/** Imports of the build's own build-id module stay imports of dist/core/build-id.js. */
const buildId = {
  name: "build-id-external",
  setup(b) {
    b.onResolve({ filter: /(^|\/)build-id\.js$/ }, (args) => {
      const target = path.join(args.resolveDir, args.path);
      if (target !== path.join(root, "src/core/build-id.js")) return undefined;
      return { path: path.relative(outdir, path.join(root, "dist/core/build-id.js")).split(path.sep).join("/"), external: true };
    });
  },
};

fs.rmSync(outdir, { recursive: true, force: true });
for (const [name, entry] of Object.entries(ENTRIES)) {
  await build({
    entryPoints: [path.join(root, entry)],
    outfile: path.join(outdir, `${name}.js`),
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "linked",
    sourcesContent: false,
    legalComments: "eof",
    logLevel: "warning",
    plugins: [buildId, ownUrl],
  });
  asciiOnlyFile(path.join(outdir, `${name}.js`));
}

/**
 * esbuild writes strings, regular expressions and names ASCII-only (its default charset) but keeps comments as they
 * are; a few non-ASCII characters in them (em dashes) made the whole bundle a two-byte string for V8, decoded and
 * scanned as such on every run (issue #24). Written as `\uXXXX` they are the same comments. A source-map column after
 * such a character on its line would move; esbuild's output has them only in whole-line comments, which have none.
 */
function asciiOnlyFile(file) {
  const text = fs.readFileSync(file, "utf8");
  const ascii = asciiOnly(text);
  if (ascii !== text) fs.writeFileSync(file, ascii);
}
