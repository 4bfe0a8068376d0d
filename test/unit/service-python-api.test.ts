// python-flask REST contracts as Python types (docs/rest-contracts.md): app/api.py (the service's own TypedDicts),
// app/contracts.py and the typed client methods of app/clients.py (a caller's view), the typed handler stubs. The
// modules are loaded by a real Python (≥ 3.11: NotRequired) straight from their files — typing only, no Flask — and
// their keys, required keys and types must match the schemas.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writePythonServices } from "../helpers/engine-model.js";

const run = promisify(execFile);
const PYTHON = process.env.MSA_E2E_PYTHON ?? "/usr/bin/python3";

const SYSTEM = `
version: 1
name: pyapi
broker: { kind: memory }
contexts:
  catalog:
    runtime: python-flask
    port: 5000
    api:
      - GET /ping
      - route: POST /products
        request:
          type: object
          additionalProperties: false
          required: [name, price]
          properties:
            name: { type: string }
            price: { type: number }
            from: { type: string }
            dims: { type: object, required: [w], properties: { w: { type: integer }, unit: { enum: [cm, in] } } }
            tags: { type: array, items: { type: string } }
        responses:
          201: { type: object, required: [id], properties: { id: { type: integer } } }
          409: { type: object, required: [error], properties: { error: { type: string } } }
          204: null
      - route: GET /products/{id}
        params: { id: { type: integer } }
        query: { type: object, required: [tag], properties: { expand: { type: boolean }, tag: { type: array, items: { type: string } } } }
        responses:
          200: { type: [object, "null"], properties: { id: { type: integer } } }
  shop:
    runtime: python-flask
    port: 5001
    api: ["GET /x"]
    calls:
      catalog: { timeout: 1s }
`;

let dir = "";
const file = (p: string): string => fs.readFileSync(path.join(dir, p), "utf8");
beforeAll(() => {
  dir = writePythonServices(SYSTEM, "msa-pyapi-");
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Loads the module from its file (not through the app package, which needs Flask) and describes every TypedDict. */
const PROBE = `
import importlib.util, json, sys, typing
spec = importlib.util.spec_from_file_location(sys.argv[2], sys.argv[1])
m = importlib.util.module_from_spec(spec)
sys.modules[sys.argv[2]] = m
spec.loader.exec_module(m)
out = {}
for name in sorted(vars(m)):
    v = getattr(m, name)
    if isinstance(v, type) and typing.is_typeddict(v):
        hints = typing.get_type_hints(v, localns=vars(m))
        out[name] = {"required": sorted(v.__required_keys__), "optional": sorted(v.__optional_keys__), "types": {k: repr(t) for k, t in sorted(hints.items())}}
print(json.dumps({"dicts": out, "all": getattr(m, "__all__", None)}))
`;

async function probe(rel: string, name: string): Promise<{ dicts: Record<string, { required: string[]; optional: string[]; types: Record<string, string> }>; all: string[] | null }> {
  const { stdout } = await run(PYTHON, ["-c", PROBE, path.join(dir, rel), name], { timeout: 60_000 });
  return JSON.parse(stdout);
}

const pythonMissing = ((): string | null => {
  try {
    fs.accessSync(PYTHON, fs.constants.X_OK);
    return null;
  } catch {
    return `${PYTHON} not found (set MSA_E2E_PYTHON to a Python >= 3.11)`;
  }
})();
if (pythonMissing && process.env.CI === "true") throw new Error(pythonMissing);

describe("python-flask contracts as TypedDicts", () => {
  it("writes app/api.py for a service with contracts, app/contracts.py for a caller of one, neither without", () => {
    expect(fs.existsSync(path.join(dir, "services/catalog/app/api.py"))).toBe(true);
    expect(fs.existsSync(path.join(dir, "services/catalog/app/contracts.py"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "services/shop/app/contracts.py"))).toBe(true);
    expect(fs.existsSync(path.join(dir, "services/shop/app/api.py"))).toBe(false);
  });

  it("types the handler stubs: path parameters by their schema, body and query by the operation's TypedDicts", () => {
    const handlers = file("services/catalog/app/handlers.py");
    expect(handlers).toContain("def post_products(body: PostProductsBody):");
    expect(handlers).toContain("def get_products_by_id(id: int, query: GetProductsByIdQuery):");
    expect(handlers).toContain("def get_ping():");
    expect(handlers).toMatch(/from app\.api import \(.*\n(\s+\w+,\n)+\)/);
  });

  it.skipIf(!!pythonMissing)(`app/api.py imports under ${PYTHON} and its keys, required keys and types match the schemas`, async () => {
    const { dicts, all } = await probe("services/catalog/app/api.py", "api");
    expect(dicts.PostProductsBody).toEqual({
      required: ["name", "price"],
      optional: ["dims", "from", "tags"],
      types: {
        dims: "<class 'api.PostProductsBodyDims'>",
        from: "<class 'str'>",
        name: "<class 'str'>",
        price: "<class 'float'>",
        tags: "list[str]",
      },
    });
    expect(dicts.PostProductsBodyDims).toEqual({ required: ["w"], optional: ["unit"], types: { unit: "typing.Literal['cm', 'in']", w: "<class 'int'>" } });
    expect(dicts.GetProductsByIdQuery).toMatchObject({ required: ["tag"], optional: ["expand"] });
    expect(dicts.GetProductsByIdParams).toEqual({ required: ["id"], optional: [], types: { id: "<class 'int'>" } });
    expect(dicts.PostProductsResponse409).toMatchObject({ required: ["error"] });
    expect(all).toEqual(expect.arrayContaining(["PostProductsBody", "PostProductsResponseBody", "GetProductsByIdResponseBody", "GetProductsByIdQuery"]));
  });

  it.skipIf(!!pythonMissing)("a caller gets the callee's types prefixed, and typed client methods with keyword-only query", async () => {
    const { dicts } = await probe("services/shop/app/contracts.py", "contracts");
    expect(Object.keys(dicts)).toEqual(expect.arrayContaining(["CatalogPostProductsBody", "CatalogGetProductsByIdQuery", "CatalogPostProductsResponse201"]));
    expect(dicts.CatalogPostProductsBody!.required).toEqual(["name", "price"]);
    const clients = file("services/shop/app/clients.py");
    expect(clients).toContain("class CatalogClient(ServiceClient):");
    expect(clients).toContain("def post_products(self, body: CatalogPostProductsBody, *, headers=None, idempotency_key=None) -> tuple[int, CatalogPostProductsResponseBody]:");
    expect(clients).toContain('def get_products_by_id(self, id: int, *, query: CatalogGetProductsByIdQuery, headers=None) -> tuple[int, CatalogGetProductsByIdResponseBody]:');
    expect(clients).toContain('return self.request("GET", f"/products/{_q(id)}", headers=headers, query=query)');
  });
});
