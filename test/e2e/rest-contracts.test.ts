// REST contracts end to end (docs/rest-contracts.md): the built CLI generates a node service from endpoints with
// contracts; a handler written against the generated types compiles under strict TypeScript; the service's own
// contract tests pass; then the running service rejects an invalid body with 400 problem+json naming the JSON
// pointer, accepts a valid one, coerces typed query and path parameters, and (not in production) refuses to send
// a response that breaks its declared schema.
import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildService, freePort, generateSystem, httpGet, httpPost, runServiceTests, startService, writeUserFile, type ServiceProcess } from "./harness.js";

const run = promisify(execFile);

const suffix = (process.env.MSA_E2E_SUFFIX ?? "").replace(/[^a-z0-9-]/gi, "").toLowerCase();
const SYSTEM_NAME = `rest-contracts${suffix}`;

const SYSTEM = `
version: 1
name: ${SYSTEM_NAME}
broker: { kind: memory }
gateway:
  kind: node
  auth: jwt
  routes:
    - { path: /api/v1/orders, context: orders, methods: [GET, POST] }
contexts:
  orders:
    port: 4300
    api:
      - GET /ping
      - route: POST /orders
        request: { $ref: schemas/api/create-order.json }
        responses:
          201: { $ref: schemas/api/order.json }
          409: { type: object, required: [error], properties: { error: { type: string } } }
        idempotent: false
      - route: GET /orders/{id}
        params: { id: { type: integer, minimum: 1 } }
        query:
          type: object
          properties:
            expand: { type: boolean }
            fields: { type: array, items: { type: string } }
        responses:
          200: { $ref: schemas/api/order.json }
  billing:
    port: 4301
    api: ["POST /invoices"]
    calls:
      orders: { timeout: 1s }
`;

// A caller written against the typed client of orders (src/generated/contracts.ts from orders' contract).
const BILLING_HANDLER = `import type { Request, Response } from "express";
import type { OrdersOrder } from "../generated/contracts.js";
import type { HandlerContext } from "../generated/routes.js";

export async function postInvoices(_req: Request, res: Response, ctx: HandlerContext): Promise<void> {
  const created = await ctx.clients.orders.postOrders({ customerId: "c-1", items: [{ sku: "A", quantity: 1 }] });
  const order: OrdersOrder | { error: string } = created.body;
  const again = await ctx.clients.orders.getOrdersById({ id: 7 }, { query: { expand: true, fields: ["id", "note"] } });
  res.status(201).json({ order, again: again.body.id, note: again.body.note });
}
`;

const CREATE_ORDER = JSON.stringify({
  type: "object",
  additionalProperties: false,
  required: ["customerId", "items"],
  properties: {
    customerId: { type: "string", minLength: 1 },
    items: {
      type: "array",
      minItems: 1,
      items: { type: "object", additionalProperties: false, required: ["sku", "quantity"], properties: { sku: { type: "string" }, quantity: { type: "integer", minimum: 1 } } },
    },
  },
});
const ORDER = JSON.stringify({
  type: "object",
  required: ["id", "customerId", "items"],
  properties: {
    id: { type: "integer" },
    customerId: { type: "string" },
    items: { type: "array", items: { type: "object", required: ["sku", "quantity"], properties: { sku: { type: "string" }, quantity: { type: "integer" } } } },
    note: { type: "string" },
  },
});

// Written as a user would: only the generated types, no casts. Strict TS must accept it, and reject misuse (below).
const POST_HANDLER = `import type { PostOrdersRequest, PostOrdersResponse } from "../generated/api.js";
import type { HandlerContext } from "../generated/routes.js";

export async function postOrders(req: PostOrdersRequest, res: PostOrdersResponse, ctx: HandlerContext): Promise<void> {
  const quantity: number = req.body.items.reduce((n, item) => n + item.quantity, 0);
  if (req.body.customerId === "taken") {
    res.status(409).json({ error: "customer has an open order" });
    return;
  }
  ctx.log.info({ quantity }, "order created");
  // "bad-response": a handler bug the contract check must catch (id must be an integer)
  if (req.body.customerId === "bad-response") {
    res.status(201).json({ id: 1, customerId: req.body.customerId, items: req.body.items, note: 5 as unknown as string });
    return;
  }
  res.status(201).json({ id: 42, customerId: req.body.customerId, items: req.body.items, note: \`\${quantity} items\` });
}
`;

