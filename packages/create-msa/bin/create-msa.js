#!/usr/bin/env node
// `npm create msa [dir] [-- flags]` runs this: `msa init` with the same arguments, prompts and exit code.
// It uses an msa-cli installed beside it (a project's devDependency, a workspace), else the msa-cli of the
// same version from the registry through npx.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const args = ["init", ...process.argv.slice(2)];
let r;
try {
  const bin = path.join(path.dirname(require.resolve("msa-cli/package.json")), "bin/msa.js");
  r = spawnSync(process.execPath, [bin, ...args], { stdio: "inherit" });
} catch {
  const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  const npx = process.platform === "win32" ? "npx.cmd" : "npx";
  r = spawnSync(npx, ["--yes", `msa-cli@${version}`, ...args], { stdio: "inherit", shell: process.platform === "win32" });
}
if (r.error) {
  process.stderr.write(`create-msa: could not run msa-cli: ${r.error.message}\n`);
  process.exit(2);
}
process.exit(r.signal === "SIGINT" ? 130 : (r.status ?? 2));
