// Precision and recall of analyze-deps on a corpus of small hand-written look-alikes of real
// microservice code (test/fixtures/deps/corpus/*: one folder a repository, expected.json its edges).
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "./deps-helpers.js";

const CORPUS = path.resolve(__dirname, "../fixtures/deps/corpus");
const repos = fs.readdirSync(CORPUS).filter((d) => fs.existsSync(path.join(CORPUS, d, "expected.json"))).sort();

interface Expected {
  args: string[];
  edges: string[];
  datastores?: string[];
}
interface Doc {
  edges: { from: string; to: string; kind: string; discovered: boolean; evidence: { file: string; line: number; column: number; form: string; via?: string }[] }[];
  datastores: { from: string }[];
}

const name = (id: string): string => id.replace(/^event:/, "");
const totals = { tp: 0, fp: 0, fn: 0 };
const rows: string[] = [];

describe("analyze-deps on the hand-written corpus", () => {
  for (const repo of repos) {
    it(`${repo}: its edges, with evidence, and its data stores apart`, async () => {
      const dir = path.join(CORPUS, repo);
      const expected = JSON.parse(fs.readFileSync(path.join(dir, "expected.json"), "utf8")) as Expected;
      const r = await runCli(dir, [...expected.args, "--output-format", "json", "--fail-on", "none"]);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as Doc;
      const found = doc.edges.filter((e) => e.discovered).map((e) => `${e.kind} ${name(e.from)} ${name(e.to)}`);
      // Every discovered edge carries file:line:column evidence and how it was resolved.
      for (const e of doc.edges.filter((x) => x.discovered)) {
        const code = e.evidence.filter((x) => x.form !== "declared");
        expect(code.length).toBeGreaterThan(0);
        for (const x of code) expect(x.line > 0 && x.column > 0 && !!x.file).toBe(true);
      }
      const want = new Set(expected.edges);
      const got = new Set(found);
      const tp = [...got].filter((e) => want.has(e));
      const fp = [...got].filter((e) => !want.has(e));
      const fn = [...want].filter((e) => !got.has(e));
      totals.tp += tp.length;
      totals.fp += fp.length;
      totals.fn += fn.length;
      rows.push(`${repo.padEnd(16)} expected ${String(want.size).padStart(3)}  found ${String(got.size).padStart(3)}  missed ${fn.join(", ") || "-"}  extra ${fp.join(", ") || "-"}`);
      if (expected.datastores) expect([...new Set(doc.datastores.map((d) => d.from))].sort()).toEqual([...expected.datastores].sort());
    });
  }

  afterAll(() => {
    const precision = totals.tp / (totals.tp + totals.fp || 1);
    const recall = totals.tp / (totals.tp + totals.fn || 1);
    console.log(`${rows.join("\n")}\nanalyze-deps corpus: ${totals.tp} true, ${totals.fp} false positive, ${totals.fn} missed edges; precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`);
  });

  it("precision and recall over the whole corpus are at least 0.95", () => {
    // Runs last (vitest keeps declaration order): the totals of every repository above.
    expect(totals.tp).toBeGreaterThan(0);
    expect(totals.tp / (totals.tp + totals.fp)).toBeGreaterThanOrEqual(0.95);
    expect(totals.tp / (totals.tp + totals.fn)).toBeGreaterThanOrEqual(0.95);
  });
});
