// Issue #24, speed at scale. Interleaved rounds in one run, medians, CPU (user + system, from /usr/bin/time)
// beside wall time — on this shared machine wall time swings several-fold, so CPU ratios are the verdict:
//  1. cold `msa generate` of an N-context system against the write-only floor: a process that writes the same
//     paths and bytes the same way (one mkdir -p per leaf directory, then per file: write a temp file, rename);
//  2. `msa validate` at 50/200/500 contexts (the fast YAML path) against the precise path (MSA_YAML_PRECISE=1)
//     and against `node -e 0`;
//  3. cold generate at 50/200/500/1000 contexts: peak RSS and CPU, and the exponents of least-squares fits.
// usage: node bench/scale.mjs [--rounds 3] [--n 500] [--sizes 50,200,500,1000] [--skip-growth] [--skip-validate] [--skip-floor]
//        [--baseline PATH/bin/msa.js]   (parts 1 and 2 also run that msa, interleaved: before/after in one run)
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DATA, MSA, fmt, median, timeRuns } from "./lib.mjs";
import { synthSystem } from "./synth.mjs";

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(name);
  return i === -1 ? def : argv[i + 1];
};
const ROUNDS = Number(opt("--rounds", 3));
const N = Number(opt("--n", 500));
const SIZES = String(opt("--sizes", "50,200,500,1000")).split(",").map(Number);
const BASELINE = opt("--baseline", undefined) ? path.resolve(opt("--baseline")) : undefined;
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(" ");
const cpuOf = (r) => r.cpu.map(([u, s]) => u + s);
const dir = path.join(DATA, "scale");
fs.mkdirSync(dir, { recursive: true });
console.log(`msa scale bench — ${new Date().toISOString()}, ${os.cpus().length} cores, node ${process.version}, msa ${MSA}, load ${load()}`);

function fresh(d, n) {
  fs.rmSync(d, { recursive: true, force: true });
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, "system.yaml"), synthSystem(n));
}

/** All files of a tree as one blob + index, so the floor process spends nothing on reading many files. */
function packTree(root, out) {
  const files = [];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) files.push(r);
    }
  };
  walk("");
  files.sort();
  const bufs = files.map((f) => fs.readFileSync(path.join(root, f)));
  fs.writeFileSync(`${out}.bin`, Buffer.concat(bufs));
  fs.writeFileSync(`${out}.json`, JSON.stringify(files.map((f, i) => [f, bufs[i].length, (fs.statSync(path.join(root, f)).mode & 0o111) !== 0])));
  return files.length;
}

const FLOOR = `
const fs = require("fs"), path = require("path");
const [pack, root] = process.argv.slice(1);
const index = JSON.parse(fs.readFileSync(pack + ".json", "utf8"));
const blob = fs.readFileSync(pack + ".bin");
const dirs = [...new Set(index.map(([f]) => path.dirname(path.join(root, f))))].sort();
for (const [i, d] of dirs.entries()) if (!dirs[i + 1]?.startsWith(d + path.sep)) fs.mkdirSync(d, { recursive: true });
let off = 0;
for (const [f, len, x] of index) {
  const file = path.join(root, f), tmp = path.join(path.dirname(file), "." + path.basename(file) + ".floor.tmp");
  fs.writeFileSync(tmp, blob.subarray(off, off + len), { mode: x ? 0o755 : 0o644 });
  fs.renameSync(tmp, file);
  off += len;
}`;

if (!argv.includes("--skip-floor")) {
  console.log(`\n-- cold generate of ${N} contexts against the write-only floor, ${ROUNDS} interleaved rounds (load ${load()})`);
  const ref = path.join(dir, `ref-${N}`);
  fresh(ref, N);
  const g = spawnSync("node", [MSA, "generate"], { cwd: ref, encoding: "utf8" });
  if (g.status !== 0) throw new Error(g.stderr);
  const files = packTree(ref, path.join(dir, `pack-${N}`));
  const gen = { ms: [], cpu: [], rssMB: [] };
  const floor = { ms: [], cpu: [], rssMB: [] };
  const base = { ms: [], cpu: [], rssMB: [] };
  for (let r = 0; r < ROUNDS; r++) {
    // each run writes into a directory of its own (deleting ~20k files just before a run bills the next one)
    const gd = path.join(dir, `gen-${N}-${r}`);
    const fd = path.join(dir, `floor-${N}-${r}`);
    const bd = path.join(dir, `base-${N}-${r}`);
    fresh(gd, N);
    if (BASELINE) fresh(bd, N);
    fs.rmSync(fd, { recursive: true, force: true });
    const runs = [[gen, [MSA, "generate"], gd], [floor, ["-e", FLOOR, path.join(dir, `pack-${N}`), fd], dir], ...(BASELINE ? [[base, [BASELINE, "generate"], bd]] : [])];
    // a different order each round (rotated), so no side always runs right after the same other
    for (const [acc, args, cwd] of [...runs.slice(r % runs.length), ...runs.slice(0, r % runs.length)]) {
      const t = timeRuns(["node", ...args], { runs: 1, cwd, settle: true });
      acc.ms.push(...t.ms);
      acc.cpu.push(...t.cpu);
      acc.rssMB.push(...t.rssMB);
    }
  }
  const gc = median(cpuOf(gen));
  const fc = median(cpuOf(floor));
  console.log(`files: ${files}`);
  console.log(`generate: wall ${fmt(median(gen.ms))} (${gen.ms.map(fmt).join(", ")}), CPU ${gc.toFixed(2)} s (${cpuOf(gen).map((c) => c.toFixed(2)).join(", ")}), peak RSS ${Math.max(...gen.rssMB).toFixed(0)} MB`);
  console.log(`floor:    wall ${fmt(median(floor.ms))} (${floor.ms.map(fmt).join(", ")}), CPU ${fc.toFixed(2)} s (${cpuOf(floor).map((c) => c.toFixed(2)).join(", ")})`);
  console.log(`ratio: CPU ${(gc / fc).toFixed(2)}× (budget ≤ 2×), wall ${(median(gen.ms) / median(floor.ms)).toFixed(2)}× — load ${load()}`);
  if (BASELINE) {
    const bc = median(cpuOf(base));
    console.log(`baseline ${BASELINE}: wall ${fmt(median(base.ms))} (${base.ms.map(fmt).join(", ")}), CPU ${bc.toFixed(2)} s (${cpuOf(base).map((c) => c.toFixed(2)).join(", ")}), peak RSS ${Math.max(...base.rssMB).toFixed(0)} MB`);
    console.log(`baseline against the floor: CPU ${(bc / fc).toFixed(2)}×; msa against the baseline: CPU ${(gc / bc).toFixed(2)}×`);
  }
}