const GET_HANDLER = `import type { GetOrdersByIdRequest, GetOrdersByIdResponse } from "../generated/api.js";
import type { HandlerContext } from "../generated/routes.js";

export async function getOrdersById(req: GetOrdersByIdRequest, res: GetOrdersByIdResponse, _ctx: HandlerContext): Promise<void> {
  const id: number = req.params.id; // coerced by the contract: a number, not a string
  const expand: boolean | undefined = req.query.expand;
  const fields: string[] | undefined = req.query.fields;
  res.status(200).json({ id, customerId: "c-1", items: [], note: JSON.stringify({ idType: typeof id, expand: expand ?? null, fields: fields ?? null }) });
}
`;

let dir = "";
let svc: ServiceProcess | undefined;

beforeAll(async () => {
  const sys = await generateSystem(SYSTEM, SYSTEM_NAME, { "schemas/api/create-order.json": CREATE_ORDER, "schemas/api/order.json": ORDER });
  dir = path.join(sys.dir, "services", "orders");
  expect(sys.files).toEqual(expect.arrayContaining(["services/orders/openapi.yaml", "services/orders/schemas/api.json", "services/orders/src/generated/validation.ts", "services/orders/src/generated/api.ts"]));
}, 600_000);

let billing: ServiceProcess | undefined;
let gateway: ServiceProcess | undefined;
afterAll(async () => {
  await gateway?.stop();
  await billing?.stop();
  await svc?.stop();
});

