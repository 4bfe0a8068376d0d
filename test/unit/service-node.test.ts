// The node-express planner on the spec's shop example: which files, who owns them, what they contain.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadSystemAt } from "../../src/io/system.js";
import { createRenderer } from "../../src/core/render.js";
import { planNodeServices } from "../../src/core/plan/service-node.js";
import { PRESTOP_DELAY_SECONDS, TERMINATION_GRACE_SECONDS } from "../../src/core/plan/k8s-view.js";
import { schemaToTs } from "../../src/core/plan/service-node-types.js";
import { sampleFromSchema } from "../../src/core/plan/sample.js";
import { loadTemplates, packageRoot } from "../../src/io/templates.js";
import { parse as parseYaml } from "yaml";

const shopFile = path.join(packageRoot, "examples", "shop", "system.yaml");
const loaded = loadSystemAt(shopFile, "system.yaml");
const model = loaded.model!;
const render = createRenderer(loadTemplates());
const files = planNodeServices(model, render);
const byPath = new Map(files.map((f) => [f.path, f]));
const content = (p: string): string => {
  const f = byPath.get(p);
  if (!f) throw new Error(`not planned: ${p}`);
  return f.content;
};

describe("planNodeServices on examples/shop", () => {
  it("plans one service per node-express context and none for python-flask", () => {
    const dirs = [...new Set(files.map((f) => f.path.split("/").slice(0, 2).join("/")))].sort();
    expect(dirs).toEqual(["services/inventory", "services/orders", "services/payment"]);
    expect(files.every((f) => f.context === f.path.split("/")[1])).toBe(true);
  });

  it("emits the manifest, Dockerfile, README, sources and tests of each service", () => {
    for (const s of ["orders", "inventory", "payment"])
      for (const f of [
        "package.json", "tsconfig.json", "Dockerfile", ".dockerignore", "README.md", "schemas/envelope.json",
        "src/main.ts", "src/generated/app.ts", "src/generated/events.ts", "src/generated/broker/rabbitmq.ts", "test/service.test.ts",
      ])
        expect(byPath.has(`services/${s}/${f}`), `${s}/${f}`).toBe(true);
    expect(byPath.has("services/orders/src/generated/broker/nats.ts")).toBe(false);
    expect(byPath.has("services/orders/src/generated/saga.ts")).toBe(true);
    expect(byPath.has("services/inventory/src/generated/saga.ts")).toBe(false);
    expect(byPath.has("services/orders/test/resilience.test.ts")).toBe(true);
    expect(byPath.has("services/payment/test/resilience.test.ts")).toBe(false);
  });

  it("marks domain handlers, consumers and saga steps as user-owned, everything else generated", () => {
    const user = files.filter((f) => f.owner === "user").map((f) => f.path).sort();
    expect(user).toEqual([
      "services/inventory/src/consumers/order.cancelled.ts",
      "services/inventory/src/consumers/order.created.ts",
      "services/inventory/src/handlers/getStockBySku.ts",
      "services/inventory/src/handlers/postReservations.ts",
      "services/inventory/src/saga/place-order.release.ts",
      "services/inventory/src/saga/place-order.reserve.ts",
      "services/orders/src/consumers/payment.completed.ts",
      "services/orders/src/handlers/getOrdersById.ts",
      "services/orders/src/handlers/postOrders.ts",
      "services/payment/src/consumers/inventory.reserved.ts",
      "services/payment/src/saga/place-order.charge.ts",
      "services/payment/src/saga/place-order.refund.ts",
    ]);
    // the shop's orders endpoints have contracts (docs/rest-contracts.md): typed stubs
    expect(content("services/orders/src/handlers/getOrdersById.ts")).toContain("res.sendStatus(501)");
    expect(content("services/orders/src/handlers/getOrdersById.ts")).toContain("req: GetOrdersByIdRequest, res: GetOrdersByIdResponse");
  });

  it("pins every dependency exactly and includes only what the context needs", () => {
    const pkg = JSON.parse(content("services/orders/package.json")) as { dependencies: Record<string, string>; devDependencies: Record<string, string>; type: string };
    expect(pkg.type).toBe("module");
    for (const v of [...Object.values(pkg.dependencies), ...Object.values(pkg.devDependencies)]) expect(v).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Object.keys(pkg.dependencies).sort()).toEqual([
      "@opentelemetry/api",
      "@opentelemetry/instrumentation-express",
      "@opentelemetry/instrumentation-http",
      "@opentelemetry/instrumentation-pg",
      "@opentelemetry/instrumentation-undici",
      "@opentelemetry/sdk-node",
      "ajv",
      "ajv-formats",
      "amqplib",
      "cockatiel",
      "express",
      "pg",
      "pg-protocol",
      "pino",
      "prom-client",
    ]);
    expect(Object.keys(pkg.dependencies)).toEqual(Object.keys(pkg.dependencies).sort());
  });

  it("writes a multi-stage, non-root Dockerfile with a HEALTHCHECK and production-only dependencies", () => {
    const d = content("services/orders/Dockerfile");
    expect(d.match(/^FROM node:22[\d.]*-alpine[\d.]*/gm)).toHaveLength(2);
    expect(d).toContain("npm ci --omit=dev");
    expect(d).toMatch(/^USER 10001:10001$/m);
    expect(d).toMatch(/^HEALTHCHECK .*\n.*\/health/m);
    expect(d).toMatch(/^EXPOSE 3000$/m);
    expect(content("services/orders/.dockerignore")).toContain("node_modules");
  });

  it("bundles every schema version the service publishes or consumes", () => {
    const inv = files.filter((f) => f.path.startsWith("services/inventory/schemas/events/")).map((f) => f.path.split("/").pop());
    expect(inv).toEqual(["inventory.reserved.v1.json", "order.cancelled.v1.json", "order.created.v1.json", "order.created.v2.json"]);
    const v2 = JSON.parse(content("services/inventory/schemas/events/order.created.v2.json")) as { required: string[] };
    expect(v2.required).toEqual(["orderId", "customerId", "total"]);
  });

  it("wires the api, the typed publishers, the consumers and the call policy of system.yaml", () => {
    expect(content("services/orders/src/generated/routes.ts")).toContain('router.get("/orders/:id", validateRequest("getOrdersById", deps.log), (req, res) => getOrdersById(req as unknown as GetOrdersByIdRequest, res, ctx("getOrdersById")));');
    const events = content("services/orders/src/generated/events.ts");
    expect(events).toContain("publishOrderCreated(payload: OrderCreatedV2, options: PublishOptions)");
    expect(events).toContain('"payment.completed": (event: PaymentCompletedEvent, ctx: ConsumerContext) => Promise<void>;');
    expect(content("services/orders/src/generated/clients.ts")).toContain(
      "static readonly policy: CallPolicy = { timeoutMs: 2000, retries: 3, errorThreshold: 0.5, resetTimeoutMs: 30000 };",
    );
    expect(content("services/orders/src/generated/config.ts")).toContain('inventory: (env.INVENTORY_URL || "http://inventory:3001")');
    expect(content("services/orders/src/generated/broker/index.ts")).toContain(
      '  system: "shop",\n  systemEnv: "SHOP",\n  context: "orders",\n  systemEvents: ["inventory.reserved","order.cancelled","order.created","payment.completed"],\n' +
        "  retryAttempts: Number(process.env.EVENT_RETRY_ATTEMPTS) || 5,\n};",
    );
  });

  it("honours Idempotency-Key in every service, in the context's database", () => {
    for (const s of ["orders", "inventory", "payment"]) {
      expect(content(`services/${s}/src/generated/app.ts`)).toContain("app.use(idempotency(idempotencyStore, log));");
      expect(content(`services/${s}/src/generated/idempotency.ts`)).toContain("CREATE TABLE IF NOT EXISTS msa_idempotency");
      expect(byPath.has(`services/${s}/test/idempotency.test.ts`)).toBe(true);
    }
    expect(content("services/orders/src/generated/app.ts")).toContain("new PostgresIdempotencyStore(sql, idempotencyOptions)");
    // postgres: the claim opens the request's transaction (a non-waiting advisory lock) and the handlers' ctx.db joins it
    expect(content("services/orders/src/generated/idempotency.ts")).toContain('"SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS free"');
    expect(content("services/orders/src/generated/idempotency.ts")).toContain('failpoint("idempotency-before-answer");');
    expect(content("services/orders/src/generated/app.ts")).toContain("db: sql ? joiningRequests(sql) : db");
    expect(content("services/orders/src/generated/database.ts")).toContain("return joined ? inSavepoint(joined, () => fn(joined.tx)) : db.transaction(fn);");
  });

  it("saga steps: stubs answer 501, calls go through the step context's declared policy, POST /sagas answers 202", () => {
    for (const stub of ["services/inventory/src/saga/place-order.reserve.ts", "services/payment/src/saga/place-order.refund.ts"]) {
      expect(content(stub)).toContain("throw new NotImplemented(");
      expect(content(stub)).not.toContain("return {}");
    }
    const saga = content("services/orders/src/generated/saga.ts");
    // orders declares calls to inventory (2 s, 3 retries); payment takes the defaults (5 s, 2 retries)
    expect(saga).toContain('["inventory", { timeoutMs: 2000, retries: 3, errorThreshold: 0.5, resetTimeoutMs: 30000 }]');
    expect(saga).toContain('["payment", { timeoutMs: 5000, retries: 2, errorThreshold: 0.5, resetTimeoutMs: 30000 }]');
    expect(saga).toContain("{ idempotencyKey, ...(breaker === false ? { breaker } : {}) }");
    expect(saga).toContain("`${state.sagaId}:${def.action}:compensate`, false)"); // compensations pass the breaker
    expect(saga).toContain("`${state.sagaId}:${def.action}:compensate`");
    expect(saga).not.toContain("fetch(");
    expect(content("services/orders/src/generated/routes.ts")).toContain("res.status(202).location(statusUrl)");
    // the compensation waits for its action; the action is refused after its compensation
    const payment = content("services/payment/src/generated/routes.ts");
    expect(payment).toContain('deps.idempotency.state(`${input.sagaId}:charge`, "POST /saga/place-order/charge")) === "in-flight"');
    expect(payment).toContain('deps.idempotency.state(`${input.sagaId}:charge:compensate`, "POST /saga/place-order/refund")) !== "absent"');
  });

  it("is deterministic and carries the generated-by header where comments are allowed", () => {
    const again = planNodeServices(model, render);
    expect(again.map((f) => [f.path, f.content])).toEqual(files.map((f) => [f.path, f.content]));
    for (const f of files) {
      expect(f.content.endsWith("\n")).toBe(true);
      expect(f.content).not.toContain(packageRoot);
      if (f.owner === "generated" && /\.(ts|md)$|Dockerfile$|\.dockerignore$/.test(f.path)) expect(f.content, f.path).toMatch(/generated by msa — edit system.yaml instead/);
      if (f.path.endsWith(".json")) expect(() => JSON.parse(f.content), f.path).not.toThrow();
    }
  });

  it("plans nothing for a system without node-express contexts", () => {
    const only = { ...model, contexts: model.contexts.filter((c) => c.runtime !== "node-express") };
    expect(planNodeServices(only, render)).toEqual([]);
  });
});

