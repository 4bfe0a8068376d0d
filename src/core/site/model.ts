// `msa docs`: the page model of the architecture site — what every page shows, computed from the same SystemModel
// that generate uses (and the edge graph every policy derives from). Pure: the generated files' paths (from the
// manifest) and an analyze-deps report are handed in. src/core/site/plan.ts renders it through templates/site/.
import { createTwoFilesPatch } from "diff";
import { contextOpenApiPath, reasonPhrase } from "../api/openapi.js";
import { edgeGraph, upstreamHostOf, upstreamHosts } from "../edges.js";
import { checkCompatibility } from "../events/compat.js";
import { versionPairs } from "../events/history.js";
import { ENVIRONMENT_NAMES, type BrokerKind, type Endpoint, type EventType, type Route, type SystemModel } from "../model.js";
import { toEnvName } from "../names.js";
import { channelAddress } from "../plan/asyncapi.js";
import { formatMs } from "../plan/docs.js";
import { samplePayload } from "../plan/sample.js";
import { schemaRows, type SchemaRow } from "./schema-view.js";
import { sequenceDiagram, type SequenceDiagram } from "./sequence.js";

/** The parts of an `msa analyze-deps --format json` report the site reads. */
export interface DepsReport {
  edges: { from: string; to: string; kind: string; mode?: string; declared: boolean; discovered: boolean; evidence?: { file: string; line: number; column: number }[] }[];
}

export interface SiteInput {
  model: SystemModel;
  /** Paths (POSIX, relative to the system's root) of the files generate wrote: from .msa/manifest.json. */
  generatedFiles: readonly string[];
  /** From the site's folder to the system's root, POSIX, ending in "/" unless empty: "../../" for docs/site. */
  rootFromSite: string;
  deps?: DepsReport | null;
}

export interface SiteLink {
  name: string;
  href: string;
}

export interface DriftEdge {
  from: string;
  to: string;
  /** undeclared: found in code, not in system.yaml; unused: declared, not found in code. */
  status: "undeclared" | "unused";
  mode: "sync" | "async";
  /** First piece of evidence, file:line:column (undeclared only). */
  where: string | null;
}

export interface SiteCall {
  target: string;
  href: string;
  timeout: string;
  retries: number;
  breaker: string;
  /** "8 in flight, 16 queued" (calls.<callee>.bulkhead), "—" without one. */
  bulkhead: string;
}

export interface SiteEndpoint {
  method: string;
  path: string;
  operationId: string;
  /** Its REST contract (docs/rest-contracts.md), null for the short form: one table per part. */
  contract: SiteContract | null;
}

export interface SiteContract {
  anchor: string;
  summary: string;
  idempotent: boolean;
  compatibility: string;
  parts: { title: string; rows: SchemaRow[] | null; note: string }[];
}

export interface SiteContext {
  name: string;
  slug: string;
  href: string;
  description: string;
  runtime: string;
  port: number;
  database: string;
  dbEngine: string;
  api: SiteEndpoint[];
  publishes: SiteLink[];
  consumes: SiteLink[];
  calls: SiteCall[];
  callers: SiteLink[];
  sagas: { name: string; href: string; role: string }[];
  routes: { path: string; methods: string; auth: string; rateLimit: string }[];
  /** Its Kubernetes objects (the base; each overlay patches them) and the namespace each environment puts them in. */
  k8s: SiteLink[];
  environments: { name: string; namespace: string }[];
  files: SiteLink[];
  /** services/<context>/openapi.yaml, relative to the site; null until generated (or when it serves no api). */
  openapi: SiteLink | null;
  drift: DriftEdge[];
}

export interface SiteVersion {
  version: number;
  anchor: string;
  rows: SchemaRow[];
  schemaJson: string;
  /** Against the previous version: unified diff lines, and the compatibility verdict of the declared mode. */
  diff: { kind: "add" | "del" | "ctx" | "hunk"; text: string }[] | null;
  verdict: { against: number; compatible: boolean; findings: { rule: string; severity: string; direction: string; message: string; fix: string }[] } | null;
}

export interface SiteEvent {
  name: string;
  slug: string;
  href: string;
  description: string;
  owner: SiteLink | null;
  consumers: SiteLink[];
  compatibility: string;
  policy: string;
  latest: number;
  versions: SiteVersion[];
  sample: string;
  sampleValid: boolean;
  wire: { broker: string; current: boolean; address: string; detail: string }[];
}

