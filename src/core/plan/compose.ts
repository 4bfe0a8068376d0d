// Planner: docker-compose.yml — every service, its database, the broker and the gateway, for a local run.
import { CONSUL_HTTP_PORT, discoveryEnv, edgeGraph, kongSamplingRate, OTEL_COLLECTOR_HOST, podEdgesFrom, tracingEnv, urlEnv, type EdgeGraph } from "../edges.js";
import { DEFAULT_RESOURCES, type BrokerKind, type Context, type DatabaseEngine, type SystemModel } from "../model.js";
import { toSnake } from "../names.js";
import { GATEWAY_PORT } from "./gateway-node.js";
import { audienceOf, issuerOf } from "./k8s-view.js";
import { KONG_IMAGE } from "./k8s-view.js";
import { lazyFile, type Planner } from "./types.js";

/** Pinned images of the local infrastructure. */
export const COMPOSE_IMAGES = {
  postgres: "postgres:16.4-alpine",
  mysql: "mysql:8.4.2",
  mongodb: "mongo:7.0.14",
  redis: "redis:7.4.0-alpine",
  rabbitmq: "rabbitmq:3.13.7-management-alpine",
  nats: "nats:2.10.20-alpine",
  kafka: "apache/kafka:3.8.0",
  kong: KONG_IMAGE,
  otelCollector: "otel/opentelemetry-collector:0.115.1",
  jaeger: "jaegertracing/all-in-one:1.64.0",
  consul: "hashicorp/consul:1.20.1",
} as const;

/** Development-only credentials for the local containers (compose is for a laptop, never a cluster). */
export const DEV_PASSWORD = "msa-dev";

export interface KV {
  key: string;
  value: string;
}

export interface BrokerView {
  name: string;
  image: string;
  kind: BrokerKind;
  url: string;
  environment: KV[];
  command: string[] | null;
  healthcheck: string[];
  ports: string[];
  volume: string | null;
  /** "volume:/path" */
  mount: string | null;
}

export interface DbView {
  name: string;
  image: string;
  environment: KV[];
  healthcheck: string[];
  volume: string;
  /** "volume:/path" */
  mount: string;
  command: string[] | null;
}

interface ServiceView {
  name: string;
  build: string;
  image: string;
  environment: KV[];
  ports: string[];
  healthcheck: string[];
  dependsOn: { name: string; condition: string }[];
  cpus: string;
  memory: string;
  memoryReservation: string;
  db: DbView | null;
}

function brokerView(model: SystemModel, claim: (name: string) => string): BrokerView | null {
  const kind = model.broker.kind;
  if (kind === "memory") return null;
  const host = claim(kind);
  switch (kind) {
    case "rabbitmq":
      return {
        name: host,
        kind,
        image: COMPOSE_IMAGES.rabbitmq,
        url: `amqp://msa:${DEV_PASSWORD}@${host}:5672`,
        environment: [
          { key: "RABBITMQ_DEFAULT_PASS", value: DEV_PASSWORD },
          { key: "RABBITMQ_DEFAULT_USER", value: "msa" },
        ],
        command: null,
        healthcheck: ["CMD", "rabbitmq-diagnostics", "-q", "ping"],
        ports: ["15672:15672"],
        volume: "rabbitmq-data",
        mount: "rabbitmq-data:/var/lib/rabbitmq",
      };
    case "nats":
      return {
        name: host,
        kind,
        image: COMPOSE_IMAGES.nats,
        url: `nats://${host}:4222`,
        environment: [],
        command: ["-js", "-sd", "/data", "-m", "8222"],
        healthcheck: ["CMD", "wget", "-q", "-O", "-", "http://127.0.0.1:8222/healthz"],
        ports: [],
        volume: "nats-data",
        mount: "nats-data:/data",
      };
    case "kafka":
      return {
        name: host,
        kind,
        image: COMPOSE_IMAGES.kafka,
        url: `${host}:9092`,
        environment: [
          { key: "KAFKA_AUTO_CREATE_TOPICS_ENABLE", value: "true" },
          { key: "KAFKA_CONTROLLER_LISTENER_NAMES", value: "CONTROLLER" },
          { key: "KAFKA_CONTROLLER_QUORUM_VOTERS", value: `1@${host}:9093` },
          { key: "KAFKA_INTER_BROKER_LISTENER_NAME", value: "PLAINTEXT" },
          { key: "KAFKA_LISTENERS", value: "PLAINTEXT://:9092,CONTROLLER://:9093" },
          { key: "KAFKA_ADVERTISED_LISTENERS", value: `PLAINTEXT://${host}:9092` },
          { key: "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", value: "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT" },
          { key: "KAFKA_NODE_ID", value: "1" },
          { key: "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", value: "1" },
          { key: "KAFKA_PROCESS_ROLES", value: "broker,controller" },
          { key: "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", value: "1" },
          { key: "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", value: "1" },
        ].sort((a, b) => (a.key < b.key ? -1 : 1)),
        command: null,
        healthcheck: ["CMD-SHELL", "/opt/kafka/bin/kafka-broker-api-versions.sh --bootstrap-server localhost:9092 >/dev/null 2>&1"],
        ports: [],
        // no volume: the image runs as a non-root user that cannot write to a fresh root-owned volume; local data is disposable
        volume: null,
        mount: null,
      };
  }
}

