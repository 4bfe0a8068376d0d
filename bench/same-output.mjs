// Issue #24: speed work must keep generate's output byte-identical. Generates the synthetic N-context system
// (bench/synth.mjs) with two builds of msa and compares the trees: `diff -r` over every file but the manifest,
// and the manifest without its `fingerprint` line (it hashes msa's own code, so two builds differ there).
// usage: node bench/same-output.mjs --before OTHER/bin/msa.js [--n 500] [--msa PATH/bin/msa.js]
// exits 0 when identical, 1 (printing the first differences) otherwise.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { DATA, MSA } from "./lib.mjs";
import { synthSystem } from "./synth.mjs";

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(name);
  return i === -1 ? def : argv[i + 1];
};
const before = opt("--before");
if (!before) {
  console.error("usage: node bench/same-output.mjs --before OTHER/bin/msa.js [--n 500] [--msa PATH/bin/msa.js]");
  process.exit(2);
}
const n = Number(opt("--n", 500));
const builds = { before: path.resolve(before), after: path.resolve(opt("--msa", MSA)) };
const dirs = {};
for (const [side, msa] of Object.entries(builds)) {
  const d = path.join(DATA, `same-output-${n}-${side}`);
  fs.rmSync(d, { recursive: true, force: true });
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, "system.yaml"), synthSystem(n));
  const r = spawnSync("node", [msa, "generate"], { cwd: d, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${msa} generate exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  dirs[side] = d;
}
const manifest = (d) => fs.readFileSync(path.join(d, ".msa/manifest.json"), "utf8").split("\n").filter((l) => !/"fingerprint"/.test(l)).join("\n");
const diff = spawnSync("diff", ["-r", "-q", "--exclude=manifest.json", dirs.before, dirs.after], { encoding: "utf8", maxBuffer: 1 << 28 });
const count = (d) => fs.readdirSync(d, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
const sameManifest = manifest(dirs.before) === manifest(dirs.after);
console.log(`${n} contexts: ${count(dirs.before)} files (before) / ${count(dirs.after)} (after); diff -r: ${diff.status === 0 ? "identical" : "DIFFERENT"}; manifest without its fingerprint: ${sameManifest ? "identical" : "DIFFERENT"}`);
if (diff.status !== 0) console.log(diff.stdout.split("\n").slice(0, 20).join("\n"));
process.exit(diff.status === 0 && sameManifest ? 0 : 1);
