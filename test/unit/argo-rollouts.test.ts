// Canary by Argo Rollouts (deploy.controller: argo-rollouts, issue #18) as data: the Rollout and AnalysisTemplate
// against the fields of Argo's spec (test/k8s/argo-rollouts-fields.ts: kubeconform has no CRD schemas here), the
// steps (order, weights, pauses, analyses), every reference between Rollout, Deployment, Services, HPA, PDB,
// AnalysisTemplate, VirtualService and DestinationRule resolving, with and without Istio; and the deploy plan's
// watch, abort and rollback steps with the pure readers of kubectl's answers.
import { Ajv } from "ajv";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import {
  abortSteps,
  argoStepCount,
  factQueries,
  factsFrom,
  goDurationMs,
  parseRolloutStatus,
  previousRevision,
  progressiveDeploy,
  rollbackSteps,
  rolloutVerdict,
  NO_FACTS,
} from "../../src/core/deploy/progressive.js";
import { ARGO_HASH_LABEL } from "../../src/core/plan/k8s-progressive.js";
import { ANALYSIS_TEMPLATE_SCHEMA, ROLLOUT_SCHEMA } from "../k8s/argo-rollouts-fields.js";
import { modelFromText, plan } from "../k8s/support.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const ajv = new Ajv({ allErrors: true, strict: false });
const validRollout = ajv.compile(ROLLOUT_SCHEMA);
const validTemplate = ajv.compile(ANALYSIS_TEMPLATE_SCHEMA);

const system = (mesh: boolean, deploy = "{ strategy: canary, controller: argo-rollouts, steps: [5, 25, 60, 100], pause: 90s, analysis: { maxErrorRate: 0.5% } }") => `version: 1
name: ar
${mesh ? "mesh: istio\n" : ""}broker: { kind: memory }
gateway:
  kind: node
  auth: none
  routes:
    - { path: /api/orders, context: orders }
    - { path: /api/users, context: users }
contexts:
  orders:
    port: 3000
    api: ["GET /orders/{id}"]
    deploy: ${deploy}
  users:
    port: 3001
    api: ["GET /users/{id}"]
    calls: { orders: { timeout: 2s } }
`;

const objectsOf = (text: string): Obj[] =>
  plan(modelFromText(text))
    .filter((f) => f.path.startsWith("k8s/base/") && !f.path.endsWith("kustomization.yaml"))
    .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as Obj));
const finder = (objs: Obj[]) => (kind: string, name: string): Obj => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o;
};
const matches = (selector: Record<string, string>, labels: Record<string, string>): boolean => Object.entries(selector).every(([k, v]) => labels[k] === v);