function dbView(ctx: Context, claim: (name: string) => string): { view: DbView; url: string } | null {
  const db = ctx.database;
  if (!db) return null;
  const host = claim(`${ctx.name}-db`);
  const dbName = toSnake(db.name);
  const user = toSnake(ctx.name);
  const volume = `${ctx.name}-db-data`;
  const engines: Record<DatabaseEngine, () => { view: DbView; url: string }> = {
    postgres: () => ({
      url: `postgres://${user}:${DEV_PASSWORD}@${host}:5432/${dbName}`,
      view: {
        name: host,
        image: COMPOSE_IMAGES.postgres,
        environment: [
          { key: "POSTGRES_DB", value: dbName },
          { key: "POSTGRES_PASSWORD", value: DEV_PASSWORD },
          { key: "POSTGRES_USER", value: user },
        ],
        healthcheck: ["CMD", "pg_isready", "-U", user, "-d", dbName],
        volume,
        mount: `${volume}:/var/lib/postgresql/data`,
        command: null,
      },
    }),
    mysql: () => ({
      url: `mysql://${user}:${DEV_PASSWORD}@${host}:3306/${dbName}`,
      view: {
        name: host,
        image: COMPOSE_IMAGES.mysql,
        environment: [
          { key: "MYSQL_DATABASE", value: dbName },
          { key: "MYSQL_PASSWORD", value: DEV_PASSWORD },
          { key: "MYSQL_ROOT_PASSWORD", value: DEV_PASSWORD },
          { key: "MYSQL_USER", value: user },
        ],
        healthcheck: ["CMD", "mysqladmin", "ping", "-h", "127.0.0.1", "--silent"],
        volume,
        mount: `${volume}:/var/lib/mysql`,
        command: null,
      },
    }),
    mongodb: () => ({
      url: `mongodb://${host}:27017/${dbName}`,
      view: {
        name: host,
        image: COMPOSE_IMAGES.mongodb,
        environment: [],
        healthcheck: ["CMD", "mongosh", "--quiet", "--eval", "db.adminCommand('ping').ok"],
        volume,
        mount: `${volume}:/data/db`,
        command: null,
      },
    }),
    redis: () => ({
      url: `redis://${host}:6379/0`,
      view: {
        name: host,
        image: COMPOSE_IMAGES.redis,
        environment: [],
        healthcheck: ["CMD", "redis-cli", "ping"],
        volume,
        mount: `${volume}:/data`,
        command: ["redis-server", "--appendonly", "yes"],
      },
    }),
  };
  return engines[db.engine]();
}