export interface SiteSaga {
  name: string;
  anchor: string;
  orchestrator: SiteLink;
  steps: { index: number; context: SiteLink; action: string; compensation: string }[];
  diagram: SequenceDiagram;
}

export interface SiteRoute {
  path: string;
  methods: string;
  context: SiteLink;
  auth: string;
  rateLimit: string;
}

export interface GraphNode {
  id: string;
  label: string;
  /** `legacy`: an external system a strangler route sends traffic to (docs/progressive-delivery.md). */
  kind: "context" | "gateway" | "legacy";
  runtime: string;
  database: string;
  href: string | null;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  kind: "call" | "saga" | "route" | "event" | "undeclared" | "unused";
  label: string;
}

export interface SearchEntry {
  kind: "context" | "event" | "route" | "field" | "saga";
  title: string;
  detail: string;
  /** Relative to the site's root. */
  href: string;
}

export interface SiteModel {
  system: string;
  broker: string;
  gateway: string;
  stats: { label: string; value: string }[];
  contexts: SiteContext[];
  events: SiteEvent[];
  sagas: SiteSaga[];
  routes: SiteRoute[];
  graph: { nodes: GraphNode[]; edges: GraphEdge[] };
  search: SearchEntry[];
  hasDrift: boolean;
  /** Some gateway route names an external upstream: the map draws it as a legacy node. */
  hasLegacy: boolean;
  drift: DriftEdge[];
}

/** A file name for a page: names are already restricted by the schema; keep them readable, never a path. */
export const slug = (name: string): string => name.replace(/[^A-Za-z0-9._-]/g, "_").replace(/^\.+/, "_");

const contextHref = (name: string): string => `contexts/${slug(name)}.html`;
const eventHref = (name: string): string => `events/${slug(name)}.html`;
const BROKERS_ON_WIRE: readonly BrokerKind[] = ["rabbitmq", "nats", "kafka"];

