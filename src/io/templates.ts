// Reads every file under templates/ once; names are paths without `.hbs`.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { PrecompiledLoader, PrecompiledTemplates, TemplateSources } from "../core/render.js";
import { requireWithCodeCache } from "./code-cache.js";

/** The package root (holds templates/, schemas/, examples/), found from this compiled file. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

let cache: Map<string, string> | undefined;

export function loadTemplates(root = path.join(packageRoot, "templates")): TemplateSources {
  if (cache && root === path.join(packageRoot, "templates")) return cache;
  const out = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        const rel = path.relative(root, full).split(path.sep).join("/").replace(/\.hbs$/, "");
        out.set(rel, fs.readFileSync(full, "utf8"));
      }
    }
  };
  walk(root);
  if (root === path.join(packageRoot, "templates")) cache = out;
  return out;
}

const require = createRequire(import.meta.url);
/**
 * The templates the build compiled ahead of time (scripts/compile-templates.mjs → dist/core/templates.*.cjs),
 * when present, compiled from the V8 code cache the build wrote beside them when it matches (code-cache.ts);
 * render.ts uses them only when they were made from the templates it is handed.
 */
export const precompiledTemplates: PrecompiledLoader = (guarded) => {
  const module = `../core/templates.${guarded ? "guarded" : "plain"}.cjs`;
  try {
    return (requireWithCodeCache(new URL(module, import.meta.url)) ?? require(module)) as PrecompiledTemplates;
  } catch {
    return undefined; // not built (tests run from the sources): compiled at run time
  }
};
