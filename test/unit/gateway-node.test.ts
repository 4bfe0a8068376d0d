import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadSystemAt } from "../../src/io/system.js";
import type { SystemModel } from "../../src/core/model.js";
import { GATEWAY_DEPENDENCIES, gatewayRouteViews, planNodeGateway, stripPrefixOf } from "../../src/core/plan/gateway-node.js";
import { createRenderer } from "../../src/core/render.js";
import { loadTemplates } from "../../src/io/templates.js";

const render = createRenderer(loadTemplates());
const root = path.resolve(import.meta.dirname, "../..");

function modelOf(yaml: string): SystemModel {
  const res = loadSystemAt(path.join(root, "test/fixtures/gateway-node/system.yaml"), "system.yaml", yaml);
  if (!res.model) throw new Error(JSON.stringify(res.diagnostics.map((d) => d.message)));
  return res.model;
}

const SYSTEM = `
version: 1
name: shop
broker: { kind: memory }
gateway:
  kind: node
  auth: jwt
  rateLimit: 100/minute
  routes:
    - { path: /api/v1/orders, context: orders, methods: [GET, POST] }
    - { path: /api/v1/orders/admin, context: order-admin, methods: [DELETE], rateLimit: 5/second }
    - { path: /public, context: catalog, auth: none }
contexts:
  orders: { port: 3000, api: ["GET /orders/{id}"] }
  order-admin: { port: 3001, api: ["DELETE /admin/{id}"] }
  catalog: { port: 5000, runtime: python-flask, api: ["GET /public"] }
`;

