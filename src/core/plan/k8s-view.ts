// The Kubernetes view: every name, label, port and policy the k8s templates need, derived once
// from the model so the Deployment, Service, NetworkPolicy and Istio objects always agree.
import {
  CONSUL_HTTP_PORT,
  GATEWAY_METRICS_PORT,
  ISTIO_MERGED_METRICS_PORT,
  KONG_PROXY_PORT,
  KONG_STATUS_PORT,
  NODE_GATEWAY_PORT,
  discoveryEnv,
  edgeGraph,
  kongSamplingRate,
  gatewayName,
  inboundEdgesTo,
  outsideEdgesFrom,
  podEdgesFrom,
  podEdgesTo,
  tracingEnv,
  urlEnv,
  type EdgeGraph,
} from "../edges.js";
import type { Bff } from "../bff.js";
import { DEFAULT_REPLICAS, DEFAULT_RESOURCES, DEFAULT_TRUSTED_PROXIES, type Context, type EnvironmentName, type EnvironmentSettings, type Resources, type SystemModel } from "../model.js";

export { BROKER_PORTS, DATABASE_PORTS, GATEWAY_METRICS_PORT, KONG_PROXY_PORT, KONG_STATUS_PORT, NODE_GATEWAY_PORT, gatewayName } from "../edges.js";

/** Pinned placeholder tag of the base; overlays (and `msa deploy --image-tag`) replace it. */
export const BASE_IMAGE_TAG = "0.0.0-dev";
export const KONG_IMAGE = "kong:3.9.1";
/** Numeric non-root ids every generated image runs as (the Dockerfiles create uid/gid 10001). */
export const RUN_AS_ID = 10001;
/** The official Kong image runs as the `kong` user, uid/gid 1000. */
export const KONG_RUN_AS_ID = 1000;
export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;
export type Environment = EnvironmentName;
/** Seconds the preStop hook waits before the container gets SIGTERM: endpoints and proxies stop sending first. */
export const PRESTOP_DELAY_SECONDS = 5;
/** Above the preStop delay plus the time the processes need to drain. */
export const TERMINATION_GRACE_SECONDS = 30;

export type Labels = Record<string, string>;

export interface SecretEnv {
  name: string;
  secret: string;
  key: string;
}

export interface WorkloadView {
  name: string;
  component: string;
  labels: Labels;
  selector: Labels;
  serviceAccount: string;
  configMap: string;
  /** ConfigMap data, sorted by key. */
  config: { key: string; value: string }[];
  secretEnv: SecretEnv[];
  image: string;
  imageName: string;
  containerPort: number;
  servicePort: number;
  /** Port /metrics is served on; null: no scrape annotations. */
  metricsPort: number | null;
  /** A separate named container port `metrics` (the node gateway's 9464). */
  metricsPortSeparate: boolean;
  hpaMin: number;
  hpaMax: number;
  resources: Resources;
  runAsId: number;
  /** NetworkPolicy ingress from anywhere to containerPort (the public entry point). */
  publicIngress: boolean;
  /** NetworkPolicy ingress: peers (by pod labels) allowed to reach containerPort. */
  ingressFrom: Labels[];
  /** Names of those peers, for the comment. */
  ingressNames: string[];
  /** Ports Prometheus may scrape (the metrics port; Istio's merged 15020 when meshed). */
  scrapePorts: number[];
  /** NetworkPolicy egress to pods of this namespace (callees, saga steps, routed contexts). */
  egressPods: { name: string; labels: Labels; port: number }[];
  /** NetworkPolicy egress to any address on these ports (database, broker, tracing, JWKS: in or outside the cluster). */
  egressPorts: { what: string; ports: { port: number; protocol: string }[] }[];
  /** The gRPC server's port (contexts.<c>.grpc, docs/grpc.md); null without one. */
  grpcPort?: number | null;
  /**
   * discovery: consul — env from the downward API (HOST_IP, POD_IP) and values Kubernetes expands from them
   * (CONSUL_HTTP_ADDR=http://$(HOST_IP):8500): in the Deployment's env, since envFrom values are never expanded.
   */
  fieldEnv?: { name: string; fieldPath: string }[];
  expandedEnv?: { name: string; value: string }[];
  /** NetworkPolicy ingress to containerPort from the Consul client agents (their HTTP health check); null: none. */
  consulCheckPort?: number | null;
  /** NetworkPolicy ingress to grpcPort: the gRPC callers (by pod labels) and their names. */
  grpcIngressFrom?: Labels[];
  grpcIngressNames?: string[];
}

