import { diffLines } from "diff";
import { execa } from "execa";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { BIN, ROOT, exampleDir, msa, snapshot, tempDir } from "../support/cli.js";

describe("msa init (built CLI)", () => {
  it("--example shop --yes writes the spec example with its schema file and the schema header", async () => {
    const cwd = tempDir();
    const r = await msa(["init", "demo", "--example", "shop", "--yes", "--no-generate"], cwd);
    expect(r.exitCode, r.stderr).toBe(0);
    const text = fs.readFileSync(path.join(cwd, "demo/system.yaml"), "utf8");
    // the example itself, but for its schema header (which points into node_modules once copied)
    expect(text.split("\n").slice(1)).toEqual(fs.readFileSync(path.join(ROOT, "examples/shop/system.yaml"), "utf8").split("\n").slice(1));
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=./node_modules/msa-cli/schemas/system.schema.json");
    expect(fs.existsSync(path.join(cwd, "demo/schemas/events/order.created.v1.json"))).toBe(true);
    expect((await msa(["validate"], path.join(cwd, "demo"))).exitCode).toBe(0);
  });

  it("--name renames an example in place, keeping comments aligned", async () => {
    const cwd = tempDir();
    await msa(["init", "--example", "shop", "--yes", "--name", "acme", "--no-generate"], cwd);
    const text = fs.readFileSync(path.join(cwd, "system.yaml"), "utf8");
    expect(text).toContain("name: acme                     # system name");
    expect(text).toContain("namespace: acme                # Kubernetes namespace");
  });

  it("--yes with flags writes a valid fresh system", async () => {
    const cwd = tempDir();
    const r = await msa(["init", "pay", "--yes", "--contexts", "ledger,payouts", "--broker", "nats", "--gateway", "node", "--no-generate"], cwd);
    expect(r.exitCode, r.stderr).toBe(0);
    const text = fs.readFileSync(path.join(cwd, "pay/system.yaml"), "utf8");
    expect(text).toMatch(/^name: pay$/m);
    expect(text).toMatch(/^  kind: nats$/m);
    expect(text).toMatch(/^  kind: node$/m);
    expect(text).toContain("publishes: [ledger.created]");
    const v = await msa(["validate"], path.join(cwd, "pay"));
    expect(v.exitCode, v.stdout).toBe(0);
  });

  // what msa writes for a new user passes msa's own checks with nothing to say: a fresh system's first `msa
  // validate` printed a gateway-rate-limit-store warning (rate limits counted per gateway replica)
  it.each([
    ["kong", ["init", "s", "--yes", "--no-generate"]],
    ["node", ["init", "s", "--yes", "--contexts", "a,b", "--broker", "nats", "--gateway", "node", "--no-generate"]],
    ["none", ["init", "s", "--yes", "--gateway", "none", "--no-generate"]],
    ["the minimal example", ["init", "s", "--example", "minimal", "--yes", "--no-generate"]],
    ["the shop example", ["init", "s", "--example", "shop", "--yes", "--no-generate"]],
  ])("a fresh system (%s) validates with no diagnostic at all", async (_, args) => {
    const cwd = tempDir();
    expect((await msa(args, cwd)).exitCode).toBe(0);
    const v = await msa(["validate", "--format", "json"], path.join(cwd, "s"));
    expect(v.exitCode, v.stdout).toBe(0);
    expect((JSON.parse(v.stdout) as { diagnostics: unknown[] }).diagnostics).toEqual([]);
  });

  it("refuses to overwrite without --force (exit 1, file untouched) and overwrites with it", async () => {
    const cwd = tempDir();
    fs.writeFileSync(path.join(cwd, "system.yaml"), "# mine\n");
    const r = await msa(["init", "--yes", "--no-generate"], cwd);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain("already exists");
    expect(fs.readFileSync(path.join(cwd, "system.yaml"), "utf8")).toBe("# mine\n");
    const f = await msa(["init", "--yes", "--force", "--no-generate"], cwd);
    expect(f.exitCode).toBe(0);
    expect(fs.readFileSync(path.join(cwd, "system.yaml"), "utf8")).toContain("version: 1");
  });

  it("rejects bad flag values with exit 2 and writes nothing", async () => {
    const cwd = tempDir();
    for (const args of [["--name", "Bad Name"], ["--contexts", "ok,../etc"], ["--broker", "mqtt"]]) {
      const r = await msa(["init", "--yes", ...args], cwd);
      expect(r.exitCode, args.join(" ")).toBe(2);
      expect(r.stderr + r.stdout).not.toMatch(/\n\s+at /);
    }
    expect(snapshot(cwd)).toEqual({});
  });

  it("--dry-run prints the file and writes nothing", async () => {
    const cwd = tempDir();
    const r = await msa(["init", "x", "--yes", "--dry-run"], cwd);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("would write x/system.yaml");
    expect(fs.existsSync(path.join(cwd, "x"))).toBe(false);
  });

  it("asks on a real terminal and writes the answers (driven through a pseudo-terminal)", async () => {
    const cwd = tempDir();
    const script = JSON.stringify([
      ["System name", "pty-shop\r"],
      ["Bounded contexts", "alpha, beta\r"],
      ["Message broker", "\u001b[B\r"], // second choice: NATS
      ["API gateway", "\u001b[B\r"], // second choice: node
    ]);
    const r = await execa("python3", [path.join(ROOT, "test/support/pty-drive.py"), script, "--", "node", BIN, "init", "ptyd", "--no-generate"], { cwd, reject: false });
    expect(r.exitCode, r.stdout).toBe(0);
    const text = fs.readFileSync(path.join(cwd, "ptyd/system.yaml"), "utf8");
    expect(text).toMatch(/^name: pty-shop$/m);
    expect(text).toMatch(/^  kind: nats$/m);
    expect(text).toMatch(/^  kind: node$/m);
    expect(text).toMatch(/^  alpha:$/m);
    expect(text).toMatch(/^  beta:$/m);
  });
});

