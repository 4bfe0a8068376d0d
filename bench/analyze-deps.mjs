// Bench for `msa analyze-deps`: a deterministic synthetic tree of 20,000 source files (~200 MB) with
// planted references, scanned by msa and by `grep -rEl` with the same patterns, in the same run.
// Budget: msa ≤ 1.5× grep (medians of interleaved runs; page cache warmed first). Since issue #22 the budget
// figure is against a grep with patterns comparable to the recognisers' (URLs, host variables, client
// constructors, broker calls); the figure against msa's own forms only, the earlier denominator, is kept.
// Issue #22/#24: the same tree with a 400-context system.yaml (the 20 contexts of the tree and 380 more, with
// events, APIs, databases and versioned schemas: 4,313 lines), and a real mixed tree (public repositories
// from git mirrors plus a copy of this repository's node_modules: minified bundles, binaries) when the
// mirrors are there. All figures are interleaved in one run: each round runs grep then msa for every tree.
// Vendored folders (node_modules, vendor/, a copied node_modules holding .package-lock.json…) are skipped by
// msa by default: grep gets the same folders as --exclude-dir in those figures, and the real tree is also
// timed with them (`msa --include-vendored` against a grep that leaves out only .git).
// --baseline PATH/bin/msa.js (or MSA_BENCH_BASELINE): an earlier build timed in the same rounds, on the same files.
// Usage: node bench/analyze-deps.mjs [--files N] [--runs N] [--no-real] [--baseline MSA_JS]   (MSA_BENCH_DEPS_RUNS=N: rounds, also through bench/run.mjs)   (prints `ok|!!  figure: value (budget …)`)
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DATA, MSA, ROOT, fmt, median } from "./lib.mjs";

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? def : Number(process.argv[i + 1]);
};
const FILES = arg("--files", 20_000);
const BASELINE = (() => {
  const i = process.argv.indexOf("--baseline");
  return i === -1 ? process.env.MSA_BENCH_BASELINE || null : process.argv[i + 1];
})();
const RUNS = arg("--runs", Number(process.env.MSA_BENCH_DEPS_RUNS) || 5); // bench/run.mjs gives a sub-bench 6 minutes: fewer rounds on a loaded machine
const CONTEXTS = 20;
/** The large system.yaml: the tree's contexts plus this many more in all. */
const LARGE_CONTEXTS = 400;
const EVENTS = 10;
const TARGET_BYTES = 10_000; // per file: 20,000 × 10 kB ≈ 200 MB
const dir = path.join(DATA, `deps-${FILES}`);
const ctxName = (i) => `svc-${String(i).padStart(2, "0")}`;
const envName = (i) => `SVC_${String(i).padStart(2, "0")}`;
const evName = (i) => `domain${i}.thing-happened`;

// A small deterministic PRNG (mulberry32): the same tree on every machine.
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function systemYaml() {
  const lines = ["version: 1", "name: bench", "gateway:", "  kind: node", "  routes:", `    - { path: /api/a, context: ${ctxName(0)} }`, "contexts:"];
  for (let i = 0; i < CONTEXTS; i++) {
    lines.push(`  ${ctxName(i)}:`, `    port: ${3000 + i}`);
    lines.push(`    publishes: [${evName(i % EVENTS)}]`, `    consumes: [${evName((i + 1) % EVENTS)}]`);
    if (i + 1 < CONTEXTS && i % 3 !== 2) lines.push("    calls:", `      ${ctxName(i + 1)}: { timeout: 2s }`);
  }
  lines.push("events:");
  for (let e = 0; e < EVENTS; e++) lines.push(`  ${evName(e)}:`, "    schema: { type: object }");
  return lines.join("\n") + "\n";
}

const NOUNS = ["order", "payment", "invoice", "cart", "user", "shipment", "stock", "price", "review", "coupon", "ticket", "refund"];
const VERBS = ["created", "updated", "cancelled", "completed", "reserved", "failed", "shipped", "approved"];
const largeEvent = (i) => `${NOUNS[i % NOUNS.length]}${i}.${VERBS[(i * 7) % VERBS.length]}`;

