import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lazyFile, type PlannedFile } from "../../src/core/plan/types.js";
import { sha256 } from "../../src/core/tree.js";
import { CannotRunError } from "../../src/core/diagnostics.js";
import { spawnSync } from "node:child_process";
import { commitPlan, directoryCheck, WRITING_MARK } from "../../src/io/commit.js";

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "msa-commit-"));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

const read = (p: string) => fs.readFileSync(path.join(root, p), "utf8");
const exists = (p: string) => fs.existsSync(path.join(root, p));
const kinds = (r: Awaited<ReturnType<typeof commitPlan>>) => Object.fromEntries(r.changes.map((c) => [c.path, c.kind]));
const plan = (extra: PlannedFile[] = []): PlannedFile[] => [
  { path: "docker-compose.yml", content: "services: {}\n", owner: "generated" },
  { path: "scripts/run.sh", content: "#!/bin/sh\necho hi\n", owner: "generated", executable: true },
  { path: "services/a/handlers.ts", content: "// fill me\n", owner: "user", context: "a" },
  { path: "services/a/index.ts", content: "export {};\n", owner: "generated", context: "a" },
  ...extra,
];

describe("commitPlan", async () => {
  it("writes files, sets +x on scripts, records a manifest, and a second run changes nothing", async () => {
    const r = await commitPlan({ root, planned: plan(), mode: "write" });
    expect(Object.values(kinds(r))).toEqual(["create", "create", "create", "create"]);
    expect(read("services/a/index.ts")).toBe("export {};\n");
    expect(fs.statSync(path.join(root, "scripts/run.sh")).mode & 0o111).toBe(0o111);
    const manifest = JSON.parse(read(".msa/manifest.json"));
    expect(manifest.version).toBe(1);
    expect(manifest.files.map((f: { path: string }) => f.path)).toEqual([
      "docker-compose.yml", "scripts/run.sh", "services/a/handlers.ts", "services/a/index.ts",
    ]);
    const before = fs.statSync(path.join(root, "docker-compose.yml")).mtimeMs;
    const again = await commitPlan({ root, planned: plan(), mode: "write" });
    expect(new Set(Object.values(kinds(again)))).toEqual(new Set(["unchanged"]));
    expect(fs.statSync(path.join(root, "docker-compose.yml")).mtimeMs).toBe(before);
    expect(fs.readdirSync(root).filter((f) => f.includes(".tmp"))).toEqual([]);
  });

  it("a user's file in a directory msa has not written yet is still found (and kept); a directory where a file belongs is an error", async () => {
    fs.mkdirSync(path.join(root, "services/a"), { recursive: true });
    fs.writeFileSync(path.join(root, "services/a/handlers.ts"), "// mine\n");
    fs.writeFileSync(path.join(root, "services/a/index.ts"), "// also mine\n");
    const r = await commitPlan({ root, planned: plan(), mode: "write" });
    expect(kinds(r)["services/a/handlers.ts"]).toBe("unchanged"); // the user's file: never touched
    expect(kinds(r)["services/a/index.ts"]).toBe("conflict"); // found, so not overwritten
    expect(read("services/a/handlers.ts")).toBe("// mine\n");
    expect(read("services/a/index.ts")).toBe("// also mine\n");
    fs.rmSync(path.join(root, "services/a/index.ts"));
    fs.mkdirSync(path.join(root, "services/a/index.ts"));
    await expect(commitPlan({ root, planned: plan(), mode: "check" })).rejects.toThrow("services/a/index.ts is a directory, but msa generates a file there");
  });

  it("directoryCheck asks the disk once per directory and never below a missing one; a file in the way counts as there", () => {
    fs.mkdirSync(path.join(root, "a/b"), { recursive: true });
    fs.writeFileSync(path.join(root, "f"), "");
    const calls: string[] = [];
    const stat = fs.statSync;
    const spy = ((p: fs.PathLike, o?: fs.StatSyncOptions) => (calls.push(path.relative(root, String(p))), stat(p, o))) as typeof fs.statSync;
    (fs as { statSync: typeof fs.statSync }).statSync = spy;
    try {
      const exists = directoryCheck(root);
      expect([exists("a/b"), exists("a"), exists("a/b"), exists("x/y/z"), exists("x/y"), exists("f")]).toEqual([true, true, true, false, false, true]);
    } finally {
      (fs as { statSync: typeof fs.statSync }).statSync = stat;
    }
    expect(calls).toEqual(["a", "a/b", "x", "f"]);
  });

  it("restores the +x of an unchanged script", async () => {
    await commitPlan({ root, planned: plan(), mode: "write" });
    fs.chmodSync(path.join(root, "scripts/run.sh"), 0o644);
    const r = await commitPlan({ root, planned: plan(), mode: "write" });
    expect(kinds(r)["scripts/run.sh"]).toBe("unchanged");
    expect(fs.statSync(path.join(root, "scripts/run.sh")).mode & 0o777).toBe(0o755);
  });

  it("check and dry-run write nothing", async () => {
    for (const mode of ["check", "dry-run"] as const) {
      const r = await commitPlan({ root, planned: plan(), mode });
      expect(Object.values(kinds(r)).every((k) => k === "create")).toBe(true);
      expect(fs.readdirSync(root)).toEqual([]);
    }
  });

  it("keeps a user's edit of a generated file unless forced, and never touches user-owned files", async () => {
    await commitPlan({ root, planned: plan(), mode: "write" });
    fs.appendFileSync(path.join(root, "docker-compose.yml"), "# mine\n");
    fs.writeFileSync(path.join(root, "services/a/handlers.ts"), "// my domain code\n");
    const changed = plan().map((f) => ({ ...f, content: f.content + "# v2\n" }));
    const r = await commitPlan({ root, planned: changed, mode: "write" });
    expect(kinds(r)).toMatchObject({ "docker-compose.yml": "conflict", "services/a/index.ts": "update", "services/a/handlers.ts": "unchanged" });
    expect(read("docker-compose.yml")).toBe("services: {}\n# mine\n");
    expect(read("services/a/handlers.ts")).toBe("// my domain code\n");
    // still protected on the next run
    expect(kinds(await commitPlan({ root, planned: changed, mode: "check" }))["docker-compose.yml"]).toBe("conflict");
    const forced = await commitPlan({ root, planned: changed, mode: "write", force: true });
    expect(kinds(forced)["docker-compose.yml"]).toBe("update");
    expect(read("docker-compose.yml")).toBe("services: {}\n# v2\n");
    expect(read("services/a/handlers.ts")).toBe("// my domain code\n");
  });

  it("prunes files no longer planned (and their empty directories), keeps edited ones", async () => {
    await commitPlan({ root, planned: plan([{ path: "services/b/x.ts", content: "x\n", owner: "generated", context: "b" }, { path: "services/c/y.ts", content: "y\n", owner: "generated", context: "c" }]), mode: "write" });
    fs.appendFileSync(path.join(root, "services/c/y.ts"), "// edited\n");
    const r = await commitPlan({ root, planned: plan(), mode: "write" });
    expect(kinds(r)).toMatchObject({ "services/b/x.ts": "delete", "services/c/y.ts": "conflict" });
    expect(exists("services/b")).toBe(false);
    expect(read("services/c/y.ts")).toBe("y\n// edited\n");
    expect(JSON.parse(read(".msa/manifest.json")).files.some((f: { path: string }) => f.path.startsWith("services/c/"))).toBe(false);
  });

  it("reports progress for each write", async () => {
    const seen: [number, number][] = [];
    await commitPlan({ root, planned: plan(), mode: "write", onProgress: (d, t) => seen.push([d, t]) });
    expect(seen).toEqual([[1, 4], [2, 4], [3, 4], [4, 4]]);
  });

  it("refuses to write through a symlinked directory that leads outside the root, writing nothing", async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "msa-outside-"));
    try {
      fs.mkdirSync(path.join(root, "services"));
      fs.symlinkSync(outside, path.join(root, "services/a"));
      const err = await commitPlan({ root, planned: plan(), mode: "write" }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(CannotRunError);
      expect((err as Error).message).toContain("services/a");
      expect((err as Error).message).toContain("outside the output directory");
      expect(fs.readdirSync(outside)).toEqual([]);
      // nothing half-written: not even the files outside the symlink, nor a manifest
      expect(fs.readdirSync(root).sort()).toEqual(["services"]);
      // check mode writes nothing anyway and still answers
      expect(kinds(await commitPlan({ root, planned: plan(), mode: "check" }))["services/a/index.ts"]).toBe("create");
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it("refuses to delete through a symlinked directory that leads outside, and to write through a symlinked .msa", async () => {
    await commitPlan({ root, planned: plan([{ path: "services/b/x.ts", content: "x\n", owner: "generated", context: "b" }]), mode: "write" });
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "msa-outside-"));
    try {
      fs.writeFileSync(path.join(outside, "x.ts"), "x\n");
      fs.rmSync(path.join(root, "services/b"), { recursive: true });
      fs.symlinkSync(outside, path.join(root, "services/b"));
      await expect(commitPlan({ root, planned: plan(), mode: "write" })).rejects.toThrow(/services\/b/);
      expect(fs.readFileSync(path.join(outside, "x.ts"), "utf8")).toBe("x\n");

      fs.rmSync(path.join(root, "services/b"));
      fs.rmSync(path.join(root, ".msa"), { recursive: true });
      fs.symlinkSync(outside, path.join(root, ".msa"));
      await expect(commitPlan({ root, planned: plan(), mode: "write" })).rejects.toThrow(/\.msa/);
      expect(fs.readdirSync(outside)).toEqual(["x.ts"]);
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });

  it("writes through a symlinked directory that stays inside the root", async () => {
    fs.mkdirSync(path.join(root, "real"));
    fs.mkdirSync(path.join(root, "services"));
    fs.symlinkSync(path.join(root, "real"), path.join(root, "services/a"));
    const r = await commitPlan({ root, planned: plan(), mode: "write" });
    expect(kinds(r)["services/a/index.ts"]).toBe("create");
    expect(fs.readFileSync(path.join(root, "real/index.ts"), "utf8")).toBe("export {};\n");
  });

  describe("a run killed mid-write", () => {
    // a pid that certainly belonged to a process that has ended
    const deadPid = () => spawnSync("true").pid as number;
    const leave = (p: string) => fs.writeFileSync(path.join(root, p), "half a fi");

    it("leaves no mark after a finished run", async () => {
      await commitPlan({ root, planned: plan(), mode: "write" });
      expect(exists(WRITING_MARK)).toBe(false);
    });

    it("lists its temp files under check, removes them on the next write, and leaves a live process's alone", async () => {
      await commitPlan({ root, planned: plan(), mode: "write" });
      const dead = deadPid();
      fs.writeFileSync(path.join(root, WRITING_MARK), `${dead}\n`);
      leave(`services/a/.index.ts.msa-${dead}.tmp`);
      leave(`.msa/.manifest.json.msa-${dead}.tmp`);
      leave(`.docker-compose.yml.msa-${dead}.tmp`);
      leave(`services/a/.index.ts.msa-${process.ppid}.tmp`); // the parent is alive: another run's file in flight

      const checked = await commitPlan({ root, planned: plan(), mode: "check" });
      expect(checked.staleTemps).toEqual([`.docker-compose.yml.msa-${dead}.tmp`, `.msa/.manifest.json.msa-${dead}.tmp`, `services/a/.index.ts.msa-${dead}.tmp`]);
      expect(exists(`services/a/.index.ts.msa-${dead}.tmp`)).toBe(true); // check writes nothing

      const written = await commitPlan({ root, planned: plan(), mode: "write" });
      expect(written.staleTemps).toEqual(checked.staleTemps);
      for (const t of checked.staleTemps) expect(exists(t)).toBe(false);
      expect(exists(`services/a/.index.ts.msa-${process.ppid}.tmp`)).toBe(true);
      expect(exists(WRITING_MARK)).toBe(false);
      expect((await commitPlan({ root, planned: plan(), mode: "check" })).staleTemps).toEqual([]);
    });

    it("does not look for temp files when no run was interrupted", async () => {
      await commitPlan({ root, planned: plan(), mode: "write" });
      leave(`services/a/.index.ts.msa-${deadPid()}.tmp`);
      const r = await commitPlan({ root, planned: plan(), mode: "write" });
      expect(r.staleTemps).toEqual([]);
    });
  });

  describe("streaming (issue #24): a file's text lives only while it is decided on or written", () => {
    // files rendered on read, counting how often each one is rendered
    const lazyPlan = () => {
      const renders = new Map<string, number>();
      const files = plan().map((f) => {
        const { content, ...meta } = f;
        return lazyFile(meta, () => (renders.set(f.path, (renders.get(f.path) ?? 0) + 1), content));
      });
      return { files, renders };
    };

    it("renders each new file once, when writing it, and keeps no text on the changes", async () => {
      const { files, renders } = lazyPlan();
      const r = await commitPlan({ root, planned: files, mode: "write" });
      expect([...renders.values()]).toEqual([1, 1, 1, 1]);
      expect(r.changes.every((c) => c.content === undefined && c.before === undefined)).toBe(true);
      expect(read("scripts/run.sh")).toBe("#!/bin/sh\necho hi\n");
      // the manifest records the hash of what was written
      const manifest = JSON.parse(read(".msa/manifest.json")) as { files: { path: string; hash: string }[] };
      expect(manifest.files.map((e) => e.hash)).toEqual(plan().map((f) => sha256(f.content)));
      // a re-run renders each generated file once to decide, and a user's file not at all
      const again = lazyPlan();
      expect(new Set(Object.values(kinds(await commitPlan({ root, planned: again.files, mode: "write" }))))).toEqual(new Set(["unchanged"]));
      expect(Object.fromEntries(again.renders)).toEqual({ "docker-compose.yml": 1, "scripts/run.sh": 1, "services/a/index.ts": 1 });
    });

    it("writes a text that comes back many times (its bytes kept) and same-length texts each as themselves", async () => {
      // the encoder keeps a repeated text's bytes from its second time on: every copy, and the same-length texts
      // between them (non-ASCII, so bytes and length differ), must still be written and hashed as themselves
      const texts = ["# generated by msa \u2014 a\nx: 1\n", "# generated by msa \u2014 b\nx: 2\n", "# generated by msa \u2013 a\nx: 1\n"];
      const order = [0, 0, 1, 0, 2, 0, 0, 1, 1, 2, 0];
      const files = order.map((t, i) => lazyFile({ path: `f/${i}.yaml`, owner: "generated" }, () => texts[t] as string));
      for (const mode of ["write", "dry-run"] as const) {
        const dir = fs.mkdtempSync(path.join(root, `${mode}-`));
        const r = await commitPlan({ root: dir, planned: files, mode });
        const hashes = Object.fromEntries(r.manifest.files.map((e) => [e.path, e.hash]));
        expect(hashes).toEqual(Object.fromEntries(order.map((t, i) => [`f/${i}.yaml`, sha256(texts[t] as string)])));
        if (mode === "write") for (const [i, t] of order.entries()) expect(fs.readFileSync(path.join(dir, `f/${i}.yaml`), "utf8")).toBe(texts[t]);
      }
    });

    it("check and dry-run hash new files as a write would, and keepText (--diff) keeps both sides", async () => {
      const written = await commitPlan({ root: fs.mkdtempSync(path.join(root, "w-")), planned: plan(), mode: "write" });
      for (const mode of ["check", "dry-run"] as const) expect((await commitPlan({ root, planned: lazyPlan().files, mode })).manifest.files).toEqual(written.manifest.files);
      const kept = await commitPlan({ root, planned: lazyPlan().files, mode: "dry-run", keepText: true });
      expect(kept.changes.find((c) => c.path === "docker-compose.yml")?.content).toBe("services: {}\n");
    });

    it("finds a problem with any file before writing the first one (nothing half-written)", async () => {
      const { files, renders } = lazyPlan();
      fs.mkdirSync(path.join(root, "services/a/index.ts"), { recursive: true }); // the last path is a directory
      await expect(commitPlan({ root, planned: files, mode: "write" })).rejects.toThrow("services/a/index.ts is a directory");
      expect(renders.size).toBe(0);
      expect(fs.readdirSync(root)).toEqual(["services"]);
      expect(fs.readdirSync(path.join(root, "services/a"))).toEqual(["index.ts"]);
    });
  });
});
