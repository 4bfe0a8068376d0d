// Stage 3: the normalized model. Defaults applied, references resolved, maps sorted by name.
// Every later command (generate, validate-events, analyze-deps, deploy) consumes a SystemModel.
// Pure: schema files given as paths are read through the injected `readFile`.
import path from "node:path";
import { bffsOf, type Bff } from "./bff.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import { bundleRefs } from "./events/bundle.js";
import { loadYamlText, positionOf, schemaFileData, type LoadedDocument, type PathSegment } from "./load.js";
import { parseDuration, parseRateLimit, toEnvName, type RateLimit } from "./names.js";
import { grpcContractOf, type GrpcContract } from "./grpc/model.js";
import type { BROKERS, CI_PROVIDERS, DATABASE_ENGINES, GATEWAYS, RUNTIMES } from "./vocabulary.js";

/** The edge graph every policy, URL and compose environment is derived from (src/core/edges.ts). */
export { edgeGraph, type EdgeGraph } from "./edges.js";

export type Runtime = (typeof RUNTIMES)[number];
export type BrokerKind = (typeof BROKERS)[number];
export type GatewayKind = (typeof GATEWAYS)[number];
export type DatabaseEngine = (typeof DATABASE_ENGINES)[number];
export type CiProvider = (typeof CI_PROVIDERS)[number];
export type Compatibility = "backward" | "forward" | "full" | "none";
/** strict: exact (every old document accepted); lenient: Confluent's lenient policy (see docs/validate-events.md). */
export type CompatibilityPolicy = "strict" | "lenient";
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";

export const ALL_METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

