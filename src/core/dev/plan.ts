// `msa dev` as a pure plan (docs/dev.md): which processes run, in which order, with which environment, and which
// infrastructure they need. The environment is the compose file's (src/core/plan/compose.ts: serviceEnvironment,
// nodeGatewayEnvironment, composeTopology), pointed at localhost: a service runs on the host with the same
// variables it gets in a container. Spawning, probing and installing are src/io/dev/*.
import { CONSUL_HTTP_PORT, edgeGraph, GATEWAY_METRICS_PORT, OTLP_HTTP_PORT, type EdgeGraph } from "../edges.js";
import type { Context, DatabaseEngine, SystemModel } from "../model.js";
import { toEnvName } from "../names.js";
import {
  composeTopology,
  GATEWAY_JWT_DEV_SECRET,
  nodeGatewayEnvironment,
  serviceEnvironment,
  type KV,
} from "../plan/compose.js";
import { GATEWAY_PORT } from "../plan/gateway-node.js";
import { audienceOf, issuerOf } from "../plan/k8s-view.js";
import { PYTHON_REQUIREMENTS, pythonServiceView } from "../plan/service-python.js";

export const DEFAULT_DASHBOARD_PORT = 4190;
/** Where the dev override of compose that publishes the infrastructure's ports is written (relative to the system). */
export const DEV_COMPOSE_FILE = ".msa/dev-compose.yml";
/** Host ports of each engine's first database; the next context's database of the same engine gets the next port. */
const FIRST_HOST_PORT: Record<DatabaseEngine, number> = { postgres: 5432, mysql: 3306, mongodb: 27017, redis: 6379 };
const BROKER_HOST_PORT = { rabbitmq: 5672, nats: 4222, kafka: 9092 } as const;

export interface DevOptions {
  /** --only: the contexts to run (all when empty). */
  only: string[];
  /** --no-gateway */
  gateway: boolean;
  /** --port-offset (else dev.portOffset, else 0) */
  portOffset: number | null;
  /** `.env` beside system.yaml: BROKER_URL, <CONTEXT>_DATABASE_URL, OTEL_EXPORTER_OTLP_ENDPOINT, JWT_SECRET. */
  dotenv: Record<string, string>;
  /** Something listens on the OTLP endpoint: then the OTEL_* variables are set (tracing on). */
  tracing: boolean;
  /** The python interpreter (python services run as `<python> -m gunicorn`). */
  python: string;
}

/** Something outside the system a process needs: the broker or a context's database. */
export interface DevInfra {
  /** The compose service that provides it locally. */
  composeService: string;
  /** "rabbitmq", "postgres (orders)" */
  what: string;
  url: string;
  host: string;
  port: number;
  /** The port compose publishes it on (the dev override), when the URL is the default. */
  publish: { host: number; container: number } | null;
}

export interface DevDatabase {
  context: string;
  engine: DatabaseEngine;
  url: string;
}

export interface DevProcess {
  name: string;
  kind: "service" | "gateway";
  runtime: "node" | "python";
  /** Relative to the system's directory. */
  dir: string;
  command: string[];
  /** node: `tsc --watch` over this project; the process restarts after each successful compile. */
  tscProject: string | null;
  /** python: restart on a change of a .py file under these (relative to dir). */
  watch: string[];
  env: Record<string, string>;
  port: number;
  url: string;
  healthUrl: string;
  readyUrl: string;
  metricsUrl: string;
  /** python: modules that must import (from requirements.txt). */
  pythonModules: string[];
}

export interface DevPlan {
  system: string;
  portOffset: number;
  infra: DevInfra[];
  databases: DevDatabase[];
  /** In start order (callees before callers, the gateway last); stopped in reverse. */
  processes: DevProcess[];
  /** The dev override of compose (publishes the infrastructure's ports on 127.0.0.1), for DEV_COMPOSE_FILE. */
  composePorts: { service: string; ports: string[] }[];
  dashboardPort: number;
  gateway: {
    kind: "node" | "kong" | "none";
    url: string | null;
    /** The node gateway's JWT settings: msa dev prints a token signed with them. */
    jwt: { issuer: string; audience: string; secret: string } | null;
    /** What happens to a Kong gateway, or why there is none. */
    note: string | null;
  };
  otlp: { endpoint: string; jaeger: string; tracing: boolean };
  /** Human notes printed before starting (Kafka, --only…). */
  notes: string[];
}