export interface MeshPeer {
  name: string;
  /** SPIFFE principal of the peer's ServiceAccount. */
  principal: string;
}

export interface IstioRouteView {
  /** Source workload labels: the caller. */
  caller: string;
  sourceLabels: Labels;
  timeout: string;
}

export interface IstioContextView {
  name: string;
  /** The Service's short name: Istio resolves it in the namespace of the VirtualService/DestinationRule, so one base serves every overlay. */
  host: string;
  port: number;
  selector: Labels;
  labels: Labels;
  allowed: MeshPeer[];
  routes: IstioRouteView[];
  /** The gRPC port (docs/grpc.md), the gRPC callers allowed on it and their routes (timeouts); null/empty without gRPC. */
  grpcPort?: number | null;
  grpcAllowed?: MeshPeer[];
  grpcRoutes?: IstioRouteView[];
  outlier: { consecutive5xxErrors: number; interval: string; baseEjectionTime: string; maxEjectionPercent: number };
  pool: { maxConnections: number; connectTimeout: string; http1MaxPendingRequests: number; maxRequestsPerConnection: number };
}

export interface GatewayView extends WorkloadView {
  kind: "kong" | "node";
  /** Kong only: JWT consumers need the secret substituted into the declarative config at start-up. */
  jwt: boolean;
}

export interface KubernetesView {
  system: string;
  /** The base's namespace (system.yaml's); each overlay moves everything to its environment's. */
  namespace: string;
  environments: Record<Environment, EnvironmentSettings>;
  edges: EdgeGraph;
  partOf: Labels;
  mesh: boolean;
  contexts: WorkloadView[];
  gateway: GatewayView | null;
  istio: IstioContextView[];
  gatewayJwtSecret: string;
}

export const imageRepository = (model: SystemModel, name: string): string => `${model.registry ?? model.name}/${name}`;


export const selectorOf = (model: SystemModel, name: string): Labels => ({
  "app.kubernetes.io/name": name,
  "app.kubernetes.io/part-of": model.name,
});

const labelsOf = (model: SystemModel, name: string, component: string): Labels => ({
  "app.kubernetes.io/component": component,
  "app.kubernetes.io/managed-by": "msa",
  "app.kubernetes.io/name": name,
  "app.kubernetes.io/part-of": model.name,
});

/** Milliseconds as an Istio/Go duration: 2000 → "2s", 1500 → "1500ms". */
export const goDuration = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);

const hpaBounds = (replicas: number): { min: number; max: number } => {
  const min = Math.max(2, replicas);
  return { min, max: Math.max(min * 2, min + 2) };
};

/** The outside edges of a workload but DNS, one entry per kind (the tracing collector's two OTLP ports together). */
function groupOutside(g: EdgeGraph, name: string): WorkloadView["egressPorts"] {
  const out: WorkloadView["egressPorts"] = [];
  const byKind = new Map<string, WorkloadView["egressPorts"][number]>();
  for (const e of outsideEdgesFrom(g, name).filter((x) => x.kind !== "dns")) {
    let entry = byKind.get(e.kind);
    if (!entry) {
      entry = { what: e.kind === "tracing" && e.what.startsWith("tracing collector (OTLP") ? "tracing collector (OTLP gRPC and HTTP)" : e.kind === "upstream" ? "legacy upstreams of the strangler routes" : e.what, ports: [] };
      byKind.set(e.kind, entry);
      out.push(entry);
    }
    if (!entry.ports.some((p) => p.port === e.port && p.protocol === e.protocol)) entry.ports.push({ port: e.port, protocol: e.protocol });
  }
  return out;
}