export const DEFAULT_RESOURCES: Resources = { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" };
export const DEFAULT_REPLICAS = 2;
export const DEFAULT_CALL_TIMEOUT_MS = 5_000;
export const DEFAULT_CALL_RETRIES = 2;
export const DEFAULT_CIRCUIT_BREAKER: CircuitBreaker = { errorThresholdPercentage: 50, resetTimeoutMs: 30_000 };

/** Where a piece of the model came from, so later stages can point diagnostics at it. */
export interface SourceRef {
  loaded: LoadedDocument;
  path: PathSegment[];
}

export interface Resources {
  cpu: string;
  memory: string;
  cpuLimit: string;
  memoryLimit: string;
}

export interface Database {
  engine: DatabaseEngine;
  /** Logical database name; defaults to the context's name. */
  name: string;
}

export interface Endpoint {
  method: HttpMethod;
  /** As written: /orders/{id} */
  path: string;
  /** Express 5 form: /orders/:id */
  expressPath: string;
  /** Flask form: /orders/<id> */
  flaskPath: string;
  params: string[];
  /** Stable identifier for a handler: getOrdersById, postOrders. */
  operationId: string;
  /** Written in the object form (`{ route, request, responses, … }`): it has a contract (docs/rest-contracts.md). */
  contract: boolean;
  summary: string;
  /** JSON Schema of the request body. */
  request: ApiSchema | null;
  /** JSON Schema of the query string (an object of scalar or array-of-scalar properties). */
  query: ApiSchema | null;
  /** JSON Schemas of the path parameters that declare one (the others are non-empty strings). */
  pathParams: Record<string, ApiSchema>;
  /** Declared responses sorted by status ("200", "201", …); schema null: no body. */
  responses: { status: string; schema: ApiSchema | null }[];
  /** Whether repeating the request has the effect of one (default by method). */
  idempotent: boolean;
  /** Checked against the previous contract by `msa validate` (docs/rest-contracts.md). */
  compatibility: Compatibility;
  /** Where it is in system.yaml (contexts.<c>.api.<i>); undefined for endpoints not read from a system.yaml. */
  source?: SourceRef;
}

/** A JSON Schema of an API contract, its `$ref`s to files bundled (events/bundle.ts). */
export interface ApiSchema {
  schema: Record<string, unknown>;
  /** Where it is written in system.yaml. */
  source: SourceRef;
  /** Absolute paths of the files its `$ref`s brought in. */
  refFiles: string[];
}

/** The methods whose requests carry a body msa validates. */
export const BODY_METHODS: ReadonlySet<HttpMethod> = new Set(["POST", "PUT", "PATCH"]);
const IDEMPOTENT_METHODS: ReadonlySet<HttpMethod> = new Set(["GET", "PUT", "DELETE", "HEAD", "OPTIONS"]);

export interface CircuitBreaker {
  errorThresholdPercentage: number;
  resetTimeoutMs: number;
}

export interface Call {
  /** The callee context. */
  target: string;
  timeoutMs: number;
  /** Whether the user wrote a timeout (a call without one is warned about). */
  timeoutDeclared: boolean;
  retries: number;
  circuitBreaker: CircuitBreaker;
  /** `calls.<callee>.protocol`: http (default) or grpc (docs/grpc.md). */
  protocol: "http" | "grpc";
  /** calls.<callee>.bulkhead (docs/bulkheads.md); absent: no limit. */
  bulkhead?: Bulkhead;
}

export interface Bulkhead {
  maxConcurrent: number;
  maxQueue: number;
}

export interface Context {
  name: string;
  description: string;
  runtime: Runtime;
  port: number;
  replicas: number;
  resources: Resources;
  database: Database | null;
  api: Endpoint[];
  /** Sorted event names. */
  publishes: string[];
  consumes: string[];
  /** Sorted by target. */
  calls: Call[];
  /** Contexts whose `calls` name this one (sorted). */
  callers: string[];
  /** Gateway routes served by this context. */
  routes: Route[];
  /** INVENTORY for inventory: INVENTORY_URL is how callers find it. */
  envName: string;
  /** Where its code lives (contexts.<c>.source; default services/<name>), for analyze-deps. */
  codeSource: string[];
  /** Other host names code uses for it (contexts.<c>.aliases). */
  aliases: string[];
  /** contexts.<c>.persistence: state (default) or event-sourced (docs/event-sourcing.md). */
  persistence: Persistence;
  /** contexts.<c>.readModels, sorted by name (docs/event-sourcing.md). */
  readModels: ReadModel[];
  /** contexts.<c>.grpc: its gRPC server (docs/grpc.md); null without one. */
  grpc: GrpcContract | null;
  /** contexts.<c>.deploy (default rolling). */
  deploy: DeployStrategy;
  source: SourceRef;
}

export type Persistence = "state" | "event-sourced";

/** A CQRS read model: table rm_<name> in the context's database, projected from `from` (sorted). */
export interface ReadModel {
  name: string;
  from: string[];
}

export interface Route {
  path: string;
  /** The context that serves it; "" for a strangler route with an `upstream` instead. */
  context: string;
  /** A strangler-fig route: the external (legacy) base URL it proxies to (docs/progressive-delivery.md). */
  upstream: string | null;
  /** With an upstream: the share of requests each context takes (percent); the upstream gets the rest. */
  split: RouteSplit[];
  methods: HttpMethod[];
  auth: "jwt" | "none";
  rateLimit: RateLimit | null;
  source: SourceRef;
}

/** One context's share of a strangler route (`split: { orders: 20 }`). */
export interface RouteSplit {
  context: string;
  percent: number;
}

export type DeployStrategyKind = "rolling" | "canary" | "blue-green";
/** Who walks a canary's steps: msa deploy (Istio weights it patches) or the Argo Rollouts controller (a Rollout). */
export type DeployController = "msa" | "argo-rollouts";

/** `contexts.<c>.deploy`: how `msa deploy` rolls a new version out (docs/progressive-delivery.md). */
export interface DeployStrategy {
  strategy: DeployStrategyKind;
  /** Canary: the canary's traffic percent at each step, ascending, ending at 100. */
  steps: number[];
  /** Canary: the wait after each step below 100, in ms (and as written). */
  pauseMs: number;
  pause: string;
  /** Canary: the highest error ratio (0..1) the canary may show during a pause; null: no analysis. */
  maxErrorRate: number | null;
  /** Canary: msa (default; needs mesh: istio) or argo-rollouts (a Rollout; with or without Istio). */
  controller: DeployController;
}

export const DEFAULT_CANARY_STEPS = [10, 50, 100];
export const DEFAULT_CANARY_PAUSE = "1m";
export const ROLLING: DeployStrategy = { strategy: "rolling", steps: [], pauseMs: 0, pause: "0s", maxErrorRate: null, controller: "msa" };

export interface Gateway {
  kind: GatewayKind;
  host: string | null;
  auth: "jwt" | "none";
  rateLimit: RateLimit | null;
  /** Where rate-limit counters live: per replica in memory, or shared by every replica in Redis. */
  rateLimitStore: "memory" | "redis";
  routes: Route[];
  /** JWKS endpoint of the token issuer (RS256/ES256), when configured: the edge graph allows the gateway's egress to it. */
  jwksUrl?: string | null;
  /** The `iss` tokens must carry (JWT_ISSUER): system.yaml `gateway.issuer`, default the system name (Kong's consumer key). */
  issuer?: string;
  /** The `aud` tokens must carry (JWT_AUDIENCE): system.yaml `gateway.audience`, default the system name. */
  audience?: string;
}

/** The ingress controller's usual source ranges (RFC 1918 and IPv6 ULA): the default TRUSTED_PROXIES / KONG_TRUSTED_IPS in Kubernetes. */
export const DEFAULT_TRUSTED_PROXIES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"] as const;

export interface EventVersion {
  version: number;
  /** The JSON Schema of the payload. */
  schema: Record<string, unknown>;
  /** Where the schema root is: system.yaml (inline) or its own file (path: []). */
  source: SourceRef;
  /** Path of the schema file relative to system.yaml when given as a path. */
  schemaFile: string | null;
  /** Absolute paths of the other schema files its `$ref`s brought in (embedded under `$defs`, bundle.ts). */
  refFiles: string[];
}

export interface EventType {
  name: string;
  description: string;
  /** The publishing context (null when no context publishes it). */
  owner: string | null;
  /** Contexts that consume it (sorted). */
  consumers: string[];
  compatibility: Compatibility;
  /** `events.<e>.compatibility.policy` (default strict). */
  compatibilityPolicy: CompatibilityPolicy;
  /** Sorted ascending by version. */
  versions: EventVersion[];
  latest: EventVersion;
  source: SourceRef;
}

export interface SagaStep {
  context: string;
  action: string;
  compensation: string | null;
}

export interface Saga {
  name: string;
  orchestrator: string;
  steps: SagaStep[];
  source: SourceRef;
}

/** How a failing event handler is retried before its event is dead-lettered (docs/messaging.md). */
export interface RetryPolicy {
  /** Runs of the handler, the first included. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface KafkaSettings {
  partitions: number;
  replicationFactor: number;
  startFrom: "earliest" | "latest";
}

export interface Broker {
  kind: BrokerKind;
  retry: RetryPolicy;
  kafka: KafkaSettings;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, initialDelayMs: 1_000, maxDelayMs: 30_000 };
export const DEFAULT_KAFKA: KafkaSettings = { partitions: 3, replicationFactor: 3, startFrom: "earliest" };

export const ENVIRONMENT_NAMES = ["dev", "staging", "prod"] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

/** Where one environment runs (system.yaml `environments.<env>`; defaults `<ns>-dev`, `<ns>-staging`, `<ns>`). */
export interface EnvironmentSettings {
  namespace: string;
  /** The public host of the gateway's Ingress: prod uses gateway.host, dev and staging `<env>.<gateway.host>`. */
  host: string | null;
  /** TLS Secret of the Ingress (cert-manager or your own); null serves plain HTTP (default in dev and staging). */
  tlsSecret: string | null;
  /** IngressClass of the Ingress; null uses the cluster's default class (default in dev and staging). */
  ingressClassName: string | null;
  /** CIDRs of the proxies in front of the gateway (TRUSTED_PROXIES, KONG_TRUSTED_IPS); default DEFAULT_TRUSTED_PROXIES. */
  trustedProxies: string[];
}

export const DEFAULT_INGRESS_CLASS = "nginx";

/** `ci:` of system.yaml (docs/ci.md): the provider whose pipelines generate writes, and the scheduled upgrade job. */
export interface CiSettings {
  provider: CiProvider;
  /** A scheduled job that regenerates with the newest msa-cli and opens a pull/merge request (opt-in). */
  upgrade: boolean;
}

/** `dev:` of system.yaml (docs/dev.md): local overrides for `msa dev`; null/empty when absent. */
/** `observability.tracing` (docs/observability.md): defaults export every span to the in-cluster collector. */
export interface TracingSettings {
  enabled: boolean;
  /** OTLP/HTTP base URL in the cluster; null = the default collector (edges.ts OTLP_ENDPOINT). */
  endpoint: string | null;
  /** OTEL_TRACES_SAMPLER; null = the SDKs' default (parentbased_always_on). */
  sampler: TraceSampler | null;
  /** OTEL_TRACES_SAMPLER_ARG of a ratio sampler; null = not set. */
  ratio: number | null;
}
export type TraceSampler = "always_on" | "always_off" | "traceidratio" | "parentbased_always_on" | "parentbased_always_off" | "parentbased_traceidratio";

export interface DevSettings {
  broker: string | null;
  /** context name → database URL */
  databases: Record<string, string>;
  otlp: string | null;
  dashboard: number | null;
  portOffset: number | null;
}

export interface SystemModel {
  /** system.yaml as the user named it. */
  file: string;
  /** Absolute directory of system.yaml: relative paths in it resolve here. */
  dir: string;
  version: number;
  name: string;
  namespace: string;
  registry: string | null;
  broker: Broker;
  gateway: Gateway;
  mesh: "none" | "istio";
  /** How services find each other: Kubernetes DNS (default) or a Consul registry (docs/progressive-delivery.md). */
  discovery: "kubernetes" | "consul";
  environments: Record<EnvironmentName, EnvironmentSettings>;
  ci: CiSettings;
  dev: DevSettings;
  tracing: TracingSettings;
  /** Sorted by name. */
  contexts: Context[];
  /** Sorted by name. */
  events: EventType[];
  /** Sorted by name. */
  sagas: Saga[];
  /** Backends-for-frontends (src/core/bff.ts), sorted by name. */
  bffs: Bff[];
  loaded: LoadedDocument;
}

export interface ModelInput {
  loaded: LoadedDocument;
  /** Directory of system.yaml. */
  dir: string;
  /** Reads a file (absolute path) as text; throws when it cannot. */
  readFile: (absPath: string) => string;
}

export interface ModelResult {
  model?: SystemModel;
  diagnostics: Diagnostic[];
}

type Raw = Record<string, unknown>;
const asMap = (v: unknown): Raw => (v && typeof v === "object" && !Array.isArray(v) ? (v as Raw) : {});
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const asStrings = (v: unknown): string[] => asList(v).filter((x): x is string => typeof x === "string");
const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

/** "GET /orders/{id}" → Endpoint. Returns undefined when malformed (validate reports it). */
export function parseEndpoint(spec: string): Endpoint | undefined {
  const m = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(\/[^\s]*)$/.exec(spec.trim());
  if (!m) return undefined;
  const method = m[1] as HttpMethod;
  const p = m[2] as string;
  const params = [...p.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((x) => x[1] as string);
  const words = p
    .split("/")
    .filter(Boolean)
    .map((seg) => {
      const param = /^\{(.+)\}$/.exec(seg);
      const w = (param ? `by-${param[1]}` : seg).replace(/[^A-Za-z0-9]+(.)?/g, (_m, c?: string) => (c ?? "").toUpperCase());
      return w.charAt(0).toUpperCase() + w.slice(1);
    });
  return {
    method,
    path: p,
    expressPath: p.replace(/\{([^}]+)\}/g, ":$1"),
    flaskPath: p.replace(/\{([^}]+)\}/g, "<$1>"),
    params,
    operationId: method.toLowerCase() + (words.join("") || "Root"),
    contract: false,
    summary: "",
    request: null,
    query: null,
    pathParams: {},
    responses: [],
    idempotent: IDEMPOTENT_METHODS.has(method),
    compatibility: "backward",
  };
}

/** The route text of an `api` entry: the short form itself, or the object form's `route`. */
export function apiRouteText(entry: unknown): string | undefined {
  if (typeof entry === "string") return entry;
  const r = asMap(entry).route;
  return typeof r === "string" ? r : undefined;
}

function defaultRouteMethods(api: unknown): string[] {
  const served = asList(api).map((a) => parseEndpoint(apiRouteText(a) ?? "")?.method).filter((m): m is HttpMethod => !!m);
  return sorted(served.length ? served : ALL_METHODS);
}

/**
 * Builds the normalized model from a document that passed schema validation.
 * Reference errors are the rules' business; here unknown references are simply dropped.
 */
/** Per-environment namespace, host, TLS and IngressClass, defaults applied. */
export function environmentSettings(raw: unknown, namespace: string, host: string | null, gatewayName = "gateway"): Record<EnvironmentName, EnvironmentSettings> {
  const all = asMap(raw);
  const out = {} as Record<EnvironmentName, EnvironmentSettings>;
  for (const env of ENVIRONMENT_NAMES) {
    const e = asMap(all[env]);
    const prod = env === "prod";
    const h = typeof e.host === "string" ? e.host : host ? (prod ? host : `${env}.${host}`) : null;
    const tls = e.tls === undefined ? prod : e.tls;
    out[env] = {
      namespace: typeof e.namespace === "string" ? e.namespace : prod ? namespace : `${namespace}-${env}`,
      host: h,
      tlsSecret: h && tls !== false ? (typeof tls === "object" && tls && typeof asMap(tls).secretName === "string" ? String(asMap(tls).secretName) : tls ? `${gatewayName}-tls` : null) : null,
      ingressClassName: typeof e.ingressClassName === "string" ? e.ingressClassName : prod ? DEFAULT_INGRESS_CLASS : null,
      trustedProxies: Array.isArray(e.trustedProxies) ? e.trustedProxies.map(String) : [...DEFAULT_TRUSTED_PROXIES],
    };
  }
  return out;
}

export function buildModel(input: ModelInput): ModelResult {
  const { loaded, dir } = input;
  const file = loaded.file;
  const diagnostics: Diagnostic[] = [];
  const root = asMap(loaded.data);
  const defaults = asMap(root.defaults);
  const defaultResources = { ...DEFAULT_RESOURCES, ...(asMap(defaults.resources) as Partial<Resources>) };
  const name = String(root.name ?? "system");
  /** Where inline schemas are written (their `$ref`s resolve from its folder): one path.join, not one per schema. */
  const systemFile = path.join(dir, "system.yaml");

  const rawContexts = asMap(root.contexts);
  const contextNames = Object.keys(rawContexts).sort();
  const contextSet = new Set(contextNames);

  // Ports: explicit ones are kept; missing ones get the lowest free port from 3000, in name order.
  const taken = new Set<number>();
  for (const n of contextNames) {
    const p = asMap(rawContexts[n]).port;
    if (typeof p === "number") taken.add(p);
  }
  let nextPort = 3000;
  const portOf = (n: string): number => {
    const p = asMap(rawContexts[n]).port;
    if (typeof p === "number") return p;
    while (taken.has(nextPort)) nextPort++;
    taken.add(nextPort);
    return nextPort;
  };

  const gw = asMap(root.gateway);
  const gatewayAuth = gw.auth === "none" ? "none" : "jwt";
  const gatewayRate = parseRateLimit(gw.rateLimit) ?? null;
  const routes: Route[] = asList(gw.routes).map((r, i) => {
    const raw = asMap(r);
    const methods = asStrings(raw.methods).map((m) => m.toUpperCase() as HttpMethod);
    const upstream = typeof raw.upstream === "string" ? raw.upstream : null;
    return {
      path: String(raw.path ?? "/"),
      context: typeof raw.context === "string" ? raw.context : "",
      upstream,
      split: Object.entries(asMap(raw.split))
        .filter((e): e is [string, number] => typeof e[1] === "number")
        .map(([context, percent]) => ({ context, percent }))
        .sort((a, b) => (a.context < b.context ? -1 : 1)),
      // Without methods a route exposes what its context serves (all methods when it declares no api).
      methods: (methods.length ? sorted(methods) : defaultRouteMethods(asMap(rawContexts[String(raw.context)]).api)) as HttpMethod[],
      auth: raw.auth === "none" ? "none" : raw.auth === "jwt" ? "jwt" : gatewayAuth,
      rateLimit: parseRateLimit(raw.rateLimit) ?? gatewayRate,
      source: { loaded, path: ["gateway", "routes", i] },
    };
  });
  // each context's routes in gateway order (one pass, not a filter of every route per context)
  const routesOf = new Map<string, Route[]>();
  for (const r of routes) {
    const list = routesOf.get(r.context);
    if (list) list.push(r);
    else routesOf.set(r.context, [r]);
  }

  /** An `api` entry of either form; its schemas bundled, unreadable `$ref`s reported (api-schema-ref). */
  const endpointOf = (entry: unknown, at: PathSegment[]): Endpoint | undefined => {
    const ep = parseEndpoint(apiRouteText(entry) ?? "");
    if (!ep) return undefined;
    ep.source = { loaded, path: at };
    if (typeof entry === "string") return ep;
    const raw = asMap(entry);
    const schemaAt = (v: unknown, p: PathSegment[]): ApiSchema | null => {
      if (!v || typeof v !== "object" || Array.isArray(v)) return null;
      const b = bundleRefs(v as Record<string, unknown>, systemFile, (abs) => schemaFileData(input.readFile(abs), abs));
      for (const problem of b.problems)
        diagnostics.push(diagnostic(file, positionOf(loaded, p), "error", "api-schema-ref", `${ep.method} ${ep.path}: ${problem}`));
      return { schema: b.schema, source: { loaded, path: p }, refFiles: b.files };
    };
    ep.contract = true;
    ep.summary = typeof raw.summary === "string" ? raw.summary : "";
    ep.request = schemaAt(raw.request, [...at, "request"]);
    ep.query = schemaAt(raw.query, [...at, "query"]);
    for (const [k, v] of Object.entries(asMap(raw.params)).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const s = schemaAt(v, [...at, "params", k]);
      if (s) ep.pathParams[k] = s;
    }
    ep.responses = Object.keys(asMap(raw.responses))
      .sort()
      .map((status) => ({ status, schema: schemaAt(asMap(raw.responses)[status], [...at, "responses", status]) }));
    if (typeof raw.idempotent === "boolean") ep.idempotent = raw.idempotent;
    if (typeof raw.compatibility === "string") ep.compatibility = raw.compatibility as Compatibility;
    return ep;
  };

  const contexts: Context[] = contextNames.map((n) => {
    const raw = asMap(rawContexts[n]);
    const db = raw.database ?? defaults.database;
    let database: Database | null = null;
    if (typeof db === "string" && db !== "none") database = { engine: db as DatabaseEngine, name: n };
    else if (db && typeof db === "object") {
      const d = asMap(db);
      if (d.engine !== "none") database = { engine: d.engine as DatabaseEngine, name: String(d.name ?? n) };
    }
    const calls: Call[] = Object.entries(asMap(raw.calls))
      .filter(([target]) => contextSet.has(target))
      .map(([target, c]) => {
        const cm = asMap(c);
        const cb = asMap(cm.circuitBreaker);
        const bh = asMap(cm.bulkhead);
        return {
          ...(typeof bh.maxConcurrent === "number" && typeof bh.maxQueue === "number" ? { bulkhead: { maxConcurrent: bh.maxConcurrent, maxQueue: bh.maxQueue } } : {}),
          target,
          timeoutMs: parseDuration(cm.timeout) ?? DEFAULT_CALL_TIMEOUT_MS,
          timeoutDeclared: cm.timeout !== undefined,
          retries: typeof cm.retries === "number" ? cm.retries : DEFAULT_CALL_RETRIES,
          circuitBreaker: {
            errorThresholdPercentage:
              typeof cb.errorThresholdPercentage === "number" ? cb.errorThresholdPercentage : DEFAULT_CIRCUIT_BREAKER.errorThresholdPercentage,
            resetTimeoutMs: parseDuration(cb.resetTimeout) ?? DEFAULT_CIRCUIT_BREAKER.resetTimeoutMs,
          },
          protocol: cm.protocol === "grpc" ? ("grpc" as const) : ("http" as const),
        };
      })
      .sort((a, b) => (a.target < b.target ? -1 : 1));
    const api = asList(raw.api)
      .map((entry, i) => endpointOf(entry, ["contexts", n, "api", i]))
      .filter((e): e is Endpoint => !!e)
      .sort((a, b) => (a.path === b.path ? (a.method < b.method ? -1 : 1) : a.path < b.path ? -1 : 1));
    return {
      name: n,
      description: typeof raw.description === "string" ? raw.description : "",
      runtime: (raw.runtime ?? defaults.runtime ?? "node-express") as Runtime,
      port: portOf(n),
      replicas: typeof raw.replicas === "number" ? raw.replicas : typeof defaults.replicas === "number" ? defaults.replicas : DEFAULT_REPLICAS,
      resources: { ...defaultResources, ...(asMap(raw.resources) as Partial<Resources>) },
      database,
      api,
      publishes: sorted(asStrings(raw.publishes)),
      consumes: sorted(asStrings(raw.consumes)),
      calls,
      callers: [],
      routes: routesOf.get(n)?.slice() ?? [],
      envName: toEnvName(n),
      codeSource: typeof raw.source === "string" ? [raw.source] : asStrings(raw.source).length ? asStrings(raw.source) : [`services/${n}`],
      aliases: sorted(asStrings(raw.aliases)),
      persistence: raw.persistence === "event-sourced" ? "event-sourced" : "state",
      readModels: Object.keys(asMap(raw.readModels))
        .sort()
        .map((rm) => ({ name: rm, from: sorted(asStrings(asMap(asMap(raw.readModels)[rm]).from)) })),
      grpc: raw.grpc === undefined ? null : grpcContractOf(name, n, raw.grpc, { loaded, dir, file, readFile: input.readFile, diagnostics }),
      deploy: deployOf(raw.deploy),
      source: { loaded, path: ["contexts", n] },
    };
  });
  const byContext = new Map(contexts.map((c) => [c.name, c]));
  for (const c of contexts) for (const call of c.calls) byContext.get(call.target)?.callers.push(c.name);
  for (const c of contexts) c.callers.sort();

  const rawEvents = asMap(root.events);
  // who publishes and consumes each event, in context order: one pass, not a scan of every context per event
  const publishersOf = new Map<string, string[]>();
  const consumersOf = new Map<string, string[]>();
  for (const c of contexts) {
    for (const [list, by] of [[c.publishes, publishersOf], [c.consumes, consumersOf]] as const) {
      for (const en of new Set(list)) {
        const names = by.get(en);
        if (names) names.push(c.name);
        else by.set(en, [c.name]);
      }
    }
  }
  const events: EventType[] = [];
  for (const en of Object.keys(rawEvents).sort()) {
    const raw = asMap(rawEvents[en]);
    const publishers = publishersOf.get(en) ?? [];
    const owner = typeof raw.owner === "string" && contextSet.has(raw.owner) ? raw.owner : (publishers[0] ?? null);
    const versionEntries: [string, unknown, PathSegment[]][] =
      raw.versions !== undefined
        ? Object.entries(asMap(raw.versions)).map(([k, v]) => [k, v, ["events", en, "versions", k]])
        : raw.schema !== undefined
          ? [["1", raw.schema, ["events", en, "schema"]]]
          : [];
    const versions: EventVersion[] = [];
    /** The schema with the files its $refs name embedded; what cannot be resolved is an error at the version. */
    const bundled = (schema: Record<string, unknown>, at: string, version: number, p: PathSegment[]) => {
      const b = bundleRefs(schema, at, (abs) => schemaFileData(input.readFile(abs), abs));
      for (const problem of b.problems)
        diagnostics.push(diagnostic(file, positionOf(loaded, p), "error", "schema-ref", `${en} v${version}: ${problem}`));
      return b;
    };
    for (const [k, v, p] of versionEntries) {
      const version = Number(k);
      if (!Number.isInteger(version) || version < 1) continue;
      if (typeof v === "string") {
        const abs = path.resolve(dir, v);
        const shown = path.join(path.dirname(file), v);
        let text: string;
        try {
          text = input.readFile(abs);
        } catch {
          diagnostics.push(diagnostic(file, positionOf(loaded, p), "error", "schema-file-missing",
            `cannot read schema file ${v} (resolved to ${shown}); create it or fix the path`));
          continue;
        }
        const res = loadYamlText(text, shown);
        if (!res.loaded) {
          diagnostics.push(...res.diagnostics);
          continue;
        }
        const schema = res.loaded.data;
        if (!schema || typeof schema !== "object" || Array.isArray(schema)) {
          diagnostics.push(diagnostic(shown, { line: 1, column: 1 }, "error", "schema-file-invalid",
            `schema file of ${en} v${version} must hold a JSON Schema object`));
          continue;
        }
        const b = bundled(schema as Record<string, unknown>, abs, version, p);
        versions.push({ version, schema: b.schema, source: { loaded: res.loaded, path: [] }, schemaFile: v, refFiles: b.files });
      } else if (v && typeof v === "object" && !Array.isArray(v)) {
        const b = bundled(v as Record<string, unknown>, systemFile, version, p);
        versions.push({ version, schema: b.schema, source: { loaded, path: p }, schemaFile: null, refFiles: b.files });
      }
    }
    versions.sort((a, b) => a.version - b.version);
    const latest = versions[versions.length - 1];
    if (!latest) continue; // the schema rules report an event without versions
    events.push({
      name: en,
      description: typeof raw.description === "string" ? raw.description : "",
      owner,
      consumers: [...(consumersOf.get(en) ?? [])],
      compatibility: (isCompatObject(raw.compatibility) ? raw.compatibility.mode ?? "backward" : raw.compatibility ?? "backward") as Compatibility,
      compatibilityPolicy: (isCompatObject(raw.compatibility) ? raw.compatibility.policy ?? "strict" : "strict") as CompatibilityPolicy,
      versions,
      latest,
      source: { loaded, path: ["events", en] },
    });
  }

  const rawSagas = asMap(root.sagas);
  const sagas: Saga[] = Object.keys(rawSagas)
    .sort()
    .map((sn) => {
      const raw = asMap(rawSagas[sn]);
      return {
        name: sn,
        orchestrator: String(raw.orchestrator ?? ""),
        steps: asList(raw.steps).map((s) => {
          const st = asMap(s);
          return {
            context: String(st.context ?? ""),
            action: String(st.action ?? ""),
            compensation: typeof st.compensation === "string" ? st.compensation : null,
          };
        }),
        source: { loaded, path: ["sagas", sn] },
      };
    });

  const model: SystemModel = {
    file,
    dir,
    version: typeof root.version === "number" ? root.version : 1,
    name,
    namespace: typeof root.namespace === "string" ? root.namespace : name,
    registry: typeof root.registry === "string" ? root.registry : null,
    broker: brokerOf(asMap(root.broker)),
    gateway: {
      kind: (gw.kind ?? (root.gateway ? "kong" : "none")) as GatewayKind,
      host: typeof gw.host === "string" ? gw.host : null,
      auth: gatewayAuth,
      rateLimit: gatewayRate,
      rateLimitStore: gw.rateLimitStore === "redis" ? "redis" : "memory",
      routes,
      jwksUrl: typeof gw.jwksUrl === "string" ? gw.jwksUrl : null,
      issuer: typeof gw.issuer === "string" ? gw.issuer : name,
      audience: typeof gw.audience === "string" ? gw.audience : name,
    },
    mesh: root.mesh === "istio" ? "istio" : "none",
    discovery: root.discovery === "consul" ? "consul" : "kubernetes",
    environments: environmentSettings(
      root.environments,
      typeof root.namespace === "string" ? root.namespace : name,
      typeof gw.host === "string" ? gw.host : null,
      contextSet.has("gateway") ? `${name}-gateway` : "gateway",
    ),
    ci: ciOf(root.ci),
    dev: devOf(root.dev),
    tracing: tracingOf(asMap(asMap(root.observability).tracing)),
    contexts: contexts.sort(byName),
    events: events.sort(byName),
    sagas,
    bffs: bffsOf(root.bffs, contexts, loaded),
    loaded,
  };
  return { model, diagnostics };
}

/** `dev:` (docs/dev.md); the schema checked the types. */
function devOf(raw: unknown): DevSettings {
  const m = asMap(raw);
  const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);
  const int = (v: unknown): number | null => (typeof v === "number" && Number.isInteger(v) ? v : null);
  const databases: Record<string, string> = {};
  for (const [k, v] of Object.entries(asMap(m.databases))) if (typeof v === "string" && v) databases[k] = v;
  return { broker: str(m.broker), databases, otlp: str(m.otlp), dashboard: int(m.dashboard), portOffset: int(m.portOffset) };
}