describe("msa add-service (built CLI)", () => {
  it("adds a context keeping every untouched byte, and declares new events", async () => {
    const dir = exampleDir("shop");
    const before = fs.readFileSync(path.join(dir, "system.yaml"), "utf8");
    const r = await msa(["add-service", "shipping", "--publishes", "shipment.sent", "--consumes", "order.created", "--api", "GET /shipments/{id}", "--calls", "inventory", "--no-generate"], dir);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const after = fs.readFileSync(path.join(dir, "system.yaml"), "utf8");
    const added = [
      "  shipping:",
      "    port: 3003",
      '    api: ["GET /shipments/{id}"]',
      "    publishes: [shipment.sent]",
      "    consumes: [order.created]",
      "    calls:",
      "      inventory: {timeout: 2s, retries: 2}",
      "",
    ].join("\n");
    expect(after).toContain(added);
    expect(after).toContain("  shipment.sent:\n    schema:\n      type: object\n");
    // Every change is an insertion: the original bytes all survive, in order.
    const parts = diffLines(before, after);
    expect(parts.filter((p) => p.removed)).toEqual([]);
    expect(parts.filter((p) => p.added).map((p) => p.value)).toEqual([added, "  shipment.sent:\n    schema:\n      type: object\n      properties: {}\n"]);
    expect((await msa(["validate"], dir)).exitCode).toBe(0);
  });

  it("accepts the scaffold script's --name/--type/--port form", async () => {
    const dir = exampleDir("minimal");
    const r = await msa(["add-service", "--name", "product-catalog", "--type", "python-flask", "--port", "5000", "--api", "GET /products", "--no-generate"], dir);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    const text = fs.readFileSync(path.join(dir, "system.yaml"), "utf8");
    expect(text).toContain("  product-catalog:\n    runtime: python-flask\n    port: 5000\n");
  });

  it("--dry-run prints a diff and writes nothing", async () => {
    const dir = exampleDir("minimal");
    const before = snapshot(dir);
    const r = await msa(["add-service", "test-service", "--type", "python-flask", "--api", "GET /x", "--dry-run"], dir);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("+  test-service:");
    expect(r.stdout).toContain("nothing written");
    expect(snapshot(dir)).toEqual(before);
  });

  it("refuses what would make system.yaml invalid (exit 1, nothing written) and bad names (exit 2)", async () => {
    const dir = exampleDir("minimal");
    const before = snapshot(dir);
    const undeclared = await msa(["add-service", "x", "--consumes", "no.such"], dir);
    expect(undeclared.exitCode).toBe(1);
    expect(undeclared.stderr).toContain('consumes "no.such"');
    const dupPort = await msa(["add-service", "y", "--port", "3000", "--api", "GET /y"], dir);
    expect(dupPort.exitCode).toBe(1);
    expect(dupPort.stderr).toContain("port-unique");
    const exists = await msa(["add-service", "notes"], dir);
    expect(exists.exitCode).toBe(2);
    expect(exists.stderr).toContain("already exists");
    const badName = await msa(["add-service", "../evil"], dir);
    expect(badName.exitCode).toBe(2);
    expect(snapshot(dir)).toEqual(before);
  });
});
