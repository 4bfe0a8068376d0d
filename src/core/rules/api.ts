// Rules on the `api` entries of contexts: the route, and the contract of the object form
// (docs/rest-contracts.md). Unreadable `$ref`s are reported while the model is built (api-schema-ref).
import type { Diagnostic } from "../diagnostics.js";
import { ajvForDraft } from "../events/validator.js";
import { apiRouteText, BODY_METHODS, parseEndpoint, type ApiSchema, type Endpoint } from "../model.js";
import type { RawMap, Rule } from "./types.js";

const isMap = (v: unknown): v is RawMap => !!v && typeof v === "object" && !Array.isArray(v);

/** Every api entry of every context as written: [context, index, entry]. */
function entries(data: { contexts?: Record<string, RawMap> }): [string, number, unknown][] {
  const out: [string, number, unknown][] = [];
  for (const [ctx, raw] of Object.entries(data.contexts ?? {}))
    if (isMap(raw) && Array.isArray(raw.api)) raw.api.forEach((e, i) => out.push([ctx, i, e]));
  return out;
}

export const apiRoute: Rule = {
  id: "api-route",
  severity: "error",
  summary: "an api entry's route is \"METHOD /path\" with {param} segments",
  check({ data, at }) {
    const out: Diagnostic[] = [];
    for (const [ctx, i, e] of entries(data)) {
      if (typeof e === "string") continue; // the schema's pattern checks the short form
      const route = apiRouteText(e);
      if (route === undefined || !parseEndpoint(route) || !/^\S+ +\/([A-Za-z0-9._~-]+|\{[A-Za-z_][A-Za-z0-9_]*\})?(\/([A-Za-z0-9._~-]+|\{[A-Za-z_][A-Za-z0-9_]*\}))*$/.test(route))
        out.push(at(["contexts", ctx, "api", i, "route"], `route ${JSON.stringify(route)} is not "METHOD /path"; write e.g. "POST /orders" or "GET /orders/{id}" (methods GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS)`));
    }
    return out;
  },
};

export const apiDuplicate: Rule = {
  id: "api-duplicate",
  severity: "error",
  summary: "a context serves each method and path shape once",
  check({ model, at }) {
    const out: Diagnostic[] = [];
    for (const c of model.contexts) {
      const seen = new Map<string, Endpoint>();
      for (const ep of c.api) {
        const key = `${ep.method} ${ep.path.replace(/\{[^}]+\}/g, "{}")}`;
        const first = seen.get(key);
        if (first && ep.source) out.push(at(ep.source.path, `${ep.method} ${ep.path} is declared twice in ${c.name} (also as ${first.method} ${first.path}); keep one entry`));
        else seen.set(key, ep);
      }
    }
    return out;
  },
};

export const apiRequestMethod: Rule = {
  id: "api-request-method",
  severity: "error",
  summary: "only POST, PUT and PATCH endpoints declare a request body",
  check({ model, at }) {
    return model.contexts.flatMap((c) =>
      c.api
        .filter((ep) => ep.request && !BODY_METHODS.has(ep.method))
        .map((ep) => at(ep.request!.source.path, `${ep.method} ${ep.path} declares a request body, but ${ep.method} requests carry none msa validates; use query: for its inputs, or make it POST, PUT or PATCH`, { key: true })),
    );
  },
};

export const apiResponseStatus: Rule = {
  id: "api-response-status",
  severity: "error",
  summary: "responses are keyed by HTTP status codes (100-599)",
  check({ model, at }) {
    const out: Diagnostic[] = [];
    for (const c of model.contexts)
      for (const ep of c.api)
        for (const r of ep.responses)
          if (!/^[1-5][0-9][0-9]$/.test(r.status) && ep.source)
            out.push(at([...ep.source.path, "responses", r.status], `${ep.method} ${ep.path}: response "${r.status}" is not an HTTP status code; key responses by a code from 100 to 599 (e.g. 200, 201, 404)`, { key: true }));
    return out;
  },
};

export const apiParams: Rule = {
  id: "api-params",
  severity: "error",
  summary: "params: names only the route's {path} parameters",
  check({ model, at }) {
    const out: Diagnostic[] = [];
    for (const c of model.contexts)
      for (const ep of c.api)
        for (const name of Object.keys(ep.pathParams))
          if (!ep.params.includes(name))
            out.push(at(ep.pathParams[name]!.source.path, `${ep.method} ${ep.path} has no path parameter {${name}}; ${ep.params.length ? `its parameters: ${ep.params.join(", ")}` : "it has none"} (query string inputs go under query:)`, { key: true }));
    return out;
  },
};

const SCALARS = new Set(["string", "number", "integer", "boolean"]);
/** A query property is a scalar or an array of scalars (what a query string can say). */
function queryPropertyOk(s: unknown): boolean {
  if (!isMap(s)) return s === true;
  const types = Array.isArray(s.type) ? s.type : s.type === undefined ? [] : [s.type];
  if (types.length === 0) return Array.isArray(s.enum) || "const" in s;
  return types.every((t) => SCALARS.has(String(t)) || (t === "array" && (s.items === undefined || queryPropertyOk(s.items) && !(isMap(s.items) && s.items.type === "array"))));
}

export const apiQuery: Rule = {
  id: "api-query",
  severity: "error",
  summary: "query: is an object schema whose properties are scalars or arrays of scalars",
  check({ model, at }) {
    const out: Diagnostic[] = [];
    for (const c of model.contexts)
      for (const ep of c.api) {
        const q = ep.query;
        if (!q) continue;
        const props = isMap(q.schema.properties) ? q.schema.properties : undefined;
        if (q.schema.type !== "object" || !props) {
          out.push(at(q.source.path, `${ep.method} ${ep.path}: query must be { type: object, properties: { … } } (one property per query parameter)`, { key: true }));
          continue;
        }
        for (const [name, s] of Object.entries(props))
          if (!queryPropertyOk(s))
            out.push(at([...q.source.path, "properties", name], `${ep.method} ${ep.path}: query parameter "${name}" must be a string, number, integer, boolean or an array of them (a query string has no nested objects)`, { key: true }));
      }
    return out;
  },
};

let meta: ReturnType<typeof ajvForDraft> | undefined;
/** The schema's problems against the 2020-12 meta-schema (the dialect of OpenAPI 3.1), or undefined. */
function metaProblem(s: ApiSchema): string | undefined {
  meta ??= ajvForDraft("2020-12");
  if (meta.validateSchema(s.schema)) return undefined;
  const e = meta.errors?.[0];
  return e ? `${e.instancePath || "/"} ${e.message ?? "is invalid"}` : "is not a JSON Schema";
}

export const apiSchema: Rule = {
  id: "api-schema",
  severity: "error",
  summary: "every request, query, params and response schema is a valid JSON Schema (2020-12)",
  check({ model, at }) {
    const out: Diagnostic[] = [];
    for (const c of model.contexts)
      for (const ep of c.api) {
        const all: [string, ApiSchema | null][] = [
          ["request", ep.request],
          ["query", ep.query],
          ...Object.entries(ep.pathParams).map(([k, v]): [string, ApiSchema] => [`params.${k}`, v]),
          ...ep.responses.map((r): [string, ApiSchema | null] => [`response ${r.status}`, r.schema]),
        ];
        for (const [what, s] of all) {
          const problem = s && metaProblem(s);
          if (s && problem) out.push(at(s.source.path, `${ep.method} ${ep.path}: the ${what} schema is not a valid JSON Schema: ${problem}; fix it (draft 2020-12, the dialect of OpenAPI 3.1)`));
        }
      }
    return out;
  },
};