/** 400 contexts: the tree's 20 as in systemYaml(), then contexts shaped like bench/synth.mjs's (a database, an API, versioned events). */
function largeSystemYaml() {
  const lines = systemYaml().split("\n");
  const ctxEnd = lines.indexOf("events:");
  const more = [];
  for (let i = CONTEXTS; i < LARGE_CONTEXTS; i++) {
    more.push(`  ${ctxName(i)}:`, `    port: ${3000 + i}`, `    database: ${["postgres", "mysql", "mongodb", "redis", "none"][i % 5]}`);
    more.push(`    api: ["GET /things${i}/{id}", "POST /things${i}"]`, `    publishes: [${largeEvent(i)}]`);
    if (i > CONTEXTS) more.push(`    consumes: [${largeEvent(i - 1)}]`);
    if (i + 1 < LARGE_CONTEXTS && i % 2 === 0) more.push("    calls:", `      ${ctxName(i + 1)}: { timeout: 2s, retries: 2 }`);
  }
  const events = [];
  for (let i = CONTEXTS; i < LARGE_CONTEXTS; i++) {
    events.push(`  ${largeEvent(i)}:`, "    versions:");
    events.push("      1: { type: object, additionalProperties: false, required: [id], properties: { id: { type: string } } }");
    events.push("      2: { type: object, additionalProperties: false, required: [id], properties: { id: { type: string }, note: { type: string } } }");
  }
  return [...lines.slice(0, ctxEnd), ...more, ...lines.slice(ctxEnd).filter(Boolean), ...events].join("\n") + "\n";
}

const WORDS = ["const", "value", "await", "return", "function", "request", "response", "items", "order", "total", "if", "else", "for", "of", "map", "filter", "config", "logger", "info", "error", "payload", "http", "url", "event", "handler", "data", "result", "service", "client", "timeout"];
function fileText(r, i, planted) {
  const out = [`// module ${i}: synthetic source for the analyze-deps bench`];
  let size = out[0].length;
  while (size < TARGET_BYTES) {
    const n = 4 + Math.floor(r() * 10);
    let line = "  ".repeat(Math.floor(r() * 3));
    for (let k = 0; k < n; k++) line += WORDS[Math.floor(r() * WORDS.length)] + (r() < 0.2 ? "(" : r() < 0.1 ? '"' : " ");
    if (r() < 0.02) line += ` // see https://docs.example.com/api/${Math.floor(r() * 1000)}`;
    out.push(line);
    size += line.length + 1;
  }
  for (const p of planted) out.splice(1 + Math.floor(r() * (out.length - 1)), 0, p);
  return out.join("\n") + "\n";
}

