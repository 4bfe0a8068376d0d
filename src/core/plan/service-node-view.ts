// View objects for the node-express service templates: everything a template needs, computed once.
// Pure: model in, plain data out (no rendering here).
import { contextContract, contractDocument, contractSchemaId } from "../api/openapi.js";
import { sagaActionsOf } from "./saga-actions.js";
import { schemaNeedsOwnProperties } from "../events/own-properties.js";
import { unknownPathFor } from "./paths.js";
import type { Context, DatabaseEngine, EventType, SystemModel } from "../model.js";
import { contextsByName, DEFAULT_CALL_RETRIES, DEFAULT_CALL_TIMEOUT_MS, DEFAULT_CIRCUIT_BREAKER } from "../model.js";
import { toCamel, toEnvName, toPascal } from "../names.js";
import { samplePayload } from "./sample.js";
import { esView, type EsView } from "./service-node-es.js";
import { schemaToTs } from "./service-node-types.js";
import { grpcServerView, grpcCallViews, type GrpcCallView, type GrpcServerView } from "./service-grpc-view.js";

/** Exact versions of what generated node services depend on (pinned: no ranges). */
export const NODE_DEPENDENCIES = {
  express: "5.3.0",
  pino: "10.4.0",
  "prom-client": "15.1.3",
  ajv: "8.20.0",
  "ajv-formats": "3.0.1",
  cockatiel: "3.2.1", // 4.x requires Node 22; generated services support Node >= 20
  // OpenTelemetry: the last SDK line for Node 20 (0.300+/2.x-next require Node 22.15); the api within sdk-node's peer range
  "@opentelemetry/api": "1.9.1",
  "@opentelemetry/sdk-node": "0.223.0",
  "@opentelemetry/instrumentation-http": "0.223.0",
  "@opentelemetry/instrumentation-express": "0.71.1",
  "@opentelemetry/instrumentation-undici": "0.33.0",
} as const;
export const NODE_BROKER_DEPENDENCIES: Record<string, Record<string, string>> = {
  rabbitmq: { amqplib: "2.3.1" },
  nats: { nats: "2.29.3" },
  kafka: { kafkajs: "2.2.4" },
  memory: {},
};
export const NODE_DATABASE_DEPENDENCIES: Record<DatabaseEngine, Record<string, string>> = {
  // pg-protocol: node-postgres' own serializer (its dependency, ^1.16.1), used directly to send the inbox claim in one write
  postgres: { pg: "8.23.1", "pg-protocol": "1.16.1", "@opentelemetry/instrumentation-pg": "0.76.0" },
  mysql: { mysql2: "3.24.5", "@opentelemetry/instrumentation-mysql2": "0.69.0" },
  mongodb: { mongodb: "7.8.0" },
  redis: { redis: "6.3.1" },
};
export const NODE_DEV_DEPENDENCIES = {
  "@types/express": "5.0.6",
  "@types/node": "20.19.25",
  typescript: "5.9.3",
  vitest: "4.1.12",
} as const;
/** gRPC (docs/grpc.md): for a context with `grpc` or a `protocol: grpc` call. grpc-js and proto-loader by the gRPC
 * team, the reflection service from the same repository (grpc-node); all run on Node >= 12. */
export const NODE_GRPC_DEPENDENCIES = {
  "@grpc/grpc-js": "1.14.7",
  "@grpc/proto-loader": "0.8.1",
  "@grpc/reflection": "1.0.4",
} as const;
/** discovery: consul — the `consul` client (silas/node-consul: a thin, typed wrapper over Consul's HTTP API; 2.x runs on
 * Node >= 18, no engines limit, depends on papi and uuid only). */
export const NODE_DISCOVERY_DEPENDENCIES = { consul: "2.0.1" } as const;
export const NODE_DATABASE_DEV_DEPENDENCIES: Record<DatabaseEngine, Record<string, string>> = {
  postgres: { "@types/pg": "8.23.1" },
  mysql: {},
  mongodb: {},
  redis: {},
};

interface Dep {
  name: string;
  version: string;
}
const depList = (...maps: Record<string, string>[]): Dep[] =>
  Object.entries(Object.assign({}, ...maps) as Record<string, string>)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, version]) => ({ name, version }));

export interface EventVersionView {
  version: number;
  /** schemas/events/<event>.v<n>.json */
  file: string;
  typeName: string;
  tsType: string;
  schemaJson: string;
  /** A payload valid against the schema, for the generated tests. */
  sampleJson: string;
}

