// msa dev's pure parts (src/core/dev): the plan (environment derived from compose's, pointed at localhost; ports,
// infrastructure, databases, order), the event flow read from log lines, and the development JWT.
import { createHmac } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { flowList, newFlow, recordFlow } from "../../src/core/dev/flow.js";
import { devJwt } from "../../src/core/dev/jwt.js";
import { composeUpCommand, DevPlanError, planDev, type DevOptions } from "../../src/core/dev/plan.js";
import { GATEWAY_JWT_DEV_SECRET, planCompose } from "../../src/core/plan/compose.js";
import { missingNodeDependencies, readDotenv } from "../../src/io/dev/infra.js";
import { exampleModel, modelFromYaml, renderer } from "../helpers/engine-model.js";

const opts = (o: Partial<DevOptions> = {}): DevOptions => ({ only: [], gateway: true, portOffset: null, dotenv: {}, tracing: false, python: "python3", ...o });

const SYSTEM = `
version: 1
name: devunit
broker: { kind: rabbitmq }
gateway:
  kind: node
  auth: jwt
  routes:
    - { path: /api/orders, context: orders }
contexts:
  orders:
    port: 3000
    database: postgres
    calls: { stock: { timeout: 2s } }
    publishes: [order.created]
  stock:
    port: 3001
    database: postgres
  ledger:
    runtime: python-flask
    port: 5000
    database: mysql
    consumes: [order.created]
events:
  order.created:
    schema: { type: object }
`;

