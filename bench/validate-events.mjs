// Bench for `msa validate-events` (issue #5), every figure measured against a baseline in the same run:
//  1. NDJSON of 1M envelopes, full format checks: msa's throughput ≥ 0.75× the minimal reference
//     script (bench/validate-events-reference.mjs); events/s and peak RSS of both.
//  2. 1,000 event files: msa's wall time ≤ 0.5× `ajv validate` (ajv-cli 5 with ajv-formats).
//  3. Cold start of `msa validate-events --event-file x --schema-file y` against `node -e 0` (ratio).
// ajv-cli: --ajv PATH (its dist/index.js or a binary) or AJV_CLI, else the project's devDependency
// (node_modules/ajv-cli), else ajv-cli@5 + ajv-formats installed once into ~/.cache/msa-bench/ajv-cli
// (outside the repository). Without any of them figure 2 is reported as skipped.
// usage: node bench/validate-events.mjs [--events N] [--runs N] [--ajv PATH] [--msa PATH/bin/msa.js]
//        prints `ok|!!  figure: value (budget …)` lines that bench/run.mjs collects.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DATA, MSA, ROOT, fmt, median, timeRuns } from "./lib.mjs";

const argv = process.argv.slice(2);
const arg = (name, def) => {
  const i = argv.indexOf(name);
  return i === -1 ? def : argv[i + 1];
};
const EVENTS = Number(arg("--events", 1_000_000));
const RUNS = Number(arg("--runs", 3));
// --msa PATH: a private build (bin/msa.js of a copy), so concurrent rebuilds of dist/ cannot disturb the runs.
const MSA_BIN = arg("--msa", process.env.MSA_BIN) ?? MSA;
const FILES = 1000;
const dir = path.join(DATA, "events");
fs.mkdirSync(dir, { recursive: true });
// msa's compiled-validator cache lives with the bench data; "cold" runs pass --no-cache.
const CACHE = path.join(dir, "validator-cache");
fs.rmSync(CACHE, { recursive: true, force: true });
const ENV = { MSA_CACHE_DIR: CACHE };

const line = (figure, value, budget, ok) =>
  console.log(`${ok === undefined ? "  " : ok ? "ok" : "!!"}  ${figure}: ${value}${budget ? `   (budget ${budget})` : ""}`);

// ---- data (deterministic; regenerated only when missing) ----
const PAYLOAD = {
  type: "object",
  additionalProperties: false,
  required: ["orderId", "customerEmail", "total", "placedOn", "lines"],
  properties: {
    orderId: { type: "string", format: "uuid" },
    customerEmail: { type: "string", format: "email" },
    total: { type: "number", minimum: 0 },
    currency: { type: "string", enum: ["EUR", "USD", "GBP"] },
    placedOn: { type: "string", format: "date" },
    lines: {
      type: "array", minItems: 1,
      items: { type: "object", required: ["sku", "qty"], properties: { sku: { type: "string", pattern: "^[A-Z]{3}-[0-9]{4}$" }, qty: { type: "integer", minimum: 1 } } },
    },
  },
};
const ENVELOPE = JSON.parse(fs.readFileSync(path.join(ROOT, "schemas/event-envelope.schema.json"), "utf8"));
// The same checks as msa's, as ONE schema for the reference and ajv-cli: envelope with the payload in place.
const COMBINED = { ...ENVELOPE, properties: { ...ENVELOPE.properties, payload: PAYLOAD } };
delete COMBINED.$id;

fs.writeFileSync(path.join(dir, "system.yaml"), [
  "version: 1", "name: bench", "contexts:", "  orders:", "    publishes: [order.placed]", "  billing:", "    consumes: [order.placed]",
  "events:", "  order.placed:", "    versions:", "      1: order.placed.v1.json", "",
].join("\n"));
fs.writeFileSync(path.join(dir, "order.placed.v1.json"), JSON.stringify(PAYLOAD, null, 2) + "\n");
fs.writeFileSync(path.join(dir, "combined.schema.json"), JSON.stringify(COMBINED, null, 2) + "\n");

