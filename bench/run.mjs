// npm run bench: every figure of the performance budget, medians and ratios against baselines
// measured in the same run (the machine is shared and noisy: absolute times alone mean little).
// Never part of npm test. Sub-benches (validate-events, analyze-deps) are separate scripts run here.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DATA, MSA, ROOT, fmt, median, report, summary, timeRuns } from "./lib.mjs";
import { synthSystem } from "./synth.mjs";

const only = process.argv.slice(2);
const want = (name) => only.length === 0 || only.includes(name);
console.log(`msa bench — ${new Date().toISOString().slice(0, 10)}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}\n`);

if (want("startup")) {
  const runs = 15;
  const node0 = median(timeRuns(["node", "-e", "0"], { runs }).ms);
  const version = median(timeRuns(["node", MSA, "--version"], { runs }).ms);
  const help = median(timeRuns(["node", MSA, "--help"], { runs }).ms);
  const validate = median(timeRuns(["node", MSA, "validate"], { runs, cwd: path.join(ROOT, "examples/shop") }).ms);
  report("node -e 0 (baseline)", fmt(node0));
  report("msa --version", `${fmt(version)} = ${(version / node0).toFixed(2)}× node`, "≤ 1.5×", version / node0 <= 1.5);
  report("msa --help", `${fmt(help)} = ${(help / node0).toFixed(2)}× node`, "≤ 1.5×", help / node0 <= 1.5);
  report("msa validate (examples/shop)", `${fmt(validate)} = ${(validate / node0).toFixed(2)}× node`, "≤ 3×", validate / node0 <= 3);
}

if (want("generate")) {
  const sizes = [50, 200, 500];
  const cold = {};
  for (const n of sizes) {
    const dir = path.join(DATA, `synth-${n}`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "system.yaml"), synthSystem(n));
    const clean = () => {
      for (const e of fs.readdirSync(dir)) if (e !== "system.yaml") fs.rmSync(path.join(dir, e), { recursive: true, force: true });
    };
    const runs = n === 500 ? 3 : 5;
    const c = timeRuns(["node", MSA, "generate"], { runs, cwd: dir, before: clean });
    cold[n] = median(c.ms);
    const rss = Math.max(...c.rssMB);
    report(`generate ${n} contexts, cold`, `${fmt(cold[n])}, peak RSS ${rss.toFixed(0)} MB`, n === 500 ? "≤ 5 s, ≤ 300 MB" : undefined, n === 500 ? cold[n] <= 5000 && rss <= 300 : undefined);
    if (n === 500) {
      const again = median(timeRuns(["node", MSA, "generate"], { runs, cwd: dir }).ms);
      report("generate 500, unchanged re-run", `${fmt(again)} = ${(again / cold[n]).toFixed(2)}× cold`, "≤ 0.3× cold (≤ 1.5 s)", again / cold[n] <= 0.3 && again <= 1500);
      const check = median(timeRuns(["node", MSA, "generate", "--check"], { runs, cwd: dir }).ms);
      report("generate --check 500", `${fmt(check)} = ${(check / cold[n]).toFixed(2)}× cold`, "≤ 0.3× cold", check / cold[n] <= 0.3);
    }
  }
  // Growth: fit time = a·n^k on the 50 and 500 points.
  const k = Math.log(cold[500] / cold[50]) / Math.log(500 / 50);
  report("generate growth 50 → 500 contexts", `time ∝ n^${k.toFixed(2)} (${fmt(cold[50])} → ${fmt(cold[500])})`, "near linear (≈1)", k <= 1.2);
}

for (const [name, script] of [["validate-events", "validate-events.mjs"], ["analyze-deps", "analyze-deps.mjs"]]) {
  if (!want(name)) continue;
  const file = path.join(ROOT, "bench", script);
  if (!fs.existsSync(file)) {
    report(name, "bench script missing", "", false);
    continue;
  }
  console.log(`\n-- ${name} (bench/${script})`);
  const r = spawnSync("node", [file], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  process.stdout.write(r.stdout);
  for (const line of r.stdout.split("\n")) {
    const m = /^(ok|!!)\s+(.+?): (.+?)(?:\s+\(budget (.+)\))?$/.exec(line);
    if (m) report(`${name}: ${m[2]}`, m[3], m[4], m[1] === "ok");
  }
  if (r.status !== 0) report(name, `exited ${r.status}`, "", false);
}

summary();
