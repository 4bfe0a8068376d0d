import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseDot, parseMermaid, runCli } from "./deps-helpers.js";

const FIXTURE = path.resolve(import.meta.dirname, "../fixtures/deps/shop");
const temps: string[] = [];
function tree(from = FIXTURE): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-deps-"));
  temps.push(dir);
  if (from) fs.cpSync(from, dir, { recursive: true });
  return dir;
}
function write(dir: string, rel: string, text: string | Buffer): void {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), text);
}
afterEach(() => {
  for (const d of temps.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("msa analyze-deps on a system whose code matches system.yaml", () => {
  it("text: a table, the dependencies with file:line, no findings, exit 0 (node_modules is never scanned)", async () => {
    const r = await runCli(tree(), ["analyze-deps"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("scanned: 6 files under services, gateway");
    expect(r.stdout).toMatch(/orders\s+context\s+1\s+1\s+1\s+1\s+yes\s+yes/);
    expect(r.stdout).toMatch(/orders → inventory\s+call\s+declared\+seen\s+services\/orders\/src\/clients\.ts:1/);
    expect(r.stdout).toContain("no findings");
    expect(r.stdout).not.toContain("node_modules");
  });

  it("json: a stable document of nodes, edges with kind and evidence, findings", async () => {
    const dir = tree();
    const r = await runCli(dir, ["analyze-deps", "--output-format", "json"]);
    const doc = JSON.parse(r.stdout);
    expect(Object.keys(doc)).toEqual(["system", "roots", "filesScanned", "nodes", "edges", "findings", "summary", "notes", "datastores", "unreadable", "vendored"]);
    expect(doc.edges.map((e: { from: string; to: string; kind: string; mode: string }) => `${e.kind}/${e.mode} ${e.from}>${e.to}`)).toEqual([
      "consume/async event:order.created>inventory",
      "consume/async event:payment.completed>orders",
      "route/sync gateway>catalog",
      "route/sync gateway>orders",
      "publish/async orders>event:order.created",
      "call/sync orders>inventory",
      "publish/async payment>event:payment.completed",
    ]);
    const call = doc.edges.find((e: { kind: string }) => e.kind === "call");
    expect(call.evidence).toEqual([
      { file: "system.yaml", line: 16, column: 7, form: "declared", text: "calls: inventory" },
      { file: "services/orders/src/clients.ts", line: 1, column: 42, form: "env", text: "INVENTORY_URL" },
      { file: "services/orders/src/clients.ts", line: 1, column: 60, form: "url", text: "http://inventory" },
    ]);
    expect(doc.summary).toEqual({ errors: 0, warnings: 0 });
    const again = await runCli(dir, ["analyze-deps", "--output-format", "json"]);
    expect(again.stdout).toBe(r.stdout);
  });

  it("mermaid and dot parse, hold the same graph as json, and style sync and async apart", async () => {
    const dir = tree();
    const json = JSON.parse((await runCli(dir, ["analyze-deps", "--format", "json"])).stdout);
    const expected = json.edges.map((e: { from: string; to: string; kind: string; mode: string }) =>
      `${e.from.replace(/^event:/, "")}>${e.to.replace(/^event:/, "")} ${e.kind} ${e.mode === "sync" ? "solid" : "dashed"}`).sort();
    for (const [format, parse] of [["mermaid", parseMermaid], ["dot", parseDot]] as const) {
      const r = await runCli(dir, ["analyze-deps", "--output-format", format]);
      expect(r.code).toBe(0);
      const g = parse(r.stdout);
      expect(g.edges.map((e) => `${e.from}>${e.to} ${e.label} ${e.style}`).sort()).toEqual(expected);
      expect([...g.nodes.values()].map((n) => n.label).sort()).toEqual(["catalog", "gateway", "inventory", "order.created", "orders", "payment", "payment.completed"]);
      expect(g.edges.every((e) => e.color === undefined)).toBe(true);
    }
  });
});

describe("msa analyze-deps: findings and exit codes", () => {
  it("an undeclared call is an error with file:line and exits 1; the graph marks it red", async () => {
    const dir = tree();
    write(dir, "services/payment/src/catalog.ts", 'const res = await fetch("http://catalog:5000/products");\n');
    const r = await runCli(dir, ["analyze-deps"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("services/payment/src/catalog.ts:1:26  error  undeclared-dependency  payment calls catalog (http://catalog)");
    const m = await runCli(dir, ["analyze-deps", "--output-format", "mermaid"]);
    expect(m.code).toBe(1);
    expect(parseMermaid(m.stdout).edges.find((e) => e.from === "payment" && e.to === "catalog")).toMatchObject({ style: "solid", color: "#d00" });
    expect(m.stderr).toContain("undeclared-dependency");
    const d = await runCli(dir, ["analyze-deps", "--output-format", "dot"]);
    expect(parseDot(d.stdout).edges.find((e) => e.from === "payment" && e.to === "catalog")).toMatchObject({ color: "red" });
  });

  it("--fail-on picks which findings fail the run", async () => {
    const dir = tree();
    write(dir, "services/payment/src/catalog.ts", 'fetch("http://catalog:5000/products");\n');
    expect((await runCli(dir, ["analyze-deps", "--fail-on", "none"])).code).toBe(0);
    expect((await runCli(dir, ["analyze-deps", "--fail-on", "cycle"])).code).toBe(0);
    expect((await runCli(dir, ["analyze-deps", "--fail-on", "undeclared,cycle"])).code).toBe(1);
    fs.rmSync(path.join(dir, "services/orders/src/clients.ts"));
    fs.rmSync(path.join(dir, "services/payment/src/catalog.ts"));
    const r = await runCli(dir, ["analyze-deps"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("warning  unused-dependency  orders declares a call to inventory");
    expect((await runCli(dir, ["analyze-deps", "--fail-on", "warnings"])).code).toBe(1);
  });

  it("a system.yaml that cannot be read as a model prints its problems and exits 1; a missing -f file exits 2", async () => {
    const dir = tree();
    fs.writeFileSync(path.join(dir, "system.yaml"), "version: 1\nname: [unclosed\n");
    const r = await runCli(dir, ["analyze-deps"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/system\.yaml:\d+:\d+  error  yaml-syntax/);
    const missing = await runCli(dir, ["analyze-deps", "-f", "nope.yaml"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("nope.yaml not found");
  });

  it("a file given as a path belongs to the service whose folder holds it", async () => {
    const dir = tree();
    write(dir, "services/payment/src/catalog.ts", 'fetch("http://catalog:5000")\n');
    const r = await runCli(dir, ["analyze-deps", "services/payment/src/catalog.ts"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("services/payment/src/catalog.ts:1:8  error  undeclared-dependency  payment calls catalog");
    expect(r.stdout).toContain("scanned: 1 file under services/payment/src/catalog.ts");
  });

  it("overlapping paths scan each file once", async () => {
    const dir = tree();
    const r = JSON.parse((await runCli(dir, ["analyze-deps", "services", "services/orders", "gateway", "--format", "json"])).stdout);
    expect(r.filesScanned).toBe(6);
    expect(r.edges.find((e: { kind: string }) => e.kind === "call").evidence).toHaveLength(3);
  });

  it("usage errors exit 2 without a stack", async () => {
    const dir = tree();
    for (const args of [["--output-format", "xml"], ["--fail-on", "bogus"], ["no/such/dir"], ["--max-callees", "-1"]]) {
      const r = await runCli(dir, ["analyze-deps", ...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).not.toContain("    at ");
    }
  });
});

describe("msa analyze-deps: what gets scanned", () => {
  it("--exclude takes a bare name, a folder glob or a path glob", async () => {
    const dir = tree();
    write(dir, "services/payment/legacy/old.js", 'request("http://catalog:5000")\n');
    expect((await runCli(dir, ["analyze-deps"])).code).toBe(1);
    for (const glob of ["legacy", "legacy/*", "services/payment/legacy/**", "**/*.js"]) {
      const r = await runCli(dir, ["analyze-deps", "--exclude", glob]);
      expect(r.code, glob).toBe(0);
    }
  });

  it("tests and Markdown are not code: skipped unless --all-files", async () => {
    const dir = tree();
    write(dir, "services/payment/test/pay.test.ts", 'fetch("http://catalog:5000")\n');
    write(dir, "services/payment/src/pay.spec.ts", 'fetch("http://catalog:5000")\n');
    write(dir, "services/payment/README.md", "payment calls http://catalog:5000\n");
    expect((await runCli(dir, ["analyze-deps"])).code).toBe(0);
    const r = await runCli(dir, ["analyze-deps", "--all-files"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("payment calls catalog (http://catalog) but system.yaml does not declare it; add catalog to contexts.payment.calls or remove the call (and 2 more places)");
  });

  it("never reads a symbolic link: not to a file outside the tree, not into a linked folder", async () => {
    const dir = tree();
    const outside = tree("");
    write(outside, "secret.js", 'fetch("http://catalog:5000")\n');
    write(outside, "lib/x.js", 'fetch("http://catalog:5000")\n');
    fs.symlinkSync(path.join(outside, "secret.js"), path.join(dir, "services/payment/src/link.js"));
    fs.symlinkSync(path.join(outside, "lib"), path.join(dir, "services/payment/lib"));
    const r = await runCli(dir, ["analyze-deps"]);
    expect(r.stdout).not.toContain("catalog (");
    expect(r.code).toBe(0);
    const dry = await runCli(dir, ["analyze-deps", "--dry-run"]);
    expect(dry.stdout).not.toContain("link.js");
    expect(dry.stdout).not.toContain("lib/x.js");
  });

  it("skips binary files and files over 1 MiB", async () => {
    const dir = tree();
    write(dir, "services/payment/bin.dat", Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(' "http://catalog:5000" ')]));
    write(dir, "services/payment/big.js", "// filler\n".repeat(110_000) + 'fetch("http://catalog:5000")\n');
    const r = await runCli(dir, ["analyze-deps"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("skipped 1 binary, 1 over 1 MiB file(s)");
  });

  it("reads a large file in chunks and still reports the right line", async () => {
    const dir = tree();
    write(dir, "services/payment/mid.js", "// filler line\n".repeat(40_000) + 'fetch("http://catalog:5000")\n');
    const r = await runCli(dir, ["analyze-deps"]);
    expect(r.stdout).toContain("services/payment/mid.js:40001:8  error  undeclared-dependency");
  });

  it("--dry-run lists the files it would scan and reads nothing", async () => {
    const dir = tree();
    const r = await runCli(dir, ["analyze-deps", "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").filter((l) => l.startsWith("services/") || l.startsWith("gateway/"))).toEqual([
      "services/catalog/app/config.py",
      "services/inventory/src/consumers.ts",
      "services/orders/src/clients.ts",
      "services/orders/src/events.ts",
      "services/payment/src/events.ts",
      "gateway/src/config.ts",
    ].sort((a, b) => (a.startsWith("gateway") ? 1 : 0) - (b.startsWith("gateway") ? 1 : 0) || (a < b ? -1 : 1)));
    expect(r.stdout).toContain("would scan 6 files");
    const j = JSON.parse((await runCli(dir, ["analyze-deps", "--dry-run", "--output-format", "json"])).stdout);
    expect(j.files).toHaveLength(6);
  });
});

describe("msa analyze-deps without a system.yaml (the docs' usage)", () => {
  it("--service-prefix names the service; cycles are still found; the report says there is no declared graph", async () => {
    const dir = tree("");
    write(dir, "services/user-service/app.py", 'r = requests.get("http://product-service/products")\n');
    write(dir, "services/product-service/index.js", 'const u = await fetch("http://user-service/users/1");\n');
    write(dir, "services/node_modules/dep/index.js", 'fetch("http://user-service/")\n');
    const r = await runCli(dir, ["analyze-deps", "./services", "--service-prefix", "http://user-service", "--service-prefix", "http://product-service"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("system: (none)");
    expect(r.stdout).toContain("note: no system.yaml");
    expect(r.stdout).toContain("error  dependency-cycle  synchronous call cycle product-service → user-service → product-service");
    const j = JSON.parse((await runCli(dir, ["analyze-deps", "./services", "--service-prefix", "http://user-service", "--output-format", "json"])).stdout);
    expect(j.edges.map((e: { from: string; to: string }) => `${e.from}>${e.to}`)).toEqual(["product-service>user-service", "user-service>product-service"]);
    expect(j.edges[0].evidence[0]).toMatchObject({ form: "prefix", file: "services/product-service/index.js", line: 1 });
  });

  it("--dry-run on a folder lists its files", async () => {
    const dir = tree("");
    write(dir, "src/a/x.js", "1\n");
    write(dir, "src/b/y.js", "2\n");
    const r = await runCli(dir, ["analyze-deps", "./src", "--dry-run"]);
    expect(r.stdout).toBe("src/a/x.js\nsrc/b/y.js\nwould scan 2 files under src (binary files are skipped when read)\n");
  });

  it("with nothing to scan it cannot run (exit 2)", async () => {
    const r = await runCli(tree(""), ["analyze-deps"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("nothing to scan");
  });
});

describe("the two-core scan", () => {
  // The worker runs compiled JavaScript: this needs `npm run build` (npm test builds first).
  const dist = path.resolve(import.meta.dirname, "../../dist/io/scan.js");
  const built = fs.existsSync(dist) && fs.existsSync(path.resolve(import.meta.dirname, "../../dist/io/scan-worker.js"));
  it.skipIf(!built && process.env.CI !== "true")("finds the same references, in the same order, as one thread (skipped without dist/: run npm run build)", async () => {
    const scan = (await import(dist)) as typeof import("../../src/io/scan.js");
    const { createMatcher } = await import("../../src/core/deps/scanner.js");
    const dir = tree("");
    for (let i = 0; i < 40; i++) write(dir, `services/s${i % 4}/f${String(i).padStart(2, "0")}.ts`, i % 3 ? "nothing\n" : `x\nfetch("http://s${(i + 1) % 4}:80")\nprocess.env.S${i % 4}_URL\n`);
    const spec = { services: [0, 1, 2, 3].map((i) => ({ name: `s${i}`, envName: `S${i}` })), prefixes: [], events: [] };
    const files = await scan.walkFiles([path.join(dir, "services")], []);
    const one = scan.scanFiles(files, createMatcher(spec));
    const two = await scan.scanFilesParallel(files, spec, undefined, 1);
    expect(two.stats).toEqual(one.stats);
    expect(two.results.map((r) => [r.file.rel, r.matches])).toEqual(one.results.map((r) => [r.file.rel, r.matches]));
    expect(one.results).toHaveLength(14);
  });

  it.skipIf(!built && process.env.CI !== "true")("shares chunks of many files between the threads, and the constants' pass too, in walk order (skipped without dist/)", async () => {
    const scan = (await import(dist)) as typeof import("../../src/io/scan.js");
    const { createMatcher } = await import("../../src/core/deps/scanner.js");
    const dir = tree("");
    for (let i = 0; i < 300; i++) {
      const body = i % 7 ? "nothing\n" : `x\nfetch("http://s${(i + 1) % 4}:80")\nchannel.publish(EXCHANGE, TOPIC_${i % 5}, body)\n`;
      write(dir, `services/s${i % 4}/f${String(i).padStart(3, "0")}.ts`, i % 11 ? body : `${body}const TOPIC_${i % 5} = "topic.${i}";\n`);
    }
    const spec = { services: [0, 1, 2, 3].map((i) => ({ name: `s${i}`, envName: `S${i}` })), prefixes: [], events: [], generic: true };
    const files = await scan.walkFiles([path.join(dir, "services")], []);
    const one = scan.scanFiles(files, createMatcher(spec));
    const pool = scan.ScanPool.start();
    try {
      // `meanwhile` (the declared graph, in analyze-deps) runs once on this thread, after the job is posted
      let meanwhile = 0;
      const two = await pool.scan(files, spec, undefined, 1, () => void meanwhile++);
      expect(meanwhile).toBe(1);
      expect(two.stats).toEqual(one.stats);
      expect(two.results.map((r) => [r.file.rel, r.matches])).toEqual(one.results.map((r) => [r.file.rel, r.matches]));
      expect(one.results).toHaveLength(43);
      // and before the scan when this thread scans alone (fewer files than minFiles)
      let alone = 0;
      const small = await pool.scan(files, spec, undefined, files.length + 1, () => void alone++);
      expect(alone).toBe(1);
      expect(small.results.map((r) => [r.file.rel, r.matches])).toEqual(one.results.map((r) => [r.file.rel, r.matches]));
      for (const names of [["TOPIC_1"], ["TOPIC_0", "TOPIC_1", "TOPIC_2", "TOPIC_3", "TOPIC_4"]]) {
        const alone = scan.constantDefinitions(files, names);
        expect(await pool.constants(files, names, undefined, 1)).toEqual(alone);
        expect(alone.length).toBeGreaterThan(1);
      }
    } finally {
      await pool.close();
    }
  });
});

describe("which code is whose, and what the walk leaves out", () => {
  it("sourceOwner: the deepest folder wins; at the same depth the service listed first, whether its source is a plain folder or a glob", async () => {
    const { sourceOwner } = await import("../../src/cli/commands/analyze-deps-sources.js");
    const base = "/repo";
    const sources = [
      { name: "apps", globs: ["apps/*"] },
      { name: "billing", globs: ["apps/legacy/billing"] },
      { name: "first", globs: ["./shared/x/"] },
      { name: "second", globs: ["shared/x", "shared/*"] },
    ];
    expect(sourceOwner(base, "/repo/apps/legacy/billing/src", sources)).toBe("billing");
    expect(sourceOwner(base, "/repo/apps/orders/src/deep", sources)).toBe("apps");
    expect(sourceOwner(base, "/repo/apps/legacy", sources)).toBe("apps");
    expect(sourceOwner(base, "/repo/shared/x/lib", sources)).toBe("first"); // listed first, plain folder
    expect(sourceOwner(base, "/repo/shared/y", sources)).toBe("second");
    expect(sourceOwner(base, "/repo/other", sources)).toBeNull();
    // "!nothing" is a picomatch negation (every folder but "nothing"), not a folder named "!nothing".
    expect(sourceOwner(base, "/repo/other", [{ name: "negated", globs: ["!nothing"] }])).toBe("negated");
    expect(sourceOwner(base, "/elsewhere/apps/a", sources)).toBeNull();
    const globFirst = [{ name: "glob", globs: ["svc/*"] }, { name: "plain", globs: ["svc/a"] }];
    expect(sourceOwner(base, "/repo/svc/a", globFirst)).toBe("glob");
  });

  it("the walk's default excludes (tests, Markdown, generated protobuf code) match as picomatch does, one test an entry", async () => {
    const scan = await import("../../src/io/scan.js");
    const { GENERATED_EXCLUDES } = await import("../../src/cli/commands/analyze-deps-sources.js");
    const dir = tree("");
    const kept = ["a.ts", "b/c.py", "grpc/cart.go", "testing/x.ts", "latest.md.txt"];
    const left = ["a.test.ts", "b/c.spec.js", "test/x.ts", "b/tests/y.py", "test_z.py", "z_test.go", "README.md", "cart.pb.go", "cart_pb2_grpc.py", "CartGrpc.java", "node_modules/m/i.js"];
    for (const f of [...kept, ...left]) write(dir, `services/s/${f}`, "x\n");
    const files = await scan.walkFiles([path.join(dir, "services")], [...scan.NON_CODE_EXCLUDES, ...GENERATED_EXCLUDES]);
    expect(files.map((f) => f.rel)).toEqual(kept.map((f) => `s/${f}`).sort());
  });
});

describe("vendored third-party folders", () => {
  it("are left out of the walk by name and by an install marker, and listed with the reason; a root and --include-vendored are scanned", async () => {
    const scan = await import("../../src/io/scan.js");
    const dir = tree("");
    const own = ["a/index.js", "a/vendors.js", "a/vendored/x.js", "b/app.py", "b/lib/dist.py", "c/venv.go"];
    const vendoredFiles = ["a/node_modules/m/i.js", "a/vendor/v.php", "b/.venv/lib/x.py", "b/site-packages/p.py", "c/dist/bundle.js", "deps-copy/.package-lock.json", "deps-copy/pkg/index.js", "env2/pyvenv.cfg", "env2/lib/y.py"];
    for (const f of [...own, ...vendoredFiles]) write(dir, `services/${f}`, "x\n");
    const vendored: { abs: string; reason: string }[] = [];
    const files = await scan.walkFiles([path.join(dir, "services")], [], undefined, undefined, { vendored });
    expect(files.map((f) => f.rel)).toEqual(own.sort());
    const rel = (abs: string) => path.relative(path.join(dir, "services"), abs).split(path.sep).join("/");
    expect(vendored.map((v) => `${rel(v.abs)}: ${v.reason}`).sort()).toEqual([
      "a/node_modules: installed npm packages",
      "a/vendor: vendored dependencies",
      "b/.venv: a Python virtual environment",
      "b/site-packages: installed Python packages",
      "c/dist: built bundles",
      "deps-copy: installed npm packages (it holds .package-lock.json)",
      "env2: a Python virtual environment (it holds pyvenv.cfg)",
    ]);
    const all = await scan.walkFiles([path.join(dir, "services")], [], undefined, undefined, { includeVendored: true, vendored: [] });
    expect(all.map((f) => f.rel)).toEqual([...own, ...vendoredFiles].sort());
    // A vendored folder named as the root is what the user asked for.
    const root = await scan.walkFiles([path.join(dir, "services/deps-copy")], []);
    expect(root.map((f) => f.rel)).toEqual([".package-lock.json", "pkg/index.js"]);
    // --exclude wins: a folder the user left out is not listed as vendored too.
    const listed: { abs: string; reason: string }[] = [];
    await scan.walkFiles([path.join(dir, "services")], ["node_modules"], undefined, undefined, { vendored: listed });
    expect(listed.map((v) => rel(v.abs))).not.toContain("a/node_modules");
  });

  it("analyze-deps: a call from vendored code is no edge and the folder is in the output; --include-vendored scans it", async () => {
    const dir = tree("");
    write(dir, "services/orders/index.js", 'fetch("http://inventory/stock")\n');
    write(dir, "services/inventory/index.js", "module.exports = {}\n");
    write(dir, "services/inventory/vendor/lib/client.js", 'fetch("http://orders/x")\n');
    const r = await runCli(dir, ["analyze-deps", "./services", "--output-format", "json"]);
    const doc = JSON.parse(r.stdout);
    expect(doc.edges.map((e: { from: string; to: string }) => `${e.from}>${e.to}`)).toEqual(["orders>inventory"]);
    expect(doc.vendored).toEqual([{ path: "services/inventory/vendor", reason: "vendored dependencies" }]);
    expect(doc.notes).toContain("skipped 1 vendored folder (third-party code, not the team's dependencies): services/inventory/vendor; --include-vendored scans them");
    const text = await runCli(dir, ["analyze-deps", "./services"]);
    expect(text.stdout).toContain("note: skipped 1 vendored folder");
    const all = JSON.parse((await runCli(dir, ["analyze-deps", "./services", "--include-vendored", "--output-format", "json"])).stdout);
    expect(all.edges.map((e: { from: string; to: string }) => `${e.from}>${e.to}`)).toEqual(["inventory>orders", "orders>inventory"]);
    expect(all.vendored).toEqual([]);
    const dry = await runCli(dir, ["analyze-deps", "./services", "--dry-run"]);
    expect(dry.stdout).toContain("skipped 1 vendored folder");
    expect(dry.stdout).not.toContain("vendor/lib/client.js");
  });
});

describe("deployment values (compose, Kubernetes) read for host variables", () => {
  it("every form of env list, environment map, build and workload still gives its values through the YAML pre-filter", async () => {
    const { harvestDeployment } = await import("../../src/cli/commands/analyze-deps-sources.js");
    const scan = await import("../../src/io/scan.js");
    const dir = tree("");
    write(dir, "k8s/block.yaml", "kind: Deployment\nmetadata: { name: cart }\nspec:\n  containers:\n    - env:\n        # comment\n\n        - name: A_ADDR\n          value: \"a:1\"\n");
    write(dir, "k8s/compact.yaml", "spec:\n  env:\n  - name: B_ADDR\n    value: b:2\n");
    write(dir, "k8s/flow.yml", "spec: { env: [ { name: C_ADDR, value: 'c:3' } ] }\n");
    write(dir, "k8s/crlf.yaml", "spec:\r\n  env: # x\r\n    - name: D_ADDR\r\n      value: d:4\r\n");
    write(dir, "compose.yml", "services:\n  web:\n    build: ./web\n    environment:\n      E_HOST: e\n    env_file: x\n  api:\n    environment: [\"F_HOST=f\"]\n");
    write(dir, "web/x.js", "1\n");
    write(dir, ".travis.yml", "env:\n  global: { G_HOST: g }\nservices: [docker]\n");
    const d = harvestDeployment(await scan.walkFiles([dir], []));
    expect(Object.fromEntries(d.env)).toEqual({ A_ADDR: "a:1", B_ADDR: "b:2", C_ADDR: "c:3", D_ADDR: "d:4", E_HOST: "e", F_HOST: "f" });
    expect([...d.builds.keys()]).toEqual(["web"]);
    expect([...d.workloads]).toEqual(["cart"]);
  });
});
