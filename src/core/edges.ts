// The edge graph: every connection the running system makes, derived once from the model.
// NetworkPolicies, Istio AuthorizationPolicies, ConfigMap URLs and compose environments are all read
// from it (src/core/plan/k8s-view.ts, compose.ts), so a policy can never forget a connection the code makes.
//
// Two kinds of edge:
//   - pod edges, between two workloads of the system (gateway → routed context, caller → callee for
//     `calls` and for saga orchestrator → step context): both ends are ours, so both ends get a rule
//     (egress of the source, ingress of the destination, an Istio ALLOW with the source's principal);
//   - outside edges, from a workload to something we do not run or do not know the address of
//     (its database, the broker, DNS, the tracing collector, the gateway's JWKS endpoint and its rate-limit
//     Redis), and from
//     outside into a workload (the ingress controller to the gateway, Prometheus to a metrics port).
import type { BrokerKind, DatabaseEngine, SystemModel, TraceSampler } from "./model.js";
import { toEnvName } from "./names.js";
import { GATEWAY_PORT } from "./plan/gateway-node.js";

export const DATABASE_PORTS: Record<DatabaseEngine, number> = { postgres: 5432, mysql: 3306, mongodb: 27017, redis: 6379 };
export const BROKER_PORTS: Record<BrokerKind, number | null> = { rabbitmq: 5672, nats: 4222, kafka: 9092, memory: null };
/** OTLP gRPC and HTTP: the tracing collector (OTEL_EXPORTER_OTLP_ENDPOINT), wherever it runs. */
export const OTLP_PORTS = [4317, 4318] as const;
/** OTLP over HTTP: what the services, the node gateway and Kong's opentelemetry plugin send to by default. */
export const OTLP_HTTP_PORT = 4318;
/** The collector's host name in compose and (a Service of that name, or an ExternalName) in the cluster. */
export const OTEL_COLLECTOR_HOST = "otel-collector";
export const OTLP_ENDPOINT = `http://${OTEL_COLLECTOR_HOST}:${OTLP_HTTP_PORT}`;
/** The node gateway serves /metrics here, on a port no route exposes (METRICS_PORT). */
export const GATEWAY_METRICS_PORT = 9464;
/** The node gateway's listening port inside its container (the node gateway planner's default). */
export const NODE_GATEWAY_PORT = GATEWAY_PORT;
export const KONG_PROXY_PORT = 8000;
/** The gateway's shared rate-limit Redis (gateway.rateLimitStore: redis); kong.yml's redis.port says the same. */
export const RATE_LIMIT_REDIS_PORT = 6379;
export const KONG_STATUS_PORT = 8100;
/** Istio's sidecar agent: the merged Prometheus endpoint (/stats/prometheus) when meshed. */
export const ISTIO_MERGED_METRICS_PORT = 15020;
/** The Consul agent's HTTP API (`discovery: consul`): registration and the health API, on every node. */
export const CONSUL_HTTP_PORT = 8500;

/** bff: a backend-for-frontend to a context one of its routes composes (docs/bff.md).
 * grpc: a `calls` entry with protocol grpc, to the callee's gRPC port (docs/grpc.md). */
export type PodEdgeKind = "route" | "call" | "saga" | "bff" | "grpc";
export type OutsideEdgeKind = "database" | "broker" | "dns" | "tracing" | "jwks" | "ratelimit" | "upstream" | "registry" | "discovery";
/** discovery: the Consul agent's HTTP health check of a registered workload (`discovery: consul`). */
export type InboundEdgeKind = "public" | "metrics" | "discovery";

/** A connection between two workloads of the system. */
export interface PodEdge {
  kind: PodEdgeKind;
  from: string;
  to: string;
  /** The destination's container port. */
  port: number;
  /** calls: the call; saga: the saga names (sorted); route: the route paths (sorted); bff: "bff <name>". */
  why: string[];
}

/** A connection from a workload to something outside the system's workloads. */
export interface OutsideEdge {
  kind: OutsideEdgeKind;
  from: string;
  port: number;
  protocol: "TCP" | "UDP";
  /** Human words for comments: "database (postgres)". */
  what: string;
}