for (const mesh of [false, true]) {
  describe(`Argo Rollouts canary manifests (${mesh ? "mesh: istio" : "no mesh"})`, () => {
    const objs = objectsOf(system(mesh));
    const find = finder(objs);
    const rollout = find("Rollout", "orders");
    const canary = rollout.spec.strategy.canary;

    it("the Rollout and the AnalysisTemplate have only fields of Argo's spec, in their places", () => {
      expect(validRollout(rollout), ajv.errorsText(validRollout.errors)).toBe(true);
      expect(validTemplate(find("AnalysisTemplate", "orders-error-rate")), ajv.errorsText(validTemplate.errors)).toBe(true);
      // the check bites: a misspelt field, a pause without duration, a weight above 100
      const bad = (c: Obj) => validRollout({ ...rollout, spec: { ...rollout.spec, strategy: { canary: { ...canary, ...c } } } });
      expect(bad({ stableSvc: "orders-stable" })).toBe(false);
      expect(bad({ steps: [{ pause: {} }] })).toBe(false);
      expect(bad({ steps: [{ setWeight: 101 }] })).toBe(false);
      expect(bad({ steps: [{ setWeight: 10, pause: { duration: "1m" } }] })).toBe(false);
    });

    it("steps: setWeight rising to 100, each below 100 followed by a pause of the declared length and an analysis", () => {
      const kinds = canary.steps.map((s: Obj) => Object.keys(s));
      for (const k of kinds) expect(k).toHaveLength(1);
      expect(kinds.map((k: string[]) => k[0]).join(",")).toBe("setWeight,pause,analysis,setWeight,pause,analysis,setWeight,pause,analysis,setWeight");
      const weights = canary.steps.filter((s: Obj) => "setWeight" in s).map((s: Obj) => s.setWeight as number);
      expect(weights).toEqual([5, 25, 60, 100]);
      for (let i = 1; i < weights.length; i++) expect(weights[i]!).toBeGreaterThan(weights[i - 1]!);
      // Argo gives the stable side 100 - w on each weighted route: within 0..100 when w is
      for (const w of weights) expect(w >= 0 && w <= 100).toBe(true);
      for (const s of canary.steps.filter((x: Obj) => "pause" in x)) expect(s.pause).toEqual({ duration: "90s" });
      expect(argoStepCount(modelFromText(system(mesh)).contexts.find((c) => c.name === "orders")!)).toBe(canary.steps.length);
    });

    it("the Rollout takes its pod template from the Deployment orders, which has none of its own pods", () => {
      expect(rollout.spec.workloadRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "orders", scaleDown: "never" });
      expect(rollout.spec.template).toBeUndefined();
      // a canary stuck past the progress deadline is aborted as a failed analysis is (Degraded = back on stable)
      expect(rollout.spec.progressDeadlineAbort).toBe(true);
      const deployment = find("Deployment", "orders");
      expect(deployment.spec.replicas).toBe(0);
      expect(rollout.spec.selector).toEqual(deployment.spec.selector);
      expect(matches(rollout.spec.selector.matchLabels, deployment.spec.template.metadata.labels)).toBe(true);
      expect(objs.some((o) => o.kind === "Deployment" && o.metadata.name === "orders-canary")).toBe(false);
    });

    it("HPA scales the Rollout; the PDB and the Services select the Rollout's pods", () => {
      const pods = find("Deployment", "orders").spec.template.metadata.labels;
      expect(find("HorizontalPodAutoscaler", "orders").spec.scaleTargetRef).toEqual({ apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "orders" });
      expect(matches(find("PodDisruptionBudget", "orders").spec.selector.matchLabels, pods)).toBe(true);
      expect([canary.stableService, canary.canaryService]).toEqual(["orders-stable", "orders-canary"]);
      for (const name of ["orders", canary.stableService, canary.canaryService]) {
        const svc = find("Service", name);
        expect(matches(svc.spec.selector, pods), name).toBe(true);
        expect(svc.spec.selector[ARGO_HASH_LABEL], `${name}: Argo adds the hash itself`).toBeUndefined();
        expect(svc.spec.ports.map((p: Obj) => p.targetPort)).toEqual(["http"]);
      }
    });

    it("the analysis step references the AnalysisTemplate, with the args it declares; its condition is the declared maximum", () => {
      const template = find("AnalysisTemplate", "orders-error-rate");
      const declared = template.spec.args.map((a: Obj) => a.name).sort();
      for (const s of canary.steps.filter((x: Obj) => "analysis" in x)) {
        expect(s.analysis.templates).toEqual([{ templateName: template.metadata.name }]);
        expect(s.analysis.args.map((a: Obj) => a.name).sort()).toEqual(declared);
        expect(s.analysis.args.find((a: Obj) => a.name === "canary-hash").valueFrom).toEqual({ podTemplateHashValue: "Latest" });
      }
      const metric = template.spec.metrics[0];
      // every {{args.x}} in the query is a declared arg
      for (const m of metric.provider.prometheus.query.matchAll(/\{\{args\.([a-z-]+)\}\}/g)) expect(declared).toContain(m[1]);
      expect(metric.provider.prometheus.query).toContain('rollouts_pod_template_hash="{{args.canary-hash}}"');
      expect(metric.provider.prometheus.query).toContain('service="orders"');
      expect(metric.provider.prometheus.query).toContain("[90s]");
      expect(metric.successCondition).toBe("len(result) == 0 || isNaN(result[0]) || result[0] <= 0.005");
      expect(metric.failureLimit).toBe(0);
      expect(metric.provider.prometheus.address).toBe(mesh ? "http://prometheus.istio-system:9090" : "http://prometheus-server.monitoring");
    });

    if (mesh)
      it("Istio: the routes Argo weighs exist with the subsets stable and canary (100 / 0), the DestinationRule's subsets select the Rollout's pods", () => {
        const tr = canary.trafficRouting.istio;
        expect(tr.destinationRule).toEqual({ name: "orders", stableSubsetName: "stable", canarySubsetName: "canary" });
        const vs = find("VirtualService", tr.virtualService.name);
        const dr = find("DestinationRule", tr.destinationRule.name);
        expect(dr.spec.host).toBe("orders");
        const pods = find("Deployment", "orders").spec.template.metadata.labels;
        for (const sub of dr.spec.subsets) expect(matches(sub.labels, pods), sub.name).toBe(true);
        expect(dr.spec.subsets.map((s: Obj) => s.name)).toEqual(["stable", "canary"]);
        expect(tr.virtualService.routes).toEqual(["from-users", "default"]);
        const http = vs.spec.http as Obj[];
        // every weighted route of the VirtualService is one Argo sets (none left at 100 / 0 forever)
        expect(http.filter((h) => h.route.some((r: Obj) => r.destination.subset)).map((h) => h.name)).toEqual(tr.virtualService.routes);
        for (const name of tr.virtualService.routes) {
          const route = http.find((h) => h.name === name);
          expect(route, name).toBeDefined();
          // Argo's own check: the named route has the two subsets (and Istio's: weights sum to 100)
          expect(route!.route.map((r: Obj) => r.destination.subset)).toEqual(["stable", "canary"]);
          expect(route!.route.map((r: Obj) => r.weight)).toEqual([100, 0]);
          for (const r of route!.route) expect(r.destination.host).toBe(dr.spec.host);
        }
      });
    else
      it("no mesh: no traffic routing (replica ratios), no Istio objects", () => {
        expect(canary.trafficRouting).toBeUndefined();
        expect(objs.some((o) => o.kind === "VirtualService" || o.kind === "DestinationRule")).toBe(false);
      });
  });
}

