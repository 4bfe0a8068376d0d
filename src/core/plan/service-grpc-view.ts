// View objects of gRPC (docs/grpc.md) for the node-express and python-flask templates: the server of a context with
// `grpc`, the clients of its `protocol: grpc` calls, the message types. Pure.
import { contextsByName, type Context, type SystemModel } from "../model.js";
import { toCamel, toEnvName, toPascal } from "../names.js";
import { pythonName } from "./python-names.js";
import { schemaToTs } from "./service-node-types.js";

type Schema = Record<string, unknown>;
const isSchema = (v: unknown): v is Schema => !!v && typeof v === "object" && !Array.isArray(v);

export interface GrpcMethodView {
  name: string;
  camelName: string;
  /** get_stock */
  snakeName: string;
  idempotent: boolean;
  requestType: string;
  responseType: string;
  /** TypeScript of the request/response as the node code sees them (proto-loader: keepCase, longs and enums as Number/String). */
  requestTs: string;
  responseTs: string;
}

export interface GrpcServerView {
  port: number;
  /** proto/<context>.proto */
  protoFile: string;
  protoText: string;
  package: string;
  service: string;
  fullService: string;
  /** The python module protoc makes of it, without its _pb2 suffix: the context's name, dashes as underscores. */
  pyModule: string;
  methods: GrpcMethodView[];
}

export interface GrpcCallView extends GrpcServerView {
  target: string;
  camelName: string;
  pascalName: string;
  envVar: string;
  /** host:port in compose and in the cluster */
  defaultAddr: string;
  timeoutMs: number;
  retries: number;
  threshold: number;
  resetTimeoutMs: number;
  /** calls.<callee>.bulkhead (docs/bulkheads.md): the limiter of every call to this callee; null: none. */
  bulkhead: { maxConcurrent: number; maxQueue: number } | null;
}

/** The TypeScript of a message as proto-loader hands it over: enums are their proto names (strings). */
function messageTs(schema: unknown): string {
  const strip = (s: unknown): unknown => {
    if (Array.isArray(s)) return s.map(strip);
    if (!isSchema(s)) return s;
    if (Array.isArray(s.enum)) return { type: "string" };
    return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, strip(v)]));
  };
  const ts = schemaToTs(strip(isSchema(schema) ? { type: "object", ...schema } : { type: "object" }));
  return ts === "unknown" ? "Record<string, unknown>" : ts;
}

function rawMethods(model: SystemModel, c: Context): Map<string, { request: unknown; response: unknown }> {
  const raw = (model.loaded.data as { contexts?: Record<string, { grpc?: { methods?: Record<string, { request?: unknown; response?: unknown }> } }> }).contexts?.[c.name]?.grpc?.methods ?? {};
  return new Map(Object.entries(raw).map(([k, v]) => [k, { request: v?.request, response: v?.response }]));
}

export function grpcServerView(model: SystemModel, c: Context): GrpcServerView | null {
  const g = c.grpc;
  if (!g) return null;
  const raw = g.protoFile ? new Map<string, { request: unknown; response: unknown }>() : rawMethods(model, c);
  return {
    port: g.port,
    protoFile: `proto/${c.name}.proto`,
    protoText: g.protoText,
    package: g.package,
    service: g.service,
    fullService: g.fullService,
    pyModule: c.name.replace(/-/g, "_"),
    methods: g.methods.map((m) => {
      const r = raw.get(m.name);
      return {
        name: m.name,
        camelName: toCamel(m.name),
        snakeName: pythonName(m.name),
        idempotent: m.idempotent,
        requestType: m.requestType,
        responseType: m.responseType,
        requestTs: r ? messageTs(r.request) : "Record<string, unknown>",
        responseTs: r ? messageTs(r.response) : "Record<string, unknown>",
      };
    }),
  };
}

export function grpcCallViews(model: SystemModel, c: Context): GrpcCallView[] {
  const byName = contextsByName(model);
  return c.calls
    .filter((call) => call.protocol === "grpc")
    .flatMap((call) => {
      const callee = byName.get(call.target);
      const server = callee ? grpcServerView(model, callee) : null;
      if (!callee || !server) return [];
      return [
        {
          ...server,
          target: call.target,
          camelName: toCamel(call.target),
          pascalName: toPascal(call.target),
          envVar: toEnvName(call.target),
          defaultAddr: `${call.target}:${server.port}`,
          timeoutMs: call.timeoutMs,
          retries: call.retries,
          threshold: Math.min(0.99, Math.max(0.01, call.circuitBreaker.errorThresholdPercentage / 100)),
          resetTimeoutMs: call.circuitBreaker.resetTimeoutMs,
          bulkhead: call.bulkhead ?? null,
        },
      ];
    });
}
