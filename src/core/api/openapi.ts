// The REST contracts of system.yaml as OpenAPI 3.1 documents (docs/rest-contracts.md): one per context (what the
// service serves, at its own paths) and one for the gateway's public surface (each route's endpoints at their
// public paths, with the gateway's security). Pure: model in, plain JSON-like objects out; the planner renders
// them through templates/openapi/, and `msa validate` compares them with the previous contract (compat.ts).
//
// Schemas: each file a `$ref` brought in (bundled under `$defs["file:<path>"]`, events/bundle.ts) becomes one
// component named after the file (schemas/api/create-order.json → CreateOrder); a schema's own `$defs` and
// `definitions` become components prefixed by the operation; every reference points into components, so a
// schema means the same wherever it is placed.
import { mapRefs, pointerToken } from "../events/bundle.js";
import { BODY_METHODS, type ApiSchema, type Context, type Endpoint, type Route, type SystemModel } from "../model.js";
import { toCamel, toPascal } from "../names.js";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

export const OPENAPI_VERSION = "3.1.0";
/** Where the documents go in the generated tree. */
export const contextOpenApiPath = (context: string): string => `services/${context}/openapi.yaml`;
export const GATEWAY_OPENAPI_PATH = "openapi.yaml";

/** RFC 9457 problem details, as the generated services answer a request that breaks its contract. */
export const PROBLEM_SCHEMA: Json = {
  type: "object",
  required: ["type", "title", "status"],
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    errors: {
      type: "array",
      description: "One entry per violation: where (body, query or path) and the JSON pointer of the value",
      items: {
        type: "object",
        required: ["in", "pointer", "message"],
        properties: { in: { enum: ["body", "query", "path"] }, pointer: { type: "string" }, message: { type: "string" } },
      },
    },
  },
};

const REASONS: Record<string, string> = {
  "200": "OK", "201": "Created", "202": "Accepted", "204": "No Content", "301": "Moved Permanently", "302": "Found",
  "304": "Not Modified", "400": "Bad Request", "401": "Unauthorized", "403": "Forbidden", "404": "Not Found",
  "405": "Method Not Allowed", "409": "Conflict", "410": "Gone", "412": "Precondition Failed", "413": "Content Too Large",
  "415": "Unsupported Media Type", "422": "Unprocessable Content", "429": "Too Many Requests", "500": "Internal Server Error",
  "502": "Bad Gateway", "503": "Service Unavailable", "504": "Gateway Timeout",
};
export const reasonPhrase = (status: string): string => REASONS[status] ?? `HTTP ${status}`;

/** Component names for the schemas of one document: stable, unique, in first-use order. */
class Components {
  readonly schemas = new Map<string, unknown>();
  private readonly byKey = new Map<string, string>();
  /** Names a component never takes: the generated code's own type names (contractTypeNames). */
  constructor(private readonly reserved: ReadonlySet<string> = new Set()) {}

  name(key: string, wanted: string): string {
    const known = this.byKey.get(key);
    if (known) return known;
    let n = wanted;
    for (let i = 2; this.schemas.has(n) || this.reserved.has(n); i++) n = `${wanted}${i}`;
    this.byKey.set(key, n);
    this.schemas.set(n, null);
    return n;
  }
}

const fileComponentName = (fileKey: string): string => {
  const base = fileKey.replace(/^file:/, "").split("/").pop() ?? "Schema";
  return toPascal(base.replace(/\.(json|ya?ml)$/i, "")) || "Schema";
};

/**
 * The schema as it goes into the document: `$defs`/`definitions` moved to components, references rewritten,
 * `$schema`/`$id` dropped. `prefix` names the local definitions (operation and part: PostOrdersRequest).
 */