export function siteModel(input: SiteInput): SiteModel {
  const { model } = input;
  const graph = edgeGraph(model);
  const drift = driftEdges(input.deps ?? null);
  const ctxLink = (name: string): SiteLink => ({ name, href: contextHref(name) });
  const evLink = (name: string): SiteLink => ({ name, href: eventHref(name) });
  const filesByContext = groupFiles(input.generatedFiles, model.contexts.map((c) => c.name));

  const contexts = model.contexts.map((c): SiteContext => {
    const sagas = model.sagas.flatMap((s) => {
      const roles = [s.orchestrator === c.name ? "orchestrator" : null, s.steps.some((st) => st.context === c.name) ? "participant" : null].filter(Boolean);
      return roles.length ? [{ name: s.name, href: `sagas.html#saga-${slug(s.name)}`, role: roles.join(", ") }] : [];
    });
    const own = filesByContext.get(c.name) ?? [];
    return {
      name: c.name,
      slug: slug(c.name),
      href: contextHref(c.name),
      description: c.description,
      runtime: c.runtime,
      port: c.port,
      database: c.database ? `${c.database.engine} (${c.database.name})` : "none",
      dbEngine: c.database?.engine ?? "none",
      api: c.api.map((e) => ({ method: e.method, path: e.path, operationId: e.operationId, contract: siteContract(e) })),
      publishes: c.publishes.map(evLink),
      consumes: c.consumes.map(evLink),
      calls: c.calls.map((k) => ({
        target: k.target,
        href: contextHref(k.target),
        timeout: formatMs(k.timeoutMs),
        retries: k.retries,
        breaker: `opens at ${k.circuitBreaker.errorThresholdPercentage}% errors, half-open after ${formatMs(k.circuitBreaker.resetTimeoutMs)}`,
        bulkhead: k.bulkhead ? `${k.bulkhead.maxConcurrent} in flight, ${k.bulkhead.maxQueue} queued` : "—",
      })),
      callers: graph.pods.filter((e) => e.to === c.name).map((e) => ({ name: e.from, href: e.from === graph.gateway ? "routes.html" : contextHref(e.from) })),
      sagas,
      routes: c.routes.map(routeCells),
      k8s: own.filter((f) => f.startsWith("k8s/")).map((f) => ({ name: f.slice(f.lastIndexOf("/") + 1).replace(/\.ya?ml$/, ""), href: input.rootFromSite + f })),
      environments: ENVIRONMENT_NAMES.map((env) => ({ name: env, namespace: model.environments[env].namespace })),
      files: own
        .filter((f) => !f.startsWith("k8s/"))
        .filter((f) => /(^|\/)(README\.md|Dockerfile|openapi\.yaml|handlers(\.ts|\.py)?|main\.ts|wsgi\.py|package\.json|requirements\.txt)$/.test(f) || f.includes("/handlers/"))
        .map((f) => ({ name: f, href: input.rootFromSite + f })),
      drift: drift.filter((d) => d.from === c.name || d.to === c.name),
      openapi: own.includes(contextOpenApiPath(c.name)) ? { name: contextOpenApiPath(c.name), href: input.rootFromSite + contextOpenApiPath(c.name) } : null,
    };
  });

  const events = model.events.map((e) => eventPage(model, e, ctxLink));

  const sagas = model.sagas.map((s): SiteSaga => ({
    name: s.name,
    anchor: `saga-${slug(s.name)}`,
    orchestrator: ctxLink(s.orchestrator),
    steps: s.steps.map((st, i) => ({ index: i + 1, context: ctxLink(st.context), action: st.action, compensation: st.compensation ?? "—" })),
    diagram: sequenceDiagram(s),
  }));

  const routes = model.gateway.kind === "none" ? [] : model.gateway.routes.map((r): SiteRoute => ({ ...routeCells(r), context: r.upstream ? { name: `legacy ${r.upstream}${r.split.length ? ` (split: ${r.split.map((x) => `${x.context} ${x.percent} %`).join(", ")})` : ""}`, href: r.upstream } : ctxLink(r.context) }));

  const nodes: GraphNode[] = model.contexts.map((c) => ({
    id: `c:${c.name}`,
    label: c.name,
    kind: "context",
    runtime: c.runtime,
    database: c.database?.engine ?? "none",
    href: contextHref(c.name),
  }));
  if (graph.gateway) nodes.push({ id: `c:${graph.gateway}`, label: `${graph.gateway} (${model.gateway.kind})`, kind: "gateway", runtime: model.gateway.kind, database: "none", href: "routes.html" });
  // backends-for-frontends (docs/bff.md): drawn like the gateway, an entry point composing the contexts
  for (const b of model.bffs) nodes.push({ id: `c:${b.name}`, label: `${b.name} (bff)`, kind: "gateway", runtime: "node-express", database: "none", href: null });
  // strangler routes: each legacy upstream (host:port) is a node, reached from the gateway by the routes naming it
  const legacyRoutes = new Map<string, string[]>();
  if (graph.gateway) {
    for (const r of model.gateway.routes) {
      if (!r.upstream) continue;
      const host = upstreamHostOf(r.upstream).host;
      legacyRoutes.set(host, [...(legacyRoutes.get(host) ?? []), r.split.length ? `${r.path} (${100 - r.split.reduce((n, x) => n + x.percent, 0)} %)` : r.path]);
    }
    for (const u of upstreamHosts(model)) nodes.push({ id: `x:${u.host}`, label: `legacy ${u.host}`, kind: "legacy", runtime: "legacy", database: "none", href: "routes.html" });
  }
  const edges: GraphEdge[] = [];
  for (const [host, paths] of legacyRoutes) edges.push({ id: `route:${graph.gateway}>x:${host}`, source: `c:${graph.gateway}`, target: `x:${host}`, kind: "route", label: paths.join(", ") });
  for (const p of graph.pods) {
    // a gRPC call is drawn as a call, labelled as such (docs/grpc.md); a BFF's composed calls as calls labelled "composes"
    edges.push({ id: `${p.kind}:${p.from}>${p.to}`, source: `c:${p.from}`, target: `c:${p.to}`, kind: p.kind === "bff" || p.kind === "grpc" ? "call" : p.kind, label: p.kind === "route" ? p.why.join(", ") : p.kind === "saga" ? p.why.join(", ") : p.kind === "bff" ? "composes" : p.kind === "grpc" ? "calls (gRPC)" : "calls" });
  }
  const asyncPairs = new Map<string, string[]>();
  for (const e of model.events) {
    if (!e.owner) continue;
    for (const consumer of e.consumers) {
      if (consumer === e.owner) continue;
      const key = `${e.owner}>${consumer}`;
      asyncPairs.set(key, [...(asyncPairs.get(key) ?? []), e.name]);
    }
  }
  for (const [key, names] of [...asyncPairs].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const [from, to] = key.split(">") as [string, string];
    edges.push({ id: `event:${key}`, source: `c:${from}`, target: `c:${to}`, kind: "event", label: names.join(", ") });
  }
  const known = new Set(nodes.map((n) => n.id));
  for (const d of drift) {
    if (!known.has(`c:${d.from}`) || !known.has(`c:${d.to}`)) continue;
    edges.push({ id: `${d.status}:${d.from}>${d.to}:${d.mode}`, source: `c:${d.from}`, target: `c:${d.to}`, kind: d.status, label: `${d.status} (${d.mode})` });
  }

  const search: SearchEntry[] = [
    ...contexts.map((c): SearchEntry => ({ kind: "context", title: c.name, detail: [c.runtime, c.database, c.description].filter(Boolean).join(" · "), href: c.href })),
    ...events.map((e): SearchEntry => ({ kind: "event", title: e.name, detail: `v${e.latest} · ${e.owner ? `by ${e.owner.name}` : "no producer"}${e.description ? ` · ${e.description}` : ""}`, href: e.href })),
    ...events.flatMap((e) => {
      const latest = e.versions[0];
      return (latest?.rows ?? []).filter((r) => r.name !== "(payload)").map((r): SearchEntry => ({ kind: "field", title: r.path, detail: `${e.name} v${e.latest} · ${r.type}`, href: `${e.href}#${latest?.anchor ?? ""}` }));
    }),
    ...routes.map((r): SearchEntry => ({ kind: "route", title: r.path, detail: `${r.methods} → ${r.context.name} · auth ${r.auth}`, href: "routes.html" })),
    ...sagas.map((s): SearchEntry => ({ kind: "saga", title: s.name, detail: `orchestrated by ${s.orchestrator.name} · ${s.steps.length} steps`, href: `sagas.html#${s.anchor}` })),
  ];

  const stats = [
    { label: "contexts", value: String(model.contexts.length) },
    { label: "events", value: String(model.events.length) },
    { label: "event versions", value: String(model.events.reduce((n, e) => n + e.versions.length, 0)) },
    { label: "sync edges", value: String(graph.pods.filter((p) => p.kind !== "route").length) },
    { label: "async edges", value: String(asyncPairs.size) },
    { label: "gateway routes", value: String(routes.length) },
    { label: "sagas", value: String(model.sagas.length) },
    { label: "broker", value: model.broker.kind },
    { label: "gateway", value: model.gateway.kind },
  ];

  return {
    system: model.name,
    broker: model.broker.kind,
    gateway: model.gateway.kind,
    stats,
    contexts,
    events,
    sagas,
    routes,
    graph: { nodes, edges },
    search,
    hasDrift: drift.length > 0,
    hasLegacy: legacyRoutes.size > 0,
    drift,
  };
}