/** The `docker compose up -d …` that starts exactly `services` with their ports published for msa dev. */
export function composeUpCommand(services: string[]): string {
  return `docker compose -f docker-compose.yml -f ${DEV_COMPOSE_FILE} up -d ${[...new Set(services)].sort().join(" ")}`;
}

/** python requirement name → the module it is imported as; the OpenTelemetry packages are optional (telemetry.py). */
const PY_MODULE: Record<string, string | null> = {
  Flask: "flask",
  gunicorn: "gunicorn",
  jsonschema: "jsonschema",
  "prometheus-client": "prometheus_client",
  pika: "pika",
  "psycopg2-binary": "psycopg2",
  PyMySQL: "pymysql",
  pymongo: "pymongo",
  redis: "redis",
  "python-consul": "consul",
  [PYTHON_REQUIREMENTS.otelApi.name]: null,
  [PYTHON_REQUIREMENTS.otelSdk.name]: null,
  [PYTHON_REQUIREMENTS.otelExporter.name]: null,
};

const LOCAL = "127.0.0.1";

function hostPortOf(url: string, fallbackPort: number): { host: string; port: number } {
  // amqp://u:p@h:5672/x, postgres://…, nats://h:4222, or kafka's bare host:port[,host:port]
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `tcp://${url.split(",")[0]}`;
  try {
    const u = new URL(withScheme);
    return { host: u.hostname || LOCAL, port: u.port ? Number(u.port) : fallbackPort };
  } catch {
    return { host: LOCAL, port: fallbackPort };
  }
}

/** A compose URL (host = a compose service) → the same on 127.0.0.1 and the published host port. */
function localise(url: string, host: string, port: number): string {
  return url.replace(new RegExp(`@${host}:\\d+`), `@${LOCAL}:${port}`).replace(new RegExp(`//${host}:\\d+`), `//${LOCAL}:${port}`).replace(new RegExp(`^${host}:\\d+`), `${LOCAL}:${port}`);
}

/** Callees before callers (pod edges between contexts); name order where there is no edge (or a cycle). */
function startOrder(contexts: Context[], edges: EdgeGraph): Context[] {
  const names = new Set(contexts.map((c) => c.name));
  const deps = new Map(contexts.map((c) => [c.name, edges.pods.filter((e) => e.from === c.name && names.has(e.to)).map((e) => e.to)]));
  const out: Context[] = [];
  const seen = new Set<string>();
  const visiting = new Set<string>();
  const byName = new Map(contexts.map((c) => [c.name, c]));
  const visit = (n: string): void => {
    if (seen.has(n) || visiting.has(n)) return;
    visiting.add(n);
    for (const d of [...(deps.get(n) ?? [])].sort()) visit(d);
    visiting.delete(n);
    seen.add(n);
    out.push(byName.get(n)!);
  };
  for (const c of [...contexts].sort((a, b) => (a.name < b.name ? -1 : 1))) visit(c.name);
  return out;
}

