// Bulkheads and backends-for-frontends in the model and the plan (docs/bulkheads.md, docs/bff.md): the compose
// bindings as parsed, the BFF in the edge graph, and every planner that must follow it (compose, Kubernetes, both
// gateways, the architecture doc), plus the bulkhead limits in both runtimes' generated clients.
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { loadSystemAt } from "../../src/io/system.js";
import { parseComposeEntry } from "../../src/core/bff.js";
import { imageServices } from "../../src/core/deploy/plan.js";
import { edgeGraph, urlEnv } from "../../src/core/edges.js";
import type { SystemModel } from "../../src/core/model.js";
import { planBffs } from "../../src/core/plan/bff.js";
import { planCompose } from "../../src/core/plan/compose.js";
import { planArchitectureDocs } from "../../src/core/plan/docs.js";
import { gatewayRouteViews } from "../../src/core/plan/gateway-node.js";
import { planKubernetes } from "../../src/core/plan/k8s.js";
import { kongView } from "../../src/core/plan/kong.js";
import { planNodeServices } from "../../src/core/plan/service-node.js";
import { planPythonServices } from "../../src/core/plan/service-python.js";
import { createRenderer } from "../../src/core/render.js";
import { loadTemplates } from "../../src/io/templates.js";

const render = createRenderer(loadTemplates());
const TEXT = (gateway: "node" | "kong") => `version: 1
name: shopx
broker: { kind: rabbitmq }
gateway:
  kind: ${gateway}
  routes:
    - { path: /api/orders, context: web, methods: [GET] }
    - { path: /api/stock, context: inventory, methods: [GET] }
contexts:
  orders:
    port: 3001
    database: postgres
    api: ["GET /orders/{id}"]
    calls:
      inventory: { timeout: 1s, bulkhead: { maxConcurrent: 8, maxQueue: 16 } }
  inventory:
    port: 3002
    runtime: python-flask
    api: ["GET /stock/{sku}"]
  billing:
    port: 3003
    runtime: python-flask
    api: ["GET /bills/{id}"]
    calls:
      orders: { timeout: 1s, bulkhead: { maxConcurrent: 3, maxQueue: 0 } }
bffs:
  web:
    port: 4000
    routes:
      - path: /orders/{id}/summary
        compose:
          - orders GET /orders/{id}
          - { call: "inventory GET /stock/{sku}", as: stock, with: { sku: orders.body.lines.0.sku }, timeout: 700ms }
`;

function model(gateway: "node" | "kong" = "node"): SystemModel {
  const r = loadSystemAt("/virtual/system.yaml", "system.yaml", TEXT(gateway));
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.model!;
}

describe("compose entries", () => {
  it("bind path parameters to the route or to an earlier call's answer, and say why they cannot", () => {
    const call = parseComposeEntry({ call: "inventory GET /stock/{sku}", with: { sku: "orders.body.sku" } }, ["id"], ["orders"]);
    expect(call).toMatchObject({ name: "inventory", after: ["orders"], bindings: [{ param: "sku", from: "call", call: "orders", field: ["sku"] }], timeoutMs: 2000 });
    expect(parseComposeEntry({ call: "orders GET /orders/{id}", with: {} }, ["id"], [])).toMatchObject({ after: [], bindings: [{ param: "id", from: "path", name: "id" }] });
    expect(parseComposeEntry({ call: "orders GET /orders/{id}", with: { id: "path.key" } }, ["key"], [])).toMatchObject({ bindings: [{ from: "path", name: "key" }] });
    expect(parseComposeEntry({ call: "orders GET /orders/{id}", with: {} }, [], [])).toMatch(/has no value/);
    expect(parseComposeEntry({ call: "orders GET /orders/{id}", with: { id: "later.body.x" } }, [], [])).toMatch(/not an earlier call/);
    expect(parseComposeEntry({ call: "orders GET /orders/{id}", with: { id: "orders.sku" } }, [], ["orders"])).toMatch(/neither path/);
    expect(parseComposeEntry({ call: "orders GET /orders/{id}", with: { nope: "path.id" } }, ["id"], [])).toMatch(/not a path parameter/);
    expect(parseComposeEntry({ call: "GET /orders", with: {} }, [], [])).toMatch(/<context> <METHOD> <path>/);
  });

  it("the model keeps the BFF's routes, calls in order and its targets", () => {
    const b = model().bffs[0]!;
    expect(b).toMatchObject({ name: "web", port: 4000, targets: ["inventory", "orders"] });
    expect(b.routes[0]!.calls.map((c) => [c.name, c.after, c.timeoutMs])).toEqual([
      ["orders", [], 2000],
      ["stock", ["orders"], 700],
    ]);
    expect(model().contexts.find((c) => c.name === "orders")!.calls[0]!.bulkhead).toEqual({ maxConcurrent: 8, maxQueue: 16 });
  });
});