function routeCells(r: Route): Omit<SiteRoute, "context"> {
  return { path: r.path, methods: r.methods.join(", "), auth: r.auth, rateLimit: r.rateLimit ? `${r.rateLimit.count}/${r.rateLimit.unit}` : "—" };
}

function eventPage(model: SystemModel, e: EventType, ctxLink: (n: string) => SiteLink): SiteEvent {
  const pairs = new Map(versionPairs(e).map(([older, newer]) => [newer.version, older]));
  const versions = e.versions.map((v): SiteVersion => {
    const older = pairs.get(v.version);
    const json = JSON.stringify(v.schema, null, 2);
    let diff: SiteVersion["diff"] = null;
    let verdict: SiteVersion["verdict"] = null;
    if (older) {
      const patch = createTwoFilesPatch(`v${older.version}`, `v${v.version}`, JSON.stringify(older.schema, null, 2) + "\n", json + "\n", "", "", { context: 3 });
      diff = patch
        .split("\n")
        .slice(2) // the ===/--- header lines: the page names the versions itself
        .filter((l) => l !== "" && !l.startsWith("\\"))
        .filter((l) => !l.startsWith("--- ") && !l.startsWith("+++ "))
        .map((l) => ({ kind: l.startsWith("@@") ? "hunk" : l.startsWith("+") ? "add" : l.startsWith("-") ? "del" : "ctx", text: l }) as const);
      const findings = e.compatibility === "none" ? [] : checkCompatibility(older.schema, v.schema, e.compatibility, { policy: e.compatibilityPolicy });
      verdict = {
        against: older.version,
        compatible: !findings.some((f) => f.severity === "error"),
        findings: findings.map((f) => ({ rule: f.rule, severity: f.severity, direction: f.direction, message: f.message, fix: f.fix })),
      };
    }
    return { version: v.version, anchor: `v${v.version}`, rows: schemaRows(v.schema), schemaJson: json, diff, verdict };
  });
  // the page lists the newest version first: that is what producers send now
  versions.reverse();
  const { sample, valid } = samplePayload(e.latest.schema);
  const envelope = { eventId: "00000000-0000-4000-8000-000000000000", eventType: e.name, aggregateId: "…", timestamp: "2026-01-01T00:00:00.000Z", version: e.latest.version, correlationId: "…", payload: sample };
  return {
    name: e.name,
    slug: slug(e.name),
    href: eventHref(e.name),
    description: e.description,
    owner: e.owner ? ctxLink(e.owner) : null,
    consumers: e.consumers.map(ctxLink),
    compatibility: e.compatibility,
    policy: e.compatibilityPolicy,
    latest: e.latest.version,
    versions,
    sample: JSON.stringify(envelope, null, 2),
    sampleValid: valid,
    wire: BROKERS_ON_WIRE.map((kind) => ({ broker: kind, current: kind === model.broker.kind, ...wireAddress(model, kind, e.name) })),
  };
}