/** Kubernetes quantities → compose: "500m" → "0.5", "256Mi" → "256m". */
export function composeCpus(q: string): string {
  const m = /^(\d+(?:\.\d+)?)m$/.exec(q);
  if (m) return String(Number(m[1]) / 1000);
  return String(Number(q) || 0.5);
}
export function composeMemory(q: string): string {
  const m = /^(\d+)(Ki|Mi|Gi|K|M|G)?$/.exec(q);
  if (!m) return "256m";
  const unit = { Ki: "k", K: "k", Mi: "m", M: "m", Gi: "g", G: "g" }[m[2] ?? ""] ?? "b";
  return `${m[1]}${unit}`;
}

function healthcheckFor(ctx: Context): string[] {
  const url = `http://127.0.0.1:${ctx.port}/health`;
  return ctx.runtime === "python-flask"
    ? ["CMD", "python", "-c", `import urllib.request; urllib.request.urlopen('${url}', timeout=3)`]
    : ["CMD", "node", "-e", `fetch('${url}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`];
}

export const GATEWAY_JWT_DEV_SECRET = "msa-dev-jwt-secret-change-me-before-deploying";
/** The gateway's JWT secret in compose: the host's JWT_SECRET, else the development default (compose interpolation). */
export const GATEWAY_JWT_COMPOSE_SECRET = `\${JWT_SECRET:-${GATEWAY_JWT_DEV_SECRET}}`;

/** The compose service names of the infrastructure and each context's database (msa dev prints `docker compose up -d` with them). */
export interface ComposeTopology {
  gateway: string | null;
  broker: BrokerView | null;
  /** context name → its database container and the URL the service gets */
  databases: Map<string, { view: DbView; url: string }>;
  /** gateway.rateLimitStore: redis — the gateway's own Redis */
  rateLimitRedis: string | null;
  jaeger: string;
  /** discovery: consul — the Consul agent (dev mode) every service registers with; null otherwise */
  consul: string | null;
}

export function composeTopology(model: SystemModel): ComposeTopology {
  // Infrastructure containers get their usual names unless a context already has that name
  // (a context named "rabbitmq" or "orders-db"): then a numbered suffix keeps compose service names unique.
  const names = new Set([...model.contexts.map((c) => c.name), ...model.bffs.map((b) => b.name)]);
  const claim = (want: string): string => {
    let name = want;
    for (let i = 2; names.has(name); i++) name = `${want}-${i}`;
    names.add(name);
    return name;
  };
  const gateway = model.gateway.kind === "none" ? null : claim("gateway");
  const broker = brokerView(model, claim);
  const databases = new Map<string, { view: DbView; url: string }>();
  for (const ctx of model.contexts) {
    const db = dbView(ctx, claim);
    if (db) databases.set(ctx.name, db);
  }
  // gateway.rateLimitStore: redis — a Redis of the gateway's own holds the counters every replica shares
  const rateLimitRedis = model.gateway.kind !== "none" && model.gateway.rateLimitStore === "redis" ? claim("gateway-redis") : null;
  const jaeger = claim("jaeger");
  return { gateway, broker, databases, rateLimitRedis, jaeger, consul: model.discovery === "consul" ? claim("consul") : null };
}

const byKey = (a: KV, b: KV): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** The agent's URL for CONSUL_HTTP_ADDR in compose. */
export const consulUrlOf = (topology: Pick<ComposeTopology, "consul">): string | null => (topology.consul ? `http://${topology.consul}:${CONSUL_HTTP_PORT}` : null);

/** A context's environment in compose (msa dev derives its local one from this). */
export function serviceEnvironment(edges: EdgeGraph, ctx: Context, brokerUrl: string | null, databaseUrl: string | null, consulUrl: string | null = null): KV[] {
  const env: KV[] = [
    { key: "LOG_LEVEL", value: "info" },
    { key: "PORT", value: String(ctx.port) },
    { key: "SERVICE_NAME", value: ctx.name },
    { key: "BROKER_URL", value: brokerUrl ?? "memory://" },
  ];
  if (databaseUrl) env.push({ key: "DATABASE_URL", value: databaseUrl });
  // <CALLEE>_URL for every context it connects to: calls and saga steps (the edge graph, src/core/edges.ts)
  env.push(...urlEnv(edges, ctx.name));
  // traces to the local collector (Jaeger shows them): the same OTEL_* as the ConfigMaps, the endpoint compose's own
  env.push(...tracingEnv(edges, ctx.name, "compose"));
  // discovery: consul — register with (and look callees up in) the compose Consul agent
  if (consulUrl) env.push(...discoveryEnv(edges, ctx.name, consulUrl));
  return env.sort(byKey);
}

