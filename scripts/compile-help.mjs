// Build step (npm run build, after tsc): records `msa --help` as printed to a pipe, so bin/msa.js can answer a
// plain `msa --help` without loading commander and every command definition (the start-up budget is 1.5× `node -e 0`).
// The record carries a key over msa's CLI code and commander's version; bin/msa.js recomputes it and falls back to
// the real CLI when anything differs (or when output goes to a terminal, whose width and colours change the text).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { helpKey } from "../bin/help-key.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.join(root, "dist/cli/help.json");
fs.rmSync(out, { force: true }); // never serve an old record while making the new one
const env = { ...process.env };
for (const k of ["FORCE_COLOR", "CLICOLOR_FORCE", "NO_COLOR"]) delete env[k];
const r = spawnSync(process.execPath, [path.join(root, "bin/msa.js"), "--help"], { encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"] });
if (r.status !== 0 || !r.stdout) {
  console.error(`compile-help: msa --help exited ${r.status}; no help record written\n${r.stderr}`);
  process.exit(0); // not fatal: bin/msa.js then always runs the real CLI
}
fs.writeFileSync(out + ".tmp", JSON.stringify({ key: helpKey(root), text: r.stdout }) + "\n");
fs.renameSync(out + ".tmp", out);