describe("planDev", () => {
  it("gives each process compose's environment, pointed at 127.0.0.1 (the same keys, local URLs)", () => {
    const model = modelFromYaml(SYSTEM);
    const plan = planDev(model, opts());
    const composeEnv = (parseYaml(planCompose(model, renderer())[0]!.content) as { services: Record<string, { environment: Record<string, string> }> }).services;
    for (const p of plan.processes) {
      // every key compose gives the container, minus tracing (off: nothing listens on the collector here)
      const keys = Object.keys(composeEnv[p.name]!.environment).filter((k) => !k.startsWith("OTEL_"));
      expect(Object.keys(p.env), p.name).toEqual(expect.arrayContaining(keys));
      for (const v of Object.values(p.env)) expect(v, `${p.name}: ${v}`).not.toMatch(/(\/\/|@)(orders|stock|ledger|rabbitmq|[a-z]+-db|otel-collector):\d/);
    }
    const orders = plan.processes.find((p) => p.name === "orders")!;
    expect(orders.env).toMatchObject({
      PORT: "3000",
      SERVICE_NAME: "orders",
      STOCK_URL: "http://127.0.0.1:3001",
      BROKER_URL: "amqp://msa:msa-dev@127.0.0.1:5672",
      DATABASE_URL: "postgres://orders:msa-dev@127.0.0.1:5432/orders",
      SHUTDOWN_DELAY_MS: "0",
    });
    // the second postgres gets the next host port, as the dev override of compose publishes it
    expect(plan.processes.find((p) => p.name === "stock")!.env.DATABASE_URL).toBe("postgres://stock:msa-dev@127.0.0.1:5433/stock");
    expect(plan.processes.find((p) => p.name === "ledger")!.env.DATABASE_URL).toMatch(/^mysql:\/\/ledger:msa-dev@127\.0\.0\.1:3306\//);
    const gw = plan.processes.find((p) => p.kind === "gateway")!;
    expect(gw.env).toMatchObject({ ROUTE_ORDERS_URL: "http://127.0.0.1:3000", JWT_ISSUER: "devunit", JWT_AUDIENCE: "devunit", JWT_SECRET: GATEWAY_JWT_DEV_SECRET, PORT: "8080", METRICS_PORT: "9464" });
    expect(plan.gateway.jwt).toEqual({ issuer: "devunit", audience: "devunit", secret: GATEWAY_JWT_DEV_SECRET });
  });

  it("starts callees before callers and the gateway last; python runs gunicorn with its modules to check", () => {
    const plan = planDev(modelFromYaml(SYSTEM), opts({ python: "/usr/bin/python3" }));
    expect(plan.processes.map((p) => p.name)).toEqual(["ledger", "stock", "orders", "gateway"]);
    const ledger = plan.processes[0]!;
    expect(ledger.command).toEqual(["/usr/bin/python3", "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]);
    expect(ledger.pythonModules).toEqual(["flask", "gunicorn", "jsonschema", "pika", "prometheus_client", "pymysql"]);
    expect(plan.processes[2]!.tscProject).toBe("tsconfig.build.json");
  });

  it("--port-offset moves every port; tracing on sets the OTEL variables to the local collector", () => {
    const plan = planDev(modelFromYaml(SYSTEM), opts({ portOffset: 100, tracing: true }));
    const orders = plan.processes.find((p) => p.name === "orders")!;
    expect(orders.url).toBe("http://127.0.0.1:3100");
    expect(orders.env).toMatchObject({ PORT: "3100", STOCK_URL: "http://127.0.0.1:3101", OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_SERVICE_NAME: "orders" });
    expect(plan.processes.find((p) => p.kind === "gateway")!.metricsUrl).toBe("http://127.0.0.1:9564/metrics");
    expect(plan.dashboardPort).toBe(4290);
  });

  it("takes URLs from .env over dev: over the local defaults; an overridden URL is not published by the dev compose file", () => {
    const yaml = SYSTEM + "dev:\n  broker: amqp://guest:guest@127.0.0.1:5673\n  databases:\n    orders: postgres://postgres@127.0.0.1:5432/o_dev\n  dashboard: 5000\n  portOffset: 7\n";
    const model = modelFromYaml(yaml);
    expect(model.dev).toEqual({ broker: "amqp://guest:guest@127.0.0.1:5673", databases: { orders: "postgres://postgres@127.0.0.1:5432/o_dev" }, otlp: null, dashboard: 5000, portOffset: 7 });
    const plan = planDev(model, opts({ dotenv: { STOCK_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/s_env", JWT_SECRET: "from-dot-env-0123456789abcdef0123" } }));
    expect(plan.portOffset).toBe(7);
    expect(plan.dashboardPort).toBe(5007);
    expect(plan.infra.map((i) => [i.composeService, `${i.host}:${i.port}`, !!i.publish])).toEqual([
      ["rabbitmq", "127.0.0.1:5673", false],
      ["ledger-db", "127.0.0.1:3306", true],
      ["orders-db", "127.0.0.1:5432", false],
      ["stock-db", "127.0.0.1:5432", false],
    ]);
    expect(plan.databases.map((d) => d.url)).toEqual([expect.stringMatching(/^mysql:/), "postgres://postgres@127.0.0.1:5432/o_dev", "postgres://postgres@127.0.0.1:5432/s_env"]);
    expect(plan.composePorts).toEqual([{ service: "ledger-db", ports: ["127.0.0.1:3306:3306"] }]);
    expect(plan.gateway.jwt?.secret).toBe("from-dot-env-0123456789abcdef0123");
    expect(composeUpCommand(["rabbitmq", "orders-db", "rabbitmq"])).toBe("docker compose -f docker-compose.yml -f .msa/dev-compose.yml up -d orders-db rabbitmq");
  });

  it("--only runs the named contexts and needs only their infrastructure; an unknown name is refused", () => {
    const plan = planDev(modelFromYaml(SYSTEM), opts({ only: ["stock"], gateway: false }));
    expect(plan.processes.map((p) => p.name)).toEqual(["stock"]);
    expect(plan.infra.map((i) => i.composeService)).toEqual(["rabbitmq", "stock-db"]);
    expect(plan.gateway.note).toMatch(/--no-gateway/);
    expect(() => planDev(modelFromYaml(SYSTEM), opts({ only: ["nope"] }))).toThrow(DevPlanError);
  });

  it("Kong: not started, and says why; the shop example's compose names are used", () => {
    const plan = planDev(exampleModel("shop"), opts());
    expect(plan.processes.some((p) => p.kind === "gateway")).toBe(false);
    expect(plan.gateway.note).toMatch(/Kong runs only in Docker/);
    expect(plan.infra.map((i) => i.composeService)).toContain("rabbitmq");
  });
});

describe("event flow from log lines", () => {
  it("matches publish → consume by eventId (node and python lines), records dead letters, forgets old events", () => {
    const flow = newFlow(60_000);
    expect(recordFlow(flow, "orders", { level: 30, msg: "event published", eventId: "e1", eventType: "order.created" }, 1_000)).toBe(true);
    expect(recordFlow(flow, "ledger", { level: "info", msg: "event handled", fields: { eventId: "e1", eventType: "order.created" } }, 1_100)).toBe(true);
    expect(recordFlow(flow, "stock", { level: 30, msg: "event processed", eventId: "e1", eventType: "order.created" }, 1_200)).toBe(true);
    recordFlow(flow, "stock", { level: 50, msg: "event handler failed on its last attempt (dead-lettered)", eventId: "e2", eventType: "order.created" }, 1_300);
    expect(recordFlow(flow, "orders", { level: 30, msg: "request completed" }, 1_400)).toBe(false);
    const list = flowList(flow, 2_000);
    expect(list.map((e) => e.eventId)).toEqual(["e2", "e1"]);
    expect(list[1]).toMatchObject({ publishedBy: "orders", consumedBy: [{ context: "ledger" }, { context: "stock" }], deadLettered: [] });
    expect(list[0]!.deadLettered[0]!.context).toBe("stock");
    expect(flowList(flow, 70_000)).toEqual([]);
  });
});

describe("the development JWT", () => {
  it("is HS256 over the gateway's issuer and audience, signed with its secret", () => {
    const token = devJwt({ issuer: "sys", audience: "sys-api", secret: "s3cret" }, 1_000, 60);
    const [head, body, sig] = token.split(".");
    expect(JSON.parse(Buffer.from(head!, "base64url").toString())).toEqual({ alg: "HS256", typ: "JWT" });
    expect(JSON.parse(Buffer.from(body!, "base64url").toString())).toEqual({ sub: "msa-dev", iss: "sys", aud: "sys-api", iat: 1_000, exp: 1_060 });
    expect(sig).toBe(createHmac("sha256", "s3cret").update(`${head}.${body}`).digest("base64url"));
  });
});

describe("msa dev's local checks", () => {
  it("reads .env (quotes, export, comments) and finds the dependencies node cannot resolve", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-dev-unit-"));
    try {
      fs.writeFileSync(path.join(dir, ".env"), `# local\nexport BROKER_URL="amqp://a:b@h:1"\nJWT_SECRET='x y'\nnot a line\n`);
      expect(readDotenv(dir)).toEqual({ BROKER_URL: "amqp://a:b@h:1", JWT_SECRET: "x y" });
      const svc = path.join(dir, "services", "a");
      fs.mkdirSync(path.join(dir, "node_modules", "present"), { recursive: true });
      fs.writeFileSync(path.join(dir, "node_modules", "present", "package.json"), "{}");
      fs.mkdirSync(svc, { recursive: true });
      fs.writeFileSync(path.join(svc, "package.json"), JSON.stringify({ dependencies: { present: "1", absent: "1" }, devDependencies: { "also-absent": "1" } }));
      expect(missingNodeDependencies(svc)).toEqual(["absent", "also-absent"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