export interface EventView {
  name: string;
  camelName: string;
  pascalName: string;
  /** onOrderCreated */
  handler: string;
  /** publishOrderCreated */
  publisher: string;
  latest: EventVersionView;
  versions: EventVersionView[];
  published: boolean;
  consumed: boolean;
}

export interface NodeServiceView {
  system: string;
  systemEnv: string;
  name: string;
  description: string;
  port: number;
  envVar: string;
  broker: string;
  database: { engine: DatabaseEngine; name: string } | null;
  /** The engine, or "none": lets templates compare without touching a null database. */
  dbEngine: DatabaseEngine | "none";
  /** postgres or mysql: ctx.db.transaction, the inbox in the handler's transaction, the outbox and its relay. */
  sqlDb: boolean;
  /** The class of database.ts for the engine (PostgresDatabase …), or null. */
  dbClass: string | null;
  /** A path none of its routes answers (the 404 test). */
  unknownPath: string;
  endpoints: {
    method: string;
    methodLower: string;
    path: string;
    expressPath: string;
    operationId: string;
    params: string[];
    /** The path with every parameter set to 1, for the generated tests. */
    examplePath: string;
    hasBody: boolean;
    /** Declared with a contract: validated, typed from src/generated/api.ts. */
    contract: boolean;
    /** PostOrders: the prefix of its types (PostOrdersRequest …). */
    typePrefix: string;
  }[];
  /** The REST contract of the endpoints declared with one (docs/rest-contracts.md); null when none is. */
  api: ApiView | null;
  /** The contracts of the contexts it calls, for the typed clients (src/generated/contracts.ts). */
  calleeContracts: { target: string; components: ApiView["components"]; operations: ApiOperationView[] }[];
  events: EventView[];
  /** Every event type of the system (RabbitMQ unbinds those this context does not consume). */
  systemEvents: string[];
  /** broker.retry of system.yaml: the consumer's attempts and backoff (events.ts). */
  retry: { attempts: number; initialDelayMs: number; maxDelayMs: number };
  /** broker.kafka of system.yaml: topics declared by the service, where a new consumer group starts (broker/kafka.ts). */
  kafka: { partitions: number; replicationFactor: number; startFrom: "earliest" | "latest" };
  /** Some bundled schema names an Object.prototype member as a property: ajv checks own keys (events.ts). */
  ajvOwnProperties: boolean;
  published: EventView[];
  consumed: EventView[];
  calls: {
    target: string;
    camelName: string;
    pascalName: string;
    envVar: string;
    timeoutMs: number;
    retries: number;
    threshold: number;
    resetTimeoutMs: number;
    bulkhead: { maxConcurrent: number; maxQueue: number } | null;
    operations: { method: string; path: string; pathTemplate: string; operationId: string; params: string[]; hasBody: boolean; contract: boolean; typePrefix: string; typedPathTemplate: string; hasQuery: boolean; queryRequired: boolean }[];
  }[];
  /** Contexts whose URL this service needs from the environment (calls and saga steps). */
  urls: { target: string; envVar: string; port: number }[];
  sagas: {
    name: string;
    camelName: string;
    steps: { index: number; context: string; envVar: string; action: string; compensation: string | null }[];
  }[];
  /** The step contexts of the sagas this context orchestrates, with the resilience policy of their calls (declared in `calls`, else the defaults). */
  sagaTargets: { target: string; camelName: string; timeoutMs: number; retries: number; threshold: number; resetTimeoutMs: number; declared: boolean }[];
  /** Saga actions this context serves: POST /saga/<saga>/<action>; `pair` is the compensation of an action, the action of a compensation. */
  sagaActions: { saga: string; action: string; camelName: string; file: string; kind: "action" | "compensation"; pair: string | null }[];
  dependencies: Dep[];
  devDependencies: Dep[];
  /** Event store, aggregates, read models and upcasters (docs/event-sourcing.md); null for a plain state context. */
  es: EsView | null;
  /** es.eventSourced, es.readModels.length > 0 (templates render in strict mode: no lookups through a null es). */
  eventSourced: boolean;
  hasReadModels: boolean;
  /** Consumed events / published events of a state context that the store records (they feed read models). */
  recordsConsumed: boolean;
  recordsPublished: boolean;
  /** Its gRPC server (contexts.<c>.grpc, docs/grpc.md); null without one. */
  grpcServer: GrpcServerView | null;
  /** Its `protocol: grpc` calls (to callees with grpc). */
  grpcCalls: GrpcCallView[];
  /** discovery: consul — register with the agent, resolve callees through it (src/generated/discovery.ts). */
  consul: boolean;
  /** The .proto files it ships under proto/: its own and its gRPC callees'. */
  protos: { file: string; text: string }[];
}

