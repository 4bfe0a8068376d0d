// msa docs: the page model (pure), the rendered pages (escaping, links, determinism) and the folder writer.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { siteModel, driftEdges, slug, type DepsReport } from "../../src/core/site/model.js";
import { planSite } from "../../src/core/site/plan.js";
import { schemaRows, MAX_ROWS } from "../../src/core/site/schema-view.js";
import { sequenceDiagram } from "../../src/core/site/sequence.js";
import { writeSite, SITE_INDEX } from "../../src/io/site.js";
import { exampleModel, modelFromYaml, renderer } from "../helpers/engine-model.js";

const shop = () => exampleModel("shop");
const SCRIPT = "/* the bundled client */";

describe("site model", () => {
  it("has a page per context and per event, with the same facts as system.yaml", () => {
    const model = shop();
    const site = siteModel({ model, generatedFiles: [], rootFromSite: "../../" });
    expect(site.contexts.map((c) => c.name)).toEqual(model.contexts.map((c) => c.name));
    expect(site.events.map((e) => e.name)).toEqual(model.events.map((e) => e.name));
    for (const c of model.contexts) {
      const page = site.contexts.find((p) => p.name === c.name)!;
      expect(page.href).toBe(`contexts/${c.name}.html`);
      expect(page.api.map((a) => `${a.method} ${a.path}`)).toEqual(c.api.map((a) => `${a.method} ${a.path}`));
      expect(page.publishes.map((l) => l.name)).toEqual(c.publishes);
      expect(page.consumes.map((l) => l.name)).toEqual(c.consumes);
      expect(page.calls.map((k) => [k.target, k.retries])).toEqual(c.calls.map((k) => [k.target, k.retries]));
      expect(page.environments.map((e) => e.namespace)).toEqual([model.environments.dev.namespace, model.environments.staging.namespace, model.environments.prod.namespace]);
    }
  });

  it("shows every version newest first, with the diff and the compatibility verdict against the one before", () => {
    const model = shop();
    const site = siteModel({ model, generatedFiles: [], rootFromSite: "" });
    const multi = model.events.find((e) => e.versions.length > 1);
    expect(multi, "the shop example has an event with two versions").toBeDefined();
    const page = site.events.find((e) => e.name === multi!.name)!;
    expect(page.versions.map((v) => v.version)).toEqual(multi!.versions.map((v) => v.version).reverse());
    const newest = page.versions[0]!;
    expect(newest.verdict).toMatchObject({ against: multi!.versions[multi!.versions.length - 2]!.version, compatible: true });
    expect(newest.diff!.some((l) => l.kind === "add")).toBe(true);
    expect(page.versions[page.versions.length - 1]!.verdict).toBeNull();
  });

  it("names a breaking change by its rule", () => {
    const model = modelFromYaml(`version: 1
name: brk
contexts:
  a: { port: 3001, publishes: [thing.done] }
  b: { port: 3002, consumes: [thing.done] }
events:
  thing.done:
    versions:
      1: { type: object, properties: { id: { type: string } } }
      2: { type: object, required: [id, size], properties: { id: { type: string }, size: { type: integer } } }
`);
    const page = siteModel({ model, generatedFiles: [], rootFromSite: "" }).events[0]!;
    expect(page.versions[0]!.verdict!.compatible).toBe(false);
    expect(page.versions[0]!.verdict!.findings.map((f) => [f.rule, f.severity])).toContainEqual(["REQUIRED_ATTRIBUTE_ADDED", "error"]);
    const html = planSite(siteModel({ model, generatedFiles: [], rootFromSite: "" }), renderer(), { script: SCRIPT }).find((f) => f.path === "events/thing.done.html")!.content;
    expect(html).toContain("<strong>Not compatible</strong> with v1 under backward (strict)");
    expect(html).toContain("<code>REQUIRED_ATTRIBUTE_ADDED</code>");
  });

  it("gives the wire address on every broker, marking the system's own", () => {
    const model = shop();
    const e = siteModel({ model, generatedFiles: [], rootFromSite: "" }).events[0]!;
    expect(e.wire.map((w) => w.broker)).toEqual(["rabbitmq", "nats", "kafka"]);
    expect(e.wire.filter((w) => w.current).map((w) => w.broker)).toEqual([model.broker.kind]);
    expect(e.wire.find((w) => w.broker === "nats")!.address).toBe(`${model.name}.events.${e.name}`);
  });

  it("draws the edge graph's calls, saga steps and routes, and events producer → consumer", () => {
    const model = shop();
    const { graph } = siteModel({ model, generatedFiles: [], rootFromSite: "" });
    for (const c of model.contexts) for (const k of c.calls) expect(graph.edges.some((e) => e.source === `c:${c.name}` && e.target === `c:${k.target}` && (e.kind === "call" || e.kind === "saga"))).toBe(true);
    for (const e of model.events) for (const consumer of e.consumers) if (e.owner && e.owner !== consumer) expect(graph.edges.some((x) => x.kind === "event" && x.source === `c:${e.owner}` && x.target === `c:${consumer}` && x.label.split(", ").includes(e.name))).toBe(true);
    expect(graph.nodes.filter((n) => n.kind === "gateway")).toHaveLength(model.gateway.kind === "none" ? 0 : 1);
    expect(new Set(graph.edges.map((e) => e.id)).size).toBe(graph.edges.length);
  });

  it("draws each strangler route's legacy upstream as a node the gateway routes to, with the share it keeps", () => {
    const model = modelFromYaml(`version: 1
name: strangled
broker: { kind: memory }
gateway:
  kind: node
  auth: none
  routes:
    - { path: /api/orders, context: orders }
    - { path: /api/legacy, upstream: "http://legacy.example.internal:8080/app", split: { orders: 20 } }
    - { path: /api/old, upstream: "http://legacy.example.internal:8080" }
    - { path: /api/billing, upstream: "https://billing.example.com" }
contexts:
  orders: { port: 3000 }
`);
    const site = siteModel({ model, generatedFiles: [], rootFromSite: "" });
    expect(site.hasLegacy).toBe(true);
    const legacy = site.graph.nodes.filter((n) => n.kind === "legacy");
    expect(legacy.map((n) => [n.id, n.label])).toEqual([
      ["x:billing.example.com:443", "legacy billing.example.com:443"],
      ["x:legacy.example.internal:8080", "legacy legacy.example.internal:8080"],
    ]);
    const gw = site.graph.nodes.find((n) => n.kind === "gateway")!.id;
    const toLegacy = site.graph.edges.filter((e) => e.target.startsWith("x:"));
    expect(toLegacy.map((e) => [e.source, e.target, e.kind, e.label])).toEqual([
      [gw, "x:legacy.example.internal:8080", "route", "/api/legacy (80 %), /api/old"],
      [gw, "x:billing.example.com:443", "route", "/api/billing"],
    ]);
    // every edge ends on a drawn node, and the legend names the legacy box
    const ids = new Set(site.graph.nodes.map((n) => n.id));
    for (const e of site.graph.edges) expect(ids.has(e.source) && ids.has(e.target)).toBe(true);
    const index = planSite(site, renderer(), { script: SCRIPT }).find((f) => f.path === "index.html")!.content;
    expect(index).toContain("legacy upstream</li>");
    const plain = siteModel({ model: shop(), generatedFiles: [], rootFromSite: "" });
    expect(plain.hasLegacy).toBe(false);
    expect(planSite(plain, renderer(), { script: SCRIPT }).find((f) => f.path === "index.html")!.content).not.toContain("legacy upstream</li>");
  });

  it("renders an endpoint's contract: path parameters, request body and each response as schema rows; the OpenAPI file once generated", () => {
    const none = siteModel({ model: shop(), generatedFiles: [], rootFromSite: "../../" }).contexts.find((c) => c.name === "orders")!;
    expect(none.openapi).toBeNull();
    const site = siteModel({ model: shop(), generatedFiles: ["services/orders/openapi.yaml"], rootFromSite: "../../" });
    const orders = site.contexts.find((c) => c.name === "orders")!;
    expect(orders.openapi).toEqual({ name: "services/orders/openapi.yaml", href: "../../services/orders/openapi.yaml" });
    const post = orders.api.find((a) => a.operationId === "postOrders")!.contract!;
    expect(post).toMatchObject({ anchor: "op-postOrders", idempotent: false, compatibility: "backward" });
    expect(post.parts.map((p) => p.title)).toEqual(["Request body", "Response 201 Created", "Response 409 Conflict"]);
    const body = post.parts[0]!.rows!;
    expect(body.map((r) => [r.path, r.type, r.required])).toEqual(
      expect.arrayContaining([["customerId", "string", true], ["items", "array of object", true], ["items[].quantity", "integer", true]]),
    );
    expect(body[0]!.constraints).toBe("no other properties");
    const get = orders.api.find((a) => a.operationId === "getOrdersById")!.contract!;
    expect(get.parts[0]).toMatchObject({ title: "Path parameters", rows: [expect.objectContaining({ name: "id", type: "string", required: true, constraints: 'format: "uuid"' })] });
    // a short-form endpoint has no contract to show
    const inventory = site.contexts.find((c) => c.name === "inventory")!;
    expect(inventory.api.every((a) => a.contract === null)).toBe(true);
    // the page: a section per operation with its tables, linked from the API table, and the OpenAPI link
    const page = planSite(site, renderer(), { script: SCRIPT }).find((f) => f.path === "contexts/orders.html")!.content;
    expect(page).toContain('<a href="#op-postOrders">schemas</a>');
    expect(page).toContain('<h3 id="op-postOrders"><span class="method m-POST">POST</span> <code>/orders</code></h3>');
    expect(page).toMatch(/<h4>Response 201 Created<\/h4>\s*<table class="schema">/);
    expect(page).toContain('<a href="../../../services/orders/openapi.yaml"><code>services/orders/openapi.yaml</code></a>');
  });

  it("links the generated files of a context from the manifest's list", () => {
    const site = siteModel({ model: shop(), generatedFiles: ["services/orders/README.md", "services/orders/openapi.yaml", "services/orders/src/handlers/orders.ts", "k8s/base/orders/deployment.yaml", "services/payment/README.md", "docker-compose.yml"], rootFromSite: "../../" });
    const orders = site.contexts.find((c) => c.name === "orders")!;
    expect(orders.files.map((f) => f.href)).toEqual(["../../services/orders/README.md", "../../services/orders/openapi.yaml", "../../services/orders/src/handlers/orders.ts"]);
    expect(orders.k8s).toEqual([{ name: "deployment", href: "../../k8s/base/orders/deployment.yaml" }]);
  });

  it("marks drift from an analyze-deps report: undeclared with its evidence, unused, between contexts only", () => {
    const report: DepsReport = {
      edges: [
        { from: "catalog", to: "payment", kind: "call", mode: "sync", declared: false, discovered: true, evidence: [{ file: "services/catalog/app/x.py", line: 3, column: 9 }] },
        { from: "orders", to: "inventory", kind: "call", mode: "sync", declared: true, discovered: false },
        { from: "orders", to: "payment", kind: "call", mode: "sync", declared: true, discovered: true },
        { from: "event:order.created", to: "inventory", kind: "consume", mode: "async", declared: false, discovered: true },
      ],
    };
    expect(driftEdges(report)).toEqual([
      { from: "catalog", to: "payment", status: "undeclared", mode: "sync", where: "services/catalog/app/x.py:3:9" },
      { from: "orders", to: "inventory", status: "unused", mode: "sync", where: null },
    ]);
    const site = siteModel({ model: shop(), generatedFiles: [], rootFromSite: "", deps: report });
    expect(site.hasDrift).toBe(true);
    expect(site.graph.edges.filter((e) => e.kind === "undeclared" || e.kind === "unused").map((e) => e.id)).toEqual(["undeclared:catalog>payment:sync", "unused:orders>inventory:sync"]);
    expect(site.contexts.find((c) => c.name === "payment")!.drift).toHaveLength(1);
    expect(siteModel({ model: shop(), generatedFiles: [], rootFromSite: "" }).hasDrift).toBe(false);
  });

  it("indexes contexts, events, routes, sagas and schema fields for the search", () => {
    const model = shop();
    const { search } = siteModel({ model, generatedFiles: [], rootFromSite: "" });
    const kinds = new Set(search.map((s) => s.kind));
    expect(kinds).toEqual(new Set(["context", "event", "field", "route", "saga"]));
    const field = Object.keys((model.events[0]!.latest.schema.properties as object) ?? {})[0]!;
    expect(search.some((s) => s.kind === "field" && s.title === field && s.href.startsWith(`events/${model.events[0]!.name}.html#v`))).toBe(true);
  });
});

