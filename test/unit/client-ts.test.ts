// The gateway's TypeScript client package (clients/ts/, docs/rest-contracts.md): what it declares follows the
// gateway's OpenAPI document; it compiles under strict tsc, misuse of its types does not; compiled, it sends what
// the contract says (public path, encoded parameters, query, bearer token, JSON body) and turns a problem+json
// answer into a typed ApiError — here against a recording fetch (the e2e runs it against a started gateway).
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planTsClient, tsClientView } from "../../src/core/plan/client-ts.js";
import { modelFromYaml, renderer, repoRoot } from "../helpers/engine-model.js";

const run = promisify(execFile);
const TSC = path.join(repoRoot, "node_modules", "typescript", "bin", "tsc");

const SYSTEM = `
version: 1
name: shop-api
broker: { kind: memory }
gateway:
  kind: node
  auth: jwt
  routes:
    - { path: /api/v1/orders, context: orders, methods: [GET, POST] }
    - { path: /health-check, context: orders, methods: [GET], auth: none }
contexts:
  orders:
    port: 3000
    api:
      - GET /health-check
      - DELETE /orders/{id}
      - route: POST /orders
        summary: Place an order
        request: { type: object, additionalProperties: false, required: [customerId], properties: { customerId: { type: string }, note: { type: string } } }
        responses:
          201: { type: object, required: [id], properties: { id: { type: integer } } }
          409: { type: object, required: [error], properties: { error: { type: string } } }
      - route: GET /orders/{id}
        params: { id: { type: integer } }
        query: { type: object, required: [fields], properties: { expand: { type: boolean }, fields: { type: array, items: { type: string } } } }
        responses:
          200: { type: object, required: [id], properties: { id: { type: integer }, note: { type: string } } }
`;

const USE = `import { ApiError, createClient, type OrdersPostOrdersResult } from "./index.js";
const api = createClient({ baseUrl: "http://gw", token: () => "t0ken" });
export async function use(): Promise<number> {
  const created: OrdersPostOrdersResult = (await api.ordersPostOrders({ customerId: "c" })).body;
  const got = await api.ordersGetOrdersById({ id: created.id }, { query: { fields: ["id"], expand: true } });
  try {
    await api.ordersGetHealthCheck();
  } catch (e) {
    if (e instanceof ApiError && e.problem) return e.problem.status;
  }
  return got.body.id;
}
`;

/** The compiled package as this test uses it (its own types are checked by tsc above). */
interface ClientModule {
  createClient(o: { baseUrl: string; token?: () => Promise<string>; fetch?: typeof fetch }): {
    ordersGetOrdersById(p: { id: number }, o: { query: Record<string, unknown> }): Promise<unknown>;
    ordersPostOrders(b: { customerId: string }, o: { idempotencyKey: string }): Promise<unknown>;
  };
  ApiError: abstract new (...args: never[]) => Error;
}

let dir = "";
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-client-ts-"));
  for (const f of planTsClient(modelFromYaml(SYSTEM), renderer())) {
    fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    fs.writeFileSync(path.join(dir, f.path), f.content);
  }
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const pkg = (): string => path.join(dir, "clients", "ts");
const tsc = (...args: string[]) => run(process.execPath, [TSC, ...args], { cwd: pkg(), timeout: 120_000 });