/** The NetworkPolicy fields of a workload, all read from the edge graph. */
function policyOf(model: SystemModel, g: EdgeGraph, name: string, mesh: boolean): Pick<WorkloadView, "publicIngress" | "ingressFrom" | "ingressNames" | "scrapePorts" | "egressPods" | "egressPorts" | "grpcIngressFrom" | "grpcIngressNames" | "consulCheckPort" | "fieldEnv" | "expandedEnv"> {
  const ingressNames = podEdgesTo(g, name).filter((e) => e.kind !== "grpc").map((e) => e.from);
  const grpcIngressNames = podEdgesTo(g, name).filter((e) => e.kind === "grpc").map((e) => e.from);
  const inbound = inboundEdgesTo(g, name);
  const metrics = inbound.filter((e) => e.kind === "metrics").map((e) => e.port);
  // Under Istio, Prometheus scrapes the sidecar's merged endpoint (prometheus.istio.io/merge-metrics).
  const scrapePorts = [...new Set([...metrics, ...(mesh && metrics.length ? [ISTIO_MERGED_METRICS_PORT] : [])])].sort((a, b) => a - b);
  return {
    publicIngress: inbound.some((e) => e.kind === "public"),
    ingressFrom: ingressNames.map((n) => selectorOf(model, n)),
    ingressNames,
    scrapePorts,
    egressPods: podEdgesFrom(g, name).map((e) => ({ name: e.to, labels: selectorOf(model, e.to), port: e.port })),
    egressPorts: groupOutside(g, name),
    grpcIngressFrom: grpcIngressNames.map((n) => selectorOf(model, n)),
    grpcIngressNames,
    consulCheckPort: inbound.find((e) => e.kind === "discovery")?.port ?? null,
    ...consulEnv(g, name),
  };
}

/**
 * discovery: consul (docs/progressive-delivery.md) — the node-local agent of Consul's Helm chart (client agents,
 * hostPort 8500): CONSUL_HTTP_ADDR=http://$(HOST_IP):8500; a registering service also gets POD_IP, the address it
 * registers and the agent checks.
 */
function consulEnv(g: EdgeGraph, name: string): Pick<WorkloadView, "fieldEnv" | "expandedEnv"> {
  const addr = discoveryEnv(g, name, `http://$(HOST_IP):${CONSUL_HTTP_PORT}`);
  if (!addr.length) return { fieldEnv: [], expandedEnv: [] };
  const registers = inboundEdgesTo(g, name).some((e) => e.kind === "discovery");
  return {
    fieldEnv: [{ name: "HOST_IP", fieldPath: "status.hostIP" }, ...(registers ? [{ name: "POD_IP", fieldPath: "status.podIP" }] : [])],
    expandedEnv: addr.map((e) => ({ name: e.key, value: e.value })),
  };
}

/** A BFF's workload (docs/bff.md): a node service of its own, without database or broker. */
const bffWorkload = (model: SystemModel, g: EdgeGraph, b: Bff): WorkloadView =>
  contextWorkload(model, g, { name: b.name, port: b.port, replicas: DEFAULT_REPLICAS, resources: DEFAULT_RESOURCES, database: null }, "bff");

function contextWorkload(model: SystemModel, g: EdgeGraph, c: Pick<Context, "name" | "port" | "replicas" | "resources" | "database"> & { grpc?: Context["grpc"] }, component: "service" | "bff" = "service"): WorkloadView {
  const config = [
    { key: "LOG_LEVEL", value: "info" },
    { key: "PORT", value: String(c.port) },
    { key: "SERVICE_NAME", value: c.name },
    ...urlEnv(g, c.name),
    ...tracingEnv(g, c.name),
  ].sort((a, b) => (a.key < b.key ? -1 : 1));
  const secretEnv: SecretEnv[] = [];
  if (model.broker.kind !== "memory" && component === "service") secretEnv.push({ name: "BROKER_URL", secret: `${model.name}-broker`, key: "url" });
  if (c.database) secretEnv.push({ name: "DATABASE_URL", secret: `${c.name}-database`, key: "url" });
  const { min, max } = hpaBounds(c.replicas);
  const imageName = imageRepository(model, c.name);
  return {
    name: c.name,
    component,
    labels: labelsOf(model, c.name, component),
    selector: selectorOf(model, c.name),
    serviceAccount: c.name,
    configMap: `${c.name}-config`,
    config,
    secretEnv,
    image: `${imageName}:${BASE_IMAGE_TAG}`,
    imageName,
    containerPort: c.port,
    servicePort: c.port,
    metricsPort: c.port,
    metricsPortSeparate: false,
    hpaMin: min,
    hpaMax: max,
    resources: c.resources,
    runAsId: RUN_AS_ID,
    grpcPort: c.grpc?.port ?? null,
    ...policyOf(model, g, c.name, model.mesh === "istio"),
  };
}

