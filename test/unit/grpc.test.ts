// gRPC (docs/grpc.md): the JSON Schema → proto3 table, protoc on every generated .proto, the generated files per
// runtime, and the Kubernetes objects of a gRPC server and its callers.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { parseProto, protoFromMethods } from "../../src/core/grpc/proto.js";
import { planSystem } from "../../src/core/plan/index.js";
import { createRenderer } from "../../src/core/render.js";
import { loadTemplates } from "../../src/io/templates.js";
import { fixturesDir, modelAt, plan } from "../k8s/support.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FIXTURE = path.join(fixturesDir, "grpc", "system.yaml");

function protoc(): string | null {
  try {
    execFileSync("protoc", ["--version"], { stdio: "pipe" });
    return "protoc";
  } catch {
    return null;
  }
}

describe("JSON Schema → proto3", () => {
  it("maps the table's types and marks idempotent methods", () => {
    const { text, problems } = protoFromMethods("my-shop", "order-history", [
      {
        name: "Get",
        idempotent: true,
        request: { type: "object", required: ["id"], properties: { id: { type: "string" } } },
        response: {
          type: "object",
          properties: {
            n32: { type: "integer", format: "int32" },
            bounded: { type: "integer", minimum: 0, maximum: 10 },
            n64: { type: "integer" },
            u64: { type: "integer", format: "uint64" },
            d: { type: "number" },
            f: { type: "number", format: "float" },
            b: { type: "boolean" },
            raw: { type: "string", contentEncoding: "base64" },
            state: { type: "string", enum: ["in-stock", "soldOut"] },
            tags: { type: "array", items: { type: "string" } },
            lines: { type: "array", items: { type: "object", properties: { sku: { type: "string" } } } },
            counts: { type: "object", additionalProperties: { type: "integer" } },
            where: { type: "object", properties: { aisle: { type: "integer" } } },
          },
        },
      },
      { name: "Put", idempotent: false, request: { type: "object", properties: {} }, response: undefined },
    ]);
    expect(problems).toEqual([]);
    expect(text).toContain("package my_shop.order_history.v1;");
    expect(text).toContain('option go_package = "my-shop/gen/order-history/v1;orderhistoryv1";');
    expect(text).toContain("service OrderHistoryService {");
    expect(text).toContain("rpc Get(GetRequest) returns (GetResponse) {\n    option idempotency_level = IDEMPOTENT;\n  }");
    expect(text).toContain("rpc Put(PutRequest) returns (PutResponse);");
    expect(text).toContain("  string id = 1;");
    for (const line of [
      "optional int32 n32 = 1;",
      "optional int32 bounded = 2;",
      "optional int64 n64 = 3;",
      "optional uint64 u64 = 4;",
      "optional double d = 5;",
      "optional float f = 6;",
      "optional bool b = 7;",
      "optional bytes raw = 8;",
      "optional State state = 9;",
      "repeated string tags = 10;",
      "repeated LinesItem lines = 11;",
      "map<string, int64> counts = 12;",
      "Where where = 13;",
      "STATE_UNSPECIFIED = 0;",
      "STATE_IN_STOCK = 1;",
      "STATE_SOLD_OUT = 2;",
    ])
      expect(text).toContain(line);
  });

  it("refuses constructs without a faithful mapping, naming the node", () => {
    const bad = (schema: Record<string, unknown>) => protoFromMethods("s", "c", [{ name: "M", idempotent: false, request: { type: "object", properties: { x: schema } }, response: {} }]).problems;
    expect(bad({ type: ["string", "null"] })[0]).toMatchObject({ rule: "grpc-schema", part: "request", at: ["properties", "x", "type"] });
    expect(bad({ anyOf: [{ type: "string" }] })[0]).toMatchObject({ at: ["properties", "x", "anyOf"] });
    expect(bad({ $ref: "#/x" })[0]).toMatchObject({ at: ["properties", "x", "$ref"] });
    expect(bad({ type: "array", items: [{ type: "string" }] })[0]).toMatchObject({ at: ["properties", "x", "items"] });
    expect(bad({ type: "array", items: { type: "array", items: { type: "string" } } })[0]?.message).toContain("array of arrays");
    expect(bad({ type: "object" })[0]?.message).toContain("free-form");
    expect(bad({ type: "object", additionalProperties: { type: "array", items: { type: "string" } } })[0]?.message).toContain("map of arrays");
    expect(bad({ enum: [1, 2] })[0]?.message).toContain("enum of strings");
    expect(bad({ type: "integer", format: "int8" })[0]?.message).toContain("int8");
    const names = protoFromMethods("s", "c", [{ name: "M", idempotent: false, request: { type: "object", properties: { "x-y": { type: "string" } } }, response: {} }]).problems;
    expect(names[0]).toMatchObject({ rule: "grpc-name", at: ["properties", "x-y"] });
  });

  it("reads a user's .proto: package, its one service, unary methods and their idempotency", () => {
    const p = parseProto(fs.readFileSync(path.join(fixturesDir, "grpc", "protos", "catalog.proto"), "utf8"));
    expect(p).toMatchObject({ package: "grpcshop.catalog.v1", service: "Catalog", problems: [] });
    expect(p.methods).toEqual([
      { name: "GetProduct", requestType: "GetProductRequest", responseType: "Product", idempotent: true },
      { name: "Touch", requestType: "GetProductRequest", responseType: "Product", idempotent: false },
    ]);
    expect(parseProto('syntax = "proto3"; import "other.proto"; service A { rpc S(stream X) returns (Y); }').problems).toEqual([
      'import "other.proto": only google/protobuf/* imports are supported (put the messages in this file)',
      "rpc S: streaming methods are not supported yet (unary only)",
    ]);
  });
});

