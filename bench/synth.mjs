// Deterministic synthetic systems for benches: N contexts with events, calls (acyclic), routes.
// usage: node bench/synth.mjs N DIR   → writes DIR/system.yaml
import fs from "node:fs";
import path from "node:path";

export function synthSystem(n) {
  const pad = (i) => String(i).padStart(4, "0");
  const lines = ["# synthetic system for benches", "version: 1", `name: synth-${n}`, "broker:", "  kind: rabbitmq", "gateway:", "  kind: kong", "  routes:"];
  for (let i = 0; i < n; i += 5) lines.push(`    - path: /api/c${pad(i)}`, `      context: c${pad(i)}`, "      methods: [GET, POST]");
  lines.push("contexts:");
  for (let i = 0; i < n; i++) {
    const c = `c${pad(i)}`;
    lines.push(`  ${c}:`, `    port: ${3000 + i}`, `    runtime: ${i % 10 === 9 ? "python-flask" : "node-express"}`, `    database: ${["postgres", "mysql", "mongodb", "redis", "none"][i % 5]}`);
    lines.push(`    api: ["GET /things${i}/{id}", "POST /things${i}"]`);
    lines.push(`    publishes: [e${pad(i)}.created]`);
    if (i > 0 && i % 10 !== 9) lines.push(`    consumes: [e${pad(i - 1)}.created]`);
    // Calls only go to higher indices: no cycle. Chains stay short (i → i+1 only for even i).
    if (i + 1 < n && i % 2 === 0 && i % 10 !== 9) lines.push("    calls:", `      c${pad(i + 1)}: { timeout: 2s, retries: 2 }`);
  }
  lines.push("events:");
  for (let i = 0; i < n; i++) {
    lines.push(`  e${pad(i)}.created:`, "    versions:");
    lines.push("      1: { type: object, additionalProperties: false, required: [id], properties: { id: { type: string } } }");
    lines.push("      2: { type: object, additionalProperties: false, required: [id], properties: { id: { type: string }, note: { type: string } } }");
  }
  return lines.join("\n") + "\n";
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [n, dir] = [Number(process.argv[2]), process.argv[3]];
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "system.yaml"), synthSystem(n));
}