/** A connection from outside into a workload. */
export interface InboundEdge {
  kind: InboundEdgeKind;
  /** "anywhere" (public), "prometheus", or "consul" (the agent's health checks). */
  from: "anywhere" | "prometheus" | "consul";
  to: string;
  port: number;
}

export interface Workload {
  name: string;
  component: "service" | "gateway" | "bff";
  /** Listening (container) port. */
  port: number;
  /** Port /metrics is served on (the main port for services, 9464 for the node gateway), null when none. */
  metricsPort: number | null;
}

export interface EdgeGraph {
  workloads: Workload[];
  pods: PodEdge[];
  outside: OutsideEdge[];
  inbound: InboundEdge[];
  /** The gateway's workload name, null without a gateway. */
  gateway: string | null;
  /** Where spans go and how many are kept (`observability.tracing`); null when tracing is off. */
  tracing: TracingTarget | null;
}

/** The exporter settings every traced workload gets (src/core/model.ts TracingSettings, defaults applied). */
export interface TracingTarget {
  /** OTLP/HTTP base URL in the cluster. */
  endpoint: string;
  sampler: TraceSampler | null;
  ratio: number | null;
}

/** observability.tracing with its defaults applied; null when tracing is off. */
export const tracingTarget = (model: SystemModel): TracingTarget | null =>
  model.tracing.enabled ? { endpoint: model.tracing.endpoint ?? OTLP_ENDPOINT, sampler: model.tracing.sampler, ratio: model.tracing.ratio } : null;

/** The TCP port of an http(s) URL (its scheme's default when none is written). */
const portOfUrl = (url: string): number => {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
};

