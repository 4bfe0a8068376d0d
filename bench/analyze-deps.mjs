// Bench for `msa analyze-deps`: a deterministic synthetic tree of 20,000 source files (~200 MB) with
// planted references, scanned by msa and by `grep -rEl` with the same patterns, in the same run.
// Budget: msa ≤ 1.5× grep (medians of interleaved runs; page cache warmed first). Since issue #22 the budget
// figure is against a grep with patterns comparable to the recognisers' (URLs, host variables, client
// constructors, broker calls); the figure against msa's own forms only, the earlier denominator, is kept.
// Usage: node bench/analyze-deps.mjs [--files N] [--runs N]   (prints `ok|!!  figure: value (budget …)`)
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { DATA, MSA, fmt, median } from "./lib.mjs";

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i === -1 ? def : Number(process.argv[i + 1]);
};
const FILES = arg("--files", 20_000);
const RUNS = arg("--runs", 5);
const CONTEXTS = 20;
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

/** The same patterns msa looks for, as one POSIX ERE for grep. */
function grepPattern() {
  const names = Array.from({ length: CONTEXTS }, (_, i) => ctxName(i));
  const envs = Array.from({ length: CONTEXTS }, (_, i) => envName(i));
  const evs = Array.from({ length: EVENTS }, (_, i) => evName(i).replace(/\./g, "\\."));
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
function grepGenericPattern() {
  return [
    grepPattern(),
    "[A-Za-z+]+://",
    "_(URL|URI|HOST|HOSTNAME|ADDR|ADDRESS|ENDPOINT)([^A-Za-z0-9_]|$)",
    "[A-Za-z_]+(Client|Stub|Api)[[:space:]]*\\(",
    "(FeignClient|Inject|\\.call)[[:space:]]*\\(",
    "(publish|Publish|sendToQueue|convertAndSend|emit|subscribe|Subscribe|consume|Consume|QueueBind|bindQueue|queue_bind|EventPattern|MessagePattern|KafkaListener|RabbitListener)[[:space:]]*\\(",
    "credentials\\.create|socket_address",
  ].join("|");
}

function time(argv, okCodes) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { cwd: dir, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: "1" } });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (!okCodes.includes(r.status)) throw new Error(`${argv.join(" ")} exited ${r.status}: ${String(r.stderr).slice(0, 1000)}`);
  return { ms, stdout: String(r.stdout) };
}

const t0 = Date.now();
build();
let bytes = 0;
let files = 0;
for (const root of ["services", "gateway"]) {
  for (const e of fs.readdirSync(path.join(dir, root), { recursive: true, withFileTypes: true })) {
    if (e.isFile() && !e.parentPath.includes("node_modules")) {
      files++;
      bytes += fs.statSync(path.join(e.parentPath, e.name)).size;
    }
  }
}
console.log(`   tree: ${files} files, ${(bytes / 1e6).toFixed(0)} MB in ${path.relative(process.cwd(), dir)} (ready in ${fmt(Date.now() - t0)})`);

const msa = ["node", MSA, "analyze-deps", "--output-format", "json"];
const grep = ["grep", "-rEl", "--exclude-dir=node_modules", "--exclude-dir=dist", "--exclude-dir=.git", grepPattern(), "services", "gateway"];
// Warm the page cache and check both agree on which files hold references.
const first = JSON.parse(time(msa, [0, 1]).stdout);
const msaFiles = new Set(first.edges.flatMap((e) => e.evidence.filter((x) => x.form !== "declared").map((x) => x.file)));
const grepFiles = new Set(time(grep, [0]).stdout.trim().split("\n"));
const same = msaFiles.size === grepFiles.size && [...msaFiles].every((f) => grepFiles.has(f));
console.log(`${same ? "ok" : "!!"}  files with references, msa vs grep: ${msaFiles.size} vs ${grepFiles.size}${same ? " (the same files)" : ""}`);
const grepGeneric = [...grep.slice(0, -3), grepGenericPattern(), "services", "gateway"];
time(grepGeneric, [0, 1]);
const a = [];
const b = [];
const c = [];
for (let i = 0; i < RUNS; i++) {
  b.push(time(grep, [0]).ms);
  c.push(time(grepGeneric, [0, 1]).ms);
  a.push(time(msa, [0, 1]).ms);
}
const ma = median(a);
const mb = median(b);
const mc = median(c);
console.log(`   runs: msa ${a.map(fmt).join(", ")}; grep ${b.map(fmt).join(", ")}; grep with the recognisers' patterns ${c.map(fmt).join(", ")}`);
console.log(`    scan of ${files} files, grep with msa's own forms only: msa ${fmt(ma)} vs grep -rEl ${fmt(mb)} = ${(ma / mb).toFixed(2)}× grep`);
console.log(`${ma / mc <= 1.5 ? "ok" : "!!"}  scan of ${files} files (${(bytes / 1e6).toFixed(0)} MB): msa ${fmt(ma)} vs grep -rEl with comparable patterns ${fmt(mc)} = ${(ma / mc).toFixed(2)}× grep   (budget ≤ 1.5× grep)`);