describe("the BFF in the edge graph and the plans", () => {
  it("is a workload with edges to what it composes, and the gateway's route to it", () => {
    const g = edgeGraph(model());
    expect(g.workloads.find((w) => w.name === "web")).toEqual({ name: "web", component: "bff", port: 4000, metricsPort: 4000 });
    expect(g.pods.filter((e) => e.from === "web").map((e) => [e.kind, e.to, e.port])).toEqual([
      ["bff", "inventory", 3002],
      ["bff", "orders", 3001],
    ]);
    expect(g.pods.find((e) => e.from === "gateway" && e.to === "web")).toMatchObject({ kind: "route", port: 4000, why: ["/api/orders"] });
    expect(urlEnv(g, "web")).toEqual([
      { key: "INVENTORY_URL", value: "http://inventory:3002" },
      { key: "ORDERS_URL", value: "http://orders:3001" },
    ]);
    // neither database nor broker
    expect(g.outside.filter((e) => e.from === "web").map((e) => e.kind).sort()).toEqual(["dns", "dns", "tracing", "tracing"]);
  });

  it("compose: a service built from services/web with the URLs of what it composes, started after them", () => {
    const doc = parseYaml(planCompose(model(), render)[0]!.content) as { services: Record<string, { build: { context: string }; environment: Record<string, string>; depends_on: Record<string, unknown>; ports: string[] }> };
    const web = doc.services.web!;
    expect(web.build.context).toBe("./services/web");
    expect(web.environment).toMatchObject({ PORT: "4000", SERVICE_NAME: "web", ORDERS_URL: "http://orders:3001", INVENTORY_URL: "http://inventory:3002" });
    expect(web.environment.BROKER_URL).toBeUndefined();
    expect(Object.keys(web.depends_on).sort()).toEqual(["inventory", "orders"]);
    expect(doc.services.gateway!.environment.ROUTE_WEB_URL).toBe("http://web:4000");
  });

  it("Kubernetes: a workload of component bff, no Secrets, a NetworkPolicy allowing the gateway in and its callees out", () => {
    const files = planKubernetes(model(), render);
    const dep = files.find((f) => f.path === "k8s/base/web/deployment.yaml")!.content;
    expect(dep).toContain("app.kubernetes.io/component: bff");
    expect(dep).not.toContain("secretKeyRef");
    const cm = files.find((f) => f.path === "k8s/base/web/configmap.yaml")!.content;
    expect(cm).toContain('ORDERS_URL: "http://orders:3001"');
    const np = files.find((f) => f.path === "k8s/base/web/networkpolicy.yaml")!.content;
    expect(np).toMatch(/app\.kubernetes\.io\/name: gateway/);
    expect(np).toMatch(/port: 3001/);
    expect(np).toMatch(/port: 3002/);
    const ordersNp = files.find((f) => f.path === "k8s/base/orders/networkpolicy.yaml")!.content;
    expect(ordersNp).toMatch(/app\.kubernetes\.io\/name: web/);
  });

  it("msa deploy builds and pushes the BFF's image like a context's", () => {
    expect(imageServices(model())).toEqual(["billing", "inventory", "orders", "web", "gateway"]);
  });

  it("both gateways route to the BFF like to a context", () => {
    expect(gatewayRouteViews(model()).find((r) => r.context === "web")).toMatchObject({ envVar: "ROUTE_WEB_URL", defaultUrl: "http://web:4000" });
    const kong = kongView(model("kong")).services.find((s) => s.context === "web")!;
    expect(kong.url).toBe("http://web:4000/orders");
    expect(kong.readTimeout).toBeGreaterThanOrEqual(30_000);
  });

  it("the generated BFF carries its routes as data and the architecture doc draws it", () => {
    const files = planBffs(model(), render);
    expect(files.map((f) => f.path).sort()).toContain("services/web/src/generated/compose.ts");
    const routes = files.find((f) => f.path === "services/web/src/generated/routes.ts")!.content;
    expect(routes).toContain('"field": [\n              "lines",\n              "0",\n              "sku"\n            ]');
    expect(files.every((f) => f.owner === "generated" && f.context === "web")).toBe(true);
    const doc = planArchitectureDocs(model(), render)[0]!.content;
    expect(doc).toContain('ctx_web -->|"composes"| ctx_orders');
  });
});

describe("bulkheads in the generated clients", () => {
  it("node: the callee's policy carries the limits and bulkhead.ts is generated", () => {
    const files = planNodeServices(model(), render);
    const clients = files.find((f) => f.path === "services/orders/src/generated/clients.ts")!.content;
    expect(clients).toContain("bulkhead: { maxConcurrent: 8, maxQueue: 16 }");
    expect(files.some((f) => f.path === "services/orders/src/generated/bulkhead.ts")).toBe(true);
  });
  it("python: CALLS carries the limits and app/bulkhead.py is generated", () => {
    const files = planPythonServices(model(), render);
    expect(files.find((f) => f.path === "services/billing/app/config.py")!.content).toContain('"bulkhead": {"max_concurrent": 3, "max_queue": 0 }');
    expect(files.some((f) => f.path === "services/billing/app/bulkhead.py")).toBe(true);
  });
});