const hex = (i, n) => (i >>> 0).toString(16).padStart(n, "0").slice(-n);
const uuid = (i) => `${hex(i * 2654435761, 8)}-${hex(i, 4)}-4${hex(i >> 4, 3)}-a${hex(i >> 8, 3)}-${hex(i * 40503, 12)}`;
function event(i) {
  const day = String(1 + (i % 28)).padStart(2, "0");
  return {
    eventId: uuid(i), eventType: "order.placed", aggregateId: `order-${i}`,
    timestamp: `2026-11-${day}T${String(i % 24).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}:00.000Z`,
    version: 1, correlationId: `corr-${i}`,
    payload: {
      orderId: uuid(i + 7), customerEmail: `customer${i % 5000}@example.com`, total: (i % 100000) / 100, currency: ["EUR", "USD", "GBP"][i % 3],
      placedOn: `2026-11-${day}`, lines: [{ sku: `ABC-${String(i % 10000).padStart(4, "0")}`, qty: 1 + (i % 5) }, { sku: "XYZ-0001", qty: 2 }],
    },
  };
}

const ndjson = path.join(dir, `events-${EVENTS}.ndjson`);
if (!fs.existsSync(ndjson)) {
  const fd = fs.openSync(ndjson + ".tmp", "w");
  let batch = "";
  for (let i = 0; i < EVENTS; i++) {
    batch += JSON.stringify(event(i)) + "\n";
    if (batch.length > 1 << 22) { fs.writeSync(fd, batch); batch = ""; }
  }
  fs.writeSync(fd, batch);
  fs.closeSync(fd);
  fs.renameSync(ndjson + ".tmp", ndjson);
}
const filesDir = path.join(dir, "files");
if (!fs.existsSync(path.join(filesDir, `e${FILES - 1}.json`))) {
  fs.rmSync(filesDir, { recursive: true, force: true });
  fs.mkdirSync(filesDir);
  for (let i = 0; i < FILES; i++) fs.writeFileSync(path.join(filesDir, `e${i}.json`), JSON.stringify(event(i), null, 2) + "\n");
}
const mb = (fs.statSync(ndjson).size / 1e6).toFixed(0);
console.log(`data: ${EVENTS.toLocaleString("en")} envelopes in ${path.relative(ROOT, ndjson)} (${mb} MB), ${FILES} files in ${path.relative(ROOT, filesDir)}`);

// ---- 1. NDJSON throughput: interleaved runs, medians ----
const msaNdjson = ["node", MSA_BIN, "validate-events", "--ndjson", ndjson];
const refNdjson = ["node", path.join(ROOT, "bench/validate-events-reference.mjs"), path.join(dir, "combined.schema.json"), ndjson];
for (const [name, cmd] of [["msa", msaNdjson], ["reference", refNdjson]]) {
  // correctness first: both must find every event valid
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd: dir, encoding: "utf8", maxBuffer: 1 << 26, env: { ...process.env, ...ENV } });
  const ok = name === "msa" ? r.status === 0 && r.stdout.includes(`${EVENTS} events checked: ${EVENTS} valid`) : r.stdout.trim() === `${EVENTS} 0`;
  if (!ok) { console.log(`!!  ${name} did not accept the bench data: exit ${r.status}\n${r.stdout.slice(0, 500)}${r.stderr.slice(0, 500)}`); process.exit(1); }
}
const t = { msa: [], reference: [] };
const rss = { msa: [], reference: [] };
for (let i = 0; i < RUNS; i++) {
  for (const [name, cmd] of [["msa", msaNdjson], ["reference", refNdjson]]) {
    const r = timeRuns(cmd, { runs: 1, cwd: dir, env: ENV });
    t[name].push(...r.ms);
    rss[name].push(...r.rssMB);
  }
}
const eps = (ms) => EVENTS / (ms / 1000);
const msaEps = eps(median(t.msa));
const refEps = eps(median(t.reference));
const peak = (xs) => (xs.length ? `${Math.max(...xs).toFixed(0)} MB` : "n/a");
line(`NDJSON ${EVENTS.toLocaleString("en")} envelopes, reference script`, `${Math.round(refEps).toLocaleString("en")} events/s (${fmt(median(t.reference))}), peak RSS ${peak(rss.reference)}`);
line(`NDJSON ${EVENTS.toLocaleString("en")} envelopes, msa`, `${Math.round(msaEps).toLocaleString("en")} events/s (${fmt(median(t.msa))}) = ${(msaEps / refEps).toFixed(2)}× reference, peak RSS ${peak(rss.msa)}`, "≥ 0.75× reference", msaEps / refEps >= 0.75);