export const KONG_DECLARATIVE_CONFIG = "/kong/declarative/kong.yml";

/** Kong's own settings (DB-less, read-only root: prefix and temp files on emptyDirs, logs to stdout). */
function kongSettings(g: EdgeGraph): { key: string; value: string }[] {
  return [
    { key: "KONG_ADMIN_LISTEN", value: "off" },
    { key: "KONG_DATABASE", value: "off" },
    { key: "KONG_DECLARATIVE_CONFIG", value: KONG_DECLARATIVE_CONFIG },
    { key: "KONG_LOG_LEVEL", value: "notice" },
    { key: "KONG_NGINX_WORKER_PROCESSES", value: "2" },
    { key: "KONG_PREFIX", value: "/kong_prefix" },
    { key: "KONG_PROXY_ACCESS_LOG", value: "/dev/stdout" },
    { key: "KONG_PROXY_ERROR_LOG", value: "/dev/stderr" },
    { key: "KONG_PROXY_LISTEN", value: `0.0.0.0:${KONG_PROXY_PORT}` },
    // Behind the Ingress controller the peer is always the controller: take the client address from
    // X-Forwarded-For as set by in-cluster (private-range) proxies, so rate limits by IP count clients.
    { key: "KONG_REAL_IP_HEADER", value: "X-Forwarded-For" },
    { key: "KONG_REAL_IP_RECURSIVE", value: "on" },
    { key: "KONG_STATUS_LISTEN", value: `0.0.0.0:${KONG_STATUS_PORT}` },
    // spans for the opentelemetry plugin of kong.yml: observability.tracing's ratio, else every request; none when tracing is off
    ...(g.tracing
      ? [
          { key: "KONG_TRACING_INSTRUMENTATIONS", value: "all" },
          { key: "KONG_TRACING_SAMPLING_RATE", value: kongSamplingRate(g) },
        ]
      : []),
    { key: "KONG_TRUSTED_IPS", value: DEFAULT_TRUSTED_PROXIES.join(",") },
  ];
}

/** The ConfigMap key that holds the gateway's trusted proxy CIDRs. */
export const TRUSTED_PROXIES_KEY = { node: "TRUSTED_PROXIES", kong: "KONG_TRUSTED_IPS" } as const;
/** The `iss` the gateway requires: gateway.issuer, default the system name (Kong's consumer key). */
export const issuerOf = (model: SystemModel): string => model.gateway.issuer ?? model.name;
/** The `aud` the node gateway requires: gateway.audience, default the system name. */
export const audienceOf = (model: SystemModel): string => model.gateway.audience ?? model.name;
/** The Secret holding the gateway's rate-limit Redis (`url` for the node gateway, `host` for Kong). */
export const gatewayRedisSecret = (model: SystemModel): string => `${model.name}-gateway-redis`;

