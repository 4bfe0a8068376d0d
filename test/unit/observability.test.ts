// Issue #15: the generated observability/ (Grafana dashboard, Prometheus alert rules, collector config), the
// PrometheusRule of the prod overlay, the OTLP wiring of compose, the ConfigMaps and kong.yml. Every PromQL
// expression is parsed by Prometheus' own grammar (@prometheus-io/lezer-promql, what the Prometheus UI uses).
import fs from "node:fs";
import path from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { execa } from "execa";
import { parse, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { toPascal } from "../../src/core/names.js";
import { alertRules, dashboard, dashboardRows } from "../../src/core/plan/observability.js";
import { planSystem } from "../../src/core/plan/index.js";
import { createRenderer } from "../../src/core/render.js";
import { loadTemplates } from "../../src/io/templates.js";
import { fixturesDir, hasKubectl, modelAt, modelFromText, repoRoot, writePlan } from "../k8s/support.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SYSTEMS = {
  shop: path.join(repoRoot, "examples", "shop", "system.yaml"),
  minimal: path.join(repoRoot, "examples", "minimal", "system.yaml"),
  "istio-kafka": path.join(fixturesDir, "istio-kafka", "system.yaml"),
  "istio-node": path.join(fixturesDir, "istio-node", "system.yaml"),
};

/** The syntax errors of a PromQL expression (empty when Prometheus' grammar accepts it). */
function promqlErrors(expr: string): string[] {
  const errors: string[] = [];
  parser.parse(expr).iterate({
    enter: (n) => {
      if (n.type.isError) errors.push(`at ${n.from}: ${JSON.stringify(expr.slice(Math.max(0, n.from - 10), n.to + 10))}`);
    },
  });
  return errors;
}

const render = createRenderer(loadTemplates());
const plan = (model: ReturnType<typeof modelAt>) => planSystem(model, render);

const fileOf = (files: { path: string; content: string }[], p: string): string => {
  const f = files.find((x) => x.path === p);
  if (!f) throw new Error(`${p} not planned; have ${files.map((x) => x.path).filter((x) => x.startsWith("observability")).join(", ")}`);
  return f.content;
};

describe("the PromQL checker", () => {
  it("accepts valid PromQL and finds errors in invalid PromQL (so a pass below means something)", () => {
    expect(promqlErrors('histogram_quantile(0.95, sum by (le) (rate(x_bucket{a="b"}[5m]))) > 0.5')).toEqual([]);
    expect(promqlErrors('sum(rate(x{a="b"[5m])) >')).not.toEqual([]);
    expect(promqlErrors("sum by (le (rate(x[5m]))")).not.toEqual([]);
  });
});