/** `ci: github` or `ci: { provider, upgrade }`; default github without the upgrade job. */
function tracingOf(t: Record<string, unknown>): TracingSettings {
  const ratio = typeof t.ratio === "number" ? t.ratio : null;
  const sampler = typeof t.sampler === "string" ? (t.sampler as TraceSampler) : ratio !== null ? "parentbased_traceidratio" : null;
  return { enabled: t.enabled !== false, endpoint: typeof t.endpoint === "string" ? t.endpoint.replace(/\/+$/, "") : null, sampler, ratio };
}

function ciOf(raw: unknown): CiSettings {
  const m = asMap(raw);
  const provider = typeof raw === "string" ? raw : typeof m.provider === "string" ? m.provider : "github";
  return { provider: provider as CiProvider, upgrade: m.upgrade === true };
}

function brokerOf(b: Record<string, unknown>): Broker {
  const retry = asMap(b.retry);
  const kafka = asMap(b.kafka);
  const int = (v: unknown, fallback: number): number => (typeof v === "number" && Number.isInteger(v) && v > 0 ? v : fallback);
  return {
    kind: (b.kind ?? "rabbitmq") as BrokerKind,
    retry: {
      attempts: int(retry.attempts, DEFAULT_RETRY.attempts),
      initialDelayMs: parseDuration(retry.initialDelay) ?? DEFAULT_RETRY.initialDelayMs,
      maxDelayMs: parseDuration(retry.maxDelay) ?? DEFAULT_RETRY.maxDelayMs,
    },
    kafka: {
      partitions: int(kafka.partitions, DEFAULT_KAFKA.partitions),
      replicationFactor: int(kafka.replicationFactor, DEFAULT_KAFKA.replicationFactor),
      startFrom: kafka.startFrom === "latest" ? "latest" : DEFAULT_KAFKA.startFrom,
    },
  };
}

