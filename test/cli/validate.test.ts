import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, exampleDir, msa, snapshot, tempDir } from "../support/cli.js";

/** The shop example with one warning: nobody consumes order.cancelled (the shipped example is warning-free). */
function shopWithWarning(): string {
  const dir = exampleDir("shop");
  const yaml = path.join(dir, "system.yaml");
  fs.writeFileSync(yaml, fs.readFileSync(yaml, "utf8").replace("consumes: [order.created, order.cancelled]", "consumes: [order.created]"));
  return dir;
}

describe("msa validate (built CLI)", () => {
  it("passes a system with a warning, exit 0", async () => {
    const r = await msa(["validate"], shopWithWarning());
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toMatch(/^system\.yaml:\d+:\d+  warning  event-unconsumed  event "order\.cancelled"/m);
    expect(r.stdout).toContain("valid — 4 contexts, 4 events, 2 routes");
  });

  it("finds system.yaml in a parent directory", async () => {
    const dir = exampleDir("minimal");
    fs.mkdirSync(path.join(dir, "a/b"), { recursive: true });
    const r = await msa(["validate"], path.join(dir, "a/b"));
    expect(r.exitCode).toBe(0);
  });

  it("prints stable JSON with --format json", async () => {
    const r = await msa(["validate", "--format", "json"], shopWithWarning());
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc.diagnostics[0])).toEqual(["file", "line", "column", "severity", "rule", "message"]);
    expect(doc.summary).toEqual({ errors: 0, warnings: 1 }); // event-unconsumed
  });

  it("exits 1 on errors with path:line:col, no stack trace, nothing written", async () => {
    const dir = exampleDir("minimal");
    const file = path.join(dir, "system.yaml");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("port: 3001", "port: 3000"));
    const before = snapshot(dir);
    const r = await msa(["validate"], dir);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/^system\.yaml:\d+:11  error  port-unique  port 3000 of audit is already used by notes/m);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
    expect(snapshot(dir)).toEqual(before);
  });

  it("prints the cycle path for a sync-call cycle", async () => {
    const dir = exampleDir("minimal");
    const file = path.join(dir, "system.yaml");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace('api: ["GET /audit/{noteId}"]', 'api: ["GET /audit/{noteId}"]\n    calls:\n      notes: { timeout: 1s }'));
    const r = await msa(["validate"], dir);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("synchronous call cycle audit → notes → audit");
  });

  it("exits 2 when there is no system.yaml", async () => {
    const r = await msa(["validate"], tempDir());
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("no system.yaml in");
    expect(r.stderr).toContain("msa init");
  });

  it("exits 2 on an unknown flag and lists the rules with --list-rules", async () => {
    const bad = await msa(["validate", "--bogus"], tempDir());
    expect(bad.exitCode).toBe(2);
    const rules = await msa(["validate", "--list-rules"], tempDir());
    expect(rules.exitCode).toBe(0);
    expect(rules.stdout).toMatch(/^calls-cycle\s+error\s+/m);
  });

  it("prints GitHub annotations with --format github", async () => {
    const r = await msa(["validate", "--format", "github"], shopWithWarning());
    expect(r.stdout).toMatch(/^::warning file=system\.yaml,line=\d+,col=3,title=event-unconsumed::/m);
  });

  it("an unknown command word still gets 'did you mean' and 'msa help X' still answers (commands are defined lazily)", async () => {
    const typo = await msa(["validat-events"], tempDir());
    expect(typo.exitCode).toBe(2);
    expect(typo.stderr).toContain("unknown command 'validat-events'");
    expect(typo.stderr).toContain("Did you mean validate-events?");
    const help = await msa(["help", "validate-events"], tempDir());
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain("Usage: msa validate-events [options]");
    const own = await msa(["validate-events", "--help"], tempDir());
    expect(own.stdout).toBe(help.stdout);
  });

  it("a reader that stops early (| head) ends the output quietly; the exit code is still the verdict", async () => {
    const dir = tempDir();
    // ~900 KB of findings: far more than a pipe holds, so msa is still writing when the reader goes
    fs.writeFileSync(path.join(dir, "bad.ndjson"), "not json\n".repeat(10000));
    fs.writeFileSync(path.join(dir, "s.json"), "{}");
    const child = spawn(process.execPath, [BIN, "validate-events", "--ndjson", "bad.ndjson", "--schema-file", "s.json"], { cwd: dir, env: { ...process.env, NO_COLOR: "1" } });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(1);
  });

  it("--version and --help answer", async () => {
    const v = await msa(["--version"], tempDir());
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const h = await msa(["--help"], tempDir());
    expect(h.exitCode).toBe(0);
    for (const c of ["init", "validate", "generate", "add-service", "validate-events", "analyze-deps", "deploy"]) expect(h.stdout).toContain(c);
  });
});