function placeSchema(s: ApiSchema, prefix: string, comps: Components): Json {
  const { $schema: _s, $id: _i, $defs, definitions, ...root } = s.schema;
  const local = new Map<string, string>(); // "#/$defs/x" → component name
  for (const [kw, defs] of [["$defs", $defs], ["definitions", definitions]] as const) {
    if (!isObject(defs)) continue;
    for (const k of Object.keys(defs)) {
      const name = k.startsWith("file:") ? comps.name(k, fileComponentName(k)) : comps.name(`${prefix}:${kw}:${k}`, `${prefix}${toPascal(k) || "Def"}`);
      local.set(`#/${kw}/${pointerToken(k)}`, name);
    }
  }
  const rewrite = (ref: string): string => {
    for (const [from, name] of local) if (ref === from || ref.startsWith(`${from}/`)) return `#/components/schemas/${pointerToken(name)}${ref.slice(from.length)}`;
    return ref;
  };
  for (const [kw, defs] of [["$defs", $defs], ["definitions", definitions]] as const) {
    if (!isObject(defs)) continue;
    for (const [k, v] of Object.entries(defs)) {
      const name = local.get(`#/${kw}/${pointerToken(k)}`) as string;
      if (comps.schemas.get(name) === null) comps.schemas.set(name, mapRefs(v, rewrite));
    }
  }
  return mapRefs(root, rewrite) as Json;
}

const jsonContent = (schema: unknown): Json => ({ "application/json": { schema } });
const problemContent = (): Json => ({ "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } });

interface OperationInput {
  context: Context;
  endpoint: Endpoint;
  /** The path in this document (the gateway's public path, or the endpoint's own). */
  path: string;
  operationId: string;
  /** Name prefix of this operation's local schema components. */
  prefix: string;
  route?: Route;
}

function operation(op: OperationInput, comps: Components): Json {
  const ep = op.endpoint;
  const out: Json = { operationId: op.operationId };
  if (ep.summary) out.summary = ep.summary;
  out.tags = [op.context.name];
  const parameters: Json[] = ep.params.map((p) => ({
    name: p,
    in: "path",
    required: true,
    schema: ep.pathParams[p] ? placeSchema(ep.pathParams[p], `${op.prefix}Param${toPascal(p)}`, comps) : { type: "string", minLength: 1 },
  }));
  if (ep.query) {
    const q = placeSchema(ep.query, `${op.prefix}Query`, comps);
    const required = new Set(Array.isArray(q.required) ? q.required.map(String) : []);
    for (const [name, schema] of Object.entries(isObject(q.properties) ? q.properties : {})) {
      const param: Json = { name, in: "query", required: required.has(name), schema };
      if (isObject(schema) && schema.type === "array") Object.assign(param, { style: "form", explode: true });
      parameters.push(param);
    }
  }
  if (parameters.length) out.parameters = parameters;
  if (ep.request && BODY_METHODS.has(ep.method)) out.requestBody = { required: true, content: jsonContent(placeSchema(ep.request, `${op.prefix}Request`, comps)) };
  const responses: Json = {};
  for (const r of ep.responses) {
    const res: Json = { description: reasonPhrase(r.status) };
    if (r.schema) res.content = jsonContent(placeSchema(r.schema, `${op.prefix}Response${r.status}`, comps));
    responses[r.status] = res;
  }
  if (ep.contract && (ep.request || ep.query || Object.keys(ep.pathParams).length) && !responses["400"])
    responses["400"] = { description: "The request does not match the contract: every violation with its JSON pointer", content: problemContent() };
  if (op.route?.auth === "jwt" && !responses["401"]) responses["401"] = { description: "Missing, invalid or expired bearer token" };
  if (op.route?.rateLimit && !responses["429"]) responses["429"] = { description: "Rate limit exceeded" };
  if (!ep.contract) responses.default = { description: "Not described: system.yaml gives this endpoint no contract (docs/rest-contracts.md)" };
  out.responses = sortedStatuses(responses);
  if (op.route) out.security = op.route.auth === "jwt" ? [{ bearerAuth: [] }] : [];
  return out;
}

const sortedStatuses = (r: Json): Json => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a === "default" ? 1 : b === "default" ? -1 : a < b ? -1 : a > b ? 1 : 0)));