describe("schema rows", () => {
  it("lists nested properties, array items, required flags and constraints", () => {
    const rows = schemaRows({
      type: "object",
      required: ["id"],
      properties: { id: { type: "string", format: "uuid" }, items: { type: "array", items: { type: "object", properties: { sku: { type: "string", maxLength: 12 } } } } },
    });
    expect(rows.map((r) => [r.path, r.depth, r.type, r.required])).toEqual([
      ["(payload)", 0, "object", true],
      ["id", 1, "string", true],
      ["items", 1, "array of object", false],
      ["items[]", 2, "object", false],
      ["items[].sku", 3, "string", false],
    ]);
    expect(rows[1]!.constraints).toBe('format: "uuid"');
    expect(rows[4]!.constraints).toBe("maxLength: 12");
  });

  it("follows local $refs once and ends a recursion in one row", () => {
    const rows = schemaRows({ $defs: { node: { type: "object", properties: { child: { $ref: "#/$defs/node" } } } }, type: "object", properties: { root: { $ref: "#/$defs/node" } } });
    expect(rows.map((r) => [r.path, r.type])).toEqual([
      ["(payload)", "object"],
      ["root", "object"],
      ["root.child", "↻ node"],
    ]);
  });

  it("stops at a bounded number of rows for huge schemas", () => {
    const props = Object.fromEntries(Array.from({ length: MAX_ROWS + 50 }, (_, i) => [`p${i}`, { type: "string" }]));
    const rows = schemaRows({ type: "object", properties: props });
    expect(rows).toHaveLength(MAX_ROWS + 1);
    expect(rows[MAX_ROWS]!.description).toMatch(/only the first/);
  });
});

