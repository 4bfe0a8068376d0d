// Progressive delivery as data (issue #18): the blue-green and canary manifests (subsets match the pods' labels,
// the weights of every route sum to 100 at every step, the Service selects one colour and the switch selects the
// other's pods), the deploy plan's canary steps, and the strangler route's edges, Kong upstream and node view.
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { progressiveDeploy, weightedHttp, errorRateQuery } from "../../src/core/deploy/progressive.js";
import { edgeGraph } from "../../src/core/edges.js";
import { gatewayRouteViews } from "../../src/core/plan/gateway-node.js";
import { boundedName, KONG_NAME_MAX, kongView } from "../../src/core/plan/kong.js";
import { deployOf, parsePercent } from "../../src/core/model.js";
import { modelFromText, plan } from "../k8s/support.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SYSTEM = `version: 1
name: pd
mesh: istio
broker: { kind: memory }
gateway:
  kind: node
  auth: none
  routes:
    - { path: /api/users, context: users }
    - { path: /api/legacy, upstream: "http://legacy.example.internal:8080", split: { orders: 20, users: 10 } }
contexts:
  orders:
    port: 3000
    calls: { users: { timeout: 2s } }
    deploy: { strategy: blue-green }
  users:
    port: 3001
    deploy: { strategy: canary, steps: [5, 25, 100], pause: 2m, analysis: { maxErrorRate: 0.5% } }
