// `msa docs` through main(): exit codes, --check, bad input (nothing half-written), JSON output.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";
import { repoRoot } from "../helpers/engine-model.js";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-docs-"));
  fs.cpSync(path.join(repoRoot, "examples", "shop"), dir, { recursive: true });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function msa(...args: string[]) {
  let stdout = "";
  let stderr = "";
  const ctx: CliContext = { cwd: dir, env: {}, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, color: false, stdin: process.stdin };
  const code = await main(["node", "msa", ...args], ctx);
  return { code, stdout, stderr };
}
const site = (p = "") => path.join(dir, "docs", "site", p);

describe("msa docs", () => {
  it("writes the site, then --check is clean; a change to system.yaml makes --check exit 1 until docs runs again", async () => {
    const first = await msa("docs");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^docs: docs\/site: \d+ written, 0 unchanged, 0 removed — 4 contexts, 4 events, 1 sagas\nopen docs\/site\/index.html/);
    expect(fs.existsSync(site("contexts/orders.html"))).toBe(true);
    // the REST contracts of orders (docs/rest-contracts.md): a section per operation with its schema tables
    const orders = fs.readFileSync(site("contexts/orders.html"), "utf8");
    expect(orders).toContain('<h3 id="op-postOrders">');
    expect(orders).toContain("<h4>Request body</h4>");
    expect(orders).toContain("<code>customerId</code>");
    expect(orders).not.toContain("openapi.yaml</code></a></p>"); // not generated yet: no link to a missing file
    expect((await msa("docs", "--check")).code).toBe(0);

    const yaml = fs.readFileSync(path.join(dir, "system.yaml"), "utf8").replace("description: Order lifecycle", "description: Orders, from cart to delivery");
    fs.writeFileSync(path.join(dir, "system.yaml"), yaml);
    const check = await msa("docs", "--check", "--format", "json");
    expect(check.code).toBe(1);
    const report = JSON.parse(check.stdout);
    expect(report).toMatchObject({ mode: "check", upToDate: false, removed: [] });
    expect(report.written).toEqual(expect.arrayContaining(["contexts.html", "contexts/orders.html", "assets/data.js"]));
    expect(fs.readFileSync(site("contexts/orders.html"), "utf8")).toContain("Order lifecycle"); // --check wrote nothing
    expect((await msa("docs")).code).toBe(0);
    expect(fs.readFileSync(site("contexts/orders.html"), "utf8")).toContain("Orders, from cart to delivery");
    expect((await msa("docs", "--check")).code).toBe(0);
  });

  it("links a context's OpenAPI document once msa generate wrote it", async () => {
    expect((await msa("generate")).code).toBe(0);
    expect(fs.existsSync(path.join(dir, "services", "orders", "openapi.yaml"))).toBe(true);
    expect((await msa("docs")).code).toBe(0);
    expect(fs.readFileSync(site("contexts/orders.html"), "utf8")).toContain('<a href="../../../services/orders/openapi.yaml"><code>services/orders/openapi.yaml</code></a>');
  });

  it("removes the page of a context that is gone", async () => {
    await msa("docs");
    const yaml = fs.readFileSync(path.join(dir, "system.yaml"), "utf8");
    // drop the catalog context (it is only routed to by the gateway)
    const without = yaml
      .replace(/  catalog:\n    runtime: python-flask\n    port: 5000\n    database: mongodb\n    api: \["GET \/products", "GET \/products\/\{id\}"\]\n/, "")
      .replace(/    - path: \/api\/v1\/products\n      context: catalog\n      auth: none\n      rateLimit: 300\/minute\n/, "");
    expect(without).not.toContain("catalog");
    fs.writeFileSync(path.join(dir, "system.yaml"), without);
    const r = await msa("docs");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("1 removed");
    expect(fs.existsSync(site("contexts/catalog.html"))).toBe(false);
  });

  it("an invalid system.yaml exits 1 with its diagnostics and writes nothing", async () => {
    fs.writeFileSync(path.join(dir, "system.yaml"), "version: 1\nname: shop\ncontexts:\n  a: { port: 70000 }\n");
    const r = await msa("docs");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/system\.yaml:4:\d+ +error/);
    expect(r.stderr).toContain("docs: nothing written");
    expect(fs.existsSync(site())).toBe(false);
  });

  it("refuses an --out folder holding someone else's files, and a --deps file that is not a report (exit 2)", async () => {
    fs.mkdirSync(path.join(dir, "public"));
    fs.writeFileSync(path.join(dir, "public", "index.html"), "<p>mine</p>\n");
    const foreign = await msa("docs", "--out", "public");
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toContain("holds files that msa docs did not write");
    expect(fs.readFileSync(path.join(dir, "public", "index.html"), "utf8")).toBe("<p>mine</p>\n");

    fs.writeFileSync(path.join(dir, "deps.json"), "not json");
    const bad = await msa("docs", "--deps", "deps.json");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--deps: deps.json is not JSON; write it with msa analyze-deps --format json > deps.json");
    const missing = await msa("docs", "--deps", "nope.json");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--deps: cannot read nope.json");
    expect(fs.existsSync(site())).toBe(false);
    expect((await msa("docs", "--check", "--serve")).code).toBe(2);
  });
});