/** The node gateway's environment in compose (msa dev derives its local one from this). */
export function nodeGatewayEnvironment(model: SystemModel, edges: EdgeGraph, rateLimitRedis: string | null, consulUrl: string | null = null): KV[] {
  const jwt = model.gateway.routes.some((r) => r.auth === "jwt");
  return [
    // the iss Kong requires (its JWT consumer key is the system name): tokens work on either gateway kind
    ...(jwt ? [{ key: "JWT_ISSUER", value: issuerOf(model) }, { key: "JWT_AUDIENCE", value: audienceOf(model) }] : []),
    ...(model.gateway.jwksUrl ? [{ key: "JWKS_URL", value: model.gateway.jwksUrl }] : []),
    { key: "JWT_SECRET", value: GATEWAY_JWT_COMPOSE_SECRET },
    { key: "LOG_LEVEL", value: "info" },
    ...(rateLimitRedis ? [{ key: "RATE_LIMIT_STORE", value: "redis" }, { key: "REDIS_URL", value: `redis://${rateLimitRedis}:6379/0` }] : []),
    // nothing stands in front of the gateway in compose: the peer is the client, no X-Forwarded-For is believed
    { key: "TRUSTED_PROXIES", value: "" },
    { key: "PORT", value: String(GATEWAY_PORT) },
    { key: "SERVICE_NAME", value: "gateway" },
    ...(edges.gateway ? urlEnv(edges, edges.gateway) : []),
    ...(edges.gateway ? tracingEnv(edges, edges.gateway, "compose") : []),
    ...(edges.gateway && consulUrl ? discoveryEnv(edges, edges.gateway, consulUrl) : []),
  ].sort(byKey);
}