function gatewayWorkload(model: SystemModel, g: EdgeGraph, name: string): GatewayView | null {
  const kind = model.gateway.kind;
  if (kind === "none") return null;
  const jwt = model.gateway.routes.some((r) => r.auth === "jwt");
  const port = kind === "kong" ? KONG_PROXY_PORT : NODE_GATEWAY_PORT;
  const metricsPort = g.workloads.find((w) => w.name === name)?.metricsPort ?? null;
  const config =
    kind === "kong"
      ? kongSettings(g)
      : [
          // Kong's JWT consumer key is the system name (key_claim_name iss): the node gateway requires the same iss,
          // so a token minted for one gateway kind is accepted by the other. The aud is checked too (Kong cannot).
          ...(jwt ? [{ key: "JWT_ISSUER", value: issuerOf(model) }, { key: "JWT_AUDIENCE", value: audienceOf(model) }] : []),
          ...(model.gateway.jwksUrl ? [{ key: "JWKS_URL", value: model.gateway.jwksUrl }] : []),
          { key: "LOG_LEVEL", value: "info" },
          ...(model.gateway.rateLimitStore === "redis" ? [{ key: "RATE_LIMIT_STORE", value: "redis" }] : []),
          // the ingress controller's addresses: the client is the rightmost X-Forwarded-For hop not in them (overlays may override)
          { key: TRUSTED_PROXIES_KEY.node, value: DEFAULT_TRUSTED_PROXIES.join(",") },
          ...(metricsPort !== null ? [{ key: "METRICS_PORT", value: String(metricsPort) }] : []),
          { key: "PORT", value: String(port) },
          { key: "SERVICE_NAME", value: name },
          ...urlEnv(g, name),
          ...tracingEnv(g, name),
        ].sort((a, b) => (a.key < b.key ? -1 : 1));
  const imageName = kind === "kong" ? "kong" : imageRepository(model, "gateway");
  const { min, max } = hpaBounds(2);
  return {
    kind,
    jwt,
    name,
    component: "gateway",
    labels: labelsOf(model, name, "gateway"),
    selector: selectorOf(model, name),
    serviceAccount: name,
    configMap: `${name}-config`,
    config,
    secretEnv: [
      ...(jwt ? [{ name: "JWT_SECRET", secret: `${model.name}-gateway-jwt`, key: "secret" }] : []),
      // the shared rate-limit store: a URL with its password for the node gateway, a host for Kong's redis policy
      ...(model.gateway.rateLimitStore === "redis"
        ? [kind === "kong" ? { name: "REDIS_HOST", secret: gatewayRedisSecret(model), key: "host" } : { name: "REDIS_URL", secret: gatewayRedisSecret(model), key: "url" }]
        : []),
    ],
    image: kind === "kong" ? KONG_IMAGE : `${imageName}:${BASE_IMAGE_TAG}`,
    imageName,
    containerPort: port,
    servicePort: 80,
    metricsPort,
    metricsPortSeparate: metricsPort !== null && metricsPort !== port,
    hpaMin: min,
    hpaMax: max,
    resources: kind === "kong"
      ? { cpu: "200m", memory: "256Mi", cpuLimit: "1", memoryLimit: "512Mi" }
      : { cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" },
    runAsId: kind === "kong" ? KONG_RUN_AS_ID : RUN_AS_ID,
    ...policyOf(model, g, name, model.mesh === "istio"),
  };
}

/** The SPIFFE principal of a ServiceAccount in a namespace. */
export const principalOf = (namespace: string, serviceAccount: string): string => `cluster.local/ns/${namespace}/sa/${serviceAccount}`;

/** A context's or a BFF's mesh objects (a BFF has no gRPC server). */
function istioContext(model: SystemModel, g: EdgeGraph, c: Pick<Context, "name" | "port"> & { grpc?: Context["grpc"] }): IstioContextView {
  const allowed: MeshPeer[] = podEdgesTo(g, c.name).filter((e) => e.kind !== "grpc").map((e) => ({ name: e.from, principal: principalOf(model.namespace, e.from) }));
  const grpcAllowed: MeshPeer[] = podEdgesTo(g, c.name).filter((e) => e.kind === "grpc").map((e) => ({ name: e.from, principal: principalOf(model.namespace, e.from) }));
  const inbound = model.contexts.flatMap((x) => x.calls.filter((call) => call.target === c.name));
  const routeOf = (grpc: boolean): IstioRouteView[] =>
    model.contexts
      .flatMap((x) => x.calls.filter((call) => call.target === c.name && (call.protocol === "grpc") === grpc && (!grpc || c.grpc)).map((call) => ({ caller: x.name, call })))
      .map(({ caller, call }) => ({ caller, sourceLabels: selectorOf(model, caller), timeout: goDuration(call.timeoutMs) }));
  const routes = routeOf(false);
  // One DestinationRule serves every caller: take the most protective circuit breaker among them.
  const threshold = inbound.length ? Math.min(...inbound.map((x) => x.circuitBreaker.errorThresholdPercentage)) : 50;
  const reset = inbound.length ? Math.max(...inbound.map((x) => x.circuitBreaker.resetTimeoutMs)) : 30_000;
  const connectTimeout = inbound.length ? Math.min(...inbound.map((x) => x.timeoutMs)) : 5_000;
  return {
    name: c.name,
    host: c.name,
    port: c.port,
    selector: selectorOf(model, c.name),
    labels: labelsOf(model, c.name, "service"),
    allowed,
    routes,
    grpcPort: c.grpc?.port ?? null,
    grpcAllowed,
    grpcRoutes: routeOf(true),
    outlier: {
      consecutive5xxErrors: Math.max(1, Math.ceil(threshold / 10)),
      interval: "10s",
      baseEjectionTime: goDuration(reset),
      maxEjectionPercent: 50,
    },
    pool: {
      maxConnections: 100,
      connectTimeout: goDuration(Math.min(connectTimeout, 10_000)),
      http1MaxPendingRequests: 100,
      maxRequestsPerConnection: 0,
    },
  };
}

const views = new WeakMap<SystemModel, KubernetesView>();
/** The Kubernetes view of a model, built once per model (the k8s planner and the root README both read it). */
export function kubernetesView(model: SystemModel): KubernetesView {
  let view = views.get(model);
  if (!view) views.set(model, (view = buildKubernetesView(model)));
  return view;
}

function buildKubernetesView(model: SystemModel): KubernetesView {
  const g = edgeGraph(model);
  const gw = g.gateway;
  return {
    system: model.name,
    namespace: model.namespace,
    environments: model.environments,
    edges: g,
    partOf: { "app.kubernetes.io/managed-by": "msa", "app.kubernetes.io/part-of": model.name },
    mesh: model.mesh === "istio",
    contexts: [...model.contexts.map((c) => contextWorkload(model, g, c)), ...model.bffs.map((b) => bffWorkload(model, g, b))].sort((a, b) => (a.name < b.name ? -1 : 1)),
    gateway: gw ? gatewayWorkload(model, g, gw) : null,
    istio: model.mesh === "istio" ? [...model.contexts, ...model.bffs].map((c) => istioContext(model, g, c)).sort((a, b) => (a.name < b.name ? -1 : 1)) : [],
    gatewayJwtSecret: `${model.name}-gateway-jwt`,
  };
}

/** Half a CPU quantity: "100m" → "50m", "1" → "500m", "0.5" → "250m", "2" → "1" (never below 1m). */
export function halfCpu(q: string): string {
  const milli = /^(\d+)m$/.exec(q);
  if (milli) return `${Math.max(1, Math.floor(Number(milli[1]) / 2))}m`;
  if (!/^\d+(\.\d+)?$/.test(q)) return q;
  const half = Math.max(1, Math.round(Number(q) * 500));
  return half % 1000 === 0 ? String(half / 1000) : `${half}m`;
}

/** Half a memory quantity: "128Mi" → "64Mi", "1Gi" → "512Mi", "3Mi" → "1536Ki", "1G" → "500M". */
export function halfMemory(q: string): string {
  const m = /^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q);
  if (!m) return q;
  const n = Number(m[1]);
  const unit = m[2] ?? "";
  if (n % 2 === 0 || unit === "") return `${Math.max(1, Math.floor(n / 2))}${unit}`;
  const down: Record<string, [number, string]> = { Ti: [1024, "Gi"], Gi: [1024, "Mi"], Mi: [1024, "Ki"], Ki: [1024, ""], T: [1000, "G"], G: [1000, "M"], M: [1000, "k"], k: [1000, ""] };
  const [factor, smaller] = down[unit] as [number, string];
  return `${(n * factor) / 2}${smaller}`;
}