describe("Argo Rollouts canary: variants", () => {
  it("without analysis: no AnalysisTemplate and no analysis step", () => {
    const objs = objectsOf(system(false, "{ strategy: canary, controller: argo-rollouts, steps: [50, 100], pause: 1m }"));
    const rollout = finder(objs)("Rollout", "orders");
    expect(rollout.spec.strategy.canary.steps).toEqual([{ setWeight: 50 }, { pause: { duration: "60s" } }, { setWeight: 100 }]);
    expect(objs.some((o) => o.kind === "AnalysisTemplate")).toBe(false);
    expect(validRollout(rollout), ajv.errorsText(validRollout.errors)).toBe(true);
  });

  it("Istio with gRPC: the gRPC routes carry the subsets too and are among the routes Argo weighs (msa's canary and Argo's alike)", () => {
    const text = system(true)
      .replace('    api: ["GET /users/{id}"]\n    calls: { orders: { timeout: 2s } }\n', '    api: ["GET /users/{id}"]\n    calls: { orders: { timeout: 2s, protocol: grpc } }\n')
      .replace('    api: ["GET /orders/{id}"]\n', '    api: ["GET /orders/{id}"]\n    grpc: { port: 50051, methods: { Get: { request: { type: object }, response: { type: object } } } }\n');
    for (const argo of [true, false]) {
      const objs = objectsOf(argo ? text : text.replace("controller: argo-rollouts, ", ""));
      const find = finder(objs);
      const http = find("VirtualService", "orders").spec.http as Obj[];
      expect(http.map((h) => h.name)).toEqual(["grpc-from-users", "grpc", "default"]); // users calls orders over gRPC only
      for (const h of http) {
        expect(h.route.map((r: Obj) => [r.destination.subset, r.weight]), h.name).toEqual([["stable", 100], ["canary", 0]]);
        expect(h.route[0].destination.port).toEqual(h.route[1].destination.port);
      }
      if (argo) expect(find("Rollout", "orders").spec.strategy.canary.trafficRouting.istio.virtualService.routes).toEqual(http.map((h) => h.name));
    }
  });

  it("the msa controller (Istio) is unchanged: two Deployments, no Rollout", () => {
    const objs = objectsOf(system(true, "{ strategy: canary, steps: [10, 100] }"));
    expect(objs.some((o) => o.kind === "Rollout")).toBe(false);
    expect(finder(objs)("Deployment", "orders-canary").spec.template.metadata.labels["msa.dev/track"]).toBe("canary");
  });
});

