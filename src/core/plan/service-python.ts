// Planner: python-flask services under services/<context>/ (Flask app, gunicorn, Dockerfile, tests).
// Events: rabbitmq (pika), nats (JetStream over the plain NATS protocol, standard library) and memory
// are implemented; kafka gets an adapter that raises a NotImplementedError naming the broker.
import { contractDocument, contractSchemaId } from "../api/openapi.js";
import type { Context, SystemModel } from "../model.js";
import { DEFAULT_CALL_RETRIES, DEFAULT_CALL_TIMEOUT_MS, DEFAULT_CIRCUIT_BREAKER } from "../model.js";
import { toEnvName, toSnake } from "../names.js";
import type { Render } from "../render.js";
import { unknownPathFor } from "./paths.js";
import { sagaActionsOf } from "./saga-actions.js";
import { apiView } from "./service-node-view.js";
import { pythonApiTypes, pythonCalleeTypes } from "./service-python-api.js";
import { grpcCallViews, grpcServerView } from "./service-grpc-view.js";
import { lazyFile, type PlannedFile, type Planner } from "./types.js";

const T = "services/python-flask";

/** Brokers the generated Python code can publish to and consume from. */
export const PYTHON_BROKERS_SUPPORTED: readonly string[] = ["rabbitmq", "nats", "memory"];

/** Pinned production dependencies; which ones a service gets depends on its database, broker and events. */
export const PYTHON_REQUIREMENTS = {
  flask: { name: "Flask", version: "3.1.2" },
  gunicorn: { name: "gunicorn", version: "23.0.0" },
  jsonschema: { name: "jsonschema", version: "4.23.0" },
  // the official Prometheus client (multiprocess mode under gunicorn); Debian ships 0.16.0 as python3-prometheus-client
  prometheusClient: { name: "prometheus-client", version: "0.16.0" },
  // OpenTelemetry (app/telemetry.py uses it when importable; not installable on msa's build machine: no PyPI)
  otelApi: { name: "opentelemetry-api", version: "1.29.0" },
  otelSdk: { name: "opentelemetry-sdk", version: "1.29.0" },
  otelExporter: { name: "opentelemetry-exporter-otlp-proto-http", version: "1.29.0" },
  pika: { name: "pika", version: "1.3.2" },
  postgres: { name: "psycopg2-binary", version: "2.9.10" },
  mysql: { name: "PyMySQL", version: "1.1.1" },
  mongodb: { name: "pymongo", version: "4.10.1" },
  redis: { name: "redis", version: "5.2.1" },
  // gRPC (docs/grpc.md): Debian bookworm's python3-grpcio / python3-protobuf versions; reflection is used when installed
  grpcio: { name: "grpcio", version: "1.51.1" },
  protobuf: { name: "protobuf", version: "4.21.12" },
  grpcioReflection: { name: "grpcio-reflection", version: "1.51.1" },
  // discovery: consul — Debian bookworm's python3-consul (app/discovery.py replaces its transport: see there)
  consul: { name: "python-consul", version: "0.7.1" },
} as const;
/** Generates the gRPC stubs in the Dockerfile's build stage (and in the tests, from Debian's python3-grpc-tools). */
export const PYTHON_GRPC_TOOLS = { name: "grpcio-tools", version: "1.51.1" } as const;
export const PYTHON_DEV_REQUIREMENTS = [{ name: "pytest", version: "8.3.4" }] as const;

/** A URL of the engine that nothing listens on: the generated readiness test expects it to be down. */
const UNREACHABLE_DB: Record<string, string> = {
  postgres: "postgres://postgres@127.0.0.1:1/x",
  mysql: "mysql://root@127.0.0.1:1/x",
  mongodb: "mongodb://127.0.0.1:1/x",
  redis: "redis://127.0.0.1:1/0",
};

/** getOrdersById → get_orders_by_id */
export const pythonName = (camel: string): string => camel.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

const PY_KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield".split(" "),
);
/** A path parameter that is a Python keyword gets a trailing underscore in the handler signature. */
const safeIdent = (s: string): string => (PY_KEYWORDS.has(s) ? `${s}_` : s);