describe("planNodeServices per broker kind and database engine", () => {
  const plan = (broker: string, database: string) => {
    const yaml = `
version: 1
name: mix
broker: { kind: ${broker} }
contexts:
  order-history:
    port: 3100
    database: ${database}
    api: ["GET /history/{customerId}/orders/{orderId}"]
    consumes: [thing.done]
  maker:
    port: 3101
    publishes: [thing.done]
    calls: { order-history: { timeout: 1s } }
events:
  thing.done: { schema: { type: object, properties: { id: { type: string } } } }
`;
    const res = loadSystemAt(path.join(packageRoot, "virtual", "system.yaml"), "system.yaml", yaml);
    expect(res.model, JSON.stringify(res.diagnostics.map((d) => d.message))).toBeDefined();
    return new Map(planNodeServices(res.model!, render).map((f) => [f.path, f]));
  };

  it.each([
    ["nats", "mysql", "nats", "mysql2"],
    ["kafka", "mongodb", "kafkajs", "mongodb"],
    ["memory", "redis", null, "redis"],
  ])("%s broker with %s: only that adapter and those client libraries", (broker, database, brokerDep, dbDep) => {
    const files = plan(broker, database);
    const pkg = JSON.parse(files.get("services/order-history/package.json")!.content) as { dependencies: Record<string, string> };
    const deps = Object.keys(pkg.dependencies);
    for (const d of ["amqplib", "nats", "kafkajs", "pg", "mysql2", "mongodb", "redis"]) expect(deps.includes(d), d).toBe(d === brokerDep || d === dbDep);
    const adapters = [...files.keys()].filter((p) => p.startsWith("services/order-history/src/generated/broker/")).map((p) => p.split("/").pop());
    expect(adapters.sort()).toEqual(["index.ts", "memory.ts", "types.ts", ...(broker === "memory" ? [] : [`${broker}.ts`])].sort());
    expect(files.get("services/order-history/src/generated/database.ts")!.content).toContain(`engine = "${database}"`);
  });

  it("names hyphenated contexts and multi-parameter paths as TypeScript identifiers", () => {
    const files = plan("rabbitmq", "postgres");
    const clients = files.get("services/maker/src/generated/clients.ts")!.content;
    expect(clients).toContain("export class OrderHistoryClient extends ServiceClient");
    expect(clients).toContain("getHistoryByCustomerIdOrdersByOrderId<T = unknown>(params: { customerId: string; orderId: string; }, options?: RequestOptions)");
    expect(clients).toContain("`/history/${enc(params.customerId)}/orders/${enc(params.orderId)}`");
    expect(files.get("services/maker/src/generated/config.ts")!.content).toContain('orderHistory: (env.ORDER_HISTORY_URL || "http://order-history:3100")');
    expect(files.get("services/order-history/src/handlers/getHistoryByCustomerIdOrdersByOrderId.ts")!.content).toContain(
      "req: Request<{ customerId: string; orderId: string; }>",
    );
    expect(files.has("services/order-history/src/consumers/thing.done.ts")).toBe(true);
  });
});