export function planDev(model: SystemModel, opts: DevOptions): DevPlan {
  const offset = opts.portOffset ?? model.dev.portOffset ?? 0;
  const only = new Set(opts.only);
  const unknown = opts.only.filter((n) => !model.contexts.some((c) => c.name === n));
  if (unknown.length) throw new DevPlanError(`--only names ${unknown.map((n) => `"${n}"`).join(", ")}, not a context of ${model.name} (contexts: ${model.contexts.map((c) => c.name).join(", ")})`);
  const selected = model.contexts.filter((c) => only.size === 0 || only.has(c.name));
  const topology = composeTopology(model);
  const edges = edgeGraph(model);
  const env = opts.dotenv;
  const notes: string[] = [];

  // the broker: .env BROKER_URL, else dev.broker, else the compose broker on localhost
  const infra: DevInfra[] = [];
  let brokerUrl: string | null = null;
  const broker = topology.broker;
  if (broker && selected.length) {
    const hostPort = BROKER_HOST_PORT[broker.kind as keyof typeof BROKER_HOST_PORT];
    const override = env.BROKER_URL ?? model.dev.broker;
    brokerUrl = override ?? localise(broker.url, broker.name, hostPort);
    const hp = hostPortOf(brokerUrl, hostPort);
    infra.push({ composeService: broker.name, what: broker.kind, url: brokerUrl, ...hp, publish: override ? null : { host: hostPort, container: hostPort } });
    if (broker.kind === "kafka" && !override)
      notes.push("kafka: the compose broker advertises kafka:9092, which the host cannot resolve; run a Kafka on 127.0.0.1:9092 or set dev.broker");
  }

  // databases: .env <CONTEXT>_DATABASE_URL, else dev.databases.<context>, else the compose database on localhost
  const nextPort = { ...FIRST_HOST_PORT };
  const dbUrls = new Map<string, string>();
  const databases: DevDatabase[] = [];
  for (const ctx of model.contexts) {
    const db = topology.databases.get(ctx.name);
    if (!db || !ctx.database) continue;
    const engine = ctx.database.engine;
    const containerPort = FIRST_HOST_PORT[engine];
    const hostPort = nextPort[engine]++;
    if (!selected.includes(ctx)) continue;
    const override = env[`${toEnvName(ctx.name)}_DATABASE_URL`] ?? model.dev.databases[ctx.name];
    const url = override ?? localise(db.url, db.view.name, hostPort);
    dbUrls.set(ctx.name, url);
    infra.push({
      composeService: db.view.name,
      what: `${engine} (${ctx.name})`,
      url,
      ...hostPortOf(url, containerPort),
      publish: override ? null : { host: hostPort, container: containerPort },
    });
    if (engine === "postgres" || engine === "mysql") databases.push({ context: ctx.name, engine, url });
  }

  // discovery: consul — .env CONSUL_HTTP_ADDR, else the compose agent on localhost; services register 127.0.0.1
  let consul: Record<string, string> = {};
  if (topology.consul && selected.length) {
    const url = env.CONSUL_HTTP_ADDR ?? `http://${LOCAL}:${CONSUL_HTTP_PORT}`;
    consul = { CONSUL_HTTP_ADDR: url };
    notes.push("discovery: consul: a Consul agent in Docker cannot reach services on the host's 127.0.0.1, so their checks stay critical and callers use their fallback URLs (logged); for passing checks run the agent on the host (consul agent -dev) and set CONSUL_HTTP_ADDR in .env");
    infra.push({ composeService: topology.consul, what: "consul (discovery)", url, ...hostPortOf(url, CONSUL_HTTP_PORT), publish: env.CONSUL_HTTP_ADDR ? null : { host: CONSUL_HTTP_PORT, container: CONSUL_HTTP_PORT } });
  }

  // ports: every context's own port plus the offset; the gateway on 8080 (+offset) unless a context has it
  const portOf = new Map(model.contexts.map((c) => [c.name, c.port + offset]));
  const taken = new Set(portOf.values());
  const otlpEndpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT ?? model.dev.otlp ?? `http://${LOCAL}:${OTLP_HTTP_PORT}`;
  /** compose's values → local ones: http://<context>:<port> → 127.0.0.1:<port+offset>; the collector; dev shutdown timings */
  const localEnv = (kvs: KV[], extra: Record<string, string>): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const { key, value } of kvs) {
      if (key.startsWith("OTEL_")) {
        if (!opts.tracing) continue;
        out[key] = key === "OTEL_EXPORTER_OTLP_ENDPOINT" ? otlpEndpoint : value;
        continue;
      }
      const m = /^http:\/\/([a-z0-9-]+):(\d+)$/.exec(value);
      const port = m ? portOf.get(m[1]!) : undefined;
      out[key] = port !== undefined ? `http://${LOCAL}:${port}` : value;
    }
    return { ...out, ...extra };
  };
  // a reload must be quick: no readiness grace period (compose and Kubernetes keep theirs)
  const devTimings = { SHUTDOWN_DELAY_MS: "0", SHUTDOWN_TIMEOUT_MS: "5000" };

  const processes: DevProcess[] = startOrder(selected, edges).map((ctx) => {
    const port = portOf.get(ctx.name)!;
    const python = ctx.runtime === "python-flask";
    const base = `http://${LOCAL}:${port}`;
    const e = localEnv(serviceEnvironment(edges, ctx, brokerUrl, dbUrls.get(ctx.name) ?? null, consul.CONSUL_HTTP_ADDR ?? null), {
      ...devTimings,
      ...(consul.CONSUL_HTTP_ADDR ? { ...consul, SERVICE_ADDRESS: LOCAL } : {}),
      PORT: String(port),
      ...(python ? { WEB_CONCURRENCY: "1", PYTHONUNBUFFERED: "1", PYTHONDONTWRITEBYTECODE: "1" } : {}),
    });
    // a context outside --only is not running: its URL still points where it would be
    return {
      name: ctx.name,
      kind: "service" as const,
      runtime: python ? ("python" as const) : ("node" as const),
      dir: `services/${ctx.name}`,
      command: python ? [opts.python, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"] : ["node", "--enable-source-maps", "dist/main.js"],
      tscProject: python ? null : "tsconfig.build.json",
      watch: python ? ["app", "wsgi.py", "gunicorn.conf.py"] : [],
      env: e,
      port,
      url: base,
      healthUrl: `${base}/health`,
      readyUrl: `${base}/ready`,
      metricsUrl: `${base}/metrics`,
      pythonModules: python
        ? pythonServiceView(model, ctx)
            .requirements.map((r) => PY_MODULE[r.name])
            .filter((m): m is string => !!m)
            .sort()
        : [],
    };
  });

  // the gateway: node runs as a process like a service; Kong needs Docker
  let gateway: DevPlan["gateway"] = { kind: model.gateway.kind, url: null, jwt: null, note: null };
  const jwtSecret = env.JWT_SECRET ?? GATEWAY_JWT_DEV_SECRET;
  if (model.gateway.kind === "kong") {
    gateway.note = `Kong runs only in Docker (${"docker compose up -d gateway"}: kong.yml's upstreams are compose host names); msa dev does not start it — call the services at the URLs below`;
  } else if (model.gateway.kind === "node" && !opts.gateway) {
    gateway.note = "--no-gateway: the node gateway is not started";
  } else if (model.gateway.kind === "node" && topology.gateway) {
    let port = GATEWAY_PORT + offset;
    while (taken.has(port)) port++;
    taken.add(port);
    let metricsPort = GATEWAY_METRICS_PORT + offset;
    while (taken.has(metricsPort)) metricsPort++;
    taken.add(metricsPort);
    const base = `http://${LOCAL}:${port}`;
    const jwt = model.gateway.routes.some((r) => r.auth === "jwt");
    let redis: Record<string, string> = {};
    if (topology.rateLimitRedis) {
      const url = env.REDIS_URL ?? `redis://${LOCAL}:6379/0`;
      redis = { REDIS_URL: url };
      infra.push({ composeService: topology.rateLimitRedis, what: "redis (gateway rate limits)", url, ...hostPortOf(url, 6379), publish: env.REDIS_URL ? null : { host: 6379, container: 6379 } });
    }
    processes.push({
      name: topology.gateway,
      kind: "gateway",
      runtime: "node",
      dir: "gateway",
      command: ["node", "--enable-source-maps", "dist/main.js"],
      tscProject: "tsconfig.build.json",
      watch: [],
      env: localEnv(nodeGatewayEnvironment(model, edges, topology.rateLimitRedis, consul.CONSUL_HTTP_ADDR ?? null), {
        ...devTimings,
        ...redis,
        PORT: String(port),
        METRICS_PORT: String(metricsPort),
        JWT_SECRET: jwtSecret,
      }),
      port,
      url: base,
      healthUrl: `${base}/health`,
      readyUrl: `${base}/ready`,
      metricsUrl: `http://${LOCAL}:${metricsPort}/metrics`,
      pythonModules: [],
    });
    gateway = { kind: "node", url: base, jwt: jwt ? { issuer: issuerOf(model), audience: audienceOf(model), secret: jwtSecret } : null, note: null };
  } else if (model.gateway.kind === "none") {
    gateway.note = null;
  }
  if (only.size) notes.push(`--only ${[...only].sort().join(",")}: the other contexts are not started (calls and routes to them fail)`);

  const composePorts = infra
    .filter((i) => i.publish)
    .map((i) => ({ service: i.composeService, ports: [`${LOCAL}:${i.publish!.host}:${i.publish!.container}`] }))
    .sort((a, b) => (a.service < b.service ? -1 : 1));
  return {
    system: model.name,
    portOffset: offset,
    infra,
    databases,
    processes,
    composePorts,
    dashboardPort: (model.dev.dashboard ?? DEFAULT_DASHBOARD_PORT) + offset,
    gateway,
    otlp: { endpoint: otlpEndpoint, jaeger: `http://${LOCAL}:16686`, tracing: opts.tracing },
    notes,
  };
}

export class DevPlanError extends Error {}