const METHOD_ORDER = ["get", "put", "post", "delete", "options", "head", "patch"];

/** The type names a generated service declares per operation (src/generated/api.ts): no component takes one. */
export const contractTypeNames = (c: Context): Set<string> =>
  new Set(c.api.flatMap((ep) => ["Params", "Query", "Body", "Responses", "ResponseBody", "Request", "Response"].map((s) => `${toPascal(ep.operationId)}${s}`)));

function document(info: Json, servers: Json[], ops: OperationInput[], security: Json | null, reserved?: ReadonlySet<string>): Json {
  const comps = new Components(reserved);
  comps.name("msa:problem", "Problem"); // first, so a schema file named problem.json never takes its name
  const paths = new Map<string, Map<string, Json>>();
  for (const op of ops) {
    const byMethod = paths.get(op.path) ?? new Map<string, Json>();
    byMethod.set(op.endpoint.method.toLowerCase(), operation(op, comps));
    paths.set(op.path, byMethod);
  }
  const usesProblem = JSON.stringify([...paths.values()].map((m) => [...m.values()])).includes("#/components/schemas/Problem");
  if (usesProblem) comps.schemas.set("Problem", PROBLEM_SCHEMA);
  else comps.schemas.delete("Problem");
  const doc: Json = { openapi: OPENAPI_VERSION, info, servers, paths: {} };
  for (const p of [...paths.keys()].sort()) {
    const byMethod = paths.get(p) as Map<string, Json>;
    (doc.paths as Json)[p] = Object.fromEntries(METHOD_ORDER.filter((m) => byMethod.has(m)).map((m) => [m, byMethod.get(m)]));
  }
  const components: Json = {};
  if (comps.schemas.size) components.schemas = Object.fromEntries([...comps.schemas.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  if (security) components.securitySchemes = security;
  if (Object.keys(components).length) doc.components = components;
  return doc;
}

/** The OpenAPI document of what one context serves, at its own paths. */
export function contextOpenApi(model: SystemModel, c: Context): Json {
  const info: Json = { title: `${model.name} ${c.name}`, version: "1.0.0" };
  if (c.description) info.description = c.description;
  const ops = c.api.map((endpoint) => ({ context: c, endpoint, path: endpoint.path, operationId: endpoint.operationId, prefix: toPascal(endpoint.operationId) }));
  return document(info, [{ url: `http://${c.name}:${c.port}`, description: "inside the cluster or compose network" }], ops, null, contractTypeNames(c));
}

/** The names the gateway's TypeScript client declares beside the schemas (templates/clients/ts/src/index.ts.hbs). */
export const GATEWAY_CLIENT_NAMES = ["ApiError", "ApiResponse", "CallOptions", "Client", "ClientOptions", "ProblemDetails", "QueryScalar"] as const;

/** The public path of an endpoint through a route, or undefined when the route does not reach it (docs/internals.md, Gateway). */
export function publicPath(route: Route, endpointPath: string): string | undefined {
  if (route.path === "/") return endpointPath;
  const cut = route.path.lastIndexOf("/");
  const last = route.path.slice(cut); // "/orders"
  if (endpointPath !== last && !endpointPath.startsWith(`${last}/`)) return undefined;
  return route.path.slice(0, cut) + endpointPath;
}

/** The gateway's public surface: every endpoint a route reaches, at its public path, with the route's security. */
export function gatewayOpenApi(model: SystemModel): Json | undefined {
  if (model.gateway.kind === "none" || !model.gateway.routes.length) return undefined;
  const byName = new Map(model.contexts.map((c) => [c.name, c]));
  const ops: OperationInput[] = [];
  const claimed = new Set<string>();
  for (const route of model.gateway.routes) {
    const c = byName.get(route.context);
    if (!c) continue;
    for (const endpoint of c.api) {
      const p = publicPath(route, endpoint.path);
      if (!p || !route.methods.includes(endpoint.method) || claimed.has(`${endpoint.method} ${p}`)) continue;
      claimed.add(`${endpoint.method} ${p}`);
      ops.push({ context: c, endpoint, path: p, operationId: toCamel(`${c.name}-${endpoint.operationId}`), prefix: toPascal(`${c.name}-${endpoint.operationId}`), route });
    }
  }
  const jwt = model.gateway.routes.some((r) => r.auth === "jwt");
  const security = jwt
    ? {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: model.gateway.jwksUrl
            ? `A JWT signed by the issuer's keys (${model.gateway.jwksUrl}); iss must be ${JSON.stringify(model.gateway.issuer ?? model.name)}, exp is checked`
            : `A JWT signed with HS256 (the gateway's JWT_SECRET); iss must be ${JSON.stringify(model.gateway.issuer ?? model.name)}, exp is checked`,
        },
      }
    : null;
  const servers: Json[] = model.gateway.host ? [{ url: `https://${model.gateway.host}` }] : [{ url: "/", description: "the gateway's own address" }];
  // the names the TypeScript client package declares (src/core/plan/client-ts.ts) are no component's
  const reserved = new Set([...GATEWAY_CLIENT_NAMES, ...ops.flatMap((o) => ["Params", "Query", "Body", "Result", "ErrorBody"].map((s) => `${o.prefix}${s}`))]);
  return document({ title: `${model.name} API`, version: "1.0.0", description: `The public API of ${model.name} through its gateway.` }, servers, ops, security, reserved);
}

/** What a generated service validates for one operation: each part one JSON Schema, references into `components`. */
export interface OperationContract {
  /** The path parameters as one object (every parameter required; a non-empty string unless declared). */
  params: Json | null;
  query: Json | null;
  body: Json | null;
  /** By status; null: a response without a body. */
  responses: Record<string, Json | null>;
}

/**
 * The contract of a context as its generated service uses it: the components of its OpenAPI document and, per
 * operation with a contract, its parts as whole schemas (the same names as contextOpenApi's components).
 */
export function contextContract(c: Context): { components: Record<string, unknown>; operations: Record<string, OperationContract> } {
  const comps = new Components(new Set([...contractTypeNames(c), "Problem"]));
  const operations: Record<string, OperationContract> = {};
  for (const ep of c.api) {
    const prefix = toPascal(ep.operationId);
    const properties: Json = {};
    for (const p of ep.params) properties[p] = ep.pathParams[p] ? placeSchema(ep.pathParams[p], `${prefix}Param${toPascal(p)}`, comps) : { type: "string", minLength: 1 };
    const op: OperationContract = {
      params: ep.params.length ? { type: "object", required: [...ep.params], properties, additionalProperties: false } : null,
      query: ep.query ? placeSchema(ep.query, `${prefix}Query`, comps) : null,
      body: ep.request && BODY_METHODS.has(ep.method) ? placeSchema(ep.request, `${prefix}Request`, comps) : null,
      responses: {},
    };
    for (const r of ep.responses) op.responses[r.status] = r.schema ? placeSchema(r.schema, `${prefix}Response${r.status}`, comps) : null;
    if (ep.contract) operations[ep.operationId] = op;
  }
  const components = Object.fromEntries([...comps.schemas.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  return { components, operations };
}

/** The `$id` of a service's schemas/api.json. */
export const contractSchemaId = (model: SystemModel, c: Context): string => `urn:msa:${model.name}:${c.name}:api`;

/** schemas/api.json of a generated service (node and python alike): `$id`, the components, the operations' parts. */
export function contractDocument(model: SystemModel, c: Context): Json {
  const k = contextContract(c);
  return { $id: contractSchemaId(model, c), components: { schemas: k.components }, operations: k.operations };
}
