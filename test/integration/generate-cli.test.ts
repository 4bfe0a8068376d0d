// `msa generate` end to end in a temp dir: in-process through main() (fast), plus the built binary once.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseDocument } from "yaml";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";
import { repoRoot } from "../helpers/engine-model.js";

// The in-process runs replace the other areas' planners with small stand-ins, so these tests pin the engine's
// behaviour (create/update/prune/protect/user-owned files) whatever state those planners are in; the built-binary
// test at the end runs every real planner.
vi.mock("../../src/core/plan/service-node.js", () => ({
  planNodeServices: (m: { contexts: { name: string; port: number }[] }) =>
    m.contexts.flatMap((c) => [
      { path: `services/${c.name}/Dockerfile`, owner: "generated", context: c.name, content: `FROM node:20-alpine\nEXPOSE ${c.port}\n` },
      { path: `services/${c.name}/src/handlers.ts`, owner: "user", context: c.name, content: "// your domain code\n" },
    ]),
}));
vi.mock("../../src/core/plan/service-python.js", () => ({ planPythonServices: () => [] }));
vi.mock("../../src/core/plan/gateway-node.js", () => ({ planNodeGateway: () => [], GATEWAY_PORT: 8080 }));
vi.mock("../../src/core/plan/kong.js", () => ({ planKong: () => [] }));
vi.mock("../../src/core/plan/openapi.js", () => ({ planOpenApi: () => [] }));
vi.mock("../../src/core/plan/client-ts.js", () => ({ planTsClient: () => [] }));
vi.mock("../../src/core/plan/k8s.js", () => ({
  planKubernetes: (m: { contexts: { name: string }[] }) =>
    m.contexts.map((c) => ({ path: `k8s/base/${c.name}/deployment.yaml`, owner: "generated", context: c.name, content: `name: ${c.name}\n` })),
}));

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-gen-"));
  fs.cpSync(path.join(repoRoot, "examples", "minimal"), dir, { recursive: true });
  fs.chmodSync(path.join(dir, "system.yaml"), 0o644);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function msa(...args: string[]) {
  return msaWith(false, ...args);
}
async function msaWith(isTTY: boolean, ...args: string[]) {
  let stdout = "";
  let stderr = "";
  const ctx: CliContext = {
    cwd: dir,
    env: {},
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    isTTY,
    color: false,
    stdin: process.stdin,
  };
  const code = await main(["node", "msa", ...args], ctx);
  return { code, stdout, stderr };
}

const abs = (p: string) => path.join(dir, p);
const read = (p: string) => fs.readFileSync(abs(p), "utf8");
/** Every file under dir (but .msa/) with its bytes. */
function snapshot(root = dir): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out.set(path.relative(root, full), fs.readFileSync(full, "utf8"));
    }
  };
  walk(root);
  return out;
}
function editSystem(fn: (doc: ReturnType<typeof parseDocument>) => void) {
  const doc = parseDocument(read("system.yaml"));
  fn(doc);
  fs.writeFileSync(abs("system.yaml"), String(doc));
}