describe("msa deploy with Argo Rollouts (plan)", () => {
  const model = modelFromText(system(true));
  const orders = model.contexts.filter((c) => c.name === "orders");
  const objs = objectsOf(system(true));

  it("deploy: everything applied, the Deployment not waited on; generation read, then the Rollout watched with the pauses plus --timeout", () => {
    const pp = progressiveDeploy(orders, { namespace: "ar", timeout: "5m", prometheusUrl: "http://p", facts: NO_FACTS, objects: objs, pollMs: 10 });
    expect(objs.filter((o) => pp.drop({ kind: o.kind, name: o.metadata.name }))).toEqual([]);
    expect(pp.noWait({ kind: "Deployment", name: "orders" })).toBe(true);
    expect(pp.steps.map((s) => [s.phase, s.watch?.kind])).toEqual([
      ["watch", "generation"],
      ["watch", "status"],
    ]);
    expect(pp.steps[0]!.argv).toEqual(["kubectl", "get", "deployment", "orders", "--namespace", "ar", "--output", "jsonpath={.metadata.generation}"]);
    expect(pp.steps[1]!.argv.slice(0, 6)).toEqual(["kubectl", "get", "rollout", "orders", "--namespace", "ar"]);
    expect(pp.steps[1]!.watch).toEqual({ kind: "status", intervalMs: 10, timeoutMs: 3 * 90_000 + 300_000, steps: 10 });
    expect(pp.abortSteps.orders!.map((s) => s.argv)).toEqual([["kubectl", "patch", "rollout", "orders", "--namespace", "ar", "--subresource=status", "--type", "merge", "--patch", '{"status":{"abort":true}}']]);
    expect(pp.notes.join("\n")).toContain("setWeight 5, pause 90s, analysis orders-error-rate (5xx ratio at most 0.5 %), setWeight 25");
  });

  it("--abort: the status merge patch `kubectl argo rollouts abort` sends", () => {
    const a = abortSteps(orders, "ar", objs);
    expect(a.steps.map((s) => s.argv)).toEqual([["kubectl", "patch", "rollout", "orders", "--namespace", "ar", "--subresource=status", "--type", "merge", "--patch", '{"status":{"abort":true}}']]);
    // the plugin patches the Rollout itself when the status subresource is NotFound
    expect(a.steps[0]!.fallback).toMatchObject({ ifOutput: "NotFound", argv: ["kubectl", "patch", "rollout", "orders", "--namespace", "ar", "--type", "merge", "--patch", '{"status":{"abort":true}}'] });
  });

  // ReplicaSets as `kubectl get replicasets -o json` lists them: two of the Rollout, one of another owner
  const rs = (name: string, revision: number, image: string, owner = "orders") => ({
    metadata: { name, annotations: { "rollout.argoproj.io/revision": String(revision) }, ownerReferences: [{ apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: owner, controller: true }] },
    spec: { template: { metadata: { labels: { "app.kubernetes.io/name": "orders", [ARGO_HASH_LABEL]: name.split("-").pop() } }, spec: { containers: [{ name: "orders", image }] } } },
  });
  const list = JSON.stringify({ items: [rs("orders-aaa", 3, "orders:v1"), rs("orders-bbb", 4, "orders:v2"), rs("orders-ccc", 9, "x:v9", "other"), rs("orders-old", 1, "orders:v0")] });

  it("--rollback: reads the ReplicaSets; the previous revision's template (hash label removed) goes back into the Deployment, then the watch", () => {
    expect(factQueries(orders, "ar", "rollback").map((q) => q.argv)).toEqual([["kubectl", "get", "replicasets", "--namespace", "ar", "--selector", "app.kubernetes.io/name=orders", "--output", "json"]]);
    expect(factQueries(orders, "ar", "deploy")).toEqual([]);
    const prev = previousRevision(list, "orders")!;
    expect(prev.revision).toBe(3);
    expect(prev.template).toEqual({ metadata: { labels: { "app.kubernetes.io/name": "orders" } }, spec: { containers: [{ name: "orders", image: "orders:v1" }] } });
    const facts = factsFrom([{ context: "orders", kind: "replicasets", exitCode: 0, stdout: list }]);
    const r = rollbackSteps(orders, { namespace: "ar", timeout: "2m", facts, objects: objs });
    expect(r.steps.map((s) => s.phase)).toEqual(["promote", "watch", "watch"]);
    const patch = r.steps[0]!.argv;
    expect(patch.slice(0, 8)).toEqual(["kubectl", "patch", "deployment", "orders", "--namespace", "ar", "--type", "json"]);
    expect(JSON.parse(patch[9]!)).toEqual([{ op: "replace", path: "/spec/template", value: prev.template }]);
  });

  it("--rollback with a single revision, or an unreadable list: nothing to roll back to", () => {
    expect(previousRevision(JSON.stringify({ items: [rs("orders-aaa", 1, "orders:v1")] }), "orders")).toBeNull();
    expect(previousRevision("not json", "orders")).toBeNull();
    const r = rollbackSteps(orders, { namespace: "ar", timeout: "2m", facts: factsFrom([{ context: "orders", kind: "replicasets", exitCode: 1, stdout: "" }]), objects: objs });
    expect(r.steps).toEqual([]);
    expect(r.notes.join()).toContain("no earlier revision");
  });

  it("reads the Rollout's status line and decides: waiting until the generation is observed, then Healthy or Degraded", () => {
    const st = parseRolloutStatus("Paused\t2\t7\tCanaryPauseStep");
    expect(st).toEqual({ phase: "Paused", step: 2, observedGeneration: "7", message: "CanaryPauseStep" });
    expect(parseRolloutStatus("")).toEqual({ phase: "", step: null, observedGeneration: "", message: "" });
    expect(rolloutVerdict(parseRolloutStatus("Healthy\t10\t6\t"), "7")).toBe("waiting"); // the previous revision's Healthy
    expect(rolloutVerdict(parseRolloutStatus("Healthy\t10\t7\t"), "7")).toBe("healthy");
    expect(rolloutVerdict(parseRolloutStatus("Progressing\t1\t7\tmore replicas need to be updated"), "7")).toBe("waiting");
    expect(rolloutVerdict(st, "7")).toBe("waiting");
    expect(rolloutVerdict(parseRolloutStatus("Degraded\t2\t7\tRolloutAborted: metric \"error-rate\" assessed Failed"), "7")).toBe("degraded");
    expect([goDurationMs("5m"), goDurationMs("1h30m"), goDurationMs("90s"), goDurationMs("500ms")]).toEqual([300_000, 5_400_000, 90_000, 500]);
  });
});