`;

const model = modelFromText(SYSTEM);
const objs: Obj[] = plan(model)
  .filter((f) => f.path.startsWith("k8s/base/") && !f.path.endsWith("kustomization.yaml"))
  .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as Obj));
const find = (kind: string, name: string): Obj => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o;
};
const matches = (selector: Record<string, string>, labels: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v);

describe("progressive delivery manifests", () => {
  it("reads deploy and percents from system.yaml", () => {
    expect(model.contexts.find((c) => c.name === "users")!.deploy).toEqual({ strategy: "canary", steps: [5, 25, 100], pauseMs: 120_000, pause: "2m", maxErrorRate: 0.005, controller: "msa" });
    expect(deployOf(undefined).strategy).toBe("rolling");
    expect(deployOf({ strategy: "canary" })).toMatchObject({ steps: [10, 50, 100], pauseMs: 60_000 });
    expect([parsePercent("1%"), parsePercent(0.02), parsePercent("x")]).toEqual([0.01, 0.02, null]);
  });

  it("canary: stable and canary Deployments whose pods the DestinationRule's subsets select, one Service over both", () => {
    const dr = find("DestinationRule", "users");
    const subsets = dr.spec.subsets as { name: string; labels: Record<string, string> }[];
    expect(subsets.map((s) => s.name)).toEqual(["stable", "canary"]);
    const stable = find("Deployment", "users").spec.template.metadata.labels;
    const canary = find("Deployment", "users-canary").spec.template.metadata.labels;
    expect(matches(subsets[0]!.labels, stable) && !matches(subsets[0]!.labels, canary)).toBe(true);
    expect(matches(subsets[1]!.labels, canary) && !matches(subsets[1]!.labels, stable)).toBe(true);
    // each Deployment's selector selects its own pods only
    expect(matches(find("Deployment", "users").spec.selector.matchLabels, canary)).toBe(false);
    const svc = find("Service", "users").spec.selector;
    expect(matches(svc, stable) && matches(svc, canary)).toBe(true);
    for (const n of ["users", "users-canary"]) expect(find("HorizontalPodAutoscaler", n).spec.scaleTargetRef.name).toBe(n);
  });

  it("canary: every VirtualService route weighs stable 100 / canary 0, and each declared step's weights sum to 100", () => {
    const vs = find("VirtualService", "users");
    expect(vs.spec.http.map((h: Obj) => h.name)).toEqual(["from-orders", "default"]);
    for (const h of vs.spec.http) expect(h.route.map((r: Obj) => [r.destination.subset, r.weight])).toEqual([["stable", 100], ["canary", 0]]);
    for (const w of [0, 5, 25, 100]) {
      const http = weightedHttp(vs, w);
      expect(http).toHaveLength(2);
      for (const h of http) {
        expect((h.route as Obj[]).reduce((n, r) => n + r.weight, 0)).toBe(100);
        expect((h.route as Obj[])[1]!.weight).toBe(w);
      }
      // matches and timeouts of the routes are kept
      expect(http[0]!.match).toEqual(vs.spec.http[0].match);
      expect(http[0]!.timeout).toBe("2s");
    }
    expect(() => weightedHttp(vs, 101)).toThrow();
  });

  it("blue-green: two colours, the Service selects blue's pods only, preview Services per colour", () => {
    const blue = find("Deployment", "orders-blue").spec.template.metadata.labels;
    const green = find("Deployment", "orders-green").spec.template.metadata.labels;
    const svc = find("Service", "orders").spec.selector;
    expect(matches(svc, blue)).toBe(true);
    expect(matches(svc, green)).toBe(false);
    expect(matches(find("Service", "orders-green").spec.selector, green)).toBe(true);
    expect(objs.some((o) => o.kind === "Deployment" && o.metadata.name === "orders")).toBe(false);
  });

  it("deploy plan: blue running → green applied and switched to; the Service keeps blue until then", () => {
    const pp = progressiveDeploy(model.contexts, { namespace: "pd", timeout: "5m", prometheusUrl: "http://prom:9090", facts: { activeColor: { orders: "blue" }, stableExists: { users: true } }, objects: objs });
    expect(pp.drop({ kind: "Deployment", name: "orders-blue" })).toBe(true);
    expect(pp.drop({ kind: "Deployment", name: "orders-green" })).toBe(false);
    expect(pp.drop({ kind: "Deployment", name: "users" })).toBe(true);
    const green = find("Deployment", "orders-green").spec.template.metadata.labels;
    const switched = JSON.parse(pp.steps.find((s) => s.phase === "switch")!.argv.at(-1)!).spec.selector;
    expect(matches({ ...find("Service", "orders").spec.selector, ...switched }, green)).toBe(true);
    expect((pp.rewrite(find("Service", "orders")) as Obj).spec.selector["msa.dev/color"]).toBe("blue");
    // the canary: a traffic step per declared step, pause + analysis below 100, promote, back on stable
    expect(pp.steps.filter((s) => s.context === "users").map((s) => s.phase)).toEqual(["traffic", "pause", "analysis", "traffic", "pause", "analysis", "traffic", "promote", "rollout", "traffic"]);
    expect(pp.steps.find((s) => s.phase === "analysis")!.analysis).toEqual({ url: "http://prom:9090", query: errorRateQuery("users", "pd", 120_000), maxErrorRate: 0.005 });
    expect(errorRateQuery("users", "pd", 120_000)).toContain("[120s]");
  });
});

describe("strangler routes as data", () => {
  it("the edge graph: the gateway reaches the split contexts and egresses to the upstream's port", () => {
    const g = edgeGraph(model);
    expect(g.pods.filter((e) => e.from === "gateway").map((e) => e.to)).toEqual(["orders", "users"]);
    expect(g.outside.filter((e) => e.kind === "upstream")).toEqual([{ kind: "upstream", from: "gateway", port: 8080, protocol: "TCP", what: "legacy upstream (legacy.example.internal:8080)" }]);
  });

  it("node gateway: the split targets with weights summing to 100, the upstream first", () => {
    const r = gatewayRouteViews(model).find((x) => x.path === "/api/legacy")!;
    expect(r.legacy).toBe(true);
    expect(r.envVar).toBe("UPSTREAM_API_LEGACY_URL");
    expect(r.split.map((t) => [t.name, t.weight])).toEqual([["legacy.example.internal:8080", 70], ["orders", 20], ["users", 10]]);
  });

  it("Kong: the split route's service goes to an upstream of weighted targets", () => {
    const kong = kongView(modelFromText(SYSTEM.replace("kind: node", "kind: kong")));
    expect(kong.upstreams).toHaveLength(1);
    expect(kong.upstreams[0]!.targets).toEqual([
      { target: "legacy.example.internal:8080", weight: 70 },
      { target: "orders:3000", weight: 20 },
      { target: "users:3001", weight: 10 },
    ]);
    const svc = kong.services.find((s) => s.routePath === "/api/legacy")!;
    expect(svc.url).toBe(`http://${kong.upstreams[0]!.name}/legacy`);
  });

  it("Kong: names from a long legacy host and path stay within one DNS label (63), deterministic and distinct", () => {
    const host = "legacy-monolith-application-server.datacenter-eu-west-1.corp.example.internal";
    const long = (p: string) =>
      SYSTEM.replace("kind: node", "kind: kong").replace(
        '    - { path: /api/legacy, upstream: "http://legacy.example.internal:8080", split: { orders: 20, users: 10 } }\n',
        `    - { path: ${p}, upstream: "http://${host}:8080", split: { orders: 20 } }\n    - { path: ${p}-v2, upstream: "http://${host}:8080", split: { orders: 30 } }\n    - { path: /api/old, upstream: "http://${host}:8080", methods: [GET, POST, PATCH] }\n`,
      );
    const text = long("/api/legacy/customer-accounts/invoices");
    const kong = kongView(modelFromText(text));
    const names = [...kong.services.map((s) => s.name), ...kong.upstreams.map((u) => u.name)];
    expect(names.length).toBe(new Set(names).size);
    for (const n of names) expect(n.length, n).toBeLessThanOrEqual(KONG_NAME_MAX);
    for (const u of kong.upstreams) expect(u.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    // the service url's host is the upstream: a valid host name
    for (const s of kong.services.filter((x) => x.url.includes("-split"))) expect(new URL(s.url).hostname.length).toBeLessThanOrEqual(KONG_NAME_MAX);
    expect(kongView(modelFromText(text))).toEqual(kong);
    // a short name is kept as it is; a long one keeps its start and ends in 8 hex digits of its hash
    expect(boundedName("orders-api", 49)).toBe("orders-api");
    const b = boundedName(`legacy-${"x".repeat(80)}`, 49);
    expect(b).toMatch(/^legacy-x+-[0-9a-f]{8}$/);
    expect(b.length).toBeLessThanOrEqual(49);
  });
});