describe.each(Object.entries(SYSTEMS))("observability of %s", (name, file) => {
  const model = modelAt(file);
  const files = plan(model);
  const dash = JSON.parse(fileOf(files, `observability/grafana/${model.name}-dashboard.json`)) as Obj;
  const alerts = parse(fileOf(files, "observability/prometheus/alerts.yaml")) as Obj;

  it("a Grafana dashboard: valid fields, a row per context (and the node gateway), every panel placed and queried", () => {
    expect(dash).toMatchObject({ title: expect.any(String), editable: true, schemaVersion: expect.any(Number), time: { from: "now-6h", to: "now" } });
    expect(dash.uid).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
    expect(dash.templating.list[0]).toMatchObject({ name: "datasource", type: "datasource", query: "prometheus" });
    const rows = (dash.panels as Obj[]).filter((p) => p.type === "row").map((p) => p.title);
    expect(rows).toEqual([...(model.gateway.kind === "node" ? [expect.stringContaining("(gateway)")] : []), ...model.contexts.map((c) => c.name)]);
    const ids = (dash.panels as Obj[]).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of dash.panels as Obj[]) {
      const g = p.gridPos as { x: number; y: number; w: number; h: number };
      expect(g.x + g.w, `${p.title} fits the 24-column grid`).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) for (let y = g.y; y < g.y + g.h; y++) {
        expect(cells.has(`${x},${y}`), `${p.title} overlaps another panel`).toBe(false);
        cells.add(`${x},${y}`);
      }
      if (p.type === "row") continue;
      expect(p.type).toBe("timeseries");
      expect(p.datasource).toEqual({ type: "prometheus", uid: "${datasource}" });
      expect(p.targets.length).toBeGreaterThan(0);
      for (const t of p.targets as Obj[]) {
        expect(t.refId).toMatch(/^[A-Z]$/);
        expect(promqlErrors(t.expr), t.expr).toEqual([]);
      }
    }
    // each context's row: rate, errors, p50/p95/p99; events where it has them; dead letters where it consumes
    for (const c of model.contexts) {
      const row = dashboardRows(model).find((r) => r.title === c.name)!;
      const titles = row.panels.map((p) => p.title);
      expect(titles.slice(0, 3)).toEqual(["Requests / s", "Errors (5xx ratio)", "Latency p50 / p95 / p99"]);
      expect(row.panels[2]!.targets.map((t) => t.legendFormat)).toEqual(["p50", "p95", "p99"]);
      if (c.publishes.length + c.consumes.length) expect(titles).toContain("Events / s");
      if (c.consumes.length) expect(titles).toContain("Dead letters and consumer lag");
      // the runtime's series are the context's own (broker exporters' series name its queue/consumer instead)
      for (const p of row.panels) for (const t of p.targets) for (const m of t.expr.matchAll(/service="([^"]*)"/g)) expect(m[1]).toBe(c.name);
    }
  });

  it("Prometheus alert rules: error rate, latency SLO, dead letters, consumer lag; every expression parses", () => {
    const rules = alerts.groups[0].rules as Obj[];
    expect(rules).toEqual(alertRules(model));
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
    for (const r of rules) {
      expect(r.alert).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
      expect(r.for).toMatch(/^\d+[smh]$/);
      expect(["warning", "critical"]).toContain(r.labels.severity);
      expect(r.annotations.summary).toBeTruthy();
      expect(promqlErrors(r.expr), r.expr).toEqual([]);
    }
    for (const c of model.contexts) {
      const mine = rules.filter((r) => r.labels.service === c.name).map((r) => String(r.alert).slice(toPascal(c.name).length));
      if (c.api.length) expect(mine).toEqual(expect.arrayContaining(["HighErrorRate", "LatencySLO"]));
      if (c.consumes.length) expect(mine).toContain("DeadLettersNotEmpty");
      if (c.consumes.length && model.broker.kind !== "memory") expect(mine).toContain("ConsumerLag");
    }
  });

  it("the prod overlay's monitoring kustomization: a PrometheusRule with the same rules", async () => {
    const docs = parseAllDocuments(fileOf(files, "k8s/overlays/prod/monitoring/prometheus-rule.yaml")).map((d) => d.toJS() as Obj);
    expect(docs[0]).toMatchObject({ apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule", spec: { groups: [{ rules: alertRules(model) }] } });
    // the main prod overlay does not list it (it must apply without the Prometheus Operator's CRD)
    expect(fileOf(files, "k8s/overlays/prod/kustomization.yaml")).not.toContain("prometheus-rule");
    if (!(await hasKubectl())) {
      if (process.env.CI === "true") throw new Error("CI must run kubectl kustomize");
      return;
    }
    const dir = writePlan(files);
    try {
      const out = await execa("kubectl", ["kustomize", path.join(dir, "k8s/overlays/prod/monitoring")]);
      const built = parseAllDocuments(out.stdout).map((d) => d.toJS() as Obj);
      expect(built).toHaveLength(1);
      expect(built[0]).toMatchObject({ kind: "PrometheusRule", metadata: { namespace: expect.any(String) } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the OTLP endpoint: in every service's ConfigMap and compose environment; the collector and Jaeger in compose", () => {
    const compose = parse(fileOf(files, "docker-compose.yml")) as Obj;
    expect(compose.services["otel-collector"].volumes).toEqual(["./observability/otel-collector.yaml:/etc/otelcol/config.yaml:ro"]);
    expect(compose.services.jaeger.ports).toEqual(["16686:16686"]);
    for (const c of model.contexts) {
      expect(compose.services[c.name].environment).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel-collector:4318", OTEL_SERVICE_NAME: c.name });
      const cm = parseAllDocuments(fileOf(files, `k8s/base/${c.name}/configmap.yaml`)).map((d) => d.toJS() as Obj)[0]!;
      expect(cm.data).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel-collector:4318", OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf", OTEL_SERVICE_NAME: c.name });
    }
    const collector = parse(fileOf(files, "observability/otel-collector.yaml")) as Obj;
    expect(collector.service.pipelines.traces).toEqual({ receivers: ["otlp"], processors: ["memory_limiter", "batch"], exporters: ["otlp/jaeger"] });
    if (model.gateway.kind === "kong") {
      const kong = parse(fileOf(files, "gateway/kong.yml")) as Obj;
      expect(kong.plugins).toEqual([expect.objectContaining({ name: "opentelemetry", config: expect.objectContaining({ traces_endpoint: "http://otel-collector:4318/v1/traces" }) })]);
    }
    void name;
  });
});

describe("broker-specific depth and lag", () => {
  const text = (broker: string): string => `
version: 1
name: depth
broker: { kind: ${broker} }
contexts:
  a: { port: 3000, database: postgres, api: ["POST /a"], publishes: [x.done] }
  b: { port: 3001, consumes: [x.done] }
events:
  x.done: { schema: { type: object } }
`;
  it.each([
    ["rabbitmq", 'rabbitmq_detailed_queue_messages{queue="depth.b.dead-letter"}', 'rabbitmq_detailed_queue_messages_ready{queue="depth.b"}'],
    ["nats", 'jetstream_stream_total_messages{stream_name="DEPTH_DLQ"}', 'jetstream_consumer_num_pending{stream_name="DEPTH_EVENTS",consumer_name="b"}'],
    ["kafka", 'kafka_topic_partition_current_offset{topic="depth.b.dlt"}', 'kafka_consumergroup_lag{consumergroup="b"}'],
  ])("%s: the exporter's series for b's dead letters and lag; a's outbox backlog", (broker, dlq, lag) => {
    const model = modelFromText(text(broker));
    const exprs = [...dashboardRows(model).flatMap((r) => r.panels.flatMap((p) => p.targets.map((t) => t.expr))), ...alertRules(model).map((r) => r.expr)];
    expect(exprs.some((e) => e.includes(dlq))).toBe(true);
    expect(exprs.some((e) => e.includes(lag))).toBe(true);
    expect(alertRules(model).find((r) => r.alert === "AOutboxBacklog")?.expr).toBe("max(outbox_pending{service=\"a\"}) > 100");
    for (const e of exprs) expect(promqlErrors(e), e).toEqual([]);
    expect(dashboard(model).uid).toBe("msa-depth");
  });
});

describe("observability.tracing in system.yaml", () => {
  const text = (tracing: string, gateway = "kong"): string => `
version: 1
name: traced
gateway:
  kind: ${gateway}
  routes:
    - { path: /api/a, context: a, methods: [GET] }
${tracing}
contexts:
  a: { port: 3000, database: postgres, api: ["GET /a"], calls: { b: { timeout: 1s } } }
  b: { port: 3001, api: ["GET /b"] }
`;
  const egressPorts = (files: { path: string; content: string }[], name: string): number[] => {
    const np = parseAllDocuments(fileOf(files, `k8s/base/${name}/networkpolicy.yaml`)).map((d) => d.toJS() as Obj)[0]!;
    return (np.spec.egress as Obj[]).filter((e) => !e.to).flatMap((e) => (e.ports as Obj[]).map((p) => p.port as number));
  };
  const configMap = (files: { path: string; content: string }[], name: string): Obj =>
    (parseAllDocuments(fileOf(files, `k8s/base/${name}/configmap.yaml`)).map((d) => d.toJS() as Obj)[0]!).data as Obj;

  it("an endpoint of one's own and a ratio: OTEL_* in the ConfigMaps, compose keeps its collector, Kong samples the same share, egress to that port only", () => {
    const model = modelFromText(text("observability:\n  tracing:\n    endpoint: http://otel-collector.monitoring:4318/\n    ratio: 0.25\n"));
    const files = plan(model);
    for (const c of ["a", "b"]) {
      expect(configMap(files, c)).toMatchObject({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel-collector.monitoring:4318",
        OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
        OTEL_TRACES_SAMPLER_ARG: "0.25",
        OTEL_SERVICE_NAME: c,
      });
      const ports = egressPorts(files, c);
      expect(ports).toContain(4318);
      expect(ports).not.toContain(4317);
    }
    const compose = parse(fileOf(files, "docker-compose.yml")) as Obj;
    expect(compose.services.a.environment).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel-collector:4318", OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.25" });
    expect(compose.services.gateway.environment.KONG_TRACING_SAMPLING_RATE).toBe("0.25");
    expect(compose.services["otel-collector"]).toBeDefined();
    expect(configMap(files, "gateway")).toMatchObject({ KONG_TRACING_SAMPLING_RATE: "0.25", KONG_TRACING_INSTRUMENTATIONS: "all" });
    const kong = parse(fileOf(files, "gateway/kong.yml")) as Obj;
    expect(kong.plugins[0].config.traces_endpoint).toBe("http://otel-collector.monitoring:4318/v1/traces");
  });

  it("an always_off sampler: the SDKs sample nothing and Kong's rate is 0", () => {
    const files = plan(modelFromText(text("observability:\n  tracing:\n    sampler: always_off\n")));
    expect(configMap(files, "a")).toMatchObject({ OTEL_TRACES_SAMPLER: "always_off" });
    expect(configMap(files, "a").OTEL_TRACES_SAMPLER_ARG).toBeUndefined();
    expect(configMap(files, "gateway").KONG_TRACING_SAMPLING_RATE).toBe("0");
  });

  it("enabled: false — no OTEL_* endpoint, no collector egress, no collector or Jaeger in compose, no Kong plugin; the node gateway likewise", () => {
    for (const gateway of ["kong", "node"]) {
      const files = plan(modelFromText(text("observability:\n  tracing:\n    enabled: false\n", gateway)));
      for (const c of ["a", "b"]) {
        expect(Object.keys(configMap(files, c)).filter((k) => k.startsWith("OTEL_"))).toEqual([]);
        const ports = egressPorts(files, c);
        expect(ports).not.toContain(4317);
        expect(ports).not.toContain(4318);
      }
      const compose = parse(fileOf(files, "docker-compose.yml")) as Obj;
      expect(compose.services["otel-collector"]).toBeUndefined();
      expect(compose.services.jaeger).toBeUndefined();
      expect(Object.keys(compose.services.a.environment).filter((k) => k.startsWith("OTEL_"))).toEqual([]);
      expect(Object.keys(compose.services.gateway.environment ?? {}).filter((k) => k.startsWith("OTEL_") || k.startsWith("KONG_TRACING"))).toEqual([]);
      expect(Object.keys(configMap(files, "gateway")).filter((k) => k.startsWith("OTEL_") || k.startsWith("KONG_TRACING"))).toEqual([]);
      expect(egressPorts(files, "gateway")).not.toContain(4318);
      if (gateway === "kong") expect((parse(fileOf(files, "gateway/kong.yml")) as Obj).plugins).toBeUndefined();
    }
  });

  it("without observability: every span to the in-cluster collector, as before", () => {
    const files = plan(modelFromText(text("")));
    expect(configMap(files, "a")).toMatchObject({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://otel-collector:4318" });
    expect(configMap(files, "a").OTEL_TRACES_SAMPLER).toBeUndefined();
    expect(egressPorts(files, "a")).toEqual(expect.arrayContaining([4317, 4318]));
    expect(configMap(files, "gateway").KONG_TRACING_SAMPLING_RATE).toBe("1.0");
  });
});