/** The gateway's workload name: `gateway`, or `<system>-gateway` when a context is itself called gateway. */
export const gatewayName = (model: SystemModel): string =>
  model.contexts.some((c) => c.name === "gateway") ? `${model.name}-gateway` : "gateway";

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export function edgeGraph(model: SystemModel): EdgeGraph {
  const contexts = new Map(model.contexts.map((c) => [c.name, c]));
  const tracing = tracingTarget(model);
  const gw = model.gateway.kind === "none" ? null : gatewayName(model);
  const workloads: Workload[] = model.contexts.map((c) => ({ name: c.name, component: "service" as const, port: c.port, metricsPort: c.port }));
  if (gw) {
    const kong = model.gateway.kind === "kong";
    workloads.push({
      name: gw,
      component: "gateway",
      port: kong ? KONG_PROXY_PORT : NODE_GATEWAY_PORT,
      // Kong's own metrics need its prometheus plugin (not configured): nothing to scrape yet.
      metricsPort: kong ? null : GATEWAY_METRICS_PORT,
    });
  }
  // backends-for-frontends: node services of their own, with neither database nor broker (docs/bff.md)
  for (const b of model.bffs) workloads.push({ name: b.name, component: "bff", port: b.port, metricsPort: b.port });
  workloads.sort(byName);
  const portOf = new Map<string, number>([...model.contexts.map((c) => [c.name, c.port] as const), ...model.bffs.map((b) => [b.name, b.port] as const)]);

  const pods = new Map<string, PodEdge>();
  const addPod = (kind: PodEdgeKind, from: string, to: string, why: string): void => {
    const httpPort = portOf.get(to);
    if (httpPort === undefined || from === to) return;
    // a gRPC call is its own connection (another port); HTTP calls, saga steps and routes share the HTTP one
    const grpcPort = contexts.get(to)?.grpc?.port;
    if (kind === "grpc" && grpcPort === undefined) return;
    const port = kind === "grpc" ? grpcPort! : httpPort;
    const key = kind === "grpc" ? `${from}\u0000${to}\u0000grpc` : `${from}\u0000${to}`;
    const have = pods.get(key);
    if (have) {
      // one edge per pair: a call and a saga step to the same context are one connection
      if (!have.why.includes(why)) have.why = [...have.why, why].sort();
      return;
    }
    pods.set(key, { kind, from, to, port, why: [why] });
  };
  if (gw)
    for (const r of model.gateway.routes) {
      addPod("route", gw, r.context, r.path);
      // a strangler route's split: the contexts that take a share of the legacy upstream's traffic
      for (const s of r.split) addPod("route", gw, s.context, r.path);
    }
  for (const c of model.contexts) for (const call of c.calls) addPod(call.protocol === "grpc" ? "grpc" : "call", c.name, call.target, "calls");
  for (const s of model.sagas) for (const step of s.steps) addPod("saga", s.orchestrator, step.context, `saga ${s.name}`);
  for (const b of model.bffs) for (const t of b.targets) addPod("bff", b.name, t, `bff ${b.name}`);

  const outside: OutsideEdge[] = [];
  const brokerPort = BROKER_PORTS[model.broker.kind];
  for (const w of workloads) {
    outside.push({ kind: "dns", from: w.name, port: 53, protocol: "UDP", what: "DNS" });
    outside.push({ kind: "dns", from: w.name, port: 53, protocol: "TCP", what: "DNS" });
    const c = contexts.get(w.name);
    if (c && w.component === "service") {
      if (c.database) outside.push({ kind: "database", from: w.name, port: DATABASE_PORTS[c.database.engine], protocol: "TCP", what: `database (${c.database.engine})` });
      // Every service connects to the broker (its /ready checks it), publisher or not.
      if (brokerPort) outside.push({ kind: "broker", from: w.name, port: brokerPort, protocol: "TCP", what: `broker (${model.broker.kind})` });
    }
    if (w.component === "gateway" && model.gateway.jwksUrl) {
      const u = new URL(model.gateway.jwksUrl);
      const port = u.port ? Number(u.port) : u.protocol === "http:" ? 80 : 443;
      outside.push({ kind: "jwks", from: w.name, port, protocol: "TCP", what: `JWKS (${u.host})` });
    }
    // strangler routes: the gateway proxies to a legacy system outside the cluster (docs/progressive-delivery.md)
    if (w.component === "gateway")
      for (const u of upstreamHosts(model)) outside.push({ kind: "upstream", from: w.name, port: u.port, protocol: "TCP", what: `legacy upstream (${u.host})` });
    // gateway.rateLimitStore: redis — the node gateway's REDIS_URL and Kong's policy: redis (REDIS_HOST), port 6379
    if (w.component === "gateway" && model.gateway.rateLimitStore === "redis")
      outside.push({ kind: "ratelimit", from: w.name, port: RATE_LIMIT_REDIS_PORT, protocol: "TCP", what: "rate-limit store (redis)" });
    // discovery: consul — services register with the node-local agent and look callees up in it; the node gateway
    // looks its routed contexts up (Kong reaches them by their DNS names: docs/progressive-delivery.md)
    if (registers(model, w)) outside.push({ kind: "discovery", from: w.name, port: CONSUL_HTTP_PORT, protocol: "TCP", what: "Consul agent (HTTP API)" });
    else if (model.discovery === "consul" && w.component === "gateway" && model.gateway.kind === "node")
      outside.push({ kind: "discovery", from: w.name, port: CONSUL_HTTP_PORT, protocol: "TCP", what: "Consul agent (HTTP API)" });
    // the generated code exports over OTLP when OTEL_* says so (http/protobuf by default, gRPC if chosen); Kong's
    // opentelemetry plugin speaks OTLP/HTTP only. A collector of the user's own (observability.tracing.endpoint) is
    // reached on its URL's port alone; none at all when tracing is off.
    if (tracing) {
      const custom = model.tracing.endpoint !== null;
      const otlpPorts = custom ? [portOfUrl(tracing.endpoint)] : w.component === "gateway" && model.gateway.kind === "kong" ? [OTLP_HTTP_PORT] : OTLP_PORTS;
      for (const port of otlpPorts)
        outside.push({ kind: "tracing", from: w.name, port, protocol: "TCP", what: custom ? `tracing collector (${new URL(tracing.endpoint).host})` : `tracing collector (OTLP ${port === 4317 ? "gRPC" : "HTTP"})` });
    }
  }

  const inbound: InboundEdge[] = [];
  for (const w of workloads) {
    if (w.component === "gateway") inbound.push({ kind: "public", from: "anywhere", to: w.name, port: w.port });
    if (w.metricsPort !== null) inbound.push({ kind: "metrics", from: "prometheus", to: w.name, port: w.metricsPort });
    // the Consul agent calls the registered HTTP check (GET /ready) on the service's own port
    if (registers(model, w)) inbound.push({ kind: "discovery", from: "consul", to: w.name, port: w.port });
  }

  const sortedPods = [...pods.values()].sort((a, b) => (a.from + "\u0000" + a.to + "\u0000" + a.kind < b.from + "\u0000" + b.to + "\u0000" + b.kind ? -1 : 1));
  return { workloads, pods: sortedPods, outside, inbound, gateway: gw, tracing };
}