function build() {
  const marker = path.join(dir, ".complete");
  if (fs.existsSync(marker)) return;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "system.yaml"), systemYaml());
  const r = rng(42);
  const perContext = Math.floor(FILES / (CONTEXTS + 1));
  let n = 0;
  for (let c = 0; c <= CONTEXTS; c++) {
    const base = c === CONTEXTS ? path.join(dir, "gateway", "src") : path.join(dir, "services", ctxName(c), "src");
    const count = c === CONTEXTS ? FILES - n : perContext;
    for (let f = 0; f < count; f++, n++) {
      const planted = [];
      // ~3% of files carry a reference: declared calls, env names, events; a few undeclared calls.
      if (f % 97 === 0 && c < CONTEXTS - 1) planted.push(`  const res = await fetch(\`http://${ctxName(c + 1)}:${3001 + c}/items/\${id}\`);`);
      if (f % 101 === 0 && c < CONTEXTS - 1) planted.push(`  const base = process.env.${envName(c + 1)}_URL ?? "";`);
      if (f % 89 === 0 && c < CONTEXTS) planted.push(`  await events.publish("${evName(c % EVENTS)}", 1, payload, options);`);
      if (f % 499 === 0 && c < CONTEXTS) planted.push(`  broker.subscribe("${evName((c + 1) % EVENTS)}", handler);`);
      if (f % 1999 === 0 && c === CONTEXTS) planted.push(`  upstream: process.env.ROUTE_${envName(0)}_URL || "http://${ctxName(0)}:3000",`);
      const sub = path.join(base, `mod-${String(Math.floor(f / 100)).padStart(3, "0")}`);
      if (f % 100 === 0) fs.mkdirSync(sub, { recursive: true });
      fs.writeFileSync(path.join(sub, `file-${String(f).padStart(5, "0")}.ts`), fileText(r, n, planted));
    }
  }
  fs.mkdirSync(path.join(dir, "services", ctxName(0), "node_modules", "dep"), { recursive: true });
  fs.writeFileSync(path.join(dir, "services", ctxName(0), "node_modules", "dep", "index.js"), `fetch("http://${ctxName(5)}")\n`);
  fs.writeFileSync(marker, "");
}

/** The same patterns msa looks for, as one POSIX ERE for grep: `contexts` context names and `events` event names. */
function grepPattern(contexts = CONTEXTS, events = Array.from({ length: EVENTS }, (_, i) => evName(i))) {
  const names = Array.from({ length: contexts }, (_, i) => ctxName(i));
  const envs = Array.from({ length: contexts }, (_, i) => envName(i));
  const evs = events.map((e) => e.replace(/\./g, "\\."));
  return [
    `https?://(${names.join("|")})([^A-Za-z0-9_-]|$)`,
    `(^|[^A-Za-z0-9_])(ROUTE_)?(${envs.join("|")})_URL([^A-Za-z0-9_]|$)`,
    `["'\`](${evs.join("|")})["'\`]`,
  ].join("|");
}

/**
 * What the recognisers for code msa did not write look for (issue #22), as one POSIX ERE: URLs, host
 * variables, client constructors and broker calls. "Comparable patterns" for the budget with them on.
 */
function grepGenericPattern(own = grepPattern()) {
  return [
    own,
    "[A-Za-z+]+://",
    "_(URL|URI|HOST|HOSTNAME|ADDR|ADDRESS|ENDPOINT)([^A-Za-z0-9_]|$)",
    "[A-Za-z_]+(Client|Stub|Api)[[:space:]]*\\(",
    "(FeignClient|Inject|\\.call)[[:space:]]*\\(",
    "(publish|Publish|sendToQueue|convertAndSend|emit|subscribe|Subscribe|consume|Consume|QueueBind|bindQueue|queue_bind|EventPattern|MessagePattern|KafkaListener|RabbitListener)[[:space:]]*\\(",
    "credentials\\.create|socket_address",
  ].join("|");
}

const TIME = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : null;
const cpuFile = path.join(os.tmpdir(), `msa-bench-deps-cpu-${process.pid}`);

/** Wall time of one process, and its CPU time (user + system, from /usr/bin/time) when available. */
function time(argv, okCodes, cwd = dir) {
  const full = TIME ? [TIME, "-f", "%U %S", "-o", cpuFile, ...argv] : argv;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(full[0], full.slice(1), { cwd, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: "1" } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!okCodes.includes(r.status)) throw new Error(`${argv.join(" ")} exited ${r.status}: ${String(r.stderr).slice(0, 1000)}`);
  let cpu = NaN;
  if (TIME) {
    const [u, sy] = fs.readFileSync(cpuFile, "utf8").trim().split("\n").pop().split(" ").map(Number);
    cpu = (u + sy) * 1000;
  }
  return { ms, cpu, stdout: String(r.stdout) };
}

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(" ");

