// analyze-deps recognises the generated gRPC clients (docs/grpc.md): test/k8s/fixtures/grpc through `msa generate`
// (node and python callers of node, python and user-.proto servers) is clean, every gRPC call found in code.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./deps-helpers.js";

const FIXTURE = path.resolve(import.meta.dirname, "../k8s/fixtures/grpc");
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-deps-grpc-"));
  fs.cpSync(FIXTURE, dir, { recursive: true });
  const gen = await runCli(dir, ["generate"]);
  expect(gen.code, gen.stderr).toBe(0);
}, 120_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("analyze-deps on a generated gRPC system", () => {
  it("finds every gRPC call in the generated clients and reports nothing", async () => {
    const r = await runCli(dir, ["analyze-deps", "--format", "json"]);
    const doc = JSON.parse(r.stdout) as { findings: { severity: string; rule: string }[]; edges: { from: string; to: string; kind: string; declared: boolean; discovered: boolean; evidence: { file: string }[] }[] };
    expect(doc.findings.filter((f) => f.severity === "error")).toEqual([]);
    expect(doc.findings.filter((f) => f.rule === "unused-dependency")).toEqual([]);
    for (const [from, to] of [["orders", "inventory"], ["orders", "pricing"], ["orders", "catalog"], ["pricing", "inventory"]]) {
      const e = doc.edges.find((x) => x.kind === "call" && x.from === from && x.to === to);
      expect(e, `${from} → ${to}`).toMatchObject({ declared: true, discovered: true });
      expect(e!.evidence.some((ev) => ev.file.startsWith(`services/${from}/`)), `${from} → ${to} found in ${from}'s code`).toBe(true);
    }
    expect(r.code).toBe(0);
  });
});
