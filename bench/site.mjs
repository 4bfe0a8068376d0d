// `msa docs` at scale (issue #21): the whole site of a 500-context synthetic system (every event in two versions,
// so 500 diffs and compatibility verdicts), written cold into an empty folder and re-run unchanged; budget ≤ 2 s
// for the cold run. Also 50 and 200 contexts for the growth, and `node -e 0` in the same run for scale.
import fs from "node:fs";
import path from "node:path";
import { DATA, MSA, fmt, median, timeRuns } from "./lib.mjs";
import { synthSystem } from "./synth.mjs";

const sizes = [50, 200, 500];
const cold = {};
for (const n of sizes) {
  const dir = path.join(DATA, `site-${n}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "system.yaml"), synthSystem(n));
  const site = path.join(dir, "docs");
  const r = timeRuns(["node", MSA, "docs"], { cwd: dir, runs: 5, before: () => fs.rmSync(site, { recursive: true, force: true }) });
  cold[n] = r;
  const pages = fs.readdirSync(path.join(site, "site"), { recursive: true }).filter((f) => String(f).endsWith(".html")).length;
  const cpu = r.cpu.length ? ` (CPU ${median(r.cpu.map(([u, s]) => (u + s) * 1000)).toFixed(0)} ms, peak RSS ${median(r.rssMB).toFixed(0)} MB)` : "";
  console.log(`   ${n} contexts: ${pages} pages, cold ${fmt(median(r.ms))}${cpu}`);
  if (n === 500) {
    const again = timeRuns(["node", MSA, "docs"], { cwd: dir, runs: 5 });
    console.log(`   500 contexts, unchanged re-run (nothing written): ${fmt(median(again.ms))}`);
  }
}
const node = timeRuns(["node", "-e", "0"], { runs: 5 });
const m500 = median(cold[500].ms);
const k = Math.log(m500 / median(cold[50].ms)) / Math.log(500 / 50);
console.log(`   node -e 0: ${fmt(median(node.ms))}`);
console.log(`${m500 <= 2000 ? "ok" : "!!"}  site: msa docs, 500 contexts, cold: ${fmt(m500)}   (budget ≤ 2 s)`);
console.log(`    site: growth 50 → 500 contexts: time ∝ n^${k.toFixed(2)}`);