export function pythonServiceView(model: SystemModel, c: Context) {
  const eventByName = new Map(model.events.map((e) => [e.name, e]));
  const portOf = new Map(model.contexts.map((x) => [x.name, x.port]));
  const eventView = (name: string) => {
    const e = eventByName.get(name);
    return { name, latest: e?.latest.version ?? 1, owner: e?.owner ?? null, handler: `on_${toSnake(name)}` };
  };
  const publishes = c.publishes.filter((n) => eventByName.has(n)).map(eventView);
  const consumes = c.consumes.filter((n) => eventByName.has(n)).map(eventView);
  const schemaFiles = [...new Set([...c.publishes, ...c.consumes])]
    .sort()
    .flatMap((n) => eventByName.get(n)?.versions.map((v) => ({ path: `schemas/events/${n}.v${v.version}.json`, schema: v.schema })) ?? []);
  const hasEvents = publishes.length + consumes.length > 0;
  // the REST contract (docs/rest-contracts.md): the same schemas/api.json as a node service's
  // (its operations: the node view's, for their method, path, sample and invalid bodies)
  const api = c.api.some((e) => e.contract) ? { schemaId: contractSchemaId(model, c), schemaJson: JSON.stringify(contractDocument(model, c), null, 2), operations: apiView(model, c)?.operations ?? [] } : null;
  // the contracts as Python types (app/api.py, app/contracts.py) and the typed handler signatures
  const pyApi = pythonApiTypes(c);
  const typedOps = new Map((pyApi?.operations ?? []).map((o) => [o.operationId, o]));
  const calleeTypes = pythonCalleeTypes(model, c);
  const req = PYTHON_REQUIREMENTS;
  const grpcServer = grpcServerView(model, c);
  const grpcCalls = grpcCallViews(model, c).map((g) => ({
    ...g,
    timeoutSeconds: g.timeoutMs / 1000,
    errorThresholdPercentage: Math.round(g.threshold * 100),
    resetTimeoutSeconds: g.resetTimeoutMs / 1000,
  }));
  const grpcTargets = new Set(grpcCalls.map((g) => g.target));
  const hasGrpc = !!grpcServer || grpcCalls.length > 0;
  const requirements = [
    req.flask,
    req.gunicorn,
    req.prometheusClient,
    req.otelApi,
    req.otelSdk,
    req.otelExporter,
    ...(hasEvents || api ? [req.jsonschema] : []),
    ...(model.broker.kind === "rabbitmq" ? [req.pika] : []),
    ...(c.database ? [req[c.database.engine]] : []),
    ...(hasGrpc ? [req.grpcio, req.protobuf, ...(grpcServer ? [req.grpcioReflection] : [])] : []),
    ...(model.discovery === "consul" ? [req.consul] : []),
  ].sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
  // the sagas it orchestrates (app/sagas.py) and the resilience policy of its calls to each step context: the one
  // `calls` declares for that context (its bulkhead too), else the defaults — the node orchestrator's choice
  const sagas = model.sagas
    .filter((s) => s.orchestrator === c.name)
    .map((s) => ({ name: s.name, steps: s.steps.map((st) => ({ context: st.context, action: st.action, compensation: st.compensation })) }));
  const sagaTargets = [...new Set(sagas.flatMap((s) => s.steps.map((st) => st.context)))].sort().map((target) => {
    const call = c.calls.find((x) => x.target === target);
    const cb = call?.circuitBreaker ?? DEFAULT_CIRCUIT_BREAKER;
    return {
      target,
      envVar: `${toEnvName(target)}_URL`,
      defaultUrl: `http://${target}:${portOf.get(target) ?? 80}`,
      timeoutSeconds: (call?.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS) / 1000,
      retries: call?.retries ?? DEFAULT_CALL_RETRIES,
      errorThresholdPercentage: cb.errorThresholdPercentage,
      resetTimeoutSeconds: cb.resetTimeoutMs / 1000,
      bulkhead: call?.bulkhead ?? null,
      declared: !!call,
    };
  });
  return {
    system: model.name,
    context: c.name,
    snakeContext: toSnake(c.name),
    description: c.description,
    port: c.port,
    broker: model.broker.kind,
    streamName: `${toEnvName(model.name)}_EVENTS`,
    dlqStreamName: `${toEnvName(model.name)}_DLQ`,
    retry: model.broker.retry,
    needsBroker: model.broker.kind !== "memory",
    brokerSupported: PYTHON_BROKERS_SUPPORTED.includes(model.broker.kind),
    database: c.database,
    dbEngine: c.database?.engine ?? "",
    sqlDatabase: c.database?.engine === "postgres" || c.database?.engine === "mysql",
    unreachableDatabaseUrl: c.database ? UNREACHABLE_DB[c.database.engine] : "",
    unknownPath: unknownPathFor(c.api),
    api,
    // endpoints without a contract: their stub answers 501 (tests/test_app.py tests them; with none, no such test)
    stubEndpoints: c.api.some((e) => !e.contract),
    pyApi,
    calleeTypes,
    endpoints: c.api.map((e) => ({
      signature: typedOps.get(e.operationId)?.handlerSignature ?? e.params.map(safeIdent).join(", "),
      typed: typedOps.get(e.operationId) ?? null,
      method: e.method,
      path: e.path,
      flaskPath: e.path.replace(/\{([^}]+)\}/g, (_m, p: string) => `<${safeIdent(p)}>`),
      operationId: e.operationId,
      handler: pythonName(e.operationId),
      params: e.params.map(safeIdent),
    })),
    publishes,
    consumes,
    hasEvents,
    calls: c.calls.filter((call) => !grpcTargets.has(call.target)).map((call) => ({
      target: call.target,
      pyName: toSnake(call.target),
      envVar: `${toEnvName(call.target)}_URL`,
      defaultUrl: `http://${call.target}:${portOf.get(call.target) ?? 80}`,
      timeoutSeconds: call.timeoutMs / 1000,
      retries: call.retries,
      errorThresholdPercentage: call.circuitBreaker.errorThresholdPercentage,
      resetTimeoutSeconds: call.circuitBreaker.resetTimeoutMs / 1000,
      bulkhead: call.bulkhead ?? null,
    })),
    schemaFiles,
    // saga steps it serves (POST /saga/<saga>/<action>), each in a user-owned module app/saga/<saga>__<action>.py
    sagaActions: sagaActionsOf(model, c)
      .map((a) => ({ ...a, module: `${toSnake(a.saga)}__${toSnake(a.action)}` }))
      .sort((a, b) => (a.module < b.module ? -1 : a.module > b.module ? 1 : 0)),
    sagas,
    sagaTargets,
    grpcServer,
    grpcCalls,
    hasGrpc,
    grpcTools: PYTHON_GRPC_TOOLS,
    /** proto/*.proto it ships: its own, the health service's, its gRPC callees'. */
    protos: [
      ...(grpcServer ? [{ file: `proto/${c.name}.proto`, text: grpcServer.protoText }] : []),
      ...grpcCalls.filter((g) => g.target !== c.name).map((g) => ({ file: g.protoFile, text: g.protoText })),
    ],
    protoFiles: [...(grpcServer ? [`${c.name}.proto`, "health.proto"] : []), ...grpcCalls.filter((g) => g.target !== c.name).map((g) => `${g.target}.proto`)],
    requirements,
    devRequirements: PYTHON_DEV_REQUIREMENTS,
    /** discovery: consul — app/discovery.py, registration in gunicorn.conf.py, lookups in app/clients.py. */
    consul: model.discovery === "consul",
  };
}

