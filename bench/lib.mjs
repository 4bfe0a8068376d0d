// Timing helpers shared by the benches: wall time of whole processes, medians, peak RSS.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** The msa under test: MSA_BIN (bench/run.mjs points it at a private snapshot of the build), else this checkout's. */
export const MSA = process.env.MSA_BIN || path.join(ROOT, "bin/msa.js");
export const DATA = path.join(ROOT, "bench/.data");
const TIME = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : null;

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Runs argv `runs` times; returns { ms: [...], rssMB: [...], cpu: [[user s, sys s], ...] } (peak RSS and CPU
 * times from /usr/bin/time when present).
 * `before` runs (untimed) before each run, e.g. to reset a directory for a cold run; `settle` then calls sync(1).
 */
export function timeRuns(argv, { runs = 5, cwd = ROOT, env = {}, before, settle = false, okCodes = [0], input } = {}) {
  const ms = [];
  const rssMB = [];
  const cpu = []; // [user s, system s] per run, from /usr/bin/time
  const rssFile = path.join(os.tmpdir(), `msa-bench-rss-${process.pid}`);
  for (let i = 0; i < runs; i++) {
    before?.(i);
    // settle: flush dirty pages first (untimed), so a run does not pay for the previous run's (or clean-up's) writeback
    if (settle) spawnSync("sync");
    const full = TIME ? [TIME, "-f", "%M %U %S", "-o", rssFile, ...argv] : argv;
    const t0 = process.hrtime.bigint();
    const r = spawnSync(full[0], full.slice(1), { cwd: typeof cwd === "function" ? cwd(i) : cwd, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["pipe", "ignore", "pipe"], input, maxBuffer: 1 << 26 });
    const dt = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!okCodes.includes(r.status ?? -1)) throw new Error(`${argv.join(" ")} exited ${r.status}: ${String(r.stderr).slice(0, 2000)}`);
    ms.push(dt);
    if (TIME) {
      const [kb, user, sys] = fs.readFileSync(rssFile, "utf8").trim().split("\n").pop().split(" ").map(Number);
      rssMB.push(kb / 1024);
      cpu.push([user, sys]);
    }
  }
  return { ms, rssMB, cpu };
}

const rows = [];

/** Records and prints one figure: `value` against `budget` (a string for the table), `ok` if within. */
export function report(figure, value, budget, ok) {
  rows.push({ figure, value, budget, ok });
  console.log(`${ok === undefined ? "  " : ok ? "ok" : "!!"}  ${figure}: ${value}${budget ? `   (budget ${budget})` : ""}`);
}

/** The closing table: every figure once, with its budget and verdict (markdown, pasted into bench/README.md). */
export function summary() {
  const failed = rows.filter((r) => r.ok === false);
  const cell = (s) => String(s ?? "").replace(/\|/g, "\\|");
  console.log("\n| figure | measured | budget | |\n|---|---|---|---|");
  for (const r of rows) console.log(`| ${cell(r.figure)} | ${cell(r.value)} | ${cell(r.budget)} | ${r.ok === undefined ? "" : r.ok ? "ok" : "**over**"} |`);
  console.log(`\nbench: ${rows.filter((r) => r.ok === true).length} within budget, ${failed.length} over budget, ${rows.filter((r) => r.ok === undefined).length} informational`);
  for (const r of failed) console.log(`  over budget: ${r.figure}: ${r.value} (budget ${r.budget})`);
  return rows;
}

export const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

/** A numeric command-line option: `--rounds 5` → 5, else the fallback. */
export const numArg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};

/** A TCP port free on loopback right now. */
export const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Waits until `url` answers below 500 (a starting server), at most `ms`. */
export async function waitHttp(url, ms = 20_000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`${url} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * CPU time a process has used so far, in µs, from /proc/<pid>/stat (Linux; clock ticks of 10 ms): user + system, or
 * `part` alone; with `children`, its live child processes' too (gunicorn's master and worker); with `thread`, that
 * thread of it alone (/proc/<pid>/task/<tid>/stat; the main thread's id is the pid). A process that has exited counts 0.
 */
export function cpuMicros(pid, { part, children = false, thread } = {}) {
  let ticks = 0;
  const stat = (p) => {
    try {
      const text = fs.readFileSync(thread === undefined ? `/proc/${p}/stat` : `/proc/${p}/task/${thread}/stat`, "utf8");
      const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
      ticks += (part === "system" ? 0 : Number(f[11])) + (part === "user" ? 0 : Number(f[12])); // utime, stime (fields 14, 15)
    } catch {
      /* gone */
    }
  };
  stat(pid);
  if (children) {
    try {
      for (const c of fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) stat(c);
    } catch {
      /* no children file */
    }
  }
  return ticks * (1e6 / CLOCK_TICKS);
}
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

/** The machine's busy CPU time so far (every core, every process, the kernel's interrupts included), µs (/proc/stat). */
export function machineBusyMicros() {
  // user nice system idle iowait irq softirq steal: all but idle and iowait
  const [user, nice, system, , , irq, softirq, steal] = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) * (1e6 / CLOCK_TICKS);
}