describe("REST contracts: a generated node service", () => {
  it("its generated stubs typecheck under strict TS and its own contract tests pass", async () => {
    await buildService(dir, { emit: false });
    const out = await runServiceTests(dir);
    expect(out).toMatch(/Tests\s+\d+ passed/);
    expect(out).not.toMatch(/failed|skipped/);
    expect(fs.readFileSync(path.join(dir, "test", "contract.test.ts"), "utf8")).toContain('pointer: "/customerId"');
  }, 600_000);

  it("a handler written against the generated types compiles; misuse of them does not", async () => {
    writeUserFile(dir, "src/handlers/postOrders.ts", POST_HANDLER.replace("req.body.items.reduce", "req.body.itemz.reduce"));
    await expect(buildService(dir, { emit: false })).rejects.toThrow(/itemz/);
    writeUserFile(dir, "src/handlers/postOrders.ts", POST_HANDLER.replace('res.status(409).json({ error: "customer has an open order" })', "res.status(409).json({ error: 409 })"));
    await expect(buildService(dir, { emit: false })).rejects.toThrow(/error/);
    writeUserFile(dir, "src/handlers/postOrders.ts", POST_HANDLER);
    writeUserFile(dir, "src/handlers/getOrdersById.ts", GET_HANDLER);
    await buildService(dir); // strict typecheck of sources and tests, then the build
  }, 600_000);

  it("a caller's client is typed from the callee's contract: right use compiles, a wrong body or parameter does not", async () => {
    const billing = path.join(path.dirname(dir), "billing");
    expect(fs.readFileSync(path.join(billing, "src", "generated", "clients.ts"), "utf8")).toContain("postOrders(body: Contracts.OrdersPostOrdersBody, options?: RequestOptions)");
    writeUserFile(billing, "src/handlers/postInvoices.ts", BILLING_HANDLER);
    await buildService(billing, { emit: false });
    writeUserFile(billing, "src/handlers/postInvoices.ts", BILLING_HANDLER.replace('customerId: "c-1"', "customerId: 1"));
    await expect(buildService(billing, { emit: false })).rejects.toThrow(/postInvoices\.ts\(6,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
    writeUserFile(billing, "src/handlers/postInvoices.ts", BILLING_HANDLER.replace("getOrdersById({ id: 7 },", 'getOrdersById({ id: "7" },'));
    await expect(buildService(billing, { emit: false })).rejects.toThrow(/postInvoices\.ts\(8,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
    // the callee's query is typed too: a string where the contract says boolean does not compile
    writeUserFile(billing, "src/handlers/postInvoices.ts", BILLING_HANDLER.replace("expand: true", 'expand: "yes"'));
    await expect(buildService(billing, { emit: false })).rejects.toThrow(/postInvoices\.ts\(8,\d+\): error TS2322: Type 'string' is not assignable to type 'boolean \| undefined'/);
  }, 600_000);

  it("running: 400 problem+json with the pointers, valid requests reach the handler with coerced parameters", async () => {
    svc = await startService(dir, { name: "orders", env: { SERVICE_NAME: "orders", NODE_ENV: "development" } });

    const missing = await httpPost(`${svc.url}/orders`, { items: [{ sku: "A", quantity: 0, colour: "red" }] });
    expect(missing.status).toBe(400);
    expect(missing.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const problem = missing.body as { status: number; errors: { in: string; pointer: string; message: string }[] };
    expect(problem.status).toBe(400);
    expect(problem.errors.map((e) => `${e.in} ${e.pointer}`).sort()).toEqual(["body /customerId", "body /items/0/colour", "body /items/0/quantity"]);

    const created = await httpPost(`${svc.url}/orders`, { customerId: "c-1", items: [{ sku: "A", quantity: 2 }, { sku: "B", quantity: 3 }] });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: 42, customerId: "c-1", items: [{ sku: "A", quantity: 2 }, { sku: "B", quantity: 3 }], note: "5 items" });
    expect((await httpPost(`${svc.url}/orders`, { customerId: "taken", items: [{ sku: "A", quantity: 1 }] })).status).toBe(409);

    const badId = await httpGet(`${svc.url}/orders/zero`);
    expect(badId.status).toBe(400);
    expect((badId.body as { errors: unknown[] }).errors).toEqual([expect.objectContaining({ in: "path", pointer: "/id" })]);
    const badQuery = await httpGet(`${svc.url}/orders/7?expand=perhaps`);
    expect(badQuery.status).toBe(400);
    expect((badQuery.body as { errors: unknown[] }).errors).toEqual([expect.objectContaining({ in: "query", pointer: "/expand" })]);

    const got = await httpGet(`${svc.url}/orders/7?expand=true&fields=id`);
    expect(got.status).toBe(200);
    const order = got.body as { id: unknown; note: string };
    expect(order.id).toBe(7);
    expect(JSON.parse(order.note)).toEqual({ idType: "number", expand: true, fields: ["id"] });

    // a short-form endpoint has no contract: nothing is validated, the stub answers
    expect((await httpGet(`${svc.url}/ping`)).status).toBe(501);
  }, 120_000);

  it("the typed client of a caller sends the callee's query (arrays repeated, booleans) and the callee reads it typed", async () => {
    const billingDir = path.join(path.dirname(dir), "billing");
    writeUserFile(billingDir, "src/handlers/postInvoices.ts", BILLING_HANDLER);
    await buildService(billingDir);
    billing = await startService(billingDir, { name: "billing", env: { SERVICE_NAME: "billing", ORDERS_URL: svc!.url } });
    const res = await httpPost(`${billing.url}/invoices`, {});
    expect(res.status).toBe(201);
    const body = res.body as { again: number; note: string };
    expect(body.again).toBe(7);
    expect(JSON.parse(body.note)).toEqual({ idType: "number", expand: true, fields: ["id", "note"] });
  }, 300_000);

  it("a response that breaks its schema is a 500 outside production, logged with the pointer", async () => {
    const res = await httpPost(`${svc!.url}/orders`, { customerId: "bad-response", items: [{ sku: "A", quantity: 1 }] });
    expect(res.status).toBe(500);
    expect(res.body).toMatchObject({ title: "Response breaks the contract", detail: expect.stringContaining("/note") });
    await svc!.waitForLog((l) => l.msg === "response breaks the contract", 5_000, "the contract log line");
  }, 60_000);
});

// The TypeScript client package of the gateway's API (clients/ts/): compiled under strict tsc, then called through
// the generated node gateway (installed and built as its Docker build does) in front of the running orders service.
const JWT_SECRET = "rest-contracts-e2e-secret-0123456789abcdef";
function signJwt(): string {
  const b64 = (x: string): string => Buffer.from(x).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64(JSON.stringify({ sub: "e2e", iss: SYSTEM_NAME, iat: now, exp: now + 300 }))}`;
  return `${unsigned}.${createHmac("sha256", JWT_SECRET).update(unsigned).digest("base64url")}`;
}
interface GatewayClient {
  createClient(o: { baseUrl: string; token?: string }): {
    ordersPostOrders(body: unknown): Promise<{ status: number; body: unknown }>;
    ordersGetOrdersById(params: { id: number }, o?: { query?: Record<string, unknown> }): Promise<{ status: number; body: { id: number; note: string } }>;
  };
  ApiError: abstract new (...args: never[]) => Error;
}

describe("REST contracts: the TypeScript client of the gateway's API", () => {
  it("compiles under strict tsc and reaches the service through a started node gateway: typed results, ApiError with the pointers, 401 without a token", async () => {
    const root = path.dirname(path.dirname(dir));
    const gatewayDir = path.join(root, "gateway");
    // installed as its Docker build does, the gateway folder alone: the generated root package.json would make npm
    // install the whole workspace, msa-cli included, which is not on the registry until it is published
    fs.rmSync(path.join(root, "package.json"), { force: true });
    await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline"], { cwd: gatewayDir, timeout: 300_000 });
    const tsc = path.join(gatewayDir, "node_modules", "typescript", "bin", "tsc");
    await run(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: gatewayDir, timeout: 180_000 });
    gateway = await startService(gatewayDir, {
      name: "gateway",
      env: { ROUTE_ORDERS_URL: svc!.url, JWT_SECRET, JWT_ISSUER: SYSTEM_NAME, METRICS_PORT: String(await freePort()), SHUTDOWN_DELAY_MS: "0" },
    });

    const clientDir = path.join(root, "clients", "ts");
    fs.symlinkSync(path.join(gatewayDir, "node_modules"), path.join(clientDir, "node_modules"), "dir");
    await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: clientDir, timeout: 180_000 }).catch((e: { stdout?: string }) => {
      throw new Error(`clients/ts does not compile under strict tsc:\n${e.stdout ?? ""}`);
    });
    const client = (await import(pathToFileURL(path.join(clientDir, "dist", "index.js")).href)) as GatewayClient;
    const api = client.createClient({ baseUrl: gateway.url, token: signJwt() });

    const created = await api.ordersPostOrders({ customerId: "c-9", items: [{ sku: "A", quantity: 1 }] });
    expect(created).toMatchObject({ status: 201, body: { id: 42, customerId: "c-9" } });
    const got = await api.ordersGetOrdersById({ id: 7 }, { query: { expand: false, fields: ["a b", "c&d"] } });
    expect(got.body.id).toBe(7);
    expect(JSON.parse(got.body.note)).toEqual({ idType: "number", expand: false, fields: ["a b", "c&d"] });

    const invalid = await api.ordersPostOrders({ items: [] }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(client.ApiError);
    expect(invalid).toMatchObject({ status: 400, problem: { status: 400 } });
    expect((invalid as unknown as { problem: { errors: { pointer: string }[] } }).problem.errors.map((e) => e.pointer)).toContain("/customerId");
    const anonymous = await client.createClient({ baseUrl: gateway.url }).ordersGetOrdersById({ id: 7 }).catch((e: unknown) => e);
    expect(anonymous).toMatchObject({ status: 401 });
  }, 600_000);
});

// python-flask: the same contract (schemas/api.json), validated with jsonschema (app/validation.py)
const PY_SYSTEM = `
version: 1
name: rest-py${suffix}
broker: { kind: memory }
contexts:
  catalog:
    runtime: python-flask
    port: 5000
    api:
      - GET /ping
      - route: POST /products
        request: { $ref: schemas/api/product.json }
        responses:
          201: { $ref: schemas/api/product.json }
      - route: GET /products/{id}
        params: { id: { type: integer, minimum: 1 } }
        query: { type: object, properties: { expand: { type: boolean }, tag: { type: array, items: { type: string } } } }
        responses:
          200: { type: object, required: [id], properties: { id: { type: integer } } }
`;
const PRODUCT = JSON.stringify({ type: "object", additionalProperties: false, required: ["name", "price"], properties: { name: { type: "string" }, price: { type: "number", minimum: 0 } } });
const PY_HANDLERS = `from flask import g, jsonify

from app.api import GetProductsByIdQuery
from app.http import not_implemented


def get_ping():
    return not_implemented("getPing")


def post_products():  # written before the typed stubs: reads flask.g, still served
    if g.body["name"] == "bad":
        return jsonify({"name": "bad", "price": "free"}), 201
    return jsonify(g.body), 201


def get_products_by_id(id: int, query: GetProductsByIdQuery):  # typed from app/api.py: body/query as arguments
    return jsonify({"id": id, "expand": query.get("expand"), "tag": query.get("tag")}), 200
`;
const PY_PROBE = `import json
from app import create_app
from app.config import Config
c = create_app(Config.from_env({"BROKER_URL": "memory://", "LOG_LEVEL": "critical"})).test_client()
def call(method, url, **kw):
    r = c.open(url, method=method, **kw)
    return {"status": r.status_code, "type": r.mimetype, "body": json.loads(r.get_data() or b"null")}
import app.api as api
print(json.dumps({"types": {n: sorted(getattr(api, n).__required_keys__) for n in ("Product", "GetProductsByIdParams", "GetProductsByIdQuery")},
                  "optional": sorted(api.GetProductsByIdQuery.__optional_keys__)}))
print(json.dumps([
    call("POST", "/products", json={"price": -1, "extra": 1}),
    call("POST", "/products", json={"name": "a", "price": 2}),
    call("POST", "/products", json={"name": "bad", "price": 2}),
    call("GET", "/products/7?expand=true&tag=a&tag=b"),
    call("GET", "/products/abc?expand=maybe"),
]))
`;

describe("REST contracts: a generated python-flask service", () => {
  it("its own tests pass; it answers 400 problem+json with the pointers, coerces parameters, and checks responses outside production", async () => {
    const { findPython, run } = await import("./flask-support.js");
    const { python, missing } = await findPython(["flask", "jsonschema", "pytest", "prometheus_client"]);
    if (!python) throw new Error(`missing ${missing}`);
    const sys = await generateSystem(PY_SYSTEM, `rest-py${suffix}`, { "schemas/api/product.json": PRODUCT });
    const svc = path.join(sys.dir, "services", "catalog");
    expect(fs.existsSync(path.join(svc, "app", "validation.py"))).toBe(true);
    const tests = await run(python, ["-m", "pytest", "-q", "-p", "no:cacheprovider"], { cwd: svc, timeout: 120_000 });
    // run rejects on a non-zero exit (a failing test); the generated tests include tests/test_contract.py
    expect(tests.stdout).toMatch(/^\.{10,}/m);
    expect(tests.stdout).not.toMatch(/[FE]/);
    const stub = fs.readFileSync(path.join(svc, "app", "handlers.py"), "utf8");
    fs.writeFileSync(path.join(svc, "app", "handlers.py"), PY_HANDLERS);
    const { stdout } = await run(python, ["-c", PY_PROBE], { cwd: svc, timeout: 60_000, env: { ...process.env, APP_ENV: "development" } });
    const lines = stdout.trim().split("\n");
    // app/api.py imports in the service's interpreter and its TypedDicts have the schemas' keys
    expect(JSON.parse(lines[lines.length - 2]!)).toEqual({ types: { Product: ["name", "price"], GetProductsByIdParams: ["id"], GetProductsByIdQuery: [] }, optional: ["expand", "tag"] });
    expect(stub).toContain("def get_products_by_id(id: int, query: GetProductsByIdQuery):");
    expect(stub).toContain("def post_products(body: PostProductsBody):");
    const [invalid, created, badResponse, got, badParams] = JSON.parse(lines.pop()!) as { status: number; type: string; body: any }[];
    expect(invalid).toMatchObject({ status: 400, type: "application/problem+json" });
    expect(invalid!.body.errors.map((e: { in: string; pointer: string }) => `${e.in} ${e.pointer}`)).toEqual(["body /extra", "body /name", "body /price"]);
    expect(created).toEqual({ status: 201, type: "application/json", body: { name: "a", price: 2 } });
    expect(badResponse).toMatchObject({ status: 500, body: { title: "Response breaks the contract", detail: expect.stringContaining("/price") } });
    expect(got).toEqual({ status: 200, type: "application/json", body: { id: 7, expand: true, tag: ["a", "b"] } });
    expect(badParams!.status).toBe(400);
    expect(badParams!.body.errors.map((e: { in: string; pointer: string }) => `${e.in} ${e.pointer}`)).toEqual(["path /id", "query /expand"]);
  }, 300_000);
});
