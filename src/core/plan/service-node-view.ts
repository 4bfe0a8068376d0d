// View objects for the node-express service templates: everything a template needs, computed once.
// Pure: model in, plain data out (no rendering here).
import { schemaNeedsOwnProperties } from "../events/own-properties.js";
import { unknownPathFor } from "./paths.js";
import type { Context, DatabaseEngine, EventType, SystemModel } from "../model.js";
import { toCamel, toEnvName, toPascal } from "../names.js";
import { samplePayload } from "./sample.js";
import { schemaToTs } from "./service-node-types.js";

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
  postgres: { pg: "8.23.1", "@opentelemetry/instrumentation-pg": "0.76.0" },
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
  }[];
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
    operations: { method: string; path: string; pathTemplate: string; operationId: string; params: string[]; hasBody: boolean }[];
  }[];
  /** Contexts whose URL this service needs from the environment (calls and saga steps). */
  urls: { target: string; envVar: string; port: number }[];
  sagas: {
    name: string;
    camelName: string;
    steps: { index: number; context: string; envVar: string; action: string; compensation: string | null }[];
  }[];
  /** Saga actions this context serves: POST /saga/<saga>/<action>. */
  sagaActions: { saga: string; action: string; camelName: string; file: string; kind: "action" | "compensation" }[];
  dependencies: Dep[];
  devDependencies: Dep[];
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
  const byName = new Map(model.contexts.map((x) => [x.name, x]));
  const calls = c.calls.map((call) => ({
    target: call.target,
    camelName: toCamel(call.target),
    pascalName: toPascal(call.target),
    envVar: toEnvName(call.target),
    timeoutMs: call.timeoutMs,
    retries: call.retries,
    threshold: Math.min(0.99, Math.max(0.01, call.circuitBreaker.errorThresholdPercentage / 100)),
    resetTimeoutMs: call.circuitBreaker.resetTimeoutMs,
    operations: (byName.get(call.target)?.api ?? []).map((ep) => ({
      method: ep.method,
      path: ep.path,
      /** A JS template literal body: /stock/${enc(params.sku)} */
      pathTemplate: ep.path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, p: string) => "${enc(params." + p + ")}"),
      operationId: ep.operationId,
      params: ep.params,
      hasBody: ep.method === "POST" || ep.method === "PUT" || ep.method === "PATCH",
    })),
  }));
  const sagas = model.sagas
    .filter((s) => s.orchestrator === c.name)
    .map((s) => ({
      name: s.name,
      camelName: toCamel(s.name),
      steps: s.steps.map((st, index) => ({ index, context: st.context, envVar: toEnvName(st.context), action: st.action, compensation: st.compensation })),
    }));
  const urlTargets = new Set<string>([...c.calls.map((x) => x.target), ...sagas.flatMap((s) => s.steps.map((st) => st.context))]);
  const sagaActions: NodeServiceView["sagaActions"] = [];
  for (const s of model.sagas)
    for (const st of s.steps) {
      if (st.context !== c.name) continue;
      const add = (action: string, kind: "action" | "compensation"): void => {
        if (sagaActions.some((a) => a.saga === s.name && a.action === action)) return;
        const camelName = toCamel(`${s.name}-${action}`);
        sagaActions.push({ saga: s.name, action, camelName, file: `src/saga/${s.name}.${action}.ts`, kind });
      };
      add(st.action, "action");
      if (st.compensation) add(st.compensation, "compensation");
    }
  sagaActions.sort((a, b) => (a.camelName < b.camelName ? -1 : 1));
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
    })),
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
    sagaActions,
    dependencies: depList(NODE_DEPENDENCIES, NODE_BROKER_DEPENDENCIES[model.broker.kind] ?? {}, db ? NODE_DATABASE_DEPENDENCIES[db.engine] : {}),
    devDependencies: depList(NODE_DEV_DEPENDENCIES, db ? NODE_DATABASE_DEV_DEPENDENCIES[db.engine] : {}),
  };
}