describe("generated gRPC files", () => {
  const model = modelAt(FIXTURE);
  const files = planSystem(model, createRenderer(loadTemplates()));
  const byPath = new Map(files.map((f) => [f.path, f]));

  it("protoc compiles every generated .proto (node and python services, a user's own, the health service)", (ctx) => {
    const bin = protoc();
    if (!bin) {
      if (process.env.CI === "true") throw new Error("CI must run protoc (Debian protobuf-compiler)");
      ctx.skip("skipped: protoc is not installed (Debian protobuf-compiler)");
    }
    const protos = files.filter((f) => f.path.endsWith(".proto"));
    expect(protos.map((f) => f.path).sort()).toEqual([
      "services/catalog/proto/catalog.proto",
      "services/catalog/proto/grpc/health/v1/health.proto",
      "services/inventory/proto/grpc/health/v1/health.proto",
      "services/inventory/proto/inventory.proto",
      "services/orders/proto/catalog.proto",
      "services/orders/proto/inventory.proto",
      "services/orders/proto/pricing.proto",
      "services/pricing/proto/health.proto",
      "services/pricing/proto/inventory.proto",
      "services/pricing/proto/pricing.proto",
    ]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-grpc-protoc-"));
    try {
      for (const f of protos) {
        fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
        fs.writeFileSync(path.join(dir, f.path), f.content);
      }
      for (const f of protos) {
        const service = f.path.split("/").slice(0, 3).join("/");
        const rel = f.path.slice(service.length + 1);
        // python output too: what the python services and their Dockerfile make of the same files
        const out = fs.mkdtempSync(path.join(dir, "out-"));
        execFileSync(bin!, [`-I${path.join(dir, service)}`, `--descriptor_set_out=${path.join(out, "d.pb")}`, `--python_out=${out}`, rel], { cwd: path.join(dir, service), stdio: "pipe" });
        expect(fs.statSync(path.join(out, "d.pb")).size).toBeGreaterThan(0);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives node servers handlers (yours) answering UNIMPLEMENTED and the callers typed clients with the policy", () => {
    const stub = byPath.get("services/inventory/src/grpc/GetStock.ts")!;
    expect(stub.owner).toBe("user");
    expect(stub.content).toContain("throw new GrpcError(GrpcStatus.UNIMPLEMENTED");
    expect(byPath.get("services/inventory/src/generated/grpc-server.ts")?.content).toContain('export const SERVICE_NAME = "grpcshop.inventory.v1.InventoryService";');
    const clients = byPath.get("services/orders/src/generated/grpc-clients.ts")!.content;
    expect(clients).toContain("static readonly policy: CallPolicy = { timeoutMs: 1000, retries: 2, errorThreshold: 0.5, resetTimeoutMs: 30000 };");
    expect(clients).toContain('return this.unary<InventoryGetStockRequest, InventoryGetStockResponse>("GetStock", request, true);');
    expect(clients).toContain('return this.unary<InventoryReserveRequest, InventoryReserveResponse>("Reserve", request, false);');
    expect(clients).toContain('return this.unary<CatalogGetProductRequest, CatalogGetProductResponse>("GetProduct", request, true);');
    expect(clients).toContain("export interface CallLimiter");
    // calls.pricing.bulkhead wraps every call to pricing; inventory declares none
    const create = byPath.get("services/orders/src/generated/clients.ts")!.content;
    expect(create).toContain('pricing: new PricingGrpcClient(urls.pricing, log, metrics, policies.pricing, new Bulkhead("pricing", { maxConcurrent: 4, maxQueue: 2 })),');
    expect(create).toContain("inventory: new InventoryGrpcClient(urls.inventory, log, metrics, policies.inventory),");
    expect(clients).toContain("if (e instanceof BulkheadFullError) {");
    expect(byPath.get("services/inventory/src/generated/grpc-server.ts")?.content).toContain("full ? grpc.status.RESOURCE_EXHAUSTED");
    const pkg = JSON.parse(byPath.get("services/orders/package.json")!.content) as { dependencies: Record<string, string> };
    expect(pkg.dependencies).toMatchObject({ "@grpc/grpc-js": "1.14.7", "@grpc/proto-loader": "0.8.1", "@grpc/reflection": "1.0.4" });
    expect(byPath.get("services/orders/src/generated/config.ts")?.content).toContain('inventory: env.INVENTORY_GRPC_ADDR || "inventory:50051",');
    expect(byPath.get("services/inventory/Dockerfile")?.content).toContain("EXPOSE 50051");
  });

  it("gives python servers handlers (yours) answering UNIMPLEMENTED, the clients and the requirements", () => {
    const h = byPath.get("services/pricing/app/grpc_handlers.py")!;
    expect(h.owner).toBe("user");
    expect(h.content).toContain("raise GrpcError(grpc.StatusCode.UNIMPLEMENTED");
    expect(byPath.get("services/pricing/app/grpc_clients.py")?.content).toContain('"methods": { "GetStock": ("GetStockRequest", "GetStockResponse", True), "Reserve": ("ReserveRequest", "ReserveResponse", False) }');
    expect(byPath.get("services/pricing/app/grpc_clients.py")?.content).toContain('"bulkhead": (2, 0),');
    expect(byPath.get("services/pricing/app/grpc_server.py")?.content).toContain("except BulkheadFullError as e:");
    expect(byPath.get("services/pricing/requirements.txt")?.content).toMatch(/grpcio==1\.51\.1[\s\S]*protobuf==4\.21\.12/);
    expect(byPath.get("services/pricing/gunicorn.conf.py")?.content).toContain("start_grpc()");
    // a context without gRPC is as before: no grpc file, no grpc dependency
    expect(files.some((f) => f.path.startsWith("services/orders/src/grpc/"))).toBe(false);
  });
});

describe("Kubernetes objects of gRPC", () => {
  const objs: Obj[] = plan(modelAt(FIXTURE))
    .filter((f) => f.path.startsWith("k8s/") && f.path.endsWith(".yaml") && !f.path.endsWith("kustomization.yaml"))
    .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as Obj))
    .filter((o) => o && o.kind);
  const find = (kind: string, name: string): Obj => objs.find((o) => o.kind === kind && o.metadata.name === name)!;

  it("puts the gRPC port in the Deployment and the Service (appProtocol grpc) and probes liveness natively", () => {
    const c = find("Deployment", "inventory").spec.template.spec.containers[0];
    expect(c.ports).toContainEqual({ name: "grpc", containerPort: 50051, protocol: "TCP" });
    expect(c.livenessProbe.grpc).toEqual({ port: 50051 });
    expect(c.readinessProbe.httpGet.path).toBe("/ready");
    expect(find("Service", "inventory").spec.ports).toContainEqual({ name: "grpc", port: 50051, targetPort: "grpc", protocol: "TCP", appProtocol: "grpc" });
    expect(find("Deployment", "orders").spec.template.spec.containers[0].livenessProbe.httpGet.path).toBe("/health");
  });

  it("lets only the gRPC callers in on the gRPC port (NetworkPolicy, Istio) and routes it", () => {
    const np = find("NetworkPolicy", "inventory");
    const grpcRule = np.spec.ingress.find((r: Obj) => r.ports?.[0]?.port === 50051);
    expect(grpcRule.from.map((f: Obj) => f.podSelector.matchLabels["app.kubernetes.io/name"]).sort()).toEqual(["orders", "pricing"]);
    const egress = find("NetworkPolicy", "orders").spec.egress.filter((r: Obj) => r.to?.[0]?.podSelector && !r.to[0].namespaceSelector);
    expect(egress.map((r: Obj) => [r.to[0].podSelector.matchLabels["app.kubernetes.io/name"], r.ports[0].port])).toEqual([
      ["catalog", 50053],
      ["inventory", 50051],
      ["pricing", 50052],
    ]);
    const authz = find("AuthorizationPolicy", "inventory");
    expect(authz.spec.rules).toHaveLength(1);
    expect(authz.spec.rules[0].to[0].operation.ports).toEqual(["50051"]);
    const vs = find("VirtualService", "inventory");
    expect(vs.spec.http[0]).toMatchObject({ name: "grpc-from-orders", match: [{ port: 50051 }], timeout: "1s", retries: { attempts: 0 } });
    expect(vs.spec.http.find((r: Obj) => r.name === "grpc").route[0].destination.port.number).toBe(50051);
    const cm = find("ConfigMap", "orders-config").data;
    expect(cm).toMatchObject({ INVENTORY_GRPC_ADDR: "inventory:50051", PRICING_GRPC_ADDR: "pricing:50052", CATALOG_GRPC_ADDR: "catalog:50053" });
    expect(cm.INVENTORY_URL).toBeUndefined();
  });
});
