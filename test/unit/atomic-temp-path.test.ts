import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { tempPath } from "../../src/io/atomic.js";

// writeFileAtomic's temp file: sliced for a clean absolute path, joined otherwise — always what path.join gave.
describe("tempPath", () => {
  const joined = (file: string) => path.join(path.dirname(file), `.${path.basename(file)}.msa-${process.pid}.tmp`);
  it("is the joined temp path of any path", () => {
    const seg = fc.constantFrom("a", "b.yaml", ".", "..", "", ".msa", "x y", "é");
    fc.assert(
      fc.property(fc.boolean(), fc.array(seg, { minLength: 1, maxLength: 6 }), fc.boolean(), (abs, segs, trailing) => {
        const file = (abs ? "/" : "") + segs.join("/") + (trailing ? "/" : "");
        if (file === "" || file === "/") return true;
        return tempPath(file) === joined(file);
      }),
      { numRuns: 3000 },
    );
    for (const f of ["/w/services/c0001/src/index.ts", "/f", "/a/b/c", "/a/./b", "/a/../b", "/a//b", "rel/x"]) expect(tempPath(f)).toBe(joined(f));
  });
});