describe("planNodeGateway", () => {
  it("plans nothing unless gateway.kind is node", () => {
    expect(planNodeGateway(modelOf(SYSTEM.replace("kind: node", "kind: kong")), render)).toEqual([]);
    expect(planNodeGateway(modelOf(SYSTEM.replace("kind: node", "kind: none")), render)).toEqual([]);
  });

  it("writes a complete gateway service under gateway/, owned by msa", () => {
    const files = planNodeGateway(modelOf(SYSTEM), render);
    const paths = files.map((f) => f.path);
    for (const p of ["gateway/package.json", "gateway/Dockerfile", "gateway/.dockerignore", "gateway/README.md", "gateway/tsconfig.json", "gateway/src/main.ts", "gateway/src/routes.ts", "gateway/test/gateway.test.ts"]) {
      expect(paths).toContain(p);
    }
    expect(files.every((f) => f.owner === "generated" && f.content.endsWith("\n") && !f.content.includes("\r"))).toBe(true);
    expect(new Set(paths).size).toBe(paths.length);
  });

  it("pins every dependency of the generated package.json", () => {
    const files = planNodeGateway(modelOf(SYSTEM), render);
    const pkg = JSON.parse(files.find((f) => f.path === "gateway/package.json")!.content) as Record<string, Record<string, string>>;
    expect(pkg.name).toBe("shop-gateway");
    expect(pkg.dependencies).toEqual(GATEWAY_DEPENDENCIES);
    for (const v of [...Object.values(pkg.dependencies!), ...Object.values(pkg.devDependencies!)]) expect(v).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("renders the routes table: longest prefix first, upstream env names, limits, auth defaults", () => {
    const routesTs = planNodeGateway(modelOf(SYSTEM), render).find((f) => f.path === "gateway/src/routes.ts")!.content;
    const order = ["/api/v1/orders/admin", "/api/v1/orders", "/public"].map((p) => routesTs.indexOf(`path: "${p}"`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(routesTs).toContain('urlEnv: "ROUTE_ORDER_ADMIN_URL"');
    expect(routesTs).toContain('defaultUrl: "http://order-admin:3001"');
    expect(routesTs).toContain("rateLimit: { count: 5, windowMs: 1000 }");
    expect(routesTs).toContain("rateLimit: { count: 100, windowMs: 60000 }");
    expect(routesTs).toContain('methods: ["DELETE"]');
    expect(routesTs).toMatch(/path: "\/public",[\s\S]*?auth: "none"/);
    expect(routesTs).toMatch(/path: "\/api\/v1\/orders",[\s\S]*?auth: "jwt"/);
  });

  it("builds a multi-stage, non-root Dockerfile with a health check", () => {
    const docker = planNodeGateway(modelOf(SYSTEM), render).find((f) => f.path === "gateway/Dockerfile")!.content;
    expect(docker.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(docker).toMatch(/^USER 10001/m);
    expect(docker).toMatch(/^HEALTHCHECK /m);
    expect(docker).toContain("--omit=dev");
    expect(docker).not.toMatch(/FROM \S+:latest/);
  });

  it("is deterministic", () => {
    const a = planNodeGateway(modelOf(SYSTEM), render);
    const b = planNodeGateway(modelOf(SYSTEM), render);
    expect(a).toEqual(b);
  });
});

describe("gateway route views", () => {
  it("strip everything before the prefix's last segment", () => {
    expect(stripPrefixOf("/api/v1/orders")).toBe("/api/v1");
    expect(stripPrefixOf("/api/notes/")).toBe("/api");
    expect(stripPrefixOf("/orders")).toBe("");
    expect(stripPrefixOf("/")).toBe("");
  });

  it("fall back to http://<context>:<port> for the upstream", () => {
    const views = gatewayRouteViews(modelOf(SYSTEM));
    expect(views.find((v) => v.context === "catalog")).toMatchObject({ defaultUrl: "http://catalog:5000", envVar: "ROUTE_CATALOG_URL", rateLimit: { text: "100/minute" } });
  });
});

describe("planNodeGateway: security and operations settings (issue #14)", () => {
  const files = (yaml: string): Map<string, string> => new Map(planNodeGateway(modelOf(yaml), render).map((f) => [f.path, f.content]));

  it("pins the redis client and plans the client-address module", () => {
    expect(GATEWAY_DEPENDENCIES.redis).toMatch(/^\d+\.\d+\.\d+$/);
    const f = files(SYSTEM);
    expect(JSON.parse(f.get("gateway/package.json")!).dependencies.redis).toBe(GATEWAY_DEPENDENCIES.redis);
    expect(f.get("gateway/src/client-ip.ts")).toContain("export function clientAddress(");
  });

  it("serves /metrics on METRICS_PORT 9464 by default, and nowhere on the traffic port", () => {
    const f = files(SYSTEM);
    expect(f.get("gateway/src/config.ts")).toContain('integer(env, "METRICS_PORT", 9464)');
    expect(f.get("gateway/src/app.ts")).not.toMatch(/pathname === "\/metrics"/);
    expect(f.get("gateway/src/main.ts")).toContain("metricsServer.listen(config.metricsPort)");
  });

  it("takes the rate-limit store from gateway.rateLimitStore (memory unless redis)", () => {
    expect(files(SYSTEM).get("gateway/src/config.ts")).toContain('env.RATE_LIMIT_STORE || "memory"');
    const redis = files(SYSTEM.replace("  rateLimit: 100/minute\n", "  rateLimit: 100/minute\n  rateLimitStore: redis\n"));
    expect(redis.get("gateway/src/config.ts")).toContain('env.RATE_LIMIT_STORE || "redis"');
  });

  it("requires exp, caps the lifetime, and retries only safe requests", () => {
    const f = files(SYSTEM);
    expect(f.get("gateway/src/auth.ts")).toContain('requiredClaims: ["exp"]');
    expect(f.get("gateway/src/auth.ts")).toContain("JWT_MAX_TTL");
    expect(f.get("gateway/src/proxy.ts")).toContain('const SAFE_METHODS = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"])');
    expect(f.get("gateway/src/proxy.ts")).toContain('method === "POST" && typeof key === "string"');
  });
});