/** Public repositories at fixed commits, from local git mirrors (fetched beforehand; nothing is cloned here). */
const REAL_REPOS = [
  ["instana/robot-shop", "55292e2199f2fb00a165b1f7d3045fe7f8922038"],
  ["GoogleCloudPlatform/microservices-demo", "34ffea9175946982c3088ed84994fe6019ad6e92"],
];
const realDir = path.join(DATA, "deps-real");

/**
 * The real mixed tree: each repository's tree at its commit (git archive from a mirror under
 * $MSA_BENCH_MIRRORS, default /work/.mirror, as owner+name/repo), and this repository's node_modules
 * copied under vendor-js/ (neither msa nor grep skips that name: minified bundles, .wasm and .node binaries,
 * source maps). Returns null, saying why, when a mirror is missing.
 */
function buildReal() {
  const marker = path.join(realDir, ".complete");
  if (fs.existsSync(marker)) return realDir;
  const mirrors = process.env.MSA_BENCH_MIRRORS || "/work/.mirror";
  for (const [repo] of REAL_REPOS) {
    if (!fs.existsSync(path.join(mirrors, repo.replace("/", "+"), "repo"))) {
      console.log(`   real mixed tree skipped: no git mirror of ${repo} under ${mirrors}`);
      return null;
    }
  }
  fs.rmSync(realDir, { recursive: true, force: true });
  fs.mkdirSync(realDir, { recursive: true });
  for (const [repo, commit] of REAL_REPOS) {
    const out = path.join(realDir, repo.split("/")[1]);
    fs.mkdirSync(out);
    extract(path.join(mirrors, repo.replace("/", "+"), "repo"), commit, out);
  }
  // A worktree's node_modules may be a symbolic link to another checkout's: copy what it points to.
  fs.cpSync(fs.realpathSync(path.join(ROOT, "node_modules")), path.join(realDir, "vendor-js"), { recursive: true, verbatimSymlinks: true });
  fs.writeFileSync(marker, "");
  return realDir;
}

/** The files of `commit` into `out` (a mirror may lack its largest blobs: those are left out, as git archive cannot). */
function extract(gitDir, commit, out) {
  const listing = execFileSync("git", ["--git-dir", gitDir, "ls-tree", "-r", "-z", commit], { maxBuffer: 1 << 28 }).toString("utf8").split("\0").filter(Boolean);
  const blobs = listing.map((l) => /^(\d+) blob ([0-9a-f]+)\t(.*)$/s.exec(l)).filter((m) => m && m[1] !== "120000" && m[1] !== "160000");
  const batch = execFileSync("git", ["--git-dir", gitDir, "cat-file", "--batch"], { input: blobs.map((m) => m[2]).join("\n") + "\n", maxBuffer: 1 << 30 });
  let at = 0;
  for (const m of blobs) {
    const nl = batch.indexOf(10, at);
    const header = batch.toString("latin1", at, nl).split(" ");
    at = nl + 1;
    if (header[1] === "missing") continue;
    const size = Number(header[2]);
    const file = path.join(out, m[3]);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, batch.subarray(at, at + size));
    at += size + 1;
  }
}

function treeStats(root, skip) {
  let bytes = 0;
  let files = 0;
  for (const e of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && !skip(e.parentPath)) {
      files++;
      bytes += fs.statSync(path.join(e.parentPath, e.name)).size;
    }
  }
  return { files, bytes };
}

const t0 = Date.now();
build();
fs.writeFileSync(path.join(dir, "system-400.yaml"), largeSystemYaml());
let bytes = 0;
let files = 0;
for (const root of ["services", "gateway"]) {
  const st = treeStats(path.join(dir, root), (p) => p.includes("node_modules"));
  files += st.files;
  bytes += st.bytes;
}
console.log(`   tree: ${files} files, ${(bytes / 1e6).toFixed(0)} MB in ${path.relative(process.cwd(), dir)} (ready in ${fmt(Date.now() - t0)})`);
const real = process.argv.includes("--no-real") ? null : buildReal();
const realStats = real ? treeStats(real, (p) => /[/\\](node_modules|dist|\.git)([/\\]|$)/.test(p)) : null;
if (real) console.log(`   real mixed tree: ${realStats.files} files, ${(realStats.bytes / 1e6).toFixed(0)} MB in ${path.relative(process.cwd(), real)} (${REAL_REPOS.map(([r, c]) => `${r}@${c.slice(0, 12)}`).join(", ")}, and this repository's node_modules as vendor-js/)`);