export interface SecretNeed {
  secret: string;
  key: string;
  /** The variable it becomes, and who reads it. */
  env: string;
  readers: string[];
  what: string;
}

const SECRET_WHAT: Record<string, string> = {
  BROKER_URL: "the broker URL with its credentials",
  DATABASE_URL: "the database URL with its credentials",
  JWT_SECRET: "the HS256 key gateway tokens are signed with",
  REDIS_HOST: "the host of the rate-limit Redis (Kong, port 6379)",
  REDIS_URL: "the rate-limit Redis URL with its password",
};

/** Every Secret and key the workloads read, one entry per Secret/key, sorted. */
export function secretNeeds(view: KubernetesView): SecretNeed[] {
  const needs = new Map<string, SecretNeed>();
  for (const w of [...view.contexts, ...(view.gateway ? [view.gateway] : [])])
    for (const s of w.secretEnv) {
      const id = `${s.secret}/${s.key}`;
      const have = needs.get(id);
      // readers sorted once at the end (sorting on every add was quadratic in the contexts sharing a Secret)
      if (have) have.readers.push(w.name);
      else needs.set(id, { secret: s.secret, key: s.key, env: s.name, readers: [w.name], what: SECRET_WHAT[s.name] ?? s.name });
    }
  for (const n of needs.values()) n.readers.sort();
  return [...needs.values()].sort((a, b) => (a.secret + "/" + a.key < b.secret + "/" + b.key ? -1 : 1));
}
