#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm install` through the prepare script).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // Fast path: print the version without loading the CLI at all.
  const { readFileSync } = await import("node:fs");
  process.stdout.write(JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version + "\n");
} else {
  const { main } = await import("../dist/cli/main.js");
  process.exitCode = await main(process.argv);
}