// What msa leaves out by default: .git, and the vendored folders (by name; a folder holding an install
// marker is added below from msa's own list, e.g. the real tree's vendor-js/).
const VENDORED_NAMES = ["node_modules", "bower_components", "jspm_packages", "vendor", ".venv", "venv", "site-packages", "dist-packages", "__pypackages__", "Pods", ".yarn", "dist"];
const EXCLUDE_DIRS = [".git", ...VENDORED_NAMES].map((d) => `--exclude-dir=${d}`);
const msa = ["node", MSA, "analyze-deps", "--output-format", "json"];
const msa400 = [...msa, "-f", "system-400.yaml"];
const grep = ["grep", "-rEl", ...EXCLUDE_DIRS, grepPattern(), "services", "gateway"];
const grepGeneric = ["grep", "-rEl", ...EXCLUDE_DIRS, grepGenericPattern(), "services", "gateway"];
const largeEvents = [...Array.from({ length: EVENTS }, (_, i) => evName(i)), ...Array.from({ length: LARGE_CONTEXTS - CONTEXTS }, (_, i) => largeEvent(i + CONTEXTS))];
const grep400 = ["grep", "-rEl", ...EXCLUDE_DIRS, grepGenericPattern(grepPattern(LARGE_CONTEXTS, largeEvents)), "services", "gateway"];
// Without a system.yaml, in a real tree: the recognisers' patterns, and the URL forms of any host.
const msaReal = ["node", MSA, "analyze-deps", "--output-format", "json", "."];
const realPattern = grepGenericPattern("https?://[A-Za-z0-9_-]+");
let grepReal = ["grep", "-rEl", ...EXCLUDE_DIRS, realPattern, "."];
// Vendored code included: all of it, against a grep that leaves out only .git.
const msaRealAll = ["node", MSA, "analyze-deps", "--include-vendored", "--output-format", "json", "."];
const grepRealAll = ["grep", "-rEl", "--exclude-dir=.git", realPattern, "."];
// The baseline build skipped node_modules and dist always and scanned everything else: this build on the same files.
const msaRealSame = ["node", MSA, "analyze-deps", "--include-vendored", "--exclude", "node_modules", "--exclude", "dist", "--output-format", "json", "."];
const base = BASELINE && ["node", BASELINE, "analyze-deps", "--output-format", "json"];
const base400 = BASELINE && [...base, "-f", "system-400.yaml"];
const baseReal = BASELINE && [...base, "."];
const baseRealAll = BASELINE && [...base, "--include-vendored", "."];
/** Set when the baseline build skips vendored folders itself (it then runs with --include-vendored too). */
let baseSkipsVendored = false;