// ---- 2. 1,000 files against ajv-cli ----
function findAjv() {
  const given = arg("--ajv", process.env.AJV_CLI);
  if (given) return { argv: given.endsWith(".js") ? ["node", given] : [given], formats: arg("--ajv-formats", process.env.AJV_FORMATS) };
  // the project's devDependency, when installed
  const local = path.join(ROOT, "node_modules/ajv-cli/dist/index.js");
  if (fs.existsSync(local)) return { argv: ["node", local], formats: path.join(ROOT, "node_modules/ajv-formats/dist/index.js") };
  const cache = path.join(os.homedir(), ".cache/msa-bench/ajv-cli");
  const entry = path.join(cache, "node_modules/ajv-cli/dist/index.js");
  if (!fs.existsSync(entry)) {
    fs.mkdirSync(cache, { recursive: true });
    const r = spawnSync("npm", ["install", "--prefix", cache, "--no-audit", "--no-fund", "--loglevel=error", "ajv-cli@5", "ajv-formats@3"], { encoding: "utf8" });
    if (r.status !== 0) return null;
  }
  return { argv: ["node", entry], formats: path.join(cache, "node_modules/ajv-formats/dist/index.js") };
}
const ajv = findAjv();
if (!ajv) {
  line("1,000 event files vs ajv-cli", "skipped: ajv-cli not available (pass --ajv PATH)");
} else {
  const ajvCmd = [...ajv.argv, "validate", "--strict=false", "--all-errors", "-s", path.join(dir, "combined.schema.json"), "-d", path.join(filesDir, "*.json"), ...(ajv.formats ? ["-c", ajv.formats] : [])];
  const msaSchema = ["node", MSA_BIN, "validate-events", "--dir", filesDir, "--schema-file", path.join(dir, "combined.schema.json")];
  const msaSystem = ["node", MSA_BIN, "validate-events", "--dir", filesDir];
  const runs = Math.max(RUNS, 5);
  const times = { ajv: [], schema: [], schemaCold: [], system: [], systemCold: [] };
  for (let i = 0; i < runs; i++) {
    times.ajv.push(...timeRuns(ajvCmd, { runs: 1, cwd: dir }).ms);
    times.schema.push(...timeRuns(msaSchema, { runs: 1, cwd: dir, env: ENV }).ms);
    times.schemaCold.push(...timeRuns([...msaSchema, "--no-cache"], { runs: 1, cwd: dir, env: ENV }).ms);
    times.system.push(...timeRuns(msaSystem, { runs: 1, cwd: dir, env: ENV }).ms);
    times.systemCold.push(...timeRuns([...msaSystem, "--no-cache"], { runs: 1, cwd: dir, env: ENV }).ms);
  }
  const a = median(times.ajv);
  const ratio = (xs) => `${fmt(median(xs))} = ${(median(xs) / a).toFixed(2)}× ajv-cli`;
  line("1,000 files, ajv validate (ajv-cli 5 + ajv-formats)", fmt(a));
  line("1,000 files, msa --schema-file (same schema), compiled validator cached", ratio(times.schema), "≤ 0.5× ajv-cli", median(times.schema) / a <= 0.5);
  line("1,000 files, msa --schema-file --no-cache (compiles like ajv-cli)", ratio(times.schemaCold));
  line("1,000 files, msa against system.yaml, cached", ratio(times.system), "≤ 0.5× ajv-cli", median(times.system) / a <= 0.5);
  line("1,000 files, msa against system.yaml --no-cache", ratio(times.systemCold));
}

// ---- 3. cold start ----
const one = path.join(filesDir, "e0.json");
const coldRuns = 15;
const node0 = median(timeRuns(["node", "-e", "0"], { runs: coldRuns }).ms);
const coldCmd = ["node", MSA_BIN, "validate-events", "--event-file", one, "--schema-file", path.join(dir, "combined.schema.json")];
const cold = median(timeRuns([...coldCmd, "--no-cache"], { runs: coldRuns, cwd: dir, env: ENV }).ms);
const warm = median(timeRuns(coldCmd, { runs: coldRuns, cwd: dir, env: ENV }).ms);
line("node -e 0", fmt(node0));
line("cold start: validate-events --event-file x --schema-file y --no-cache", `${fmt(cold)} = ${(cold / node0).toFixed(2)}× node`, "≤ 3× node", cold / node0 <= 3);
line("start: validate-events --event-file x --schema-file y, validator cached", `${fmt(warm)} = ${(warm / node0).toFixed(2)}× node`, "≤ 2× node", warm / node0 <= 2);
