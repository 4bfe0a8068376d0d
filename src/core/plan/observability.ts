// Planner: observability/ — the Grafana dashboard, the Prometheus alert rules and the OpenTelemetry Collector
// configuration of the system (docs/observability.md), and the same rules as a PrometheusRule for the prod overlay
// (k8s.ts). Pure: the panels and rules are data computed here from the model; the text comes from templates/.
// Every expression uses the one metrics vocabulary of the runtimes (http_requests_total, events_*_total, …),
// selected by the `service` label every runtime sets; broker depths come from the broker's own exporter.
import { gatewayName } from "../edges.js";
import type { SystemModel } from "../model.js";
import { toEnvName, toPascal } from "../names.js";
import { lazyFile, type Planner } from "./types.js";

/** Thresholds of the alert rules (documented in docs/observability.md). */
export const ALERT_THRESHOLDS = {
  errorRatio: 0.05,
  latencyP95Seconds: 0.5,
  consumerLag: 1000,
  outboxPending: 100,
} as const;

export interface Target {
  expr: string;
  legendFormat: string;
}
export interface Panel {
  title: string;
  unit: string;
  targets: Target[];
}
export interface Row {
  title: string;
  panels: Panel[];
}
export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: "warning" | "critical"; service: string };
  annotations: { summary: string; description: string };
}

/** Depth of a context's dead letters and its consumer lag, as the broker's exporter names them (null: not told). */
function brokerSeries(model: SystemModel, context: string): { dlq: string | null; lag: string | null } {
  switch (model.broker.kind) {
    case "rabbitmq":
      // rabbitmq_prometheus, endpoint /metrics/detailed?family=queue_coarse_metrics
      return {
        dlq: `sum(rabbitmq_detailed_queue_messages{queue="${model.name}.${context}.dead-letter"})`,
        lag: `sum(rabbitmq_detailed_queue_messages_ready{queue="${model.name}.${context}"})`,
      };
    case "nats":
      // prometheus-nats-exporter -jsz=all
      return {
        dlq: `sum(jetstream_stream_total_messages{stream_name="${toEnvName(model.name)}_DLQ"})`,
        lag: `sum(jetstream_consumer_num_pending{stream_name="${toEnvName(model.name)}_EVENTS",consumer_name="${context}"})`,
      };
    case "kafka":
      // kafka-exporter (danielqsj/kafka_exporter)
      return {
        dlq: `sum(kafka_topic_partition_current_offset{topic="${model.name}.${context}.dlt"})`,
        lag: `sum(kafka_consumergroup_lag{consumergroup="${context}"})`,
      };
    default:
      return { dlq: null, lag: null };
  }
}

const sel = (service: string, extra = ""): string => `{service="${service}"${extra}}`;