// Warm the page cache and check msa and grep agree on which files hold references.
const first = JSON.parse(time(msa, [0, 1]).stdout);
const msaFiles = new Set(first.edges.flatMap((e) => e.evidence.filter((x) => x.form !== "declared").map((x) => x.file)));
const grepFiles = new Set(time(grep, [0]).stdout.trim().split("\n"));
const same = msaFiles.size === grepFiles.size && [...msaFiles].every((f) => grepFiles.has(f));
console.log(`${same ? "ok" : "!!"}  files with references, msa vs grep: ${msaFiles.size} vs ${grepFiles.size}${same ? " (the same files)" : ""}`);
const large = JSON.parse(time(msa400, [0, 1]).stdout);
const largeFiles = new Set(large.edges.flatMap((e) => e.evidence.filter((x) => x.form !== "declared").map((x) => x.file)));
const sameLarge = largeFiles.size === msaFiles.size && [...largeFiles].every((f) => msaFiles.has(f));
console.log(`${sameLarge ? "ok" : "!!"}  with the ${LARGE_CONTEXTS}-context system.yaml: ${large.nodes.length} nodes, files with references ${largeFiles.size}${sameLarge ? " (the same files)" : ` (the 20-context run: ${msaFiles.size})`}`);
time(grepGeneric, [0, 1]);
time(grep400, [0, 1]);
if (base) {
  time(base, [0, 1]);
  time(base400, [0, 1]);
}
if (real) {
  const doc = JSON.parse(time(msaReal, [0, 1, 2], real).stdout);
  const markers = doc.vendored.map((v) => path.basename(v.path)).filter((n) => !VENDORED_NAMES.includes(n));
  grepReal = ["grep", "-rEl", ...EXCLUDE_DIRS, ...[...new Set(markers)].map((d) => `--exclude-dir=${d}`), realPattern, "."];
  console.log(`   real mixed tree, vendored folders msa skips by default: ${doc.vendored.map((v) => `${v.path} (${v.reason})`).join(", ") || "none"}; grep gets --exclude-dir for them`);
  const all = JSON.parse(time(msaRealAll, [0, 1, 2], real).stdout);
  const sameFiles = JSON.parse(time(msaRealSame, [0, 1, 2], real).stdout);
  console.log(`   files scanned on the real tree: ${doc.filesScanned} by default, ${all.filesScanned} with --include-vendored, ${sameFiles.filesScanned} on the baseline's files; edges ${doc.edges.length} / ${all.edges.length} / ${sameFiles.edges.length}`);
  time(grepReal, [0, 1], real);
  time(grepRealAll, [0, 1], real);
  if (baseReal) {
    const b = JSON.parse(time(baseReal, [0, 1, 2], real).stdout);
    if (b.vendored) {
      // A baseline that skips vendored folders itself: each build's default, and both with --include-vendored, compared whole.
      baseSkipsVendored = true;
      const bAll = JSON.parse(time(baseRealAll, [0, 1, 2], real).stdout);
      const same = JSON.stringify(b) === JSON.stringify(doc) && JSON.stringify(bAll) === JSON.stringify(all);
      console.log(`${same ? "ok" : "!!"}  baseline and this build on the real tree, by default and with --include-vendored: ${same ? "the same JSON" : "different JSON"}`);
    } else {
      const strip = (j) => JSON.stringify({ ...j, notes: undefined, vendored: undefined });
      console.log(`${strip(b) === strip(sameFiles) ? "ok" : "!!"}  baseline and this build on the same files of the real tree: ${strip(b) === strip(sameFiles) ? "the same JSON (notes aside)" : "different JSON"}`);
    }
  }
}

