// The NDJSON splitter (chunk boundaries, CRLF, blank lines, overlong lines), the JSON pointer
// locator, and constant memory over a large generated stream.
import { Readable } from "node:stream";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { jsonPointerPosition } from "../../src/core/events/json-position.js";
import { splitLines } from "../../src/core/events/ndjson.js";
import { systemChecker } from "../../src/core/events/validator.js";
import { loadYamlText } from "../../src/core/load.js";
import { buildModel } from "../../src/core/model.js";

async function lines(chunks: (string | Uint8Array)[], max?: number) {
  const got: [number, string][] = [];
  const over: [number, number][] = [];
  const total = await splitLines(Readable.from(chunks), { onLine: (l, n) => got.push([n, l]), onOverlong: (n, b) => over.push([n, b]) }, max);
  return { got, over, total };
}

describe("splitLines", () => {
  it("splits across chunk boundaries, strips \\r, skips blank lines but counts them", async () => {
    const r = await lines(['{"a":', '1}\n\n{"b"', ':2}\r\n', "  \n", '{"c":3}']);
    expect(r.got).toEqual([[1, '{"a":1}'], [3, '{"b":2}'], [5, '{"c":3}']]);
    expect(r.total).toBe(5);
  });
  it("decodes UTF-8 split inside a multi-byte character", async () => {
    const bytes = Buffer.from('{"s":"é€"}\n');
    const r = await lines([bytes.subarray(0, 7), bytes.subarray(7)]);
    expect(r.got).toEqual([[1, '{"s":"é€"}']]);
  });
  it("drops a line longer than the limit, reports it, and goes on", async () => {
    const r = await lines(["x".repeat(30), "y".repeat(30), "\n", "ok\n"], 40);
    expect(r.over).toEqual([[1, 60]]);
    expect(r.got).toEqual([[2, "ok"]]);
  });
  it("handles an empty stream and a final line without newline", async () => {
    expect((await lines([])).got).toEqual([]);
    expect((await lines(["a\nb"])).got).toEqual([[1, "a"], [2, "b"]]);
  });
});

describe("jsonPointerPosition", () => {
  const text = '{\n  "a": {\n    "b~/c": [10, {"d": "x"}],\n    "e": "}"\n  }\n}';
  it("finds nested keys, escaped keys and array items", () => {
    expect(jsonPointerPosition(text, [])).toEqual({ line: 1, column: 1 });
    expect(jsonPointerPosition(text, ["a"])).toEqual({ line: 2, column: 8 });
    expect(jsonPointerPosition(text, ["a", "b~/c", "1", "d"])).toEqual({ line: 3, column: 24 });
    expect(jsonPointerPosition(text, ["a", "e"])).toEqual({ line: 4, column: 10 });
  });
  it("falls back to the deepest existing ancestor", () => {
    expect(jsonPointerPosition(text, ["a", "missing"])).toEqual({ line: 2, column: 8 });
    expect(jsonPointerPosition(text, ["a", "b~/c", "7"])).toEqual({ line: 3, column: 13 });
  });
});

describe("constant memory", () => {
  it("streams 300k envelopes without the heap growing with the input", async () => {
    const { loaded } = loadYamlText(`version: 1
name: m
contexts:
  a:
    publishes: [thing.done]
events:
  thing.done:
    schema: { type: object, required: [id], properties: { id: { type: string }, n: { type: integer, minimum: 0 } } }
`, "system.yaml");
    const { model } = buildModel({ loaded: loaded!, dir: "/virtual", readFile: () => "" });
    const checker = systemChecker(model!);
    const N = 300_000;
    const line = (i: number) => `{"eventId":"3f1c2a4e-8b7d-4c1e-9f2a-${String(i).padStart(12, "0")}","eventType":"thing.done","aggregateId":"a${i}","timestamp":"2026-11-22T03:00:00Z","version":1,"payload":{"id":"x${i}","n":${i}}}\n`;
    function* source() {
      let batch = "";
      for (let i = 0; i < N; i++) {
        batch += line(i);
        if (batch.length > 1 << 16) { yield batch; batch = ""; }
      }
      if (batch) yield batch;
    }
    const inputBytes = line(1).length * N;
    // Retained heap, not garbage: collect before each sample.
    v8.setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    gc();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    let valid = 0;
    let count = 0;
    await splitLines(Readable.from(source()), {
      onLine(l) {
        if (!checker.check(JSON.parse(l)).length) valid++;
        if (++count % 50_000 === 0) {
          gc();
          peak = Math.max(peak, process.memoryUsage().heapUsed);
        }
      },
    });
    expect(valid).toBe(N);
    const growth = peak - before;
    // ~50 MB of input; a splitter holding it would grow the heap by at least that much.
    expect(inputBytes).toBeGreaterThan(45e6);
    expect(growth, `heap grew by ${(growth / 1e6).toFixed(1)} MB`).toBeLessThan(8e6);
  });
});
