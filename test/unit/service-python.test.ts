import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadSystemAt } from "../../src/io/system.js";
import type { SystemModel } from "../../src/core/model.js";
import { planPythonServices, pythonName, pythonServiceView } from "../../src/core/plan/service-python.js";
import { createRenderer } from "../../src/core/render.js";
import { PRESTOP_DELAY_SECONDS, TERMINATION_GRACE_SECONDS } from "../../src/core/plan/k8s-view.js";
import { loadTemplates } from "../../src/io/templates.js";

const render = createRenderer(loadTemplates());
const root = path.resolve(import.meta.dirname, "../..");

function modelOf(yaml: string): SystemModel {
  const res = loadSystemAt(path.join(root, "test/fixtures/service-python/system.yaml"), "system.yaml", yaml);
  if (!res.model) throw new Error(JSON.stringify(res.diagnostics.map((d) => d.message)));
  return res.model;
}

const SYSTEM = `
version: 1
name: shop
broker: { kind: rabbitmq }
contexts:
  catalog:
    runtime: python-flask
    port: 5000
    database: mongodb
    api: ["GET /products", "GET /products/{id}", "DELETE /products/{class}"]
    publishes: [product.created]
    consumes: [order.created]
    calls:
      orders: { timeout: 1500ms, retries: 3, circuitBreaker: { errorThresholdPercentage: 40, resetTimeout: 20s } }
  orders:
    port: 3000
    api: ["GET /orders/{id}"]
    publishes: [order.created]
    consumes: [product.created]
events:
  product.created:
    versions:
      1: { type: object, required: [productId], properties: { productId: { type: string } } }
      2: { type: object, required: [productId], properties: { productId: { type: string }, name: { type: string } } }
  order.created:
    schema: { type: object, required: [orderId], properties: { orderId: { type: string } } }
`;

const fileOf = (files: { path: string; content: string }[], p: string): string => {
  const f = files.find((x) => x.path === p);
  if (!f) throw new Error(`${p} not planned; have ${files.map((x) => x.path).join(", ")}`);
  return f.content;
};