/** `compatibility: { mode, policy }` (the object form of `compatibility: backward`). */
function isCompatObject(v: unknown): v is { mode?: string; policy?: string } {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

/** `contexts.<c>.deploy`: rolling unless a strategy is named; canary defaults 10/50/100 with 1m pauses. */
export function deployOf(raw: unknown): DeployStrategy {
  const d = asMap(raw);
  const strategy = d.strategy === "canary" || d.strategy === "blue-green" ? d.strategy : "rolling";
  if (strategy !== "canary") return { ...ROLLING, strategy };
  const steps = Array.isArray(d.steps) && d.steps.length ? d.steps.filter((x): x is number => typeof x === "number") : DEFAULT_CANARY_STEPS;
  const pause = typeof d.pause === "string" ? d.pause : typeof d.pause === "number" ? `${d.pause}ms` : DEFAULT_CANARY_PAUSE;
  const rate = asMap(d.analysis).maxErrorRate;
  const controller = d.controller === "argo-rollouts" ? "argo-rollouts" : "msa";
  return { strategy, steps: [...steps], pauseMs: parseDuration(pause) ?? 60_000, pause, maxErrorRate: parsePercent(rate), controller };
}

/** `1%`, `0.5%` or a ratio such as 0.01 → 0.01; null when absent or malformed (the schema reports it). */
export function parsePercent(v: unknown): number | null {
  if (typeof v === "number") return v;
  if (typeof v !== "string") return null;
  const m = /^([0-9]+(?:\.[0-9]+)?)%$/.exec(v.trim());
  return m ? Number(m[1]) / 100 : null;
}

const contextIndexes = new WeakMap<readonly Context[], { items: Context[]; byName: ReadonlyMap<string, Context> }>();
/**
 * `new Map(model.contexts.map((c) => [c.name, c]))`, made once per contexts array (issue #24: per-context views
 * built this map for every context — quadratic in the contexts). Made again when the array's items changed since
 * (a test editing a model): a pointer comparison per context.
 */
export function contextsByName(model: Pick<SystemModel, "contexts">): ReadonlyMap<string, Context> {
  const list = model.contexts;
  const ix = contextIndexes.get(list);
  if (ix && ix.items.length === list.length && ix.items.every((c, i) => c === list[i])) return ix.byName;
  const byName = new Map(list.map((c) => [c.name, c]));
  contextIndexes.set(list, { items: [...list], byName });
  return byName;
}