describe("TypeScript client of the gateway's API", () => {
  it("has one operation per public endpoint the routes allow, at its public path, typed from the contract", () => {
    const view = tsClientView(modelFromYaml(SYSTEM))!;
    expect(view.packageName).toBe("@shop-api/api-client");
    expect(view.operations.map((o) => `${o.method} ${o.path} ${o.operationId}`).sort()).toEqual([
      "GET /api/v1/orders/{id} ordersGetOrdersById",
      "GET /health-check ordersGetHealthCheck",
      "POST /api/v1/orders ordersPostOrders",
    ]); // DELETE is not among the route's methods
    const get = view.operations.find((o) => o.operationId === "ordersGetOrdersById")!;
    expect(get).toMatchObject({ queryRequired: true, jwt: true, pathTemplate: '/api/v1/orders/${enc(params["id"])}' });
    expect(get.paramsType).toContain("id: number;");
    expect(view.operations.find((o) => o.operationId === "ordersGetHealthCheck")).toMatchObject({ jwt: false, resultType: "unknown" });
    expect(planTsClient(modelFromYaml(SYSTEM.replace(/gateway:[\s\S]*?contexts:/, "contexts:")), renderer())).toEqual([]);
  });

  it("compiles under strict tsc with a user's code; a wrong body, parameter or missing required query does not", async () => {
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(pkg(), "node_modules"), "dir");
    fs.writeFileSync(path.join(pkg(), "src", "use.ts"), USE);
    await tsc("-p", "tsconfig.json"); // emits dist/ (used below)
    const bad = async (from: string, to: string, message: RegExp): Promise<void> => {
      fs.writeFileSync(path.join(pkg(), "src", "use.ts"), USE.replace(from, to));
      const e = (await tsc("-p", "tsconfig.json", "--noEmit").then(() => null, (x: { stdout: string }) => x)) as { stdout: string } | null;
      expect(e, `${to} must not compile`).not.toBeNull();
      expect(e!.stdout).toMatch(message);
    };
    await bad('{ customerId: "c" }', "{ customerId: 1 }", /use\.ts\(4,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/);
    await bad("{ id: created.id }", '{ id: "7" }', /use\.ts\(5,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
    await bad('{ query: { fields: ["id"], expand: true } }', "{ query: { expand: true } }", /use\.ts\(5,\d+\): error TS2741: Property 'fields' is missing/);
    fs.writeFileSync(path.join(pkg(), "src", "use.ts"), USE);
  }, 300_000);

  it("sends the public path, encoded parameters, the query and the token; a problem+json answer is an ApiError", async () => {
    const mod = (await import(pathToFileURL(path.join(pkg(), "dist", "index.js")).href)) as ClientModule;
    const seen: { url: string; method: string; headers: Record<string, string>; body: unknown }[] = [];
    let answer = new Response(JSON.stringify({ id: 7 }), { status: 200, headers: { "content-type": "application/json" } });
    const fetchStub = async (url: string | URL | Request, init?: RequestInit): Promise<Response> => {
      seen.push({ url: String(url), method: init?.method ?? "GET", headers: init?.headers as Record<string, string>, body: init?.body ? JSON.parse(String(init.body)) : undefined });
      return answer;
    };
    const api = mod.createClient({ baseUrl: "http://gw/", token: async () => "t0ken", fetch: fetchStub as typeof fetch });
    const got = await api.ordersGetOrdersById({ id: 7 }, { query: { fields: ["a b", "c&d"], expand: false } });
    expect(got).toMatchObject({ status: 200, body: { id: 7 } });
    expect(seen[0]).toMatchObject({ url: "http://gw/api/v1/orders/7?fields=a+b&fields=c%26d&expand=false", method: "GET", headers: { authorization: "Bearer t0ken" } });
    answer = new Response(JSON.stringify({ type: "about:blank", title: "Bad Request", status: 400, errors: [{ in: "body", pointer: "/customerId", message: "is required" }] }), {
      status: 400,
      headers: { "content-type": "application/problem+json" },
    });
    const err = await api.ordersPostOrders({ customerId: "" }, { idempotencyKey: "k-1" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(mod.ApiError);
    expect(err).toMatchObject({ status: 400, operationId: "ordersPostOrders", problem: { errors: [{ pointer: "/customerId" }] } });
    expect(seen[1]).toMatchObject({ method: "POST", url: "http://gw/api/v1/orders", body: { customerId: "" }, headers: { "idempotency-key": "k-1", "content-type": "application/json" } });
  });
});
