// Planner: the node gateway service under gateway/ (gateway.kind: node).
// A runnable TypeScript service: JWT verification (jose), per-route rate limits, correlation ids,
// proxying to the contexts (undici). Its Kubernetes manifests are the k8s planner's business.
import { toEnvName, rateLimitWindowMs } from "../names.js";
import type { Route, SystemModel } from "../model.js";
import type { Render } from "../render.js";
import type { PlannedFile, Planner } from "./types.js";

/** Pinned versions of the gateway's own dependencies (Node ≥ 20.18.1 for undici 7). */
export const GATEWAY_DEPENDENCIES = {
  jose: "6.2.17",
  pino: "10.4.0",
  "prom-client": "15.1.3",
  redis: "6.4.0",
  undici: "7.30.2",
  // OpenTelemetry: the last SDK line for Node 20 (0.300+ requires Node 22.15); the api within sdk-node's peer range.
  // No instrumentation package: the gateway makes its server and client spans itself (telemetry.ts), far cheaper
  // on its hot path than patching node:http and undici
  "@opentelemetry/api": "1.9.1",
  "@opentelemetry/sdk-node": "0.223.0",
  // the OTLP trace exporters the export worker picks from, as the SDK does (trace-worker.ts); the versions sdk-node 0.223.0 pins
  "@opentelemetry/exporter-trace-otlp-grpc": "0.223.0",
  "@opentelemetry/exporter-trace-otlp-http": "0.223.0",
  "@opentelemetry/exporter-trace-otlp-proto": "0.223.0",
  "@opentelemetry/core": "2.12.0",
  "@opentelemetry/resources": "2.12.0",
  "@opentelemetry/sdk-trace-base": "2.12.0",
} as const;
/** discovery: consul — the same `consul` client as the node services (service-node-view.ts). */
export const GATEWAY_DISCOVERY_DEPENDENCIES = { consul: "2.0.1" } as const;
export const GATEWAY_DEV_DEPENDENCIES = { "@types/node": "20.19.25", typescript: "5.9.3", vitest: "4.1.12" } as const;
/** The port the gateway listens on unless PORT says otherwise. */
export const GATEWAY_PORT = 8080;
/** The port of /metrics (METRICS_PORT): separate from the traffic port, so no route can expose it. */
export const GATEWAY_METRICS_PORT = 9464;

export interface GatewayRouteView {
  path: string;
  context: string;
  envVar: string;
  methods: string[];
  auth: "jwt" | "none";
  rateLimit: { count: number; windowMs: number; text: string } | null;
  /**
   * What the gateway removes from the front of the request path before proxying: everything before
   * the prefix's last segment, so `/api/v1/orders/42` reaches the orders context as `/orders/42`.
   */
  stripPrefix: string;
  defaultUrl: string;
  /** A strangler route (`upstream`): the target is a legacy system, not a context. */
  legacy: boolean;
  /** A split strangler route: every target with its weight (percent), the upstream first; empty otherwise. */
  split: { name: string; envVar: string; defaultUrl: string; weight: number }[];
}

/** `UPSTREAM_<PATH>_URL`: the variable that overrides a strangler route's upstream URL (`/api/legacy` → UPSTREAM_API_LEGACY_URL). */
export const upstreamEnvOf = (routePath: string): string => `UPSTREAM_${toEnvName(routePath.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "root")}_URL`;

/** `/api/v1/orders` → `/api/v1`; `/orders` → `` (nothing stripped). */
export function stripPrefixOf(routePath: string): string {
  const trimmed = routePath.replace(/\/+$/, "");
  const i = trimmed.lastIndexOf("/");
  return i <= 0 ? "" : trimmed.slice(0, i);
}

