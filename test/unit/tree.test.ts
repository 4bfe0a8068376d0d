import { describe, expect, it } from "vitest";
import type { PlannedFile } from "../../src/core/plan/types.js";
import { diffTree, isOutputPath, parseManifest, serializeManifest, sha256, unifiedDiff, type Manifest } from "../../src/core/tree.js";

const gen = (path: string, content: string, context?: string): PlannedFile => ({ path, content, owner: "generated", ...(context ? { context } : {}) });
const user = (path: string, content: string): PlannedFile => ({ path, content, owner: "user" });
const manifestOf = (files: Record<string, string>, owner: "generated" | "user" = "generated", context?: string): Manifest => ({
  version: 1,
  files: Object.entries(files).map(([path, text]) => ({ path, hash: sha256(text), owner, ...(context ? { context } : {}) })),
});
const kinds = (r: ReturnType<typeof diffTree>) => Object.fromEntries(r.changes.map((c) => [c.path, c.kind]));

describe("diffTree", () => {
  it("creates missing files and records their hashes", () => {
    const r = diffTree({ planned: [gen("b.txt", "b\n"), gen("a.txt", "a\n")], disk: new Map(), manifest: null });
    expect(r.changes.map((c) => [c.path, c.kind])).toEqual([["a.txt", "create"], ["b.txt", "create"]]);
    expect(r.manifest.files).toEqual([
      { path: "a.txt", hash: sha256("a\n"), owner: "generated" },
      { path: "b.txt", hash: sha256("b\n"), owner: "generated" },
    ]);
  });

  it("drops writes identical to the disk (an unchanged system has zero changes)", () => {
    const r = diffTree({ planned: [gen("a.txt", "a\n")], disk: new Map([["a.txt", "a\n"]]), manifest: manifestOf({ "a.txt": "a\n" }) });
    expect(kinds(r)).toEqual({ "a.txt": "unchanged" });
  });

  it("updates a generated file the user did not touch", () => {
    const r = diffTree({ planned: [gen("a.txt", "new\n")], disk: new Map([["a.txt", "old\n"]]), manifest: manifestOf({ "a.txt": "old\n" }) });
    expect(r.changes[0]).toMatchObject({ path: "a.txt", kind: "update", before: "old\n", content: "new\n" });
    expect(r.manifest.files[0]?.hash).toBe(sha256("new\n"));
  });

  it("protects a generated file the user edited, keeping its old record, unless forced", () => {
    const input = { planned: [gen("a.txt", "new\n")], disk: new Map([["a.txt", "old\n# mine\n"]]), manifest: manifestOf({ "a.txt": "old\n" }) };
    const r = diffTree(input);
    expect(r.changes[0]).toMatchObject({ kind: "conflict", reason: expect.stringContaining("edited by you") });
    expect(r.manifest.files[0]?.hash).toBe(sha256("old\n"));
    expect(kinds(diffTree({ ...input, force: true }))).toEqual({ "a.txt": "update" });
  });

  it("treats an existing file msa never wrote as a conflict", () => {
    const r = diffTree({ planned: [gen("a.txt", "new\n")], disk: new Map([["a.txt", "someone else's\n"]]), manifest: null });
    expect(r.changes[0]).toMatchObject({ kind: "conflict", reason: expect.stringContaining("not written by msa") });
    expect(r.manifest.files).toEqual([]);
  });

  it("never touches an existing user-owned file, even with --force", () => {
    const r = diffTree({
      planned: [user("handlers.ts", "template\n")],
      disk: new Map([["handlers.ts", "my code\n"]]),
      manifest: manifestOf({ "handlers.ts": "template\n" }, "user"),
      force: true,
    });
    expect(kinds(r)).toEqual({ "handlers.ts": "unchanged" });
    expect(r.manifest.files[0]).toEqual({ path: "handlers.ts", hash: sha256("template\n"), owner: "user" });
  });

  it("creates a missing user-owned file", () => {
    expect(kinds(diffTree({ planned: [user("h.ts", "t\n")], disk: new Map(), manifest: null }))).toEqual({ "h.ts": "create" });
  });

  it("prunes unedited orphans, keeps and reports edited ones, forgets user files", () => {
    const manifest: Manifest = {
      version: 1,
      files: [
        { path: "old/a.txt", hash: sha256("a\n"), owner: "generated" },
        { path: "old/b.txt", hash: sha256("b\n"), owner: "generated" },
        { path: "old/user.ts", hash: sha256("u\n"), owner: "user" },
        { path: "old/gone.txt", hash: sha256("g\n"), owner: "generated" },
      ],
    };
    const disk = new Map([["old/a.txt", "a\n"], ["old/b.txt", "b edited\n"], ["old/user.ts", "u\n"]]);
    const r = diffTree({ planned: [], disk, manifest });
    expect(kinds(r)).toEqual({ "old/a.txt": "delete", "old/b.txt": "conflict" });
    expect(r.changes.find((c) => c.path === "old/b.txt")?.reason).toMatch(/no longer generated/);
    expect(r.manifest.files).toEqual([]);
    expect(kinds(diffTree({ planned: [], disk, manifest, force: true }))).toEqual({ "old/a.txt": "delete", "old/b.txt": "delete" });
  });

  it("with only, leaves other contexts' manifest entries alone", () => {
    const manifest: Manifest = {
      version: 1,
      files: [
        { path: "services/a/x", hash: sha256("x\n"), owner: "generated", context: "a" },
        { path: "services/b/y", hash: sha256("y\n"), owner: "generated", context: "b" },
        { path: "docker-compose.yml", hash: sha256("c\n"), owner: "generated" },
      ],
    };
    const disk = new Map([["services/a/x", "x\n"], ["services/b/y", "y\n"], ["docker-compose.yml", "c\n"]]);
    const r = diffTree({ planned: [gen("services/a/z", "z\n", "a")], disk, manifest, only: ["a"] });
    expect(kinds(r)).toEqual({ "services/a/x": "delete", "services/a/z": "create" });
    expect(r.manifest.files.map((f) => f.path)).toEqual(["docker-compose.yml", "services/a/z", "services/b/y"]);
  });
});