describe("msa generate", () => {
  it("generates, then --check is clean and a second run changes nothing", async () => {
    const first = await msa("generate");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^ {2}\.\/ +\d+ created$/m); // a first run is summarized per folder
    expect(first.stdout).toMatch(/^generate: \d+ created, 0 updated, 0 deleted, 0 unchanged, 0 conflicts$/m);
    for (const p of ["docker-compose.yml", "asyncapi.yaml", "docs/architecture.md", "scripts/deploy-to-k8s.sh", ".msa/manifest.json"])
      expect(fs.existsSync(abs(p)), p).toBe(true);
    expect(fs.statSync(abs("scripts/deploy-to-k8s.sh")).mode & 0o100).toBe(0o100);
    const manifest = JSON.parse(read(".msa/manifest.json"));
    expect(manifest.files.find((f: { path: string }) => f.path === "docker-compose.yml")).toMatchObject({ owner: "generated", hash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const before = snapshot();
    const check = await msa("generate", "--check");
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/up to date/);
    const again = await msa("generate");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/0 created, 0 updated, 0 deleted, \d+ unchanged/);
    expect(snapshot()).toEqual(before);
  });

  it("--check exits 1 after system.yaml changed, listing (and with --diff showing) the drift; writes nothing", async () => {
    await msa("generate");
    editSystem((d) => d.setIn(["contexts", "audit", "port"], 3999));
    const before = snapshot();
    const r = await msa("generate", "--check", "--diff");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^update docker-compose\.yml$/m);
    expect(r.stdout).toContain('+      PORT: "3999"');
    expect(r.stdout).toMatch(/out of date/);
    expect(snapshot()).toEqual(before);
    const json = await msa("generate", "--check", "--format", "json");
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout);
    expect(doc.mode).toBe("check");
    expect(doc.changes).toContainEqual({ path: "docker-compose.yml", kind: "update" });
  });

  it("keeps a user's edit of a generated file (exit 1, named) until --force", async () => {
    await msa("generate");
    fs.appendFileSync(abs("docker-compose.yml"), "# kept by the user\n");
    editSystem((d) => d.setIn(["contexts", "audit", "port"], 3999));
    const r = await msa("generate");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("conflict docker-compose.yml: edited by you since msa wrote it; kept");
    expect(r.stdout).toContain("msa generate --force docker-compose.yml");
    expect(read("docker-compose.yml")).toContain("# kept by the user");
    expect(read("asyncapi.yaml")).toBeTruthy();
    fs.writeFileSync(abs("services/notes/src/handlers.ts"), "// my real code\n");
    const forced = await msa("generate", "--force");
    expect(read("services/notes/src/handlers.ts")).toBe("// my real code\n");
    expect(forced.code).toBe(0);
    expect(read("docker-compose.yml")).not.toContain("# kept by the user");
    expect(read("docker-compose.yml")).toContain('PORT: "3999"');
    expect((await msa("generate", "--check")).code).toBe(0);
  });

  it("prunes the files of a removed context", async () => {
    await msa("generate");
    const withAudit = [...snapshot().keys()].filter((p) => p.startsWith("services/audit/") && !p.endsWith("handlers.ts"));
    editSystem((d) => {
      d.deleteIn(["contexts", "audit"]);
      d.deleteIn(["contexts", "notes", "calls"]);
      d.setIn(["contexts", "audit2"], d.createNode({ port: 3001, api: ["GET /audit/{noteId}"], consumes: ["note.created"] }));
    });
    const r = await msa("generate");
    expect(r.code).toBe(0);
    for (const p of withAudit) {
      expect(r.stdout).toContain(`delete ${p}`);
      expect(fs.existsSync(abs(p))).toBe(false);
    }
    expect(withAudit.length).toBeGreaterThan(0);
    expect(read("docker-compose.yml")).not.toMatch(/^  audit:/m);
    // the user's own file of the removed context is never deleted
    expect(fs.existsSync(abs("services/audit/src/handlers.ts"))).toBe(true);
  });

  it("never prunes a path outside the output root that an edited manifest names", async () => {
    await msa("generate");
    // a file beside the project, unedited since "msa wrote it" according to a hostile manifest entry
    const outside = path.join(path.dirname(dir), `${path.basename(dir)}-outside.txt`);
    fs.writeFileSync(outside, "keep me\n");
    try {
      const manifest = JSON.parse(read(".msa/manifest.json"));
      const { createHash } = await import("node:crypto");
      const hash = createHash("sha256").update("keep me\n").digest("hex");
      manifest.files.push({ path: `../${path.basename(outside)}`, hash, owner: "generated", context: "audit" }, { path: outside, hash, owner: "generated" });
      delete manifest.inputs;
      fs.writeFileSync(abs(".msa/manifest.json"), JSON.stringify(manifest, null, 2));
      const r = await msa("generate");
      expect(r.code).toBe(0);
      expect(fs.readFileSync(outside, "utf8")).toBe("keep me\n");
      expect(r.stdout).not.toContain("outside.txt");
      expect(read(".msa/manifest.json")).not.toContain("outside.txt");
    } finally {
      fs.rmSync(outside, { force: true });
    }
  });

  it("--dry-run writes nothing; bad system.yaml exits 1 and writes nothing", async () => {
    const dry = await msa("generate", "--dry-run", "--verbose");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/create docker-compose\.yml/);
    expect(dry.stdout).toMatch(/nothing written/);
    expect([...snapshot().keys()].sort()).toEqual(["system.yaml"]);

    fs.writeFileSync(abs("system.yaml"), read("system.yaml").replace("context: notes", "context: nowhere"));
    const bad = await msa("generate");
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/system\.yaml:\d+:\d+\s+error/);
    expect([...snapshot().keys()].sort()).toEqual(["system.yaml"]);
  });

  it("--only limits to a context; an unknown context is a usage error (exit 2)", async () => {
    const r = await msa("generate", "--only", "notes");
    expect(r.code).toBe(0);
    expect(fs.existsSync(abs("docker-compose.yml"))).toBe(false);
    const changed = r.stdout.split("\n").filter((l) => l.startsWith("create ")).map((l) => l.slice(7));
    expect(changed.sort()).toEqual(["k8s/base/notes/deployment.yaml", "services/notes/Dockerfile", "services/notes/src/handlers.ts"]);
    const bad = await msa("generate", "--only", "nope");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('no context named "nope"');
  });

  it("--out writes under another directory", async () => {
    const r = await msa("generate", "--out", "build/out");
    expect(r.code).toBe(0);
    expect(fs.existsSync(abs("build/out/docker-compose.yml"))).toBe(true);
    expect(fs.existsSync(abs("build/out/.msa/manifest.json"))).toBe(true);
    expect(fs.existsSync(abs("docker-compose.yml"))).toBe(false);
    expect((await msa("generate", "--out", "build/out", "--check")).code).toBe(0);
  });

  it("an unchanged re-run answers from the manifest, and still notices edits, schema changes and removed files", async () => {
    fs.mkdirSync(abs("schemas"), { recursive: true });
    fs.writeFileSync(abs("schemas/note.json"), JSON.stringify({ type: "object", required: ["noteId"], properties: { noteId: { type: "string" } } }));
    editSystem((d) => d.setIn(["events", "note.created"], d.createNode({ versions: { 1: "schemas/note.json" } })));
    expect((await msa("generate")).code).toBe(0);
    // the fingerprint is committed with the manifest, so --check in a fresh CI checkout answers from it too
    const { inputs } = JSON.parse(read(".msa/manifest.json"));
    expect(inputs.files).toEqual(["schemas/note.json", "system.yaml"]);
    expect(inputs.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.existsSync(abs(".msa/cache.json"))).toBe(false);
    expect((await msa("generate", "--check")).code).toBe(0);

    // a schema file is an input: changing it is drift
    fs.writeFileSync(abs("schemas/note.json"), JSON.stringify({ type: "object", required: ["noteId"], properties: { noteId: { type: "string" }, body: { type: "string" } } }));
    const drift = await msa("generate", "--check");
    expect(drift.code).toBe(1);
    expect(drift.stdout).toMatch(/^update asyncapi\.yaml$/m);
    expect((await msa("generate")).code).toBe(0);

    // an edited or deleted generated file is seen even though the inputs did not change
    fs.appendFileSync(abs("asyncapi.yaml"), "# mine\n");
    const edited = await msa("generate");
    expect(edited.code).toBe(1);
    expect(edited.stdout).toContain("conflict asyncapi.yaml");
    expect((await msa("generate", "--force")).code).toBe(0);
    fs.rmSync(abs("docs/architecture.md"));
    const restored = await msa("generate");
    expect(restored.stdout).toMatch(/^create docs\/architecture\.md$/m);
    expect((await msa("generate", "--check")).code).toBe(0);

    // a partial (--only) run leaves no fingerprint behind
    expect((await msa("generate", "--only", "notes")).code).toBe(0);
    expect(JSON.parse(read(".msa/manifest.json")).inputs).toBeUndefined();
    expect((await msa("generate", "--check")).code).toBe(0);
  });

  it("after a run killed mid-write: --check reports its temp files (exit 1), generate removes them, even when nothing else changed", async () => {
    expect((await msa("generate")).code).toBe(0);
    const dead = spawnSync("true").pid as number;
    fs.writeFileSync(abs(".msa/writing"), `${dead}\n`);
    fs.writeFileSync(abs(`.docker-compose.yml.msa-${dead}.tmp`), "services:\n  half");
    const check = await msa("generate", "--check");
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(`stale .docker-compose.yml.msa-${dead}.tmp (a temp file left by an interrupted msa generate)`);
    expect(check.stdout).toMatch(/out of date \(.*1 stale temp file\); run `msa generate`/);
    const json = JSON.parse((await msa("generate", "--check", "--format", "json")).stdout);
    expect(json.staleTemps).toEqual([`.docker-compose.yml.msa-${dead}.tmp`]);
    const gen = await msa("generate");
    expect(gen.code).toBe(0);
    expect(gen.stdout).toContain(`removed .docker-compose.yml.msa-${dead}.tmp`);
    expect(fs.existsSync(abs(`.docker-compose.yml.msa-${dead}.tmp`))).toBe(false);
    expect(fs.existsSync(abs(".msa/writing"))).toBe(false);
    const again = await msa("generate", "--check");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("up to date");
  });

  it("shows progress on a TTY for a large system, and none otherwise", async () => {
    const contexts = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`c${i}`, { port: 4000 + i, api: ["GET /x"] }]));
    fs.writeFileSync(abs("system.yaml"), JSON.stringify({ version: 1, name: "big", broker: { kind: "memory" }, contexts }));
    const plain = await msaWith(false, "generate", "--dry-run");
    expect(plain.stderr).not.toContain("writing");
    const tty = await msaWith(true, "generate");
    expect(tty.code).toBe(0);
    expect(tty.stderr).toMatch(/\rwriting \d+\/\d+ files…/);
    expect(tty.stdout).not.toContain("\r");
    fs.rmSync(abs(".msa"), { recursive: true });
    fs.rmSync(abs("services"), { recursive: true });
    const piped = await msaWith(false, "generate", "--force");
    expect(piped.code).toBe(0);
    expect(piped.stderr).not.toContain("writing");
  });

  it("the built binary (every real planner) generates, then --check is clean; shared artifacts match the in-process run", async () => {
    const bin = path.join(repoRoot, "bin", "msa.js");
    if (!fs.existsSync(path.join(repoRoot, "dist", "io", "generate.js"))) {
      if (process.env.CI === "true") throw new Error("dist/ is not built; run npm run build");
      console.warn("skipping the built-binary check: dist/ is not built (npm run build)");
      return;
    }
    const r = spawnSync(process.execPath, [bin, "generate"], { cwd: dir, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const built = snapshot();
    const r2 = spawnSync(process.execPath, [bin, "generate", "--check"], { cwd: dir, encoding: "utf8" });
    expect(r2.status, r2.stdout + r2.stderr).toBe(0);
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "msa-gen2-"));
    try {
      fs.cpSync(path.join(repoRoot, "examples", "minimal"), other, { recursive: true });
      const prev = dir;
      dir = other;
      expect((await msa("generate")).code).toBe(0);
      // docs/secrets.md is the Kubernetes planner's (stood in above), like k8s/; openapi.yaml the OpenAPI planner's
      const mine = (m: Map<string, string>) =>
        new Map([...m].filter(([p]) => !p.startsWith("services/") && !p.startsWith("k8s/") && p !== "docs/secrets.md" && !p.startsWith("gateway/") && p !== "openapi.yaml" && !p.startsWith("clients/") && !p.startsWith(".msa")));
      expect(mine(snapshot())).toEqual(mine(built));
      dir = prev;
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }

    // the user-facing cycle with every real planner: drift, protection, force, prune
    const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: "utf8" });
    editSystem((d) => d.setIn(["contexts", "audit", "port"], 3999));
    expect(run("generate", "--check").status).toBe(1);
    const victim = [...built.keys()].find((p) => p.startsWith("services/audit/") && p.endsWith("Dockerfile"));
    expect(victim).toBeDefined();
    fs.appendFileSync(abs(victim!), "# kept by the user\n");
    const kept = run("generate");
    expect(kept.status).toBe(1);
    expect(kept.stdout).toContain(`conflict ${victim}: edited by you`);
    expect(read(victim!)).toContain("# kept by the user");
    expect(run("generate", "--force").status).toBe(0);
    expect(read(victim!)).not.toContain("# kept by the user");
    editSystem((d) => {
      d.deleteIn(["contexts", "audit"]);
      d.deleteIn(["contexts", "notes", "calls"]);
      d.deleteIn(["events", "note.created"]);
      d.deleteIn(["contexts", "notes", "publishes"]);
    });
    const pruned = run("generate", "--verbose"); // a line per file (a pruned context is more than a dozen)
    expect(pruned.status, pruned.stdout + pruned.stderr).toBe(0);
    expect(pruned.stdout).toContain(`delete ${victim}`);
    expect(fs.existsSync(abs(victim!))).toBe(false);
    expect(run("generate", "--check").status).toBe(0);
  });
});