export interface ApiOperationView {
  operationId: string;
  method: string;
  path: string;
  typePrefix: string;
  paramsType: string;
  queryType: string;
  /** The query string's type for a caller (null: the operation declares no query). */
  clientQueryType: string | null;
  /** Some query parameter is required: the client's options (and their query) are then required. */
  queryRequired: boolean;
  bodyType: string;
  responses: { status: string; tsType: string }[];
  /** The union of the response bodies (unknown when no response declares one). */
  responseBodyType: string;
  examplePath: string;
  /** A request body valid against the contract, for the generated tests (null: no body schema). */
  sampleBodyJson: string | null;
  /** A request body that breaks it, and the JSON pointer the 400 must name. */
  invalidBody: { json: string; pointer: string } | null;
}

export interface ApiView {
  /** schemas/api.json: `$id`, the components and each operation's parts as JSON Schemas. */
  schemaJson: string;
  schemaId: string;
  components: { name: string; tsType: string }[];
  operations: ApiOperationView[];
}

/** The schema a root `$ref` (#/$defs/…, a bundled file) points to: what the body's top level must be. */
function followRootRef(schema: Record<string, unknown>): Record<string, unknown> {
  let node: unknown = schema;
  for (let i = 0; i < 8 && node && typeof node === "object" && typeof (node as Record<string, unknown>).$ref === "string"; i++) {
    const ref = (node as Record<string, unknown>).$ref as string;
    if (!ref.startsWith("#/")) break;
    let target: unknown = schema;
    for (const seg of ref.slice(2).split("/").map((x) => x.replace(/~1/g, "/").replace(/~0/g, "~"))) target = target && typeof target === "object" ? (target as Record<string, unknown>)[seg] : undefined;
    node = target;
  }
  return node && typeof node === "object" && !Array.isArray(node) ? (node as Record<string, unknown>) : {};
}

/** `prefix` prefixes every type name (a caller's view of a callee's contract: InventoryStock, InventoryGetStockBySku…). */
export function apiView(model: SystemModel, c: Context, prefix = ""): ApiView | null {
  if (!c.api.some((ep) => ep.contract)) return null;
  const contract = contextContract(c);
  const schemaId = contractSchemaId(model, c);
  const refName = (ref: string): string | undefined => {
    const m = /^#\/components\/schemas\/([^/]+)$/.exec(ref);
    return m ? prefix + (m[1] as string).replace(/~1/g, "/").replace(/~0/g, "~") : undefined;
  };
  const ts = (schema: unknown, none: string): string => (schema ? schemaToTs(schema, 0, refName) : none);
  const operations: ApiOperationView[] = c.api
    .filter((ep) => ep.contract)
    .map((ep) => {
      const op = contract.operations[ep.operationId]!;
      const responses = Object.entries(op.responses).map(([status, schema]) => ({ status, tsType: schema ? ts(schema, "unknown") : "undefined" }));
      const bodies = [...new Set(responses.filter((r) => r.tsType !== "undefined").map((r) => r.tsType))];
      const sample = ep.request && op.body ? samplePayload(ep.request.schema).sample : undefined;
      let invalidBody: ApiOperationView["invalidBody"] = null;
      if (op.body && ep.request) {
        const root = followRootRef(ep.request.schema);
        const required = Array.isArray(root.required) ? (root.required as unknown[]).filter((x): x is string => typeof x === "string") : [];
        if (required.length && sample && typeof sample === "object" && !Array.isArray(sample)) {
          const { [required[0] as string]: _dropped, ...rest } = sample as Record<string, unknown>;
          invalidBody = { json: JSON.stringify(rest), pointer: `/${(required[0] as string).replace(/~/g, "~0").replace(/\//g, "~1")}` };
        } else if (root.type === "object") invalidBody = { json: "[]", pointer: "" };
      }
      return {
        operationId: ep.operationId,
        method: ep.method,
        path: ep.path,
        typePrefix: prefix + toPascal(ep.operationId),
        paramsType: op.params ? ts(op.params, "unknown") : "Record<string, never>",
        queryType: op.query ? ts(op.query, "unknown") : 'Request["query"]',
        clientQueryType: op.query ? ts(op.query, "unknown") : null,
        queryRequired: !!op.query && Array.isArray(followRootRef(op.query).required) && (followRootRef(op.query).required as unknown[]).length > 0,
        bodyType: op.body ? ts(op.body, "unknown") : "unknown",
        responses,
        responseBodyType: bodies.length ? bodies.map((b) => (bodies.length > 1 && b.includes("\n") ? `(${b})` : b)).join(" | ") : "unknown",
        examplePath: ep.path.replace(/\{[^}]+\}/g, "1"),
        sampleBodyJson: sample === undefined ? null : JSON.stringify(sample),
        invalidBody,
      };
    });
  const doc = contractDocument(model, c);
  return {
    schemaJson: JSON.stringify(doc, null, 2),
    schemaId,
    components: Object.entries(contract.components).map(([name, schema]) => ({ name: prefix + name, tsType: schemaToTs(schema, 0, refName) })),
    operations,
  };
}