export function gatewayRouteViews(model: SystemModel): GatewayRouteView[] {
  // a route's upstream is a context or a backend-for-frontend (docs/bff.md)
  const portOf = new Map([...model.contexts.map((c) => [c.name, c.port] as const), ...model.bffs.map((b) => [b.name, b.port] as const)]);
  // Longest prefix first: the first matching route wins at runtime.
  const routes = [...model.gateway.routes].sort((a, b) => b.path.length - a.path.length || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return routes.map((r: Route) => ({
    path: r.path.length > 1 ? r.path.replace(/\/+$/, "") : r.path,
    context: r.upstream ? new URL(r.upstream).host : r.context,
    envVar: r.upstream ? upstreamEnvOf(r.path) : `ROUTE_${toEnvName(r.context)}_URL`,
    methods: [...r.methods],
    auth: r.auth,
    rateLimit: r.rateLimit ? { count: r.rateLimit.count, windowMs: rateLimitWindowMs(r.rateLimit), text: `${r.rateLimit.count}/${r.rateLimit.unit}` } : null,
    stripPrefix: stripPrefixOf(r.path),
    defaultUrl: r.upstream ? r.upstream.replace(/\/+$/, "") : `http://${r.context}:${portOf.get(r.context) ?? 80}`,
    legacy: !!r.upstream,
    split:
      r.upstream && r.split.length
        ? [
            { name: new URL(r.upstream).host, envVar: upstreamEnvOf(r.path), defaultUrl: r.upstream.replace(/\/+$/, ""), weight: 100 - r.split.reduce((n, x) => n + x.percent, 0) },
            ...r.split.map((x) => ({ name: x.context, envVar: `ROUTE_${toEnvName(x.context)}_URL`, defaultUrl: `http://${x.context}:${portOf.get(x.context) ?? 80}`, weight: x.percent })),
          ].filter((t) => t.weight > 0)
        : [],
  }));
}

const FILES: readonly string[] = [
  ".dockerignore",
  "Dockerfile",
  "README.md",
  "package.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "vitest.config.ts",
  "src/app.ts",
  "src/auth.ts",
  "src/client-ip.ts",
  "src/config.ts",
  "src/correlation.ts",
  "src/metrics.ts",
  "src/proxy.ts",
  "src/rate-limit.ts",
  "src/routes.ts",
  "src/split.ts",
  "src/telemetry.ts",
  "src/trace-export.ts",
  "src/trace-worker.ts",
  "src/main.ts",
  "test/gateway.test.ts",
];

export const planNodeGateway: Planner = (model: SystemModel, render: Render): PlannedFile[] => {
  if (model.gateway.kind !== "node") return [];
  const routes = gatewayRouteViews(model);
  const targets = routes.flatMap((r) => (r.split.length ? r.split.map((t) => ({ context: t.name, envVar: t.envVar, defaultUrl: t.defaultUrl })) : [{ context: r.context, envVar: r.envVar, defaultUrl: r.defaultUrl }]));
  const upstreams = [...new Map(targets.map((t) => [t.envVar, t])).values()].sort(
    (a, b) => (a.context < b.context ? -1 : 1),
  );
  const consul = model.discovery === "consul";
  const view = {
    system: model.name,
    packageName: `${model.name}-gateway`,
    consul,
    /** the contexts it routes to (a split's shares included): looked up in Consul */
    consulContexts: [...new Set(routes.flatMap((r) => (r.split.length ? r.split.filter((t) => t.envVar.startsWith("ROUTE_")).map((t) => t.name) : r.legacy ? [] : [r.context])))].sort(),
    port: GATEWAY_PORT,
    metricsPort: GATEWAY_METRICS_PORT,
    rateLimitStore: model.gateway.rateLimitStore,
    host: model.gateway.host,
    routes,
    upstreams,
    anyJwt: routes.some((r) => r.auth === "jwt"),
    example: routes[0]
      ? { from: `${routes[0].path.replace(/\/$/, "")}/42`, to: `${routes[0].path.slice(routes[0].stripPrefix.length).replace(/\/$/, "")}/42`, context: routes[0].context }
      : null,
    dependencies: Object.entries({ ...GATEWAY_DEPENDENCIES, ...(consul ? GATEWAY_DISCOVERY_DEPENDENCIES : {}) })
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([name, version]) => ({ name, version })),
    devDependencies: Object.entries(GATEWAY_DEV_DEPENDENCIES).map(([name, version]) => ({ name, version })),
  };
  const files = FILES.map((f) => ({ path: `gateway/${f}`, content: render(`gateway/node/${f}`, view), owner: "generated" as const }));
  // discovery: consul — the services' discovery module (src/generated/discovery.ts of a node service), as is
  if (consul) files.push({ path: "gateway/src/discovery.ts", content: render("services/node-express/src/generated/discovery.ts", view), owner: "generated" as const });
  return files;
};