const GENERATED = [
  ".dockerignore",
  "Dockerfile",
  "README.md",
  "app/__init__.py",
  "app/bulkhead.py",
  "app/config.py",
  "app/consumer.py",
  "app/db.py",
  "app/events.py",
  "app/health.py",
  "app/http.py",
  "app/idempotency.py",
  "app/logs.py",
  "app/metrics.py",
  "app/telemetry.py",
  "app/readiness.py",
  "app/routes.py",
  "gunicorn.conf.py",
  "pytest.ini",
  "requirements-dev.txt",
  "requirements.txt",
  "tests/test_app.py",
  "wsgi.py",
];

export function planPythonService(model: SystemModel, c: Context, render: Render): PlannedFile[] {
  const view = pythonServiceView(model, c);
  const base = `services/${c.name}`;
  const files: PlannedFile[] = GENERATED.map((f) => lazyFile({ path: `${base}/${f}`, owner: "generated", context: c.name }, () => render(`${T}/${f}`, view)));
  if (model.broker.kind === "nats") files.push(lazyFile({ path: `${base}/app/nats_client.py`, owner: "generated", context: c.name }, () => render(`${T}/app/nats_client.py`, view)));
  if (view.dbEngine === "mongodb") files.push(lazyFile({ path: `${base}/tests/test_outbox_mongo.py`, owner: "generated", context: c.name }, () => render(`${T}/tests/test_outbox_mongo.py`, view)));
  // the resilient clients serve the calls and the saga orchestrator's step calls
  if (view.calls.length || view.sagas.length) files.push(lazyFile({ path: `${base}/app/clients.py`, owner: "generated", context: c.name }, () => render(`${T}/app/clients.py`, view)));
  if (view.calls.length) files.push(lazyFile({ path: `${base}/tests/test_clients.py`, owner: "generated", context: c.name }, () => render(`${T}/tests/test_clients.py`, view)));
  if (view.sagas.length) {
    files.push(lazyFile({ path: `${base}/app/sagas.py`, owner: "generated", context: c.name }, () => render(`${T}/app/sagas.py`, view)));
    files.push(lazyFile({ path: `${base}/tests/test_sagas.py`, owner: "generated", context: c.name }, () => render(`${T}/tests/test_sagas.py`, view)));
  }
  if (view.consul) files.push(lazyFile({ path: `${base}/app/discovery.py`, owner: "generated", context: c.name }, () => render(`${T}/app/discovery.py`, view)));
  if (view.calleeTypes.length) files.push(lazyFile({ path: `${base}/app/contracts.py`, owner: "generated", context: c.name }, () => render(`${T}/app/contracts.py`, view)));
  if (view.api) {
    files.push(lazyFile({ path: `${base}/app/api.py`, owner: "generated", context: c.name }, () => render(`${T}/app/api.py`, view)));
    files.push(lazyFile({ path: `${base}/app/validation.py`, owner: "generated", context: c.name }, () => render(`${T}/app/validation.py`, view)));
    files.push(lazyFile({ path: `${base}/schemas/api.json`, owner: "generated", context: c.name }, () => render(`${T}/schemas/api.json`, view)));
    files.push(lazyFile({ path: `${base}/tests/test_contract.py`, owner: "generated", context: c.name }, () => render(`${T}/tests/test_contract.py`, view)));
  }
  if (view.sagaActions.length) {
    files.push(lazyFile({ path: `${base}/app/saga_steps.py`, owner: "generated", context: c.name }, () => render(`${T}/app/saga_steps.py`, view)));
    files.push(lazyFile({ path: `${base}/app/saga/__init__.py`, owner: "generated", context: c.name }, () => render(`${T}/app/saga/__init__.py`, view)));
    for (const a of view.sagaActions)
      files.push(lazyFile({ path: `${base}/app/saga/${a.module}.py`, owner: "user", context: c.name }, () => render(`${T}/app/saga/step.py`, { ...view, sagaAction: a })));
  }
  // gRPC (docs/grpc.md): the .proto files, the stubs' loader, the server and its handlers, the clients
  for (const p of view.protos) files.push(lazyFile({ path: `${base}/${p.file}`, owner: "generated", context: c.name }, () => render("services/grpc/proto", p)));
  if (view.hasGrpc) files.push(lazyFile({ path: `${base}/app/grpc_stubs.py`, owner: "generated", context: c.name }, () => render(`${T}/app/grpc_stubs.py`, view)));
  if (view.grpcServer) {
    files.push(lazyFile({ path: `${base}/proto/health.proto`, owner: "generated", context: c.name }, () => render("services/grpc/health.proto", {})));
    files.push(lazyFile({ path: `${base}/app/grpc_server.py`, owner: "generated", context: c.name }, () => render(`${T}/app/grpc_server.py`, view)));
    files.push(lazyFile({ path: `${base}/app/grpc_handlers.py`, owner: "user", context: c.name }, () => render(`${T}/app/grpc_handlers.py`, view)));
  }
  if (view.grpcCalls.length) files.push(lazyFile({ path: `${base}/app/grpc_clients.py`, owner: "generated", context: c.name }, () => render(`${T}/app/grpc_clients.py`, view)));
  files.push(lazyFile({ path: `${base}/app/handlers.py`, owner: "user", context: c.name }, () => render(`${T}/app/handlers.py`, view)));
  files.push(lazyFile({ path: `${base}/app/event_handlers.py`, owner: "user", context: c.name }, () => render(`${T}/app/event_handlers.py`, view)));
  for (const s of view.schemaFiles) {
    files.push(lazyFile({ path: `${base}/${s.path}`, owner: "generated", context: c.name }, () => render(`${T}/schemas/event.json`, s)));
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export const planPythonServices: Planner = (model, render) =>
  model.contexts.filter((c) => c.runtime === "python-flask").flatMap((c) => planPythonService(model, c, render));
