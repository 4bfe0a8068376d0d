// Planner: docs/architecture.md — the context map (sync calls, events, gateway routes) and one flow per saga, in Mermaid.
// Every solid arrow of the context map and every database link is an edge of the edge graph (src/core/edges.ts),
// the same graph NetworkPolicies, AuthorizationPolicies, ConfigMaps and compose read: diagram and policies agree.
import { edgeGraph, type PodEdge } from "../edges.js";
import { toSnake } from "../names.js";
import { contextOpenApiPath } from "../api/openapi.js";
import { schemaRows } from "../site/schema-view.js";
import { uniqueIds } from "./asyncapi.js";
import { CONSUL_HELM_VALUES } from "./root.js";
import type { Planner } from "./types.js";

/** Mermaid node ids: letters, digits and '_' only, prefixed so a context never clashes with an event. */
const ctxId = (name: string): string => `ctx_${toSnake(name)}`;

/** "2000" ms → "2s", "1500" → "1500ms". */
export function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Mermaid labels in double quotes cannot hold a double quote; use its entity. */
const label = (s: string): string => s.replace(/"/g, "#quot;");

export const planArchitectureDocs: Planner = (model, render) => {
  const evIds = uniqueIds(model.events.map((e) => e.name), (n) => `ev_${toSnake(n)}`);
  const evId = (name: string): string => evIds.get(name) ?? `ev_${toSnake(name)}`;
  const contexts = model.contexts.map((c) => ({
    id: ctxId(c.name),
    name: c.name,
    label: label(`${c.name}\n${c.runtime} :${c.port}`).replace("\n", "<br/>"),
    runtime: c.runtime,
    port: c.port,
    database: c.database ? `${c.database.engine} (${c.database.name})` : "none",
    dbId: c.database ? `db_${toSnake(c.name)}` : null,
    dbLabel: c.database ? label(`${c.database.engine}: ${c.database.name}`) : null,
    publishes: c.publishes.join(", ") || "—",
    consumes: c.consumes.join(", ") || "—",
    calls: c.calls.map((k) => (k.protocol === "grpc" ? `${k.target} (gRPC)` : k.target)).join(", ") || "—",
    description: c.description || "—",
  }));
  // backends-for-frontends (docs/bff.md) are drawn and listed beside the contexts
  for (const b of model.bffs)
    contexts.push({
      id: ctxId(b.name),
      name: b.name,
      label: label(`${b.name}\nbff :${b.port}`).replace("\n", "<br/>"),
      runtime: "node-express" as (typeof contexts)[number]["runtime"],
      port: b.port,
      database: "none",
      dbId: null,
      dbLabel: null,
      publishes: "—",
      consumes: "—",
      calls: b.targets.join(", ") || "—",
      description: `${b.description ? `${b.description} — ` : ""}backend-for-frontend: ${b.routes.map((r) => `GET ${r.path}`).join(", ")}`,
    });
  contexts.sort((a, b) => (a.name < b.name ? -1 : 1));
  const graph = edgeGraph(model);
  const callOf = new Map(model.contexts.flatMap((c) => c.calls.map((k) => [`${c.name}\u0000${k.target}`, k] as const)));
  /** One arrow per pod edge: its label says why the connection exists (routes, the call's policy, saga steps). */
  const edgeLabel = (e: PodEdge): string => {
    if (e.kind === "route") {
      const routes = model.gateway.kind === "none" ? [] : model.gateway.routes.filter((r) => (r.context === e.to || r.split.some((x) => x.context === e.to)) && e.why.includes(r.path));
      const share = (r: (typeof routes)[number]): string => {
        const x = r.split.find((y) => y.context === e.to);
        return x ? ` (split ${x.percent} %)` : "";
      };
      return routes.map((r) => `${r.path} ${r.methods.join(",")}${r.auth === "jwt" ? " (jwt)" : ""}${share(r)}`).join("; ");
    }
    return e.why
      .map((w) => {
        if (w.startsWith("bff ")) return "composes";
        if (w !== "calls") return `${w} steps`;
        const k = callOf.get(`${e.from}\u0000${e.to}`);
        // a gRPC edge says so (docs/grpc.md): its retries apply to idempotent methods only
        if (e.kind === "grpc") return k ? `gRPC :${e.port}, ${formatMs(k.timeoutMs)} deadline, ${k.retries} retries (idempotent methods)` : "gRPC";
        return k ? `${formatMs(k.timeoutMs)} timeout, ${k.retries} retries` : "calls";
      })
      .join("; ");
  };
  const arrows = graph.pods.map((e) => ({
    from: e.kind === "route" ? "gateway" : ctxId(e.from),
    to: ctxId(e.to),
    label: label(edgeLabel(e)),
    kind: e.kind,
  }));
  const routes = arrows.filter((a) => a.kind === "route");
  const calls = arrows.filter((a) => a.kind !== "route");
  const databases = graph.outside
    .filter((o) => o.kind === "database")
    .map((o) => ({ from: ctxId(o.from), db: `db_${toSnake(o.from)}` }));
  const events = model.events.map((e) => ({
    id: evId(e.name),
    name: e.name,
    label: label(e.name),
    owner: e.owner ? ctxId(e.owner) : null,
    consumers: e.consumers.map(ctxId),
    versions: e.versions.map((v) => v.version).join(", "),
    ownerName: e.owner ?? "—",
    consumerNames: e.consumers.join(", ") || "—",
    compatibility: e.compatibility,
  }));
  const sagas = model.sagas.map((s) => {
    // participants get ids, so a context named like a Mermaid keyword (end, alt, …) cannot break the diagram
    const pid = (n: string): string => `p_${toSnake(n)}`;
    const participants = [...new Set([s.orchestrator, ...s.steps.map((st) => st.context)])].map((n) => ({ id: pid(n), name: n }));
    const steps = s.steps.map((st, i) => ({ ...st, id: pid(st.context), index: i + 1 }));
    return {
      name: s.name,
      orchestrator: s.orchestrator,
      orchestratorId: pid(s.orchestrator),
      participants,
      steps,
      compensations: steps.filter((st) => st.compensation !== null).reverse(),
    };
  });
  // the REST contracts (docs/rest-contracts.md): each endpoint with one, its parts' top-level fields (* required)
  const fieldsOf = (schema: Record<string, unknown> | undefined): string => {
    if (!schema) return "—";
    const rows = schemaRows(schema).filter((r) => r.depth === 1);
    const cell = rows.length ? rows.map((r) => `\`${r.name}\`${r.required ? "*" : ""} ${r.type}`).join(", ") : `${schemaRows(schema)[0]?.type ?? "any"}`;
    return cell.replace(/\|/g, "\\|").replace(/\n/g, " "); // a Markdown table cell
  };
  const contracts = model.contexts
    .filter((c) => c.api.some((e) => e.contract))
    .map((c) => ({
      name: c.name,
      openapi: contextOpenApiPath(c.name),
      endpoints: c.api
        .filter((e) => e.contract)
        .map((e) => ({
          route: `${e.method} ${e.path}`,
          params: e.params.length ? e.params.map((p) => `\`${p}\` ${e.pathParams[p] ? fieldsOf(e.pathParams[p].schema) : "string"}`).join(", ") : "—",
          query: fieldsOf(e.query?.schema),
          request: fieldsOf(e.request?.schema),
          responses: e.responses.map((r) => (r.schema ? `${r.status}: ${fieldsOf(r.schema.schema)}` : `${r.status}: no body`)).join("; ") || "—",
        })),
    }));
  // strangler-fig routes: the legacy systems the gateway still sends traffic to (docs/progressive-delivery.md)
  const legacyIds = uniqueIds([...new Set(model.gateway.routes.filter((r) => r.upstream).map((r) => new URL(r.upstream!).host))], (h) => `legacy_${toSnake(h)}`);
  const legacy =
    model.gateway.kind === "none"
      ? []
      : model.gateway.routes
          .filter((r) => r.upstream)
          .map((r) => {
            const host = new URL(r.upstream!).host;
            const rest = 100 - r.split.reduce((n, x) => n + x.percent, 0);
            return {
              id: legacyIds.get(host) ?? `legacy_${toSnake(host)}`,
              host: label(host),
              url: r.upstream,
              path: r.path,
              label: label(`${r.path} ${r.methods.join(",")}${r.auth === "jwt" ? " (jwt)" : ""}${r.split.length ? ` (${rest} %)` : ""}`),
              share: `${rest} %`,
              split: r.split.length ? r.split.map((x) => `${x.context} ${x.percent} %`).join(", ") : "—",
            };
          });
  const legacyNodes = [...new Map(legacy.map((l) => [l.id, { id: l.id, host: l.host }])).values()];
  const view = {
    contracts,
    system: model.name,
    legacy,
    legacyNodes,
    broker: model.broker.kind,
    gateway: graph.gateway === null || model.gateway.kind === "none" ? null : { name: graph.gateway, kind: model.gateway.kind, routes },
    databases,
    contexts,
    calls,
    events,
    sagas,
    // discovery: consul — how the services find each other, and the Helm values (the same as the root README's)
    consul: model.discovery === "consul" ? { values: CONSUL_HELM_VALUES.replace(/\n$/, "") } : null,
  };
  return [{ path: "docs/architecture.md", owner: "generated", content: render("docs/architecture.md", view) }];
};
