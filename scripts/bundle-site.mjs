// Build step (npm run build): the client of `msa docs` — templates/site/client/app.js with cytoscape, the graph
// library that draws the context map — as one classic script, dist/site/site.js. `msa docs` copies it into every
// site as assets/site.js, so a site needs no CDN and works from file:// (a classic script, not a module, for that).
// Cytoscape's license comment is kept. The same inputs give the same bytes (the site's output is deterministic).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
await build({
  entryPoints: [path.join(root, "templates/site/client/app.js")],
  outfile: path.join(root, "dist/site/site.js"),
  bundle: true,
  platform: "browser",
  format: "iife",
  target: "es2020",
  minify: true,
  legalComments: "eof",
  charset: "utf8",
  logLevel: "warning",
});