// Interleaved rounds: every command once a round, so load swings hit all figures alike.
const loadBefore = load();
const runs = { grep: [], grepGeneric: [], msa: [], grep400: [], msa400: [], grepReal: [], msaReal: [], grepRealAll: [], msaRealAll: [], msaRealSame: [], base: [], base400: [], baseReal: [], baseRealAll: [] };
for (let i = 0; i < RUNS; i++) {
  runs.grep.push(time(grep, [0]));
  runs.grepGeneric.push(time(grepGeneric, [0, 1]));
  runs.msa.push(time(msa, [0, 1]));
  if (base) runs.base.push(time(base, [0, 1]));
  runs.grep400.push(time(grep400, [0, 1]));
  runs.msa400.push(time(msa400, [0, 1]));
  if (base) runs.base400.push(time(base400, [0, 1]));
  if (real) {
    runs.grepReal.push(time(grepReal, [0, 1], real));
    runs.msaReal.push(time(msaReal, [0, 1, 2], real));
    runs.grepRealAll.push(time(grepRealAll, [0, 1], real));
    runs.msaRealAll.push(time(msaRealAll, [0, 1, 2], real));
    if (base) {
      if (baseSkipsVendored) runs.baseRealAll.push(time(baseRealAll, [0, 1, 2], real));
      else runs.msaRealSame.push(time(msaRealSame, [0, 1, 2], real));
      runs.baseReal.push(time(baseReal, [0, 1, 2], real));
    }
  }
}
const loadAfter = load();
const med = (k) => median(runs[k].map((r) => r.ms));
const cpu = (k) => median(runs[k].map((r) => r.cpu));
const list = (k) => runs[k].map((r) => fmt(r.ms)).join(", ");
console.log(`   load average (1, 5, 15 min) before the timed rounds: ${loadBefore}; after: ${loadAfter}; ${os.cpus().length} cores`);
console.log(`   runs: msa ${list("msa")}; grep ${list("grep")}; grep with the recognisers' patterns ${list("grepGeneric")}`);
console.log(`   runs with ${LARGE_CONTEXTS} contexts: msa ${list("msa400")}; grep ${list("grep400")}`);
if (real) console.log(`   runs on the real mixed tree: msa ${list("msaReal")}; grep ${list("grepReal")}; with vendored code: msa ${list("msaRealAll")}; grep ${list("grepRealAll")}`);
const line = (ok, what, a, b, bName = "grep -rEl") => {
  const ratio = med(a) / med(b);
  const cpuRatio = cpu(a) / cpu(b);
  const cpuText = Number.isFinite(cpuRatio) ? `; CPU ${fmt(cpu(a))} vs ${fmt(cpu(b))} = ${cpuRatio.toFixed(2)}×` : "";
  console.log(`${ok === undefined ? "  " : ratio <= 1.5 ? "ok" : "!!"}  ${what}: msa ${fmt(med(a))} vs ${bName} ${fmt(med(b))} = ${ratio.toFixed(2)}×${cpuText}${ok === undefined ? "" : "   (budget ≤ 1.5× grep)"}`);
};
line(undefined, `scan of ${files} files, grep with msa's own forms only`, "msa", "grep");
line(true, `scan of ${files} files (${(bytes / 1e6).toFixed(0)} MB), grep with comparable patterns`, "msa", "grepGeneric");
line(true, `scan of ${files} files, ${LARGE_CONTEXTS}-context system.yaml, grep with comparable patterns`, "msa400", "grep400");
if (real) {
  // informational: with vendored folders skipped only a few hundred files are left (268), where node's start-up and
  // reading the Kubernetes manifests and compose files (the autodetection grep does not do) are most of msa's time;
  // the budget is for trees of tens of thousands of files (issue #22), the line below
  line(undefined, `real mixed tree (${realStats.files} files, ${(realStats.bytes / 1e6).toFixed(0)} MB with vendor-js), no system.yaml, vendored folders skipped by both (a few hundred files left: start-up, not scanning)`, "msaReal", "grepReal");
  line(true, `real mixed tree with vendored code (--include-vendored; grep leaves out only .git)`, "msaRealAll", "grepRealAll");
}
if (base) {
  console.log(`   before (baseline ${BASELINE}) vs after, same rounds:`);
  line(undefined, `20-context tree, after vs before`, "msa", "base", "before");
  line(undefined, `400-context tree, after vs before`, "msa400", "base400", "before");
  if (real && baseSkipsVendored) {
    line(undefined, `real mixed tree, vendored folders skipped by both, after vs before`, "msaReal", "baseReal", "before");
    line(undefined, `real mixed tree with vendored code (--include-vendored), after vs before`, "msaRealAll", "baseRealAll", "before");
  } else if (real) {
    line(undefined, `real mixed tree, the same files (node_modules and dist left out, vendor-js scanned), after vs before`, "msaRealSame", "baseReal", "before");
    line(undefined, `real mixed tree, each build's default (after skips vendor-js), after vs before`, "msaReal", "baseReal", "before");
  }
}
