// The previous REST contracts come from one `git cat-file --batch` (src/cli/api-contracts.ts, issue #24): each
// context's services/<c>/openapi.yaml as committed, relative to system.yaml's folder wherever the repository's
// root is; the files on disk outside git or before the first commit; a bad --against is an error.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { gitBatch, previousContracts, treeFolders } from "../../src/cli/api-contracts.js";
import { CannotRunError } from "../../src/core/diagnostics.js";
import type { SystemModel } from "../../src/core/model.js";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "msa-api-contracts-git-"));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const g = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd, stdio: "ignore" });
const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
};
const modelAt = (dir: string, names: string[]) => ({ dir, contexts: names.map((name) => ({ name })) }) as unknown as SystemModel;
const titles = (m: Map<string, { doc: unknown; from: string }>) =>
  Object.fromEntries([...m].map(([k, v]) => [k, [(v.doc as { info: { title: string } }).info.title, v.from]]));

describe("previous REST contracts from git in one batch", () => {
  it("reads HEAD's files relative to a system.yaml in a sub-folder; a missing file is a new context", () => {
    const repo = path.join(root, "repo");
    const sys = path.join(repo, "deploy", "shop");
    write(path.join(sys, "services/orders/openapi.yaml"), "openapi: 3.1.0\ninfo: { title: orders v1, version: '1' }\n");
    write(path.join(sys, "services/stock/openapi.yaml"), "openapi: 3.1.0\ninfo:\n  title: stock v1\n  version: '1'\n");
    write(path.join(repo, "services/orders/openapi.yaml"), "openapi: 3.1.0\ninfo: { title: the root's, version: '1' }\n");
    g(repo, "init", "-q");
    g(repo, "add", "-A");
    g(repo, "commit", "-qm", "v1");
    g(repo, "tag", "v1");
    // on disk now: a change not committed, which HEAD does not see
    write(path.join(sys, "services/orders/openapi.yaml"), "openapi: 3.1.0\ninfo: { title: orders v2, version: '2' }\n");
    g(repo, "commit", "-qam", "v2");
    const model = modelAt(sys, ["orders", "stock", "billing"]);
    expect(titles(previousContracts(model))).toEqual({ orders: ["orders v2", "HEAD:services/orders/openapi.yaml"], stock: ["stock v1", "HEAD:services/stock/openapi.yaml"] });
    expect(titles(previousContracts(model, "v1"))).toEqual({ orders: ["orders v1", "v1:services/orders/openapi.yaml"], stock: ["stock v1", "v1:services/stock/openapi.yaml"] });
    expect(() => previousContracts(model, "no-such-ref")).toThrow(CannotRunError);
  });

  it("reads the files on disk outside git and before the first commit; --against there is an error", () => {
    for (const [name, init] of [["plain", false], ["fresh", true]] as const) {
      const dir = path.join(root, name);
      write(path.join(dir, "services/orders/openapi.yaml"), "openapi: 3.1.0\ninfo: { title: on disk, version: '1' }\n");
      if (init) g(dir, "init", "-q");
      const model = modelAt(dir, ["orders", "stock"]);
      expect(titles(previousContracts(model))).toEqual({ orders: ["on disk", "services/orders/openapi.yaml"] });
      expect(() => previousContracts(model, "HEAD")).toThrow(CannotRunError);
    }
  });

  it("with no services/ committed there is no previous contract, even where the files are on disk", () => {
    const repo = path.join(root, "uncommitted");
    write(path.join(repo, "system.yaml"), "version: 1\n");
    g(repo, "init", "-q");
    g(repo, "add", "-A");
    g(repo, "commit", "-qm", "system only");
    write(path.join(repo, "services/orders/openapi.yaml"), "openapi: 3.1.0\ninfo: { title: on disk, version: '1' }\n");
    expect(previousContracts(modelAt(repo, ["orders"])).size).toBe(0);
    // a file named like a context's folder is not its folder
    write(path.join(repo, "services/stock"), "not a folder\n");
    g(repo, "add", "-A");
    g(repo, "commit", "-qm", "services");
    expect(titles(previousContracts(modelAt(repo, ["orders", "stock"])))).toEqual({ orders: ["on disk", "HEAD:services/orders/openapi.yaml"] });
  });

  it("treeFolders lists a tree object's sub-folders with their ids, not its files", () => {
    const repo = path.join(root, "tree");
    write(path.join(repo, "services/a b/x"), "1\n");
    write(path.join(repo, "services/c/y"), "2\n");
    write(path.join(repo, "services/d.txt"), "3\n");
    g(repo, "init", "-q");
    g(repo, "add", "-A");
    g(repo, "commit", "-qm", "one");
    const [tree, ab, c] = gitBatch(repo, ["HEAD:services", "HEAD:services/a b", "HEAD:services/c"]) ?? [];
    expect(tree?.type).toBe("tree");
    expect(treeFolders(tree!.data, tree!.oid.length / 2)).toEqual(new Map([["a b", ab!.oid], ["c", c!.oid]]));
  });

  it("gitBatch answers every name in order, binary-safe, and undefined outside a repository", () => {
    const repo = path.join(root, "bin");
    const bytes = Buffer.from([0, 10, 255, 10, 10, 32]);
    write(path.join(repo, "a.bin"), "");
    fs.writeFileSync(path.join(repo, "a.bin"), bytes);
    write(path.join(repo, "b.txt"), "b\n");
    g(repo, "init", "-q");
    g(repo, "add", "-A");
    g(repo, "commit", "-qm", "one");
    const a = gitBatch(repo, ["HEAD^{commit}", "HEAD:a.bin", "HEAD:nope", "HEAD:b.txt", "HEAD:"]);
    expect(a?.map((x) => x?.type ?? null)).toEqual(["commit", "blob", null, "blob", "tree"]);
    expect(a?.[1]?.data.equals(bytes)).toBe(true);
    expect(a?.[3]?.data.toString()).toBe("b\n");
    expect(gitBatch(os.tmpdir(), ["HEAD^{commit}"])).toBeUndefined();
  });
});
