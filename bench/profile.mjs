// Where generate's time goes: runs `msa generate` (cold) on the synthetic 500-context system under
// `node --cpu-prof` and summarises the profile: self time per file/package and per function, and the
// inclusive time of msa's own functions (which stage costs what).
// usage: node bench/profile.mjs [N=500] [--msa PATH/bin/msa.js] [--top 15]
//        node bench/profile.mjs --summarise FILE.cpuprofile
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { DATA, MSA, ROOT } from "./lib.mjs";
import { synthSystem } from "./synth.mjs";

const argv = process.argv.slice(2);
const arg = (name, def) => {
  const i = argv.indexOf(name);
  return i === -1 ? def : argv[i + 1];
};
const TOP = Number(arg("--top", 15));

export function summarise(file, top = TOP) {
  const prof = JSON.parse(fs.readFileSync(file, "utf8"));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map(); // node id → µs
  for (let i = 0; i < prof.samples.length; i++) self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (prof.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const where = (cf) => {
    const u = cf.url || "";
    if (!u) return cf.functionName.startsWith("(") ? cf.functionName : "(native)";
    const nm = u.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    if (nm) return nm[1];
    if (u.startsWith("node:")) return "node internals";
    const rel = u.replace(/^file:\/\//, "");
    const i = rel.lastIndexOf("/dist/");
    return i >= 0 ? rel.slice(i + 1) : path.basename(rel);
  };
  const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
  const byFile = new Map();
  const byFn = new Map();
  for (const [id, us] of self) {
    const cf = byId.get(id).callFrame;
    add(byFile, where(cf), us);
    add(byFn, `${cf.functionName || "(anonymous)"} ${where(cf)}:${cf.lineNumber + 1}`, us);
  }
  // inclusive time of msa's own functions (dist/), counting each frame once per sample path
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const incl = new Map();
  for (const [id, us] of self) {
    const seen = new Set();
    for (let n = id; n !== undefined; n = parent.get(n)) {
      const cf = byId.get(n).callFrame;
      if (!/\/dist\//.test(cf.url) || !cf.functionName) continue;
      const key = `${cf.functionName} ${where(cf)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      add(incl, key, us);
    }
  }
  const ms = (us) => `${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%`;
  const list = (title, m) => {
    console.log(`\n${title}`);
    for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${ms(v)}  ${k}`);
  };
  console.log(`profile ${path.relative(ROOT, file)}: ${(total / 1000).toFixed(0)} ms sampled`);
  list("self time by file / package", byFile);
  list("self time by function", byFn);
  list("inclusive time of msa functions", incl);
}

if (argv[0] === "--summarise") {
  summarise(argv[1]);
} else {
  const n = Number(argv.find((a) => /^\d+$/.test(a)) ?? 500);
  const msa = path.resolve(arg("--msa", MSA));
  const dir = path.join(DATA, `profile-${n}`);
  const profDir = path.join(DATA, "prof");
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(profDir, { recursive: true });
  fs.writeFileSync(path.join(dir, "system.yaml"), synthSystem(n));
  const name = `generate-${n}.cpuprofile`;
  fs.rmSync(path.join(profDir, name), { force: true });
  const r = spawnSync("node", ["--cpu-prof", "--cpu-prof-dir", profDir, "--cpu-prof-name", name, msa, "generate"], { cwd: dir, stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
  if (r.status !== 0) {
    console.error(`msa generate exited ${r.status}\n${r.stderr.slice(0, 2000)}`);
    process.exit(1);
  }
  summarise(path.join(profDir, name));
}