describe("manifest text", () => {
  it("drops entries whose path is not inside the output root (never read, overwritten or pruned)", () => {
    for (const bad of ["../x", "a/../../x", "/etc/passwd", "C:/x", "a\\b", "a//b", "./a", "a/./b", "", "a\0b"]) expect(isOutputPath(bad), bad).toBe(false);
    for (const good of ["a", ".msa/manifest.json", "services/orders/.dockerignore", "k8s/base/x..y/deployment.yaml"]) expect(isOutputPath(good), good).toBe(true);
    const text = JSON.stringify({ version: 1, files: [{ path: "../x", hash: "1" }, { path: "a", hash: "2" }, { path: "/abs", hash: "3" }] });
    expect(parseManifest(text)?.files.map((f) => f.path)).toEqual(["a"]);
  });

  it("is sorted, stable and round-trips", () => {
    const m: Manifest = { version: 1, files: [{ path: "b", hash: "2", owner: "user" }, { path: "a", hash: "1", owner: "generated", context: "x" }] };
    const text = serializeManifest(m);
    expect(text).toBe(serializeManifest({ ...m, files: [...m.files].reverse() }));
    expect(text.endsWith("}\n")).toBe(true);
    expect(text).not.toMatch(/time|date/i);
    expect(parseManifest(text)?.files.map((f) => f.path)).toEqual(["a", "b"]);
    // the input fingerprint (content hashes only) round-trips through the committed manifest, files sorted
    const withInputs = serializeManifest({ ...m, inputs: { fingerprint: "f", files: ["system.yaml", "a.json"] } });
    expect(parseManifest(withInputs)?.inputs).toEqual({ fingerprint: "f", files: ["a.json", "system.yaml"], diagnostics: [] });
    // the warnings of the run that wrote it round-trip too (an unchanged tree reports them again)
    const warning = { file: "$system", line: 3, column: 1, severity: "warning" as const, rule: "event-unconsumed", message: "m" };
    expect(parseManifest(serializeManifest({ ...m, inputs: { fingerprint: "f", files: [], diagnostics: [warning] } }))?.inputs?.diagnostics).toEqual([warning]);
    expect(parseManifest(text)?.inputs).toBeUndefined();
    expect(parseManifest(withInputs.replace('"fingerprint": "f"', '"fingerprint": 3'))?.inputs).toBeUndefined();
    expect(parseManifest("{not json")).toBeNull();
    expect(parseManifest(undefined)).toBeNull();
  });
});

describe("unifiedDiff", () => {
  it("shows a git-style patch for updates, creates and deletes", () => {
    const d = unifiedDiff({ path: "a.txt", kind: "update", before: "one\ntwo\n", content: "one\nthree\n" });
    expect(d).toContain("--- a/a.txt");
    expect(d).toContain("+++ b/a.txt");
    expect(d).toContain("-two");
    expect(d).toContain("+three");
    expect(unifiedDiff({ path: "n.txt", kind: "create", content: "x\n" })).toContain("--- /dev/null");
    expect(unifiedDiff({ path: "n.txt", kind: "delete", before: "x\n" })).toContain("+++ /dev/null");
  });
});