describe("schema helpers", () => {
  const schema = parseYaml(`
type: object
required: [id, total, tags, kind]
properties:
  id: { type: string, format: uuid }
  total: { type: number, minimum: 5 }
  tags: { type: array, items: { type: string }, minItems: 1 }
  kind: { enum: [a, b] }
  note: { type: [string, "null"] }
  "odd-name": { type: integer }
`) as Record<string, unknown>;

  it("turns a payload schema into a TypeScript type", () => {
    expect(schemaToTs(schema)).toBe(
      '{\n  id: string;\n  kind: "a" | "b";\n  note?: string | null;\n  "odd-name"?: number;\n  tags: Array<string>;\n  total: number;\n  [key: string]: unknown;\n}',
    );
    expect(schemaToTs({ type: "object", additionalProperties: false, properties: { a: { type: "boolean" } } })).toBe("{\n  a?: boolean;\n}");
    expect(schemaToTs({ not: {} })).toBe("unknown");
  });

  it("makes a sample payload that satisfies required properties, formats and minimums", () => {
    expect(sampleFromSchema(schema)).toEqual({ id: "00000000-0000-4000-8000-000000000000", kind: "a", tags: ["x"], total: 5 });
  });
});

describe("graceful shutdown fits the pod's grace period (issue #14 item 5)", () => {
  it("SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS defaults after the preStop sleep stay below terminationGracePeriodSeconds", () => {
    const config = files.find((f) => f.path === "services/orders/src/generated/config.ts")!.content;
    const delay = Number(/"SHUTDOWN_DELAY_MS", ([\d_]+)\)/.exec(config)?.[1]?.replace(/_/g, ""));
    const timeout = Number(/"SHUTDOWN_TIMEOUT_MS", ([\d_]+)\)/.exec(config)?.[1]?.replace(/_/g, ""));
    expect([delay, timeout]).toEqual([5000, 10000]);
    expect(PRESTOP_DELAY_SECONDS + (delay + timeout) / 1000).toBeLessThan(TERMINATION_GRACE_SECONDS);
    const main = files.find((f) => f.path === "services/orders/src/main.ts")!.content;
    // readiness fails first, the drain comes after the delay
    expect(main.indexOf("service.drain()")).toBeLessThan(main.indexOf("await service.stop("));
  });
});
