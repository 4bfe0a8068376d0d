// The normalized model: defaults applied, references resolved, maps sorted, schema files loaded.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadSystemAt } from "../../src/io/system.js";
import { parseEndpoint } from "../../src/core/model.js";
import { parseDuration, parseRateLimit, toCamel, toEnvName, toPascal } from "../../src/core/names.js";

const root = path.resolve(import.meta.dirname, "../..");
const shop = () => {
  const r = loadSystemAt(path.join(root, "examples/shop/system.yaml"), "system.yaml");
  if (!r.model) throw new Error(JSON.stringify(r.diagnostics));
  return r.model;
};

describe("model", () => {
  it("sorts contexts and events by name and applies defaults", () => {
    const m = shop();
    expect(m.contexts.map((c) => c.name)).toEqual(["catalog", "inventory", "orders", "payment"]);
    expect(m.events.map((e) => e.name)).toEqual(["inventory.reserved", "order.cancelled", "order.created", "payment.completed"]);
    const inventory = m.contexts.find((c) => c.name === "inventory")!;
    expect(inventory.runtime).toBe("node-express");
    expect(inventory.replicas).toBe(2);
    expect(inventory.resources).toEqual({ cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" });
    expect(inventory.database).toEqual({ engine: "postgres", name: "inventory" });
    expect(m.contexts.find((c) => c.name === "orders")!.replicas).toBe(3);
    expect(m.namespace).toBe("shop");
    expect(m.broker.kind).toBe("rabbitmq");
  });

  it("resolves calls with durations in ms, and records callers", () => {
    const m = shop();
    const orders = m.contexts.find((c) => c.name === "orders")!;
    expect(orders.calls).toEqual([
      { target: "inventory", timeoutMs: 2000, timeoutDeclared: true, retries: 3, circuitBreaker: { errorThresholdPercentage: 50, resetTimeoutMs: 30000 }, protocol: "http" },
    ]);
    expect(m.contexts.find((c) => c.name === "inventory")!.callers).toEqual(["orders"]);
  });

  it("resolves event owners, consumers and versions, loading schema files relative to system.yaml", () => {
    const m = shop();
    const created = m.events.find((e) => e.name === "order.created")!;
    expect(created.owner).toBe("orders");
    expect(created.consumers).toEqual(["inventory"]);
    expect(created.compatibility).toBe("backward");
    expect(created.versions.map((v) => [v.version, v.schemaFile])).toEqual([[1, "schemas/events/order.created.v1.json"], [2, null]]);
    expect(created.versions[0]!.schema).toMatchObject({ required: ["orderId", "customerId", "total"] });
    expect(created.latest.version).toBe(2);
    expect(m.events.find((e) => e.name === "order.cancelled")!.versions.map((v) => v.version)).toEqual([1]);
  });

  it("applies gateway defaults to routes", () => {
    const m = shop();
    expect(m.gateway.routes).toMatchObject([
      { path: "/api/v1/orders", context: "orders", methods: ["GET", "POST"], auth: "jwt", rateLimit: { count: 100, unit: "minute" } },
      { path: "/api/v1/products", context: "catalog", auth: "none", rateLimit: { count: 300, unit: "minute" }, methods: ["GET"] },
    ]);
    expect(m.contexts.find((c) => c.name === "orders")!.routes.map((r) => r.path)).toEqual(["/api/v1/orders"]);
  });

  it("gives contexts without a port the lowest free one, deterministically", () => {
    const text = "version: 1\nname: p\ncontexts:\n  b: { api: ['GET /b'] }\n  a: { port: 3000, api: ['GET /a'] }\n  c: { api: ['GET /c'] }\n";
    const m = loadSystemAt("/v/system.yaml", "system.yaml", text).model!;
    expect(m.contexts.map((c) => [c.name, c.port])).toEqual([["a", 3000], ["b", 3001], ["c", 3002]]);
  });

  it("parses endpoints into express and flask forms with stable operation ids", () => {
    expect(parseEndpoint("GET /orders/{id}")).toEqual({
      method: "GET", path: "/orders/{id}", expressPath: "/orders/:id", flaskPath: "/orders/<id>", params: ["id"], operationId: "getOrdersById",
      contract: false, summary: "", request: null, query: null, pathParams: {}, responses: [], idempotent: true, compatibility: "backward",
    });
    expect(parseEndpoint("POST /stock-items")?.operationId).toBe("postStockItems");
    expect(parseEndpoint("GET /")?.operationId).toBe("getRoot");
    expect(parseEndpoint("FETCH /x")).toBeUndefined();
  });

  it("names: durations, rate limits and identifiers", () => {
    expect([parseDuration("2s"), parseDuration("500ms"), parseDuration("1m"), parseDuration(150), parseDuration("2 s")]).toEqual([2000, 500, 60000, 150, undefined]);
    expect(parseRateLimit("100/minute")).toEqual({ count: 100, unit: "minute" });
    expect(parseRateLimit("100 per minute")).toBeUndefined();
    expect([toEnvName("order-history"), toCamel("order.created"), toPascal("order-history")]).toEqual(["ORDER_HISTORY", "orderCreated", "OrderHistory"]);
  });
});