if (!argv.includes("--skip-validate")) {
  console.log(`\n-- validate, ${ROUNDS} interleaved rounds (load ${load()})`);
  const res = {};
  for (const n of [50, 200, 500]) {
    const d = path.join(dir, `validate-${n}`);
    fresh(d, n);
    res[n] = { fast: { ms: [], cpu: [] }, precise: { ms: [], cpu: [] }, base: { ms: [], cpu: [] } };
  }
  const node = { ms: [], cpu: [] };
  const push = (acc, t) => {
    acc.ms.push(...t.ms);
    acc.cpu.push(...t.cpu);
  };
  for (let r = 0; r < ROUNDS * 2; r++) {
    push(node, timeRuns(["node", "-e", "0"], { runs: 1 }));
    for (const n of [50, 200, 500]) {
      const cwd = path.join(dir, `validate-${n}`);
      const runs = [[res[n].fast, MSA, {}], [res[n].precise, MSA, { MSA_YAML_PRECISE: "1" }], ...(BASELINE ? [[res[n].base, BASELINE, {}]] : [])];
      for (let k = 0; k < runs.length; k++) {
        const [acc, bin, env] = runs[(k + r) % runs.length]; // order rotated per round
        push(acc, timeRuns(["node", bin, "validate"], { runs: 1, cwd, env }));
      }
    }
  }
  console.log(`node -e 0: wall ${fmt(median(node.ms))}, CPU ${median(cpuOf(node)).toFixed(2)} s`);
  for (const n of [50, 200, 500]) {
    const f = res[n].fast;
    const p = res[n].precise;
    console.log(`validate ${n}: wall ${fmt(median(f.ms))} (precise ${fmt(median(p.ms))}), CPU ${median(cpuOf(f)).toFixed(3)} s (precise ${median(cpuOf(p)).toFixed(3)} s)${n === 500 ? " — budget ≤ 0.3 s" : ""}`);
    const b = res[n].base;
    if (BASELINE) console.log(`  baseline ${n}: wall ${fmt(median(b.ms))}, CPU ${median(cpuOf(b)).toFixed(3)} s (runs ${cpuOf(b).map((x) => x.toFixed(2)).join(", ")}); this msa ${(median(cpuOf(f)) / median(cpuOf(b))).toFixed(2)}× (runs ${cpuOf(f).map((x) => x.toFixed(2)).join(", ")})`);
  }
  console.log(`load ${load()}`);
}

if (!argv.includes("--skip-growth")) {
  console.log(`\n-- cold generate growth over ${SIZES.join("/")} contexts, one run each (load ${load()})`);
  const rows = [];
  for (const n of SIZES) {
    const d = path.join(dir, `growth-${n}`);
    fresh(d, n);
    const t = timeRuns(["node", MSA, "generate"], { runs: 1, cwd: d, settle: true });
    rows.push({ n, ms: t.ms[0], cpu: cpuOf(t)[0], rss: t.rssMB[0] });
    console.log(`${n}: wall ${fmt(t.ms[0])}, CPU ${cpuOf(t)[0].toFixed(2)} s, peak RSS ${t.rssMB[0].toFixed(0)} MB (load ${load()})`);
    fs.rmSync(d, { recursive: true, force: true });
  }
  const fit = (key) => {
    const xs = rows.map((r) => Math.log(r.n));
    const ys = rows.map((r) => Math.log(r[key]));
    const mx = xs.reduce((a, b) => a + b) / xs.length;
    const my = ys.reduce((a, b) => a + b) / ys.length;
    return xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  };
  // RSS has a fixed part (node, the templates): the growth of the part above the smallest run is fitted too
  const base = rows[0].rss;
  const above = rows.slice(1).map((r) => ({ n: r.n, rssAbove: r.rss - base }));
  const xs = above.map((r) => Math.log(r.n));
  const ys = above.map((r) => Math.log(Math.max(r.rssAbove, 1)));
  const mx = xs.reduce((a, b) => a + b) / xs.length;
  const my = ys.reduce((a, b) => a + b) / ys.length;
  const kAbove = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  console.log(`exponents: CPU ∝ n^${fit("cpu").toFixed(2)}, wall ∝ n^${fit("ms").toFixed(2)}, peak RSS ∝ n^${fit("rss").toFixed(2)} (the part above ${SIZES[0]} contexts: n^${kAbove.toFixed(2)}) — load ${load()}`);
}
