import { describe, expect, it } from "vitest";
import { slotHash } from "../../src/core/slot-hash.js";

describe("slotHash", () => {
  it("is 16 hex digits, the same for the same text", () => {
    expect(slotHash("order.created")).toMatch(/^[0-9a-f]{16}$/);
    expect(slotHash("order.created")).toBe(slotHash("order.created"));
    expect(slotHash("")).toMatch(/^[0-9a-f]{16}$/);
  });
  it("tells apart near-identical keys (one character, order, a NUL, a non-ASCII character)", () => {
    const keys = ["a", "b", "ab", "ba", "a\0b", "a\0c", "é", "e\u0301", '{"type":"string"}', '{"type":"strinh"}', "x".repeat(1000), "x".repeat(1001)];
    for (let i = 0; i < 2000; i++) keys.push(`{"n":${i}}`);
    expect(new Set(keys.map(slotHash)).size).toBe(keys.length);
  });
});
