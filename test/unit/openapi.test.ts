// The REST contracts as OpenAPI 3.1 (src/core/api/openapi.ts, planner src/core/plan/openapi.ts): the mapping from
// system.yaml's JSON Schemas to operations and components, and the rendered documents checked by a kept
// validator from npm (@seriousme/openapi-schema-validator: the official OpenAPI 3.1 JSON Schema).
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { contextOpenApi, gatewayOpenApi, publicPath } from "../../src/core/api/openapi.js";
import { planOpenApi } from "../../src/core/plan/openapi.js";
import { exampleModel, modelFromYaml, renderer } from "../helpers/engine-model.js";

type Json = Record<string, any>;

/** Every $ref of a document, and whether it resolves inside it. */
function unresolvedRefs(doc: Json): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== "object") return;
    for (const [k, x] of Object.entries(v)) {
      if (k === "$ref" && typeof x === "string") {
        let node: any = doc;
        for (const seg of x.replace(/^#\//, "").split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))) node = node?.[seg];
        if (node === undefined) out.push(x);
      } else walk(x);
    }
  };
  walk(doc);
  return out;
}

async function expectValidOpenApi(doc: Json): Promise<void> {
  const v = new Validator();
  const res = await v.validate(doc);
  expect(res.errors ?? [], JSON.stringify(res.errors, null, 1)).toEqual([]);
  expect(res.valid).toBe(true);
  expect(v.version).toBe("3.1");
  expect(unresolvedRefs(doc)).toEqual([]);
}

const SYSTEM = `version: 1
name: rest
gateway:
  kind: node
  routes:
    - { path: /api/v1/orders, context: orders, methods: [GET, POST] }
    - { path: /v2/orders, context: orders, methods: [GET], auth: none }
contexts:
  orders:
    port: 3000
    api:
      - GET /health-check
      - route: GET /orders
        summary: List orders
        query:
          type: object
          required: [limit]
          properties:
            limit: { type: integer, minimum: 1 }
            tag: { type: array, items: { type: string } }
      - route: POST /orders
        request:
          type: object
          required: [lines]
          properties:
            lines: { type: array, items: { $ref: "#/$defs/line" } }
          $defs:
            line: { type: object, properties: { sku: { type: string } } }
        responses:
          201: { type: object, properties: { id: { type: string } } }
          204: null
      - route: GET /orders/{id}
        responses: { 200: { type: object } }
`;

describe("OpenAPI of the REST contracts", () => {
  const model = modelFromYaml(SYSTEM);
  const orders = model.contexts[0]!;

  it("maps path, query, body and responses; a schema's own $defs become components with their references", async () => {
    const doc = contextOpenApi(model, orders);
    expect(doc.openapi).toBe("3.1.0");
    const list = (doc.paths as Json)["/orders"].get;
    expect(list.summary).toBe("List orders");
    expect(list.parameters).toEqual([
      { name: "limit", in: "query", required: true, schema: { type: "integer", minimum: 1 } },
      { name: "tag", in: "query", required: false, schema: { type: "array", items: { type: "string" } }, style: "form", explode: true },
    ]);
    const post = (doc.paths as Json)["/orders"].post;
    expect(post.requestBody.content["application/json"].schema.properties.lines.items).toEqual({ $ref: "#/components/schemas/PostOrdersRequestLine" });
    expect((doc.components as Json).schemas.PostOrdersRequestLine).toEqual({ type: "object", properties: { sku: { type: "string" } } });
    expect(Object.keys(post.responses)).toEqual(["201", "204", "400"]);
    expect(post.responses["204"]).toEqual({ description: "No Content" });
    expect(post.responses["400"].content["application/problem+json"].schema).toEqual({ $ref: "#/components/schemas/Problem" });
    const byId = (doc.paths as Json)["/orders/{id}"].get;
    expect(byId.parameters).toEqual([{ name: "id", in: "path", required: true, schema: { type: "string", minLength: 1 } }]);
    // the short form has no contract: said so, not invented
    expect((doc.paths as Json)["/health-check"].get.responses).toEqual({ default: { description: expect.stringContaining("no contract") } });
    await expectValidOpenApi(doc);
  });

  it("the gateway's document: public paths through each route, bearer security where the route uses jwt, none where not", async () => {
    const doc = gatewayOpenApi(model)!;
    // /health-check is reached by no route: not public
    expect(Object.keys(doc.paths as Json)).toEqual(["/api/v1/orders", "/api/v1/orders/{id}", "/v2/orders", "/v2/orders/{id}"]);
    const paths = doc.paths as Json;
    expect(paths["/api/v1/orders"].post.security).toEqual([{ bearerAuth: [] }]);
    expect(paths["/api/v1/orders"].post.responses["401"]).toBeDefined();
    expect(paths["/v2/orders/{id}"].get.security).toEqual([]);
    expect(paths["/v2/orders"].post).toBeUndefined(); // the route allows GET only
    expect((doc.components as Json).securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer", bearerFormat: "JWT" });
    await expectValidOpenApi(doc);
  });

  it("public paths follow the gateway's prefix mapping (docs/internals.md)", () => {
    const route = (path: string) => ({ ...model.gateway.routes[0]!, path });
    expect(publicPath(route("/api/v1/orders"), "/orders/{id}")).toBe("/api/v1/orders/{id}");
    expect(publicPath(route("/api/v1/orders"), "/orders")).toBe("/api/v1/orders");
    expect(publicPath(route("/api/v1/orders"), "/ordersx")).toBeUndefined();
    expect(publicPath(route("/"), "/x/{y}")).toBe("/x/{y}");
  });

  it("the shop example: files referenced with $ref become one component each, named after the file; the rendered YAML validates", async () => {
    const shop = exampleModel("shop");
    const files = planOpenApi(shop, renderer());
    expect(files.map((f) => f.path)).toEqual(["services/catalog/openapi.yaml", "services/inventory/openapi.yaml", "services/orders/openapi.yaml", "openapi.yaml"]);
    for (const f of files) await expectValidOpenApi(parse(f.content) as Json);
    const orders = parse(files.find((f) => f.path === "services/orders/openapi.yaml")!.content) as Json;
    expect(Object.keys(orders.components.schemas)).toEqual(["CreateOrder", "Order", "Problem"]);
    expect(orders.paths["/orders"].post.responses["201"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Order" });
    expect(files.every((f) => !/&a\d|\*a\d/.test(f.content))).toBe(true); // no YAML anchors
  });

  it("is deterministic", () => {
    const a = planOpenApi(exampleModel("shop"), renderer());
    const b = planOpenApi(exampleModel("shop"), renderer());
    expect(a).toEqual(b);
  });
});
