// Schema compatibility on recursive schemas (issue #23): a trade whose product is one of n product types that
// refer to each other (a recursive, discriminated oneOf; the shape of test/unit/compat-fixtures.ts). Before
// memoisation, 6 types took 2.2 s and 7 types 33.6 s; Confluent's own suite requires < 10 s, msa's budget is
// < 1 s for 12 types. Also `msa validate-events --compat` on a system.yaml that carries it, as a process.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { DATA, MSA, fmt, median, timeRuns } from "./lib.mjs";

const compatJs = path.join(path.dirname(MSA), "..", "dist", "core", "events", "compat.js");
const { checkCompatibility } = await import(pathToFileURL(compatJs).href);

/** Mirrors tradeSchema() in test/unit/compat-fixtures.ts. */
function tradeSchema(n, variant = "same") {
  const defs = {
    product: { oneOf: Array.from({ length: n }, (_, i) => ({ $ref: `#/$defs/p${i}` })) },
    money: { type: "object", properties: { amount: { type: "number" }, currency: { type: "string", maxLength: variant === "narrow" ? 3 : 5 } }, required: ["amount"] },
  };
  for (let i = 0; i < n; i++) {
    const props = {
      productType: { const: `P${i}` },
      notional: { $ref: "#/$defs/money" },
      legs: { type: "array", items: { $ref: "#/$defs/product" } },
      underlying: { $ref: `#/$defs/p${(i + 1) % n}` },
      alternative: { $ref: "#/$defs/product" },
    };
    if (variant === "widen" && i === 0) props.comment = { type: "string" };
    defs[`p${i}`] = { type: "object", properties: props, required: ["productType"], additionalProperties: i % 2 !== 0 };
  }
  return { $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", properties: { tradeId: { type: "string" }, product: { $ref: "#/$defs/product" } }, required: ["tradeId", "product"], $defs: defs };
}

/** One full-mode comparison (backward and forward) of fresh schema objects, in ms. */
function once(n) {
  const a = tradeSchema(n);
  const b = tradeSchema(n, "widen");
  const t0 = performance.now();
  const findings = checkCompatibility(a, b, "full");
  const ms = performance.now() - t0;
  if (!findings.some((f) => f.rule === "OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL")) throw new Error(`unexpected verdict for n=${n}: ${JSON.stringify(findings.map((f) => f.rule))}`);
  return ms;
}

const sizes = [4, 6, 8, 12, 24];
const by = {};
for (const n of sizes) {
  once(n); // warm
  by[n] = median(Array.from({ length: 7 }, () => once(n)));
}
console.log(`   in process, full mode (backward + forward), median of 7: ${sizes.map((n) => `${n} types ${fmt(by[n])}`).join(", ")}`);
const k = Math.log(by[24] / by[6]) / Math.log(24 / 6);
console.log(`${by[12] < 1000 ? "ok" : "!!"}  compat: recursive oneOf of 12 product types, full mode: ${fmt(by[12])}   (budget < 1 s)`);
console.log(`${k <= 2.5 ? "ok" : "!!"}  compat: growth 6 → 24 types: time ∝ n^${k.toFixed(2)}   (budget polynomial, ≤ n^2.5)`);

// The CLI: validate-events --compat on a system.yaml with the 12-type schema in two versions.
const dir = path.join(DATA, "compat-recursive");
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, "v1.json"), JSON.stringify(tradeSchema(12), null, 2));
fs.writeFileSync(path.join(dir, "v2.json"), JSON.stringify(tradeSchema(12, "narrow"), null, 2));
fs.writeFileSync(path.join(dir, "system.yaml"), `version: 1
name: trades
contexts:
  booking:
    publishes: [trade.booked]
  risk:
    consumes: [trade.booked]
events:
  trade.booked:
    compatibility: forward
    versions:
      1: v1.json
      2: v2.json
`);
const cli = timeRuns(["node", MSA, "validate-events", "--compat"], { cwd: dir, runs: 5 });
const node = timeRuns(["node", "-e", "0"], { cwd: dir, runs: 5 });
console.log(`    compat: msa validate-events --compat, 12-type schema in two versions: ${fmt(median(cli.ms))} (node -e 0: ${fmt(median(node.ms))})`);
