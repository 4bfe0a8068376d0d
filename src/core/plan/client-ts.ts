// Planner: a TypeScript client package for the gateway's public API (docs/rest-contracts.md), clients/ts/ — built
// from the gateway's OpenAPI document (src/core/api/openapi.ts), so it says what openapi.yaml says: one typed
// function per public operation (path parameters, query, body, the 2xx bodies), fetch-based, a base URL and a
// bearer token. Written only when the system has a gateway with routes.
import { gatewayOpenApi } from "../api/openapi.js";
import type { SystemModel } from "../model.js";
import { toPascal } from "../names.js";
import { NODE_DEV_DEPENDENCIES } from "./service-node-view.js";
import { schemaToTs } from "./service-node-types.js";
import type { PlannedFile, Planner } from "./types.js";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

export const TS_CLIENT_DIR = "clients/ts";
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch"];

export interface TsClientOperation {
  operationId: string;
  typePrefix: string;
  method: string;
  path: string;
  summary: string | null;
  /** A JS template literal body: /api/v1/orders/${enc(params["id"])} */
  pathTemplate: string;
  paramsType: string | null;
  queryType: string | null;
  queryRequired: boolean;
  bodyType: string | null;
  /** The union of the 2xx bodies ("undefined" when none has one). */
  resultType: string;
  /** The union of the declared 4xx/5xx bodies ("unknown" when none has one). */
  errorType: string;
  statuses: string;
  jwt: boolean;
}

export interface TsClientView {
  system: string;
  packageName: string;
  typescript: string;
  components: { name: string; tsType: string }[];
  operations: TsClientOperation[];
}

/** The package's view: undefined when the system publishes no API through a gateway. */
export function tsClientView(model: SystemModel): TsClientView | undefined {
  const doc = gatewayOpenApi(model);
  if (!doc) return undefined;
  const refName = (ref: string): string | undefined => {
    const m = /^#\/components\/schemas\/([^/]+)$/.exec(ref);
    return m ? (m[1] as string).replace(/~1/g, "/").replace(/~0/g, "~") : undefined;
  };
  const ts = (s: unknown): string => schemaToTs(s, 0, refName);
  const schemas = isObject(doc.components) && isObject(doc.components.schemas) ? doc.components.schemas : {};
  const components = Object.entries(schemas).map(([name, schema]) => ({ name, tsType: ts(schema) }));
  const operations: TsClientOperation[] = [];
  const paths = isObject(doc.paths) ? doc.paths : {};
  for (const [p, byMethod] of Object.entries(paths)) {
    if (!isObject(byMethod)) continue;
    for (const m of METHODS) {
      const op = byMethod[m];
      if (!isObject(op)) continue;
      const parameters = Array.isArray(op.parameters) ? op.parameters.filter(isObject) : [];
      const objectType = (ps: Json[]): string =>
        `{\n${ps.map((x) => `  ${/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(String(x.name)) ? String(x.name) : JSON.stringify(x.name)}${x.required ? "" : "?"}: ${schemaToTs(x.schema, 1, refName)};`).join("\n")}\n}`;
      const pathParams = parameters.filter((x) => x.in === "path");
      const queryParams = parameters.filter((x) => x.in === "query");
      const body = isObject(op.requestBody) && isObject(op.requestBody.content) ? (op.requestBody.content["application/json"] as Json | undefined)?.schema : undefined;
      const responses = isObject(op.responses) ? op.responses : {};
      const bodyOf = (status: string): string | null => {
        const r = responses[status];
        if (!isObject(r) || !isObject(r.content)) return null;
        const c = (r.content["application/json"] ?? r.content["application/problem+json"]) as Json | undefined;
        return c && "schema" in c ? ts(c.schema) : null;
      };
      const union = (types: (string | null)[], none: string): string => {
        const u = [...new Set(types.filter((t): t is string => t !== null))];
        return u.length ? u.map((t) => (u.length > 1 && t.includes("\n") ? `(${t})` : t)).join(" | ") : none;
      };
      const ok = Object.keys(responses).filter((s) => /^2\d\d$/.test(s));
      const bad = Object.keys(responses).filter((s) => /^[45]\d\d$/.test(s));
      const operationId = String(op.operationId);
      operations.push({
        operationId,
        typePrefix: toPascal(operationId),
        method: m.toUpperCase(),
        path: p,
        summary: typeof op.summary === "string" ? op.summary : null,
        pathTemplate: p.replace(/\{([^}]+)\}/g, (_x, n: string) => "${enc(params[" + JSON.stringify(n) + "])}"),
        paramsType: pathParams.length ? objectType(pathParams) : null,
        queryType: queryParams.length ? objectType(queryParams) : null,
        queryRequired: queryParams.some((x) => x.required === true),
        bodyType: body === undefined ? null : ts(body),
        resultType: ok.length ? union(ok.map(bodyOf), "undefined") : "unknown",
        errorType: union(bad.map(bodyOf), "unknown"),
        statuses: Object.keys(responses).join(", "),
        jwt: Array.isArray(op.security) && op.security.length > 0,
      });
    }
  }
  const scope = model.name.toLowerCase().replace(/[^a-z0-9-._~]/g, "-");
  return { system: model.name, packageName: `@${scope}/api-client`, typescript: NODE_DEV_DEPENDENCIES.typescript, components, operations };
}

export const planTsClient: Planner = (model, render) => {
  const view = tsClientView(model);
  if (!view) return [];
  return ["package.json", "tsconfig.json", "README.md", "src/index.ts"].map(
    (f): PlannedFile => ({ path: `${TS_CLIENT_DIR}/${f}`, owner: "generated", content: render(`clients/ts/${f}`, view) }),
  );
};