describe("saga sequence diagram", () => {
  it("draws the steps in order, then the compensations in reverse, dashed below the failure band", () => {
    const saga = shop().sagas[0]!;
    const d = sequenceDiagram(saga);
    const steps = d.messages.filter((m) => m.kind === "step");
    const comps = d.messages.filter((m) => m.kind === "compensation");
    expect(steps.map((m) => m.label)).toEqual(saga.steps.map((s, i) => `${i + 1}. ${s.action}`));
    expect(comps.map((m) => m.label)).toEqual(saga.steps.map((s, i) => ({ s, i })).filter((x) => x.s.compensation).reverse().map((x) => `undo ${x.i + 1}. ${x.s.compensation}`));
    expect(Math.min(...comps.map((m) => m.y))).toBeGreaterThan(d.compensationY!);
    expect(Math.max(...d.messages.map((m) => m.y))).toBeLessThan(d.height);
    expect(d.participants[0]!.name).toBe(saga.orchestrator);
  });
});

describe("site pages", () => {
  it("renders every page with working relative links, and the same bytes twice", () => {
    const model = shop();
    const build = () => planSite(siteModel({ model, generatedFiles: [], rootFromSite: "../../" }), renderer(), { script: SCRIPT });
    const files = build();
    expect(build()).toEqual(files);
    const paths = new Set(files.map((f) => f.path));
    for (const p of ["index.html", "contexts.html", "events.html", "sagas.html", "routes.html", "assets/site.css", "assets/data.js", "assets/site.js"]) expect(paths).toContain(p);
    for (const f of files.filter((x) => x.path.endsWith(".html"))) {
      expect(f.content.startsWith("<!doctype html>")).toBe(true);
      expect(f.content).toContain('<main id="main"');
      const dir = path.posix.dirname(f.path);
      for (const m of f.content.matchAll(/href="([^"#]+)(#[^"]*)?"/g)) {
        const target = path.posix.normalize(path.posix.join(dir, m[1]!));
        if (target.startsWith("..") || m[1]!.startsWith("data:")) continue; // generated files outside the site; the empty favicon
        expect(paths, `${f.path} links to ${m[1]}`).toContain(target);
      }
    }
  });

  it("escapes text from system.yaml in HTML and in the data script", () => {
    const model = modelFromYaml(`version: 1
name: esc
contexts:
  a: { port: 3001, description: "<script>alert(1)</script> & \\"quotes\\" </script>", publishes: [x.done] }
  b: { port: 3002, consumes: [x.done] }
events:
  x.done:
    description: "<img src=x onerror=alert(1)>"
    versions:
      1: { type: object, properties: { "</script><b>": { type: string, description: "<i>hi</i>" } } }
`);
    const files = planSite(siteModel({ model, generatedFiles: [], rootFromSite: "" }), renderer(), { script: SCRIPT });
    for (const f of files.filter((x) => x.path.endsWith(".html"))) {
      expect(f.content).not.toContain("<script>alert");
      expect(f.content).not.toContain("<img src=x");
      expect(f.content).not.toContain("<i>hi</i>");
    }
    const page = files.find((f) => f.path === "contexts/a.html")!.content;
    expect(page).toContain("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;");
    const data = files.find((f) => f.path === "assets/data.js")!.content;
    expect(data).not.toMatch(/<\/script/i);
    const json = data.slice(data.indexOf("{"), data.lastIndexOf(";"));
    const parsed = new Function(`return ${json}`)() as { search: { title: string }[] };
    expect(parsed.search.some((s) => s.title === "</script><b>")).toBe(true);
  });

  it("keeps page names inside their folder whatever the name", () => {
    expect(slug("order.created")).toBe("order.created");
    expect(slug("..x")).toBe("_x");
    expect(slug("a/b")).toBe("a_b");
  });
});

describe("writeSite", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-site-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const out = () => path.join(dir, "site");

  it("writes, then changes nothing, then removes a page that is gone; check mode writes nothing", () => {
    const files = [{ path: "index.html", content: "a\n" }, { path: "contexts/x.html", content: "x\n" }];
    expect(writeSite(out(), files, "write")).toEqual({ written: ["index.html", "contexts/x.html"], unchanged: 0, removed: [] });
    expect(writeSite(out(), files, "check")).toEqual({ written: [], unchanged: 2, removed: [] });
    const next = [{ path: "index.html", content: "b\n" }];
    expect(writeSite(out(), next, "check")).toEqual({ written: ["index.html"], unchanged: 0, removed: ["contexts/x.html"] });
    expect(fs.readFileSync(path.join(out(), "index.html"), "utf8")).toBe("a\n");
    writeSite(out(), next, "write");
    expect(fs.existsSync(path.join(out(), "contexts"))).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(out(), SITE_INDEX), "utf8")).files).toEqual(["index.html"]);
  });

  it("refuses a folder holding files it did not write, and never deletes outside its folder", () => {
    fs.mkdirSync(out());
    fs.writeFileSync(path.join(out(), "notes.md"), "mine\n");
    expect(() => writeSite(out(), [{ path: "index.html", content: "a\n" }], "write")).toThrow(/holds files that msa docs did not write/);
    fs.rmSync(path.join(out(), "notes.md"));
    fs.writeFileSync(path.join(dir, "precious.txt"), "keep\n");
    fs.writeFileSync(path.join(out(), SITE_INDEX), JSON.stringify({ files: ["../precious.txt", "/etc/passwd"] }));
    writeSite(out(), [{ path: "index.html", content: "a\n" }], "write");
    expect(fs.readFileSync(path.join(dir, "precious.txt"), "utf8")).toBe("keep\n");
  });
});
