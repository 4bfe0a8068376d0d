#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build`; `npm pack` builds it through prepack).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  // Fast path: print the version without loading the CLI at all.
  const { readFileSync } = await import("node:fs");
  process.stdout.write(JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version + "\n");
} else if (await recordedHelp(args)) {
  // printed: `msa --help` to a pipe, from the record the build made (see scripts/compile-help.mjs)
} else {
  // validate-events, validate and generate have time budgets: their common forms run without commander (see
  // fast-validate-events.ts, fast-validate.ts, fast-generate.ts); validate's and generate's from one bundled file
  // each (scripts/bundle-cli.mjs).
  const fast = args[0] === "validate-events" ? await (await import("../dist/cli/fast-validate-events.js")).runValidateEventsFast(args.slice(1))
    : args[0] === "validate" ? await (await import(await bundledOr("validate", "fast-validate.js"))).runValidateFast(args.slice(1))
      : args[0] === "generate" ? await (await import(await bundledOr("generate", "fast-generate.js"))).runGenerateFast(args.slice(1))
      : args[0] === "analyze-deps" ? await (await import(await bundledOr("analyze-deps", "fast-analyze-deps.js"))).runAnalyzeDepsFast(args.slice(1))
        : undefined;
  if (fast !== undefined) process.exitCode = fast;
  else {
    const { main } = await import("../dist/cli/main.js");
    process.exitCode = await main(process.argv);
  }
}

/**
 * dist/bundle/NAME.js (scripts/bundle-cli.mjs) unless it is older than the compiled module it bundles,
 * dist/cli/MODULE, by more than 2 s: then that module (a `tsc` run after the build — it takes far longer than 2 s
 * and rewrites every output — leaves the bundle behind the code it stands for). The slack is for an installed
 * package, whose files get the time they were unpacked at, in no set order.
 */
async function bundledOr(name, module) {
  const { statSync } = await import("node:fs");
  const bundle = new URL(`../dist/bundle/${name}.js`, import.meta.url);
  const compiled = new URL(`../dist/cli/${module}`, import.meta.url);
  try {
    return statSync(bundle).mtimeMs >= statSync(compiled).mtimeMs - 2000 ? bundle.href : compiled.href;
  } catch {
    return compiled.href; // no bundle (built without it)
  }
}

/** `msa --help` not on a terminal: the text the build recorded, when it was recorded by exactly this CLI code. */
async function recordedHelp(argv) {
  if (argv.length !== 1 || (argv[0] !== "--help" && argv[0] !== "-h") || process.stdout.isTTY) return false;
  if (process.env.FORCE_COLOR || process.env.CLICOLOR_FORCE !== undefined) return false;
  try {
    const { readFileSync } = await import("node:fs");
    const { fileURLToPath } = await import("node:url");
    const { helpKey } = await import("./help-key.js");
    const record = JSON.parse(readFileSync(new URL("../dist/cli/help.json", import.meta.url), "utf8"));
    if (typeof record.text !== "string" || record.key !== helpKey(fileURLToPath(new URL("..", import.meta.url)))) return false;
    process.stdout.write(record.text);
    return true;
  } catch {
    return false; // no record (not built by npm run build) or unreadable: the real CLI answers
  }
}