export const planCompose: Planner = (model, render) => {
  const topology = composeTopology(model);
  const gatewayName = topology.gateway;
  const broker = topology.broker;
  const byName = new Map(model.contexts.map((c) => [c.name, c]));
  const edges = edgeGraph(model);
  const services: ServiceView[] = model.contexts.map((ctx) => {
    const db = topology.databases.get(ctx.name) ?? null;
    const env = serviceEnvironment(edges, ctx, broker ? broker.url : null, db ? db.url : null, consulUrlOf(topology));
    const dependsOn = [
      ...(db ? [{ name: db.view.name, condition: "service_healthy" }] : []),
      ...(broker ? [{ name: broker.name, condition: "service_healthy" }] : []),
      // registration is retried until the agent answers: started is enough
      ...(topology.consul ? [{ name: topology.consul, condition: "service_started" }] : []),
    ].sort((a, b) => (a.name < b.name ? -1 : 1));
    return {
      name: ctx.name,
      build: `./services/${ctx.name}`,
      image: `${model.registry ?? model.name}/${ctx.name}:dev`,
      environment: env,
      // the gRPC server's port too (docs/grpc.md)
      ports: [`${ctx.port}:${ctx.port}`, ...(ctx.grpc ? [`${ctx.grpc.port}:${ctx.grpc.port}`] : [])],
      healthcheck: healthcheckFor(ctx),
      dependsOn,
      cpus: composeCpus(ctx.resources.cpuLimit),
      memory: composeMemory(ctx.resources.memoryLimit),
      memoryReservation: composeMemory(ctx.resources.memory),
      db: db ? db.view : null,
    };
  });

  // backends-for-frontends (docs/bff.md): node services without database or broker, started after what they compose
  for (const b of model.bffs) {
    const env: KV[] = [
      { key: "LOG_LEVEL", value: "info" },
      { key: "PORT", value: String(b.port) },
      { key: "SERVICE_NAME", value: b.name },
      ...urlEnv(edges, b.name),
      ...tracingEnv(edges, b.name, "compose"),
    ].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
    const url = `http://127.0.0.1:${b.port}/health`;
    services.push({
      name: b.name,
      build: `./services/${b.name}`,
      image: `${model.registry ?? model.name}/${b.name}:dev`,
      environment: env,
      ports: [`${b.port}:${b.port}`],
      healthcheck: ["CMD", "node", "-e", `fetch('${url}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
      dependsOn: b.targets.map((t) => ({ name: t, condition: "service_started" })),
      cpus: composeCpus(DEFAULT_RESOURCES.cpuLimit),
      memory: composeMemory(DEFAULT_RESOURCES.memoryLimit),
      memoryReservation: composeMemory(DEFAULT_RESOURCES.memory),
      db: null,
    });
  }
  services.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));

  // The gateway's published port must not clash with a service's.
  const taken = new Set([...model.contexts.map((c) => c.port), ...model.bffs.map((b) => b.port)]);
  const free = (from: number): number => {
    let p = from;
    while (taken.has(p)) p++;
    taken.add(p);
    return p;
  };
  // what the gateway connects to (src/core/edges.ts): routed contexts and BFFs, and the contexts of strangler splits
  const routed = [...new Set(edges.gateway ? podEdgesFrom(edges, edges.gateway).map((e) => e.to) : [])].filter((n) => byName.has(n) || model.bffs.some((b) => b.name === n)).sort();
  let gateway: unknown = null;
  const jwt = model.gateway.routes.some((r) => r.auth === "jwt");
  const redisName = topology.rateLimitRedis;
  const rateLimitRedis = redisName
    ? { name: redisName, image: COMPOSE_IMAGES.redis, healthcheck: ["CMD", "redis-cli", "ping"], command: ["redis-server", "--save", "", "--appendonly", "no"] }
    : null;
  const gatewayDependsOn = [...routed, ...(redisName ? [redisName] : [])].sort();
  if (model.gateway.kind === "kong") {
    // kong.yml's JWT consumer says ${JWT_SECRET}: then the container substitutes it into /tmp (as in Kubernetes' init container)
    gateway = {
      name: gatewayName,
      kind: "kong",
      image: COMPOSE_IMAGES.kong,
      hostPort: free(8000),
      dependsOn: gatewayDependsOn,
      jwt,
      jwtSecret: GATEWAY_JWT_COMPOSE_SECRET,
      // kong.yml's redis policy reads {vault://env/redis-host}
      redisHost: redisName,
      // spans for kong.yml's opentelemetry plugin (none when tracing is off)
      tracingRate: edges.tracing ? kongSamplingRate(edges) : null,
    };
  } else if (model.gateway.kind === "node") {
    const env = nodeGatewayEnvironment(model, edges, redisName, consulUrlOf(topology));
    gateway = {
      name: gatewayName,
      kind: "node",
      image: `${model.registry ?? model.name}/gateway:dev`,
      hostPort: free(GATEWAY_PORT),
      port: GATEWAY_PORT,
      environment: env,
      dependsOn: gatewayDependsOn,
      healthcheck: ["CMD", "node", "-e", `fetch('http://127.0.0.1:${GATEWAY_PORT}/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`],
    };
  }

  const volumes = [...services.flatMap((s) => (s.db ? [s.db.volume] : [])), ...(broker?.volume ? [broker.volume] : [])].sort();
  return [
    lazyFile({ path: "docker-compose.yml", owner: "generated" }, () =>
      render("compose/docker-compose.yml", {
        system: model.name,
        services,
        broker,
        gateway,
        rateLimitRedis,
        volumes,
        // discovery: consul — one agent in dev mode (in-memory, UI and HTTP API on :8500)
        consul: topology.consul ? { name: topology.consul, image: COMPOSE_IMAGES.consul, port: CONSUL_HTTP_PORT } : null,
        // traces: every service and the gateway export OTLP to the collector, which hands them to Jaeger (UI :16686)
        tracing: edges.tracing ? { collector: OTEL_COLLECTOR_HOST, collectorImage: COMPOSE_IMAGES.otelCollector, jaeger: topology.jaeger, jaegerImage: COMPOSE_IMAGES.jaeger } : null,
      }),
    ),
  ];
};
