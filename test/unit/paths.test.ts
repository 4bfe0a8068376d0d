import { describe, expect, it } from "vitest";
import type { Endpoint } from "../../src/core/model.js";
import { unknownPathFor } from "../../src/core/plan/paths.js";

const ep = (path: string): Endpoint => ({ method: "GET", path }) as Endpoint;
const segments = (p: string): number => p.split("/").filter(Boolean).length;

describe("unknownPathFor", () => {
  it("is longer than every route, so no parameter route (GET /{id}) can match it", () => {
    const api = [ep("/{id}"), ep("/{a}/{b}/{c}/{d}/{e}"), ep("/orders")];
    const p = unknownPathFor(api);
    expect(segments(p)).toBe(6);
    for (const e of api) expect(segments(p)).toBeGreaterThan(segments(e.path));
  });
  it("is longer than the 3-segment saga routes when the api is short or empty", () => {
    expect(unknownPathFor([])).toBe("/no-such-path/x/x/x");
    expect(unknownPathFor([ep("/{x0}")])).toBe("/no-such-path/x/x/x");
  });
});
