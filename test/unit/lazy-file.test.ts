import { describe, expect, it } from "vitest";
import { lazyFile } from "../../src/core/plan/types.js";

// A planned file rendered when read (plan/types.ts): `content` is an own, enumerable, configurable getter that
// renders on every read, shared by every lazy file (one hidden class for all of them, issue #24).
describe("lazyFile", () => {
  it("renders on every read, as an own enumerable property a spread or JSON sees", () => {
    let calls = 0;
    const f = lazyFile({ path: "a/b.txt", owner: "generated", context: "c" }, () => `text ${++calls}`);
    expect(f.content).toBe("text 1");
    expect(f.content).toBe("text 2");
    const own = Object.getOwnPropertyDescriptor(f, "content");
    expect(own?.enumerable).toBe(true);
    expect(own?.configurable).toBe(true);
    expect(typeof own?.get).toBe("function");
    expect({ ...f }).toEqual({ path: "a/b.txt", owner: "generated", context: "c", content: "text 3" });
    expect(JSON.parse(JSON.stringify(f))).toEqual({ path: "a/b.txt", owner: "generated", context: "c", content: "text 4" });
    expect(Object.keys(f)).toEqual(["path", "owner", "context", "content"]);
  });

  it("keeps each file's own render apart, also for an object made from one", () => {
    const files = Array.from({ length: 50 }, (_, i) => lazyFile({ path: `f${i}`, owner: "user" }, () => `#${i}`));
    expect(files.map((f) => f.content)).toEqual(files.map((_, i) => `#${i}`));
    expect((Object.create(files[7] as object) as { content: string }).content).toBe("#7");
    const g = Object.getOwnPropertyDescriptor(files[0], "content")?.get;
    expect(() => g?.call({})).toThrow(/not the file/);
  });
});