describe("planPythonServices", () => {
  it("plans only python-flask contexts, under services/<context>/", () => {
    const files = planPythonServices(modelOf(SYSTEM), render);
    expect(files.length).toBeGreaterThan(10);
    expect(files.every((f) => f.path.startsWith("services/catalog/") && f.context === "catalog")).toBe(true);
    for (const p of ["Dockerfile", ".dockerignore", "README.md", "requirements.txt", "gunicorn.conf.py", "wsgi.py", "app/__init__.py", "tests/test_app.py", "app/clients.py", "tests/test_clients.py"]) {
      expect(files.map((f) => f.path)).toContain(`services/catalog/${p}`);
    }
  });

  it("serves the saga steps of a participant: a generated router and a user-owned module per action, 501 until written", () => {
    const model = modelOf(`
version: 1
name: shop
broker: { kind: memory }
contexts:
  orders: { port: 3000, api: ["GET /orders/{id}"] }
  stock: { runtime: python-flask, port: 5000, database: postgres, api: ["GET /stock/{sku}"] }
sagas:
  place-order:
    orchestrator: orders
    steps:
      - { context: stock, action: reserve, compensation: release }
      - { context: stock, action: confirm }
`);
    const files = planPythonServices(model, render).filter((f) => f.context === "stock");
    const owner = Object.fromEntries(files.filter((f) => f.path.includes("saga")).map((f) => [f.path, f.owner]));
    expect(owner).toEqual({
      "services/stock/app/saga/__init__.py": "generated",
      "services/stock/app/saga/place_order__confirm.py": "user",
      "services/stock/app/saga/place_order__release.py": "user",
      "services/stock/app/saga/place_order__reserve.py": "user",
      "services/stock/app/saga_steps.py": "generated",
    });
    const router = files.find((f) => f.path.endsWith("app/saga_steps.py"))!.content;
    expect(router).toContain('("place-order", "reserve", "place_order__reserve", "action", "release"),');
    expect(router).toContain('("place-order", "release", "place_order__release", "compensation", "reserve"),');
    expect(router).toContain('("place-order", "confirm", "place_order__confirm", "action", None),');
    const stub = files.find((f) => f.path.endsWith("place_order__release.py"))!.content;
    expect(stub).toContain("Idempotency-Key <sagaId>:reserve:compensate");
    expect(stub).toContain("NothingToUndo");
    expect(stub).toContain('raise StepNotImplemented("place-order.release is not implemented yet")');
    expect(files.find((f) => f.path.endsWith("app/__init__.py"))!.content).toContain("register_saga_steps(app)");
    // a context that serves no step gets none of it
    const plain = planPythonServices(modelOf(SYSTEM), render);
    expect(plain.some((f) => f.path.includes("saga"))).toBe(false);
    expect(plain.find((f) => f.path.endsWith("catalog/app/__init__.py"))!.content).not.toContain("saga");
  });

  it("orchestrates sagas: app/sagas.py with the steps in order, each step context's policy (declared, else the defaults) and its URL", () => {
    const model = modelOf(`
version: 1
name: shop
broker: { kind: memory }
contexts:
  orders:
    runtime: python-flask
    port: 5000
    database: postgres
    api: ["GET /orders/{id}"]
    calls:
      payments: { timeout: 400ms, retries: 1, bulkhead: { maxConcurrent: 4, maxQueue: 8 } }
  payments: { port: 3001, api: ["GET /payments/{id}"] }
  stock: { runtime: python-flask, port: 5001, api: ["GET /stock/{sku}"] }
sagas:
  place-order:
    orchestrator: orders
    steps:
      - { context: stock, action: reserve, compensation: release }
      - { context: payments, action: charge, compensation: refund }
      - { context: stock, action: confirm }
`);
    const orders = model.contexts.find((c) => c.name === "orders")!;
    const view = pythonServiceView(model, orders);
    expect(view.sagas).toEqual([
      {
        name: "place-order",
        steps: [
          { context: "stock", action: "reserve", compensation: "release" },
          { context: "payments", action: "charge", compensation: "refund" },
          { context: "stock", action: "confirm", compensation: null },
        ],
      },
    ]);
    expect(view.sagaTargets).toEqual([
      { target: "payments", envVar: "PAYMENTS_URL", defaultUrl: "http://payments:3001", timeoutSeconds: 0.4, retries: 1, errorThresholdPercentage: 50, resetTimeoutSeconds: 30, bulkhead: { maxConcurrent: 4, maxQueue: 8 }, declared: true },
      { target: "stock", envVar: "STOCK_URL", defaultUrl: "http://stock:5001", timeoutSeconds: 5, retries: 2, errorThresholdPercentage: 50, resetTimeoutSeconds: 30, bulkhead: null, declared: false },
    ]);
    const files = planPythonServices(model, render).filter((f) => f.context === "orders");
    const byPath = new Map(files.map((f) => [f.path.replace("services/orders/", ""), f]));
    for (const p of ["app/sagas.py", "app/clients.py", "tests/test_sagas.py"]) expect(byPath.get(p)?.owner, p).toBe("generated");
    const sagas = byPath.get("app/sagas.py")!.content;
    expect(sagas).toContain('    "place-order": [\n        ("stock", "reserve", "release"),\n        ("payments", "charge", "refund"),\n        ("stock", "confirm", None),\n    ],');
    expect(sagas).toContain("FOR UPDATE SKIP LOCKED");
    expect(sagas).toContain("ON CONFLICT (saga_id) DO UPDATE");
    expect(byPath.get("app/config.py")!.content).toContain('"stock": {"env": "STOCK_URL", "default": "http://stock:5001", "timeout": 5, "retries": 2,');
    expect(byPath.get("app/db.py")!.content).toContain("CREATE TABLE IF NOT EXISTS msa_sagas");
    expect(byPath.get("app/__init__.py")!.content).toContain("register_sagas(app)");
    expect(byPath.get("gunicorn.conf.py")!.content).toContain("start_sagas(config)");
    // the participants and a context without sagas get none of it
    const stock = planPythonServices(model, render).filter((f) => f.context === "stock");
    expect(stock.some((f) => f.path.endsWith("app/sagas.py") || f.path.endsWith("app/clients.py"))).toBe(false);
    expect(stock.find((f) => f.path.endsWith("app/db.py"))!.content).not.toContain("msa_sagas");
    const plain = planPythonServices(modelOf(SYSTEM), render);
    expect(plain.find((f) => f.path.endsWith("gunicorn.conf.py"))!.content).not.toContain("sagas");
  });

  it("a mysql orchestrator keeps msa_sagas in mysql: fenced UPDATE on a version, claims with SELECT … FOR UPDATE SKIP LOCKED", () => {
    const model = modelOf(`
version: 1
name: shop
broker: { kind: memory }
contexts:
  billing: { runtime: python-flask, port: 5000, database: mysql, api: ["GET /invoices/{id}"] }
  payments: { port: 3001, api: ["GET /payments/{id}"] }
sagas:
  topup:
    orchestrator: billing
    steps:
      - { context: payments, action: charge, compensation: refund }
`);
    const files = planPythonServices(model, render).filter((f) => f.context === "billing");
    const sagas = files.find((f) => f.path.endsWith("app/sagas.py"))!.content;
    expect(sagas).toContain("version = version + 1");
    expect(sagas).toContain("LIMIT %s FOR UPDATE SKIP LOCKED");
    expect(sagas).not.toContain("ON CONFLICT");
    expect(files.find((f) => f.path.endsWith("app/db.py"))!.content).toContain("version     BIGINT       NOT NULL DEFAULT 0");
  });

  it("writes the handlers once (user-owned) and everything else as generated", () => {
    const files = planPythonServices(modelOf(SYSTEM), render);
    const user = files.filter((f) => f.owner === "user").map((f) => f.path);
    expect(user).toEqual(["services/catalog/app/event_handlers.py", "services/catalog/app/handlers.py"]);
  });

  it("binds every api line to a handler, with Flask path parameters", () => {
    const files = planPythonServices(modelOf(SYSTEM), render);
    const routes = fileOf(files, "services/catalog/app/routes.py");
    expect(routes).toContain('("GET", "/products/<id>", "getProductsById", "get_products_by_id")');
    expect(routes).toContain('("DELETE", "/products/<class_>", "deleteProductsByClass", "delete_products_by_class")');
    const handlers = fileOf(files, "services/catalog/app/handlers.py");
    expect(handlers).toContain("def get_products_by_id(id):");
    expect(handlers).toContain("def delete_products_by_class(class_):");
    expect(handlers).toContain('return not_implemented("getProducts")');
  });

  it("tests the 501 stubs only where there are some: no test skipped for an empty parameter set", () => {
    const stubs = (yaml: string) => fileOf(planPythonServices(modelOf(yaml), render), "services/catalog/tests/test_app.py");
    expect(stubs(SYSTEM)).toContain("def test_api_stub_answers_501(");
    // no api at all: pytest would report the parametrized test as skipped ("got empty parameter set")
    const none = stubs(SYSTEM.replace('    api: ["GET /products", "GET /products/{id}", "DELETE /products/{class}"]\n', ""));
    expect(none).not.toContain("test_api_stub_answers_501");
    expect(none).not.toMatch(/^from app\.routes import API$/m);
  });

  it("pins requirements for the database, broker and events it uses", () => {
    const req = fileOf(planPythonServices(modelOf(SYSTEM), render), "services/catalog/requirements.txt");
    const lines = req.split("\n").filter((l) => l && !l.startsWith("#"));
    expect(lines.every((l) => /^[A-Za-z0-9_.-]+==\d+(\.\d+)+$/.test(l))).toBe(true);
    expect(lines.map((l) => l.split("==")[0])).toEqual([
      "Flask",
      "gunicorn",
      "jsonschema",
      "opentelemetry-api",
      "opentelemetry-exporter-otlp-proto-http",
      "opentelemetry-sdk",
      "pika",
      "prometheus-client",
      "pymongo",
    ]);
    const noDb = fileOf(planPythonServices(modelOf(SYSTEM.replace("database: mongodb", "database: none").replace("kind: rabbitmq", "kind: memory")), render), "services/catalog/requirements.txt");
    expect(noDb).not.toMatch(/pymongo|pika/);
  });

  it("writes every version of each published or consumed event's schema", () => {
    const files = planPythonServices(modelOf(SYSTEM), render);
    const schemas = files.filter((f) => f.path.includes("/schemas/events/")).map((f) => f.path.split("/").pop());
    expect(schemas).toEqual(["order.created.v1.json", "product.created.v1.json", "product.created.v2.json"]);
    expect(JSON.parse(fileOf(files, "services/catalog/schemas/events/product.created.v2.json"))).toMatchObject({ required: ["productId"] });
    expect(fileOf(files, "services/catalog/app/events.py")).toContain('"product.created": 2,');
  });

  it("uses the shared broker topology and env names", () => {
    const files = planPythonServices(modelOf(SYSTEM), render);
    const events = fileOf(files, "services/catalog/app/events.py");
    expect(events).toContain('EXCHANGE = f"{SYSTEM}.events"');
    expect(events).toContain('"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,');
    expect(events).toContain('"x-dead-letter-routing-key": CONTEXT}');
    const config = fileOf(files, "services/catalog/app/config.py");
    expect(config).toContain('SYSTEM = "shop"');
    expect(config).toMatch(/"orders": \{"env": "ORDERS_URL", "default": "http:\/\/orders:3000", "timeout": 1\.5, "retries": 3,/);
    expect(config).toContain('"error_threshold_percentage": 40, "reset_timeout": 20 }');
  });

  it("builds a multi-stage, non-root Dockerfile with a health check under gunicorn", () => {
    const docker = fileOf(planPythonServices(modelOf(SYSTEM), render), "services/catalog/Dockerfile");
    expect(docker.match(/^FROM python:3\.12\.\d+-slim/gm)?.length).toBe(2);
    expect(docker).toMatch(/^USER 10001/m);
    expect(docker).toMatch(/^HEALTHCHECK /m);
    expect(docker).toContain('CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]');
    expect(docker).toContain("COPY --chown=10001:10001 schemas ./schemas");
    const noEvents = SYSTEM.replace(/publishes: \[product.created\]\n    consumes: \[order.created\]/, "");
    expect(fileOf(planPythonServices(modelOf(noEvents), render), "services/catalog/Dockerfile")).not.toContain("schemas");
  });

  it("adds the NATS JetStream adapter for nats, on the shared stream and durable names", () => {
    const files = planPythonServices(modelOf(SYSTEM.replace("kind: rabbitmq", "kind: nats")), render);
    const client = fileOf(files, "services/catalog/app/nats_client.py");
    expect(client).toContain('STREAM = "SHOP_EVENTS"');
    expect(client).toContain('SUBJECT_PREFIX = f"{SYSTEM}.events."');
    expect(client).toContain("DURABLE = CONTEXT");
    expect(fileOf(files, "services/catalog/app/events.py")).toContain("from app.nats_client import NatsBroker");
    expect(fileOf(files, "services/catalog/requirements.txt")).not.toMatch(/pika|nats/i);
    expect(planPythonServices(modelOf(SYSTEM), render).map((f) => f.path)).not.toContain("services/catalog/app/nats_client.py");
  });

  it("says in the README when the broker has no Python adapter (kafka)", () => {
    const readme = fileOf(planPythonServices(modelOf(SYSTEM.replace("kind: rabbitmq", "kind: kafka")), render), "services/catalog/README.md");
    expect(readme).toContain("The kafka broker has no Python");
    expect(pythonServiceView(modelOf(SYSTEM), modelOf(SYSTEM).contexts[0]!).brokerSupported).toBe(true);
  });

  it("has an inbox in the context's own database engine and an outbox for the SQL engines and mongodb", () => {
    const db = (yaml: string): string => fileOf(planPythonServices(modelOf(yaml), render), "services/catalog/app/db.py");
    expect(db(SYSTEM)).toContain('self.inbox = self.db["msa_inbox"]');
    // mongodb: the outbox in the session's transaction, the relay's atomic lease, its tests against a stand-in
    expect(db(SYSTEM)).toContain('self.outbox = self.db["msa_outbox"]');
    expect(db(SYSTEM)).toContain("with session.start_transaction():");
    expect(db(SYSTEM)).toContain("self.outbox.find_one_and_update(");
    expect(planPythonServices(modelOf(SYSTEM), render).map((f) => f.path)).toContain("services/catalog/tests/test_outbox_mongo.py");
    expect(planPythonServices(modelOf(SYSTEM.replace("database: mongodb", "database: postgres")), render).map((f) => f.path)).not.toContain("services/catalog/tests/test_outbox_mongo.py");
    expect(db(SYSTEM.replace("database: mongodb", "database: redis"))).not.toContain("msa_outbox");
    const pg = db(SYSTEM.replace("database: mongodb", "database: postgres"));
    expect(pg).toContain("ON CONFLICT (event_id) DO NOTHING");
    expect(pg).toContain("FOR UPDATE SKIP LOCKED");
    expect(pg).toContain("def transaction():");
    expect(db(SYSTEM.replace("database: mongodb", "database: mysql"))).toContain("INSERT IGNORE INTO msa_inbox");
    expect(db(SYSTEM.replace("database: mongodb", "database: redis"))).toContain('key = f"msa:inbox:{event_id}"');
    const none = db(SYSTEM.replace("database: mongodb", "database: none"));
    expect(none).toMatch(/def database_from_config\(config\):\n.*\n    return MemoryInbox\(\)/);
    for (const src of [pg, none]) expect(src).not.toContain("msa_processed_events");
  });

  it("honours Idempotency-Key in the context's own database engine", () => {
    const idem = (yaml: string): string => fileOf(planPythonServices(modelOf(yaml), render), "services/catalog/app/idempotency.py");
    expect(idem(SYSTEM)).toContain("return MongoStore(config.database_url) if config.database_url else MemoryStore()");
    const pg = idem(SYSTEM.replace("database: mongodb", "database: postgres"));
    expect(pg).toContain("CREATE TABLE IF NOT EXISTS msa_idempotency");
    // postgres/mysql: the claim is a non-waiting lock inside the request's transaction, the answer an upsert in it
    expect(pg).toContain('TRY_LOCK = "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))"');
    expect(pg).toContain("ON CONFLICT (idempotency_key, route) DO UPDATE");
    expect(pg).toContain("db.begin_request()");
    const my = idem(SYSTEM.replace("database: mongodb", "database: mysql"));
    expect(my).toContain('TRY_LOCK = "SELECT GET_LOCK(%s, 0)"');
    expect(my).toContain('UNLOCK = "DO RELEASE_LOCK(%s)"');
    expect(my).toContain("ON DUPLICATE KEY UPDATE");
    // app.db joins a handler's transaction() to the request's (a savepoint)
    const db = fileOf(planPythonServices(modelOf(SYSTEM.replace("database: mongodb", "database: postgres")), render), "services/catalog/app/db.py");
    expect(db).toContain('cur.execute(f"SAVEPOINT {name}")');
    expect(db).toContain("def begin_request(self):");
    expect(idem(SYSTEM.replace("database: mongodb", "database: redis"))).toContain('return f"msa:idempotency:{route}:{key}"');
    expect(idem(SYSTEM.replace("database: mongodb", "database: none"))).toMatch(/def store_for\(config\):\n.*\n    del config\n    return MemoryStore\(\)/);
    const init = fileOf(planPythonServices(modelOf(SYSTEM), render), "services/catalog/app/__init__.py");
    expect(init).toContain("install_idempotency(app, idempotency_store_for(config))");
  });

  it("renders broker.retry as the defaults of EVENT_RETRY_* and fails fast in production", () => {
    const files = planPythonServices(modelOf(SYSTEM.replace("kind: rabbitmq", "kind: rabbitmq, retry: { attempts: 3, initialDelay: 500ms, maxDelay: 10s }")), render);
    const config = fileOf(files, "services/catalog/app/config.py");
    expect(config).toContain('RETRY_ATTEMPTS = int(os.environ.get("EVENT_RETRY_ATTEMPTS") or 3)');
    expect(config).toContain('RETRY_INITIAL_DELAY_MS = int(os.environ.get("EVENT_RETRY_INITIAL_DELAY_MS") or 500)');
    expect(config).toContain('RETRY_MAX_DELAY_MS = int(os.environ.get("EVENT_RETRY_MAX_DELAY_MS") or 10000)');
    expect(config).toContain("BROKER_URL is not set (Secret shop-broker, key url)");
    expect(config).toContain("DATABASE_URL is not set (Secret catalog-database, key url)");
    expect(fileOf(files, "services/catalog/Dockerfile")).toContain("APP_ENV=production");
    expect(fileOf(files, "services/catalog/gunicorn.conf.py")).toContain("sys.exit(1)");
    const events = fileOf(files, "services/catalog/app/events.py");
    expect(events).toContain('"x-queue-type": "quorum"');
    expect(events).toContain('queue = f"{QUEUE}.retry.{outcome.delay_ms}"');
  });

  it("is deterministic", () => {
    expect(planPythonServices(modelOf(SYSTEM), render)).toEqual(planPythonServices(modelOf(SYSTEM), render));
  });

  it("names handlers in snake case", () => {
    expect(pythonName("getOrdersById")).toBe("get_orders_by_id");
    expect(pythonName("postRoot")).toBe("post_root");
  });
});

describe("gunicorn graceful shutdown (issue #14 item 5)", () => {
  it("marks the server draining on SIGTERM, closes keep-alive answers, cancels consumers, and fits the grace period", () => {
    const conf = fileOf(planPythonServices(modelOf(SYSTEM), render), "services/catalog/gunicorn.conf.py");
    expect(conf).toContain('shutdown_delay = int(os.environ.get("SHUTDOWN_DELAY_MS") or 5_000) / 1000');
    expect(conf).toContain('graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or max(1, int(os.environ.get("SHUTDOWN_TIMEOUT_MS") or 10_000) // 1000))');
    expect(conf).toContain("server.handle_term = handle_term");
    expect(conf).toMatch(/def pre_request\(worker, req\):[\s\S]*req\.force_close\(\)/);
    expect(conf).toMatch(/signal\.signal\(signal\.SIGTERM, on_term\)/);
    expect(PRESTOP_DELAY_SECONDS + 5 + 10).toBeLessThan(TERMINATION_GRACE_SECONDS);
  });
});
