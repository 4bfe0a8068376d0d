// Planner: Kong DB-less gateway/kong.yml (gateway.kind kong). The same text is mounted into the Kong
// pods by the Kubernetes planner (ConfigMap <gateway>-kong), so both come from kongConfig().
import type { HttpMethod, Route, SystemModel } from "../model.js";
import type { Render } from "../render.js";
import type { Planner } from "./types.js";
import { resolveMarks } from "../yaml-words.js";

export const CORRELATION_HEADER = "X-Correlation-ID";

export interface KongPlugin {
  name: "correlation-id" | "jwt" | "rate-limiting";
  config: Record<string, unknown>;
}

export interface KongServiceView {
  name: string;
  context: string;
  url: string;
  routePath: string;
  methods: HttpMethod[];
  connectTimeout: number;
  readTimeout: number;
  writeTimeout: number;
  retries: number;
  tags: string[];
  plugins: KongPlugin[];
}

export interface KongView {
  system: string;
  tags: string[];
  services: KongServiceView[];
  /** The first service, to illustrate the path mapping in the header comment. */
  example: KongServiceView | null;
  jwtConsumer: { username: string; key: string } | null;
}

/** "/api/v1/orders" → "/orders": the upstream base path a route's public prefix maps to ("/" stays "/"). */
export const upstreamPath = (routePath: string): string => {
  const segments = routePath.split("/").filter(Boolean);
  const last = segments[segments.length - 1];
  return last ? `/${last}` : "/";
};

const slug = (p: string): string => p.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "").toLowerCase() || "root";

function plugins(route: Route): KongPlugin[] {
  const out: KongPlugin[] = [
    { name: "correlation-id", config: { header_name: CORRELATION_HEADER, generator: "uuid", echo_downstream: true } },
  ];
  if (route.auth === "jwt") {
    out.push({
      name: "jwt",
      config: {
        claims_to_verify: ["exp"],
        cookie_names: [],
        header_names: ["authorization"],
        key_claim_name: "iss",
        maximum_expiration: 0,
        run_on_preflight: true,
        secret_is_base64: false,
        uri_param_names: [],
      },
    });
  }
  if (route.rateLimit) {
    out.push({
      name: "rate-limiting",
      config: {
        [route.rateLimit.unit]: route.rateLimit.count,
        error_code: 429,
        error_message: "API rate limit exceeded",
        fault_tolerant: true,
        hide_client_headers: false,
        limit_by: "ip",
        policy: "local",
      },
    });
  }
  return out;
}

export function kongView(model: SystemModel): KongView {
  const used = new Set<string>();
  const tags = ["msa", model.name];
  const services = model.gateway.routes
    .map((route) => ({ route, context: model.contexts.find((c) => c.name === route.context) }))
    .filter((x): x is { route: Route; context: NonNullable<typeof x.context> } => !!x.context)
    .map(({ route, context }) => {
      let name = `${context.name}-${slug(route.path)}`;
      for (let i = 2; used.has(name); i++) name = `${context.name}-${slug(route.path)}-${i}`;
      used.add(name);
      // Kong's timeout covers the upstream's own retries of its calls: the longest declared call chain bound.
      const callBudget = context.calls.reduce((m, c) => Math.max(m, c.timeoutMs * (c.retries + 1)), 0);
      const path = upstreamPath(route.path);
      return {
        name,
        context: context.name,
        url: `http://${context.name}:${context.port}${path === "/" ? "" : path}`,
        routePath: route.path,
        methods: route.methods,
        connectTimeout: 5_000,
        readTimeout: Math.max(30_000, callBudget + 5_000),
        writeTimeout: 30_000,
        retries: 2,
        tags: [...tags, context.name],
        plugins: plugins(route),
      };
    });
  const jwt = services.some((s) => s.plugins.some((p) => p.name === "jwt"));
  return { system: model.name, tags, services, example: services[0] ?? null, jwtConsumer: jwt ? { username: `${model.name}-clients`, key: model.name } : null };
}

/** The text of gateway/kong.yml; its marks are resolved here because the ConfigMap embeds it as a block. */
export const kongConfig = (model: SystemModel, render: Render): string => resolveMarks(render("kong/kong.yml", kongView(model)), true);

export const planKong: Planner = (model, render) =>
  model.gateway.kind === "kong" ? [{ path: "gateway/kong.yml", content: kongConfig(model, render), owner: "generated" }] : [];