/** The dashboard's rows: the gateway (node) and then one per context, each with rate, errors, latency, events, DLQ. */
export function dashboardRows(model: SystemModel): Row[] {
  const rows: Row[] = [];
  const http = (service: string): Panel[] => [
    { title: "Requests / s", unit: "reqps", targets: [{ expr: `sum by (route) (rate(http_requests_total${sel(service)}[5m]))`, legendFormat: "{{route}}" }] },
    {
      title: "Errors (5xx ratio)",
      unit: "percentunit",
      targets: [{ expr: `sum(rate(http_requests_total${sel(service, ',status=~"5.."')}[5m])) / clamp_min(sum(rate(http_requests_total${sel(service)}[5m])), 1e-9)`, legendFormat: "5xx" }],
    },
    {
      title: "Latency p50 / p95 / p99",
      unit: "s",
      targets: [0.5, 0.95, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le) (rate(http_request_duration_seconds_bucket${sel(service)}[5m])))`,
        legendFormat: `p${Math.round(q * 100)}`,
      })),
    },
  ];
  if (model.gateway.kind === "node") rows.push({ title: `${gatewayName(model)} (gateway)`, panels: http("gateway") });
  for (const c of model.contexts) {
    const panels = http(c.name);
    const events: Target[] = [];
    if (c.publishes.length) events.push({ expr: `sum by (event_type) (rate(events_published_total${sel(c.name)}[5m]))`, legendFormat: "published {{event_type}}" });
    if (c.consumes.length) {
      events.push({ expr: `sum by (event_type, result) (rate(events_consumed_total${sel(c.name)}[5m]))`, legendFormat: "consumed {{event_type}} {{result}}" });
      events.push({ expr: `sum by (event_type) (rate(events_dead_lettered_total${sel(c.name)}[5m]))`, legendFormat: "dead-lettered {{event_type}}" });
    }
    if (events.length) panels.push({ title: "Events / s", unit: "ops", targets: events });
    if (c.consumes.length) {
      const b = brokerSeries(model, c.name);
      panels.push({
        title: "Dead letters and consumer lag",
        unit: "short",
        targets: [
          ...(b.dlq ? [{ expr: b.dlq, legendFormat: "dead letters" }] : []),
          ...(b.lag ? [{ expr: b.lag, legendFormat: "consumer lag" }] : []),
          { expr: `sum(increase(events_dead_lettered_total${sel(c.name)}[1h]))`, legendFormat: "dead-lettered in the last hour" },
        ],
      });
    }
    if (c.database && (c.database.engine === "postgres" || c.database.engine === "mysql"))
      panels.push({ title: "Outbox backlog", unit: "short", targets: [{ expr: `max(outbox_pending${sel(c.name)})`, legendFormat: "unsent rows" }] });
    rows.push({ title: c.name, panels });
  }
  return rows;
}

/** The alert rules: error rate and latency SLO per HTTP workload, dead letters and lag per consumer, outbox backlog. */
export function alertRules(model: SystemModel): AlertRule[] {
  const t = ALERT_THRESHOLDS;
  const rules: AlertRule[] = [];
  const httpRules = (service: string): void => {
    const name = toPascal(service);
    rules.push({
      alert: `${name}HighErrorRate`,
      expr: `sum(rate(http_requests_total${sel(service, ',status=~"5.."')}[5m])) / sum(rate(http_requests_total${sel(service)}[5m])) > ${t.errorRatio}`,
      for: "5m",
      labels: { severity: "critical", service },
      annotations: { summary: `${service}: more than ${t.errorRatio * 100}% of requests fail (5xx)`, description: "5xx ratio over 5 minutes; see the service's logs by trace_id and the traces of failed requests." },
    });
    rules.push({
      alert: `${name}LatencySLO`,
      expr: `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket${sel(service)}[5m]))) > ${t.latencyP95Seconds}`,
      for: "10m",
      labels: { severity: "warning", service },
      annotations: { summary: `${service}: p95 latency above ${t.latencyP95Seconds * 1000} ms`, description: "95th percentile of request duration over 5 minutes, for 10 minutes." },
    });
  };
  if (model.gateway.kind === "node") httpRules("gateway");
  for (const c of model.contexts) {
    if (c.api.length) httpRules(c.name);
    const name = toPascal(c.name);
    if (c.consumes.length) {
      const b = brokerSeries(model, c.name);
      rules.push({
        alert: `${name}DeadLettersNotEmpty`,
        expr: b.dlq && model.broker.kind === "rabbitmq" ? `${b.dlq} > 0` : `sum(increase(events_dead_lettered_total${sel(c.name)}[15m])) > 0`,
        for: "1m",
        labels: { severity: "warning", service: c.name },
        annotations: { summary: `${c.name}: events in the dead letters`, description: "Inspect and replay them with `msa events dlq` (docs/messaging.md)." },
      });
      if (b.lag)
        rules.push({
          alert: `${name}ConsumerLag`,
          expr: `${b.lag} > ${t.consumerLag}`,
          for: "10m",
          labels: { severity: "warning", service: c.name },
          annotations: { summary: `${c.name}: more than ${t.consumerLag} events waiting`, description: "The consumer does not keep up: scale it out or look for a slow handler (its consumer spans)." },
        });
    }
    if (c.database && (c.database.engine === "postgres" || c.database.engine === "mysql") && c.publishes.length)
      rules.push({
        alert: `${name}OutboxBacklog`,
        expr: `max(outbox_pending${sel(c.name)}) > ${t.outboxPending}`,
        for: "10m",
        labels: { severity: "warning", service: c.name },
        annotations: { summary: `${c.name}: more than ${t.outboxPending} outbox rows unsent`, description: "The relay cannot publish: is the broker reachable? (outbox_publish_failures_total)" },
      });
  }
  return rules;
}

/** Grafana dashboard JSON (schemaVersion 39): a collapsed-free row per workload, 6-unit-wide timeseries panels. */
export function dashboard(model: SystemModel): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of dashboardRows(model)) {
    panels.push({ id: id++, type: "row", title: row.title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    row.panels.forEach((p, i) => {
      panels.push({
        id: id++,
        type: "timeseries",
        title: p.title,
        datasource: { type: "prometheus", uid: "${datasource}" },
        fieldConfig: { defaults: { unit: p.unit }, overrides: [] },
        options: { legend: { displayMode: "list", placement: "bottom", showLegend: true }, tooltip: { mode: "multi", sort: "none" } },
        gridPos: { h: 8, w: 6, x: (i % 4) * 6, y: y + Math.floor(i / 4) * 8 },
        targets: p.targets.map((t, k) => ({ refId: String.fromCharCode(65 + k), datasource: { type: "prometheus", uid: "${datasource}" }, expr: t.expr, legendFormat: t.legendFormat })),
      });
    });
    y += Math.ceil(row.panels.length / 4) * 8;
  }
  return {
    title: `${model.name} — services`,
    uid: `msa-${model.name}`.slice(0, 40),
    tags: ["msa", model.name],
    timezone: "browser",
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: "30s",
    time: { from: "now-6h", to: "now" },
    templating: { list: [{ name: "datasource", type: "datasource", query: "prometheus", label: "Prometheus", current: {}, hide: 0 }] },
    annotations: { list: [] },
    panels,
  };
}

export const planObservability: Planner = (model, render) => {
  const rules = alertRules(model);
  return [
    { path: "observability/README.md", owner: "generated", content: render("observability/README.md", { system: model.name, broker: model.broker.kind }) },
    lazyFile({ path: `observability/grafana/${model.name}-dashboard.json`, owner: "generated" }, () => render("observability/dashboard.json", { dashboard: dashboard(model) })),
    lazyFile({ path: "observability/prometheus/alerts.yaml", owner: "generated" }, () => render("observability/alerts.yaml", { system: model.name, rules })),
    { path: "observability/otel-collector.yaml", owner: "generated", content: render("observability/otel-collector.yaml", { system: model.name }) },
  ];
};