/** The event's address on each broker, by the same function AsyncAPI uses (docs/messaging.md has the topology). */
function wireAddress(model: SystemModel, kind: BrokerKind, event: string): { address: string; detail: string } {
  const address = channelAddress({ ...model, broker: { ...model.broker, kind } }, event);
  switch (kind) {
    case "rabbitmq":
      return { address, detail: `routing key on the topic exchange ${model.name}.events` };
    case "nats":
      return { address, detail: `subject in the JetStream stream ${toEnvName(model.name)}_EVENTS` };
    case "kafka":
      return { address, detail: "topic (key: the aggregateId)" };
    default:
      return { address, detail: "in-process" };
  }
}

/** analyze-deps edges whose declaration and code disagree, between contexts (events resolved to their producer). */
export function driftEdges(report: DepsReport | null): DriftEdge[] {
  if (!report) return [];
  const out = new Map<string, DriftEdge>();
  for (const e of report.edges) {
    if (e.declared === e.discovered) continue;
    if (e.from.startsWith("event:") || e.to.startsWith("event:") || e.kind === "database") continue;
    const status = e.discovered ? "undeclared" : "unused";
    const mode = e.mode === "async" ? "async" : "sync";
    const ev = e.evidence?.find((x) => x.file !== "system.yaml");
    const key = `${e.from}>${e.to}>${status}>${mode}`;
    if (!out.has(key)) out.set(key, { from: e.from, to: e.to, status, mode, where: status === "undeclared" && ev ? `${ev.file}:${ev.line}:${ev.column}` : null });
  }
  return [...out.values()].sort((a, b) => (`${a.from}>${a.to}>${a.status}` < `${b.from}>${b.to}>${b.status}` ? -1 : 1));
}

/** Generated files by the context they belong to (services/<c>/…, k8s/base/<c>/…, overlay patches naming it). */
function groupFiles(files: readonly string[], contexts: readonly string[]): Map<string, string[]> {
  const names = new Set(contexts);
  const out = new Map<string, string[]>();
  const add = (c: string, f: string) => out.set(c, [...(out.get(c) ?? []), f]);
  for (const f of [...files].sort()) {
    const parts = f.split("/");
    if ((parts[0] === "services" || (parts[0] === "k8s" && parts[1] === "base")) && parts.length > 2) {
      const c = parts[0] === "services" ? parts[1] : parts[2];
      if (c && names.has(c)) add(c, f);
    }
  }
  return out;
}

/** The contract of an endpoint as tables: path parameters, query, request body, each response (docs/rest-contracts.md). */
function siteContract(e: Endpoint): SiteContract | null {
  if (!e.contract) return null;
  const parts: SiteContract["parts"] = [];
  if (e.params.length) {
    const properties = Object.fromEntries(e.params.map((p) => [p, e.pathParams[p]?.schema ?? { type: "string", minLength: 1 }]));
    parts.push({ title: "Path parameters", rows: schemaRows({ type: "object", required: e.params, properties }).slice(1), note: "" });
  }
  if (e.query) parts.push({ title: "Query", rows: schemaRows(e.query.schema).slice(1), note: "" });
  if (e.request) parts.push({ title: "Request body", rows: schemaRows(e.request.schema), note: "" });
  for (const r of e.responses)
    parts.push({ title: `Response ${r.status} ${reasonPhrase(r.status)}`, rows: r.schema ? schemaRows(r.schema.schema) : null, note: r.schema ? "" : "no body" });
  return { anchor: `op-${e.operationId}`, summary: e.summary, idempotent: e.idempotent, compatibility: e.compatibility, parts };
}