/** Does this workload register itself with Consul? The contexts (node and python) under `discovery: consul`. */
const registers = (model: SystemModel, w: Workload): boolean => model.discovery === "consul" && w.component === "service";

/**
 * The discovery settings of a workload with a Consul edge: CONSUL_HTTP_ADDR, the agent it registers with and asks.
 * `agent` is its address: the compose service, or in Kubernetes the node-local agent (`http://$(HOST_IP):8500`,
 * expanded by Kubernetes from the downward API — so it goes into the Deployment's env, not the ConfigMap).
 */
export function discoveryEnv(g: EdgeGraph, name: string, agent: string): { key: string; value: string }[] {
  if (!(edgeIndex(g).outsideFrom.get(name) ?? []).some((e) => e.kind === "discovery")) return [];
  return [{ key: "CONSUL_HTTP_ADDR", value: agent }];
}

/**
 * The OTEL_* settings of a workload with a tracing edge (its exporter's endpoint, protocol, service name and, when
 * system.yaml sets them, sampler): the same in compose and in the ConfigMaps, except that compose always exports to
 * its own collector. Kong reads its endpoint from kong.yml and its rate from KONG_TRACING_SAMPLING_RATE instead.
 */
export function tracingEnv(g: EdgeGraph, name: string, where: "cluster" | "compose" = "cluster"): { key: string; value: string }[] {
  if (!g.tracing || !(edgeIndex(g).outsideFrom.get(name) ?? []).some((e) => e.kind === "tracing")) return [];
  const { sampler, ratio } = g.tracing;
  return [
    { key: "OTEL_EXPORTER_OTLP_ENDPOINT", value: where === "compose" ? OTLP_ENDPOINT : g.tracing.endpoint },
    { key: "OTEL_EXPORTER_OTLP_PROTOCOL", value: "http/protobuf" },
    { key: "OTEL_SERVICE_NAME", value: name },
    ...(sampler ? [{ key: "OTEL_TRACES_SAMPLER", value: sampler }] : []),
    ...(ratio !== null && sampler?.endsWith("traceidratio") ? [{ key: "OTEL_TRACES_SAMPLER_ARG", value: String(ratio) }] : []),
  ];
}

/** Kong's KONG_TRACING_SAMPLING_RATE: the ratio when one is set, 0 for always_off samplers, else every request. */
export function kongSamplingRate(g: EdgeGraph): string {
  const t = g.tracing;
  if (!t) return "0";
  if (t.sampler?.endsWith("always_off")) return "0";
  if (t.ratio !== null && t.sampler?.endsWith("traceidratio")) return String(t.ratio);
  return "1.0";
}

interface EdgeIndex {
  /** The lengths the index was made at: a graph changed since (tests build graphs by hand) is indexed again. */
  sizes: [number, number, number];
  podsFrom: Map<string, PodEdge[]>;
  podsTo: Map<string, PodEdge[]>;
  outsideFrom: Map<string, OutsideEdge[]>;
  inboundTo: Map<string, InboundEdge[]>;
}
const indexes = new WeakMap<EdgeGraph, EdgeIndex>();