const versionView = (e: EventType, v: EventType["versions"][number]): EventVersionView => {
  const typeName = `${toPascal(e.name)}V${v.version}`;
  return {
    version: v.version,
    file: `schemas/events/${e.name}.v${v.version}.json`,
    typeName,
    tsType: schemaToTs(v.schema),
    schemaJson: JSON.stringify(v.schema, null, 2),
    sampleJson: JSON.stringify(samplePayload(v.schema).sample),
  };
};

export function nodeServiceView(model: SystemModel, c: Context): NodeServiceView {
  const events: EventView[] = model.events
    .filter((e) => c.publishes.includes(e.name) || c.consumes.includes(e.name))
    .map((e) => {
      const versions = e.versions.map((v) => versionView(e, v));
      return {
        name: e.name,
        camelName: toCamel(e.name),
        pascalName: toPascal(e.name),
        handler: `on${toPascal(e.name)}`,
        publisher: `publish${toPascal(e.name)}`,
        latest: versions[versions.length - 1] as EventVersionView,
        versions,
        published: c.publishes.includes(e.name),
        consumed: c.consumes.includes(e.name),
      };
    });
  const byName = contextsByName(model);
  const grpcServer = grpcServerView(model, c);
  const grpcCalls = grpcCallViews(model, c);
  const grpcTargets = new Set(grpcCalls.map((g) => g.target));
  const calls = c.calls.filter((call) => !grpcTargets.has(call.target)).map((call) => ({
    target: call.target,
    camelName: toCamel(call.target),
    pascalName: toPascal(call.target),
    envVar: toEnvName(call.target),
    timeoutMs: call.timeoutMs,
    retries: call.retries,
    threshold: Math.min(0.99, Math.max(0.01, call.circuitBreaker.errorThresholdPercentage / 100)),
    resetTimeoutMs: call.circuitBreaker.resetTimeoutMs,
    bulkhead: call.bulkhead ?? null,
    operations: (byName.get(call.target)?.api ?? []).map((ep) => ({
      method: ep.method,
      path: ep.path,
      /** A JS template literal body: /stock/${enc(params.sku)} */
      pathTemplate: ep.path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, p: string) => "${enc(params." + p + ")}"),
      operationId: ep.operationId,
      params: ep.params,
      hasBody: ep.method === "POST" || ep.method === "PUT" || ep.method === "PATCH",
      /** Typed from the callee's contract (src/generated/contracts.ts): InventoryPostReservations… */
      contract: ep.contract,
      typePrefix: toPascal(call.target) + toPascal(ep.operationId),
      /** The path with its parameters as strings (a typed parameter may be a number). */
      typedPathTemplate: ep.path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, p: string) => "${enc(String(params." + p + "))}"),
      /** The callee declares a query: the typed method's options carry it (RequestOptions.query, typed). */
      hasQuery: ep.contract && !!ep.query,
      queryRequired: ep.contract && !!ep.query && Array.isArray(ep.query.schema.required) && ep.query.schema.required.length > 0,
    })),
  }));
  const calleeContracts = c.calls
    .filter((call) => !grpcTargets.has(call.target))
    .map((call) => byName.get(call.target))
    .filter((t): t is Context => !!t)
    .map((t) => ({ target: t.name, view: apiView(model, t, toPascal(t.name)) }))
    .filter((x): x is { target: string; view: ApiView } => x.view !== null)
    .map((x) => ({ target: x.target, components: x.view.components, operations: x.view.operations }));
  const sagas = model.sagas
    .filter((s) => s.orchestrator === c.name)
    .map((s) => ({
      name: s.name,
      camelName: toCamel(s.name),
      steps: s.steps.map((st, index) => ({ index, context: st.context, envVar: toEnvName(st.context), action: st.action, compensation: st.compensation })),
    }));
  const urlTargets = new Set<string>([...c.calls.filter((x) => !grpcTargets.has(x.target)).map((x) => x.target), ...sagas.flatMap((s) => s.steps.map((st) => st.context))]);
  const sagaActions: NodeServiceView["sagaActions"] = sagaActionsOf(model, c).map((a) => {
    const camelName = toCamel(`${a.saga}-${a.action}`);
    return { ...a, camelName, file: `src/saga/${a.saga}.${a.action}.ts` };
  });
  sagaActions.sort((a, b) => (a.camelName < b.camelName ? -1 : 1));
  const sagaTargets = [...new Set(sagas.flatMap((s) => s.steps.map((st) => st.context)))].sort().map((target) => {
    const call = c.calls.find((x) => x.target === target);
    const cb = call?.circuitBreaker ?? DEFAULT_CIRCUIT_BREAKER;
    return {
      target,
      camelName: toCamel(target),
      timeoutMs: call?.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
      retries: call?.retries ?? DEFAULT_CALL_RETRIES,
      threshold: Math.min(0.99, Math.max(0.01, cb.errorThresholdPercentage / 100)),
      resetTimeoutMs: cb.resetTimeoutMs,
      declared: !!call,
    };
  });
  const db = c.database;
  return {
    system: model.name,
    systemEnv: toEnvName(model.name),
    name: c.name,
    description: c.description,
    port: c.port,
    envVar: c.envName,
    broker: model.broker.kind,
    database: db ? { engine: db.engine, name: db.name } : null,
    dbEngine: db ? db.engine : "none",
    sqlDb: db?.engine === "postgres" || db?.engine === "mysql",
    dbClass: db ? `${{ postgres: "Postgres", mysql: "Mysql", mongodb: "Mongo", redis: "Redis" }[db.engine]}Database` : null,
    unknownPath: unknownPathFor(c.api),
    endpoints: c.api.map((ep) => ({
      method: ep.method,
      methodLower: ep.method.toLowerCase(),
      path: ep.path,
      expressPath: ep.expressPath,
      operationId: ep.operationId,
      params: ep.params,
      examplePath: ep.path.replace(/\{[^}]+\}/g, "1"),
      hasBody: ep.method === "POST" || ep.method === "PUT" || ep.method === "PATCH",
      contract: ep.contract,
      typePrefix: toPascal(ep.operationId),
    })),
    api: apiView(model, c),
    calleeContracts,
    events,
    systemEvents: model.events.map((e) => e.name),
    retry: model.broker.retry,
    kafka: model.broker.kafka,
    ajvOwnProperties: model.events.some((e) => events.some((v) => v.name === e.name) && e.versions.some((v) => schemaNeedsOwnProperties(v.schema))),
    published: events.filter((e) => e.published),
    consumed: events.filter((e) => e.consumed),
    calls,
    urls: [...urlTargets].sort().map((t) => ({ target: t, envVar: toEnvName(t), port: byName.get(t)?.port ?? 80 })),
    sagas,
    sagaTargets,
    sagaActions,
    dependencies: depList(NODE_DEPENDENCIES, NODE_BROKER_DEPENDENCIES[model.broker.kind] ?? {}, db ? NODE_DATABASE_DEPENDENCIES[db.engine] : {}, grpcServer || grpcCalls.length ? NODE_GRPC_DEPENDENCIES : {}, model.discovery === "consul" ? NODE_DISCOVERY_DEPENDENCIES : {}),
    devDependencies: depList(NODE_DEV_DEPENDENCIES, db ? NODE_DATABASE_DEV_DEPENDENCIES[db.engine] : {}),
    ...esFields(db?.engine === "postgres" ? esView(c, events) : null),
    grpcServer,
    grpcCalls,
    consul: model.discovery === "consul",
    protos: [
      ...(grpcServer ? [{ file: grpcServer.protoFile, text: grpcServer.protoText }] : []),
      ...grpcCalls.filter((g) => g.target !== c.name).map((g) => ({ file: g.protoFile, text: g.protoText })),
    ],
  };
}

const esFields = (es: EsView | null): Pick<NodeServiceView, "es" | "eventSourced" | "hasReadModels" | "recordsConsumed" | "recordsPublished"> => ({
  es,
  eventSourced: !!es?.eventSourced,
  hasReadModels: !!es?.readModels.length,
  recordsConsumed: !!es?.recordedConsumed.length,
  recordsPublished: !!es?.recordedPublished.length,
});