function groupBy<T>(list: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of list) {
    const k = key(x);
    const group = out.get(k);
    if (group) group.push(x);
    else out.set(k, [x]);
  }
  return out;
}

/**
 * The graph's edges by workload, in the graph's order (issue #24: every context's views filtered every edge of the
 * system several times, quadratic in the contexts).
 */
export function edgeIndex(g: EdgeGraph): EdgeIndex {
  let ix = indexes.get(g);
  if (!ix || ix.sizes[0] !== g.pods.length || ix.sizes[1] !== g.outside.length || ix.sizes[2] !== g.inbound.length) {
    ix = {
      sizes: [g.pods.length, g.outside.length, g.inbound.length],
      podsFrom: groupBy(g.pods, (e) => e.from),
      podsTo: groupBy(g.pods, (e) => e.to),
      outsideFrom: groupBy(g.outside, (e) => e.from),
      inboundTo: groupBy(g.inbound, (e) => e.to),
    };
    indexes.set(g, ix);
  }
  return ix;
}

/** `name`'s edges of a kind of index, as a new array (callers may keep or change it). */
const edgesOf = <T>(m: Map<string, T[]>, name: string): T[] => m.get(name)?.slice() ?? [];

/** The workloads `name` connects to (its pod edges out). */
export const podEdgesFrom = (g: EdgeGraph, name: string): PodEdge[] => edgesOf(edgeIndex(g).podsFrom, name);
/** The workloads that connect to `name`. */
export const podEdgesTo = (g: EdgeGraph, name: string): PodEdge[] => edgesOf(edgeIndex(g).podsTo, name);
/** `name`'s edges to things outside the system's workloads. */
export const outsideEdgesFrom = (g: EdgeGraph, name: string): OutsideEdge[] => edgesOf(edgeIndex(g).outsideFrom, name);
/** What reaches `name` from outside the pod graph (public ingress, metrics scrapes, discovery checks). */
export const inboundEdgesTo = (g: EdgeGraph, name: string): InboundEdge[] => edgesOf(edgeIndex(g).inboundTo, name);

/**
 * The URL variables a workload reads to find the workloads it connects to: `<CALLEE>_URL` for calls and
 * saga steps, `ROUTE_<CONTEXT>_URL` for the gateway's routes. `host` maps a workload to its host name.
 */
export function urlEnv(g: EdgeGraph, name: string, host: (to: string) => string = (to) => to): { key: string; value: string }[] {
  return podEdgesFrom(g, name).map((e) =>
    // a gRPC callee is a host:port target (grpc-js and grpcio resolve it by DNS): <CALLEE>_GRPC_ADDR
    e.kind === "grpc"
      ? { key: `${toEnvName(e.to)}_GRPC_ADDR`, value: `${host(e.to)}:${e.port}` }
      : {
          key: e.kind === "route" ? `ROUTE_${toEnvName(e.to)}_URL` : `${toEnvName(e.to)}_URL`,
          value: `http://${host(e.to)}:${e.port}`,
        },
  );
}

export interface UpstreamHost {
  /** `hostname:port`, the port made explicit (80/443 by scheme). */
  host: string;
  hostname: string;
  port: number;
  protocol: "http" | "https";
}

/** Where a strangler route's `upstream` URL points. */
export function upstreamHostOf(upstream: string): UpstreamHost {
  const u = new URL(upstream);
  const protocol = u.protocol === "https:" ? "https" : "http";
  const port = u.port ? Number(u.port) : protocol === "http" ? 80 : 443;
  return { host: `${u.hostname}:${port}`, hostname: u.hostname, port, protocol };
}

/** The external hosts of the strangler routes (`gateway.routes[].upstream`), one per host:port, sorted. */
export function upstreamHosts(model: SystemModel): UpstreamHost[] {
  const out = new Map<string, UpstreamHost>();
  for (const r of model.gateway.routes) {
    if (!r.upstream) continue;
    const u = upstreamHostOf(r.upstream);
    out.set(u.host, u);
  }
  return [...out.values()].sort((a, b) => (a.host < b.host ? -1 : 1));
}
