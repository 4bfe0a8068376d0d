// Progressive delivery in `msa deploy` (docs/progressive-delivery.md): what a context's deploy.strategy adds to
// the plan. Pure: the cluster's state comes in as facts (read by src/io/deploy.ts with read-only kubectl gets),
// the steps go out with their exact argv.
//   blue-green: the colour the Service selects keeps running untouched (its Deployment is not applied, the
//     Service keeps selecting it); the other colour gets the new version, and once it rolled out the Service's
//     selector is switched to it. --rollback switches back (after checking the previous colour is ready).
//   canary (Istio): the stable Deployment is not applied; the canary gets the new version; then for each step
//     the VirtualService's weights are set (stable 100-w / canary w), and below 100 deploy waits `pause` and
//     asks Prometheus for the canary's 5xx ratio (analysis.maxErrorRate). At 100 the stable Deployment is
//     applied with the new version (promote), and the weights return to stable 100. A failed analysis, or
//     --abort, sets stable 100 / canary 0.
//   canary (controller: argo-rollouts): everything is applied (the Deployment is the Rollout's pod template); Argo
//     walks the steps. deploy reads the Deployment's generation, then polls the Rollout's status (a plain
//     `kubectl get rollout -o jsonpath`, no plugin) until Argo observed that generation and says Healthy (done) or
//     Degraded (an analysis failed or someone aborted: Argo already sent the traffic back to stable). --abort sets
//     status.abort as `kubectl argo rollouts abort` does; --rollback puts the previous ReplicaSet's pod template
//     back into the Deployment (what `kubectl argo rollouts undo` does to a Rollout's own template).
import { UsageError } from "../diagnostics.js";
import type { Context, SystemModel } from "../model.js";
import { formatMs } from "../plan/docs.js";
import { analysisTemplateName, ARGO_HASH_LABEL, ARGO_REVISION_ANNOTATION, canaryName, COLOR_LABEL, colorName, FIRST_COLOR, PROMETHEUS_URL_ISTIO, type Color } from "../plan/k8s-progressive.js";

/** Where Prometheus answers by default: Istio's sample addon (override with --prometheus-url). */
export const DEFAULT_PROMETHEUS_URL = PROMETHEUS_URL_ISTIO;

export type ProgressivePhase = "traffic" | "pause" | "analysis" | "promote" | "switch" | "watch";

/** How often deploy reads a Rollout's status by default. */
export const ARGO_POLL_MS = 5_000;

/** A context whose canary Argo Rollouts walks. */
export const isArgo = (c: Context): boolean => c.deploy.strategy === "canary" && c.deploy.controller === "argo-rollouts";

/** What the cluster says before the plan is made (read-only gets); absent: unknown, as on a first deploy. */
export interface ClusterFacts {
  /** blue-green: the colour the Service selects now (null: no Service yet). */
  activeColor: Record<string, Color | null>;
  /** canary: whether the stable Deployment exists (false: first deploy, nothing to compare against). */
  stableExists: Record<string, boolean>;
  /** argo-rollouts, --rollback: the Rollout's previous revision (its ReplicaSet's pod template), null: none. */
  argoPrevious?: Record<string, { revision: number; template: Obj } | null>;
}

export const NO_FACTS: ClusterFacts = { activeColor: {}, stableExists: {} };

type FactKind = "color" | "stable" | "replicasets";

/** The read-only commands that gather the facts for these contexts (run also in --dry-run). */
export function factQueries(contexts: readonly Context[], namespace: string, mode: "deploy" | "abort" | "rollback" = "deploy"): { context: string; kind: FactKind; argv: string[] }[] {
  const out: { context: string; kind: FactKind; argv: string[] }[] = [];
  for (const c of contexts) {
    if (c.deploy.strategy === "blue-green")
      out.push({ context: c.name, kind: "color", argv: ["kubectl", "get", "service", c.name, "--namespace", namespace, "--ignore-not-found", "--output", `jsonpath={.spec.selector.${COLOR_LABEL.replace(/\./g, "\\.")}}`] });
    else if (isArgo(c)) {
      // the Rollout's ReplicaSets (the selector of its pods; deploy keeps those the Rollout owns)
      if (mode === "rollback")
        out.push({ context: c.name, kind: "replicasets", argv: ["kubectl", "get", "replicasets", "--namespace", namespace, "--selector", argoSelector(c), "--output", "json"] });
    } else if (c.deploy.strategy === "canary")
      out.push({ context: c.name, kind: "stable", argv: ["kubectl", "get", "deployment", c.name, "--namespace", namespace, "--ignore-not-found", "--output", "name"] });
  }
  return out;
}

/** The label selector of a context's pods, as `kubectl --selector` takes it (the generated Deployment's selector). */
const argoSelector = (c: Context): string => `app.kubernetes.io/name=${c.name}`;

/**
 * The previous revision of a Rollout from `kubectl get replicasets -o json`: among the ReplicaSets the Rollout
 * `name` controls, the one with the second highest rollout.argoproj.io/revision (as `kubectl argo rollouts undo`
 * picks it), its pod template without the rollouts-pod-template-hash label. null when there is none.
 */
export function previousRevision(json: string, name: string): { revision: number; template: Obj } | null {
  let items: Obj[];
  try {
    const doc = JSON.parse(json) as { items?: unknown };
    items = Array.isArray(doc.items) ? doc.items.map(asObj) : [];
  } catch {
    return null;
  }
  const owned = items
    .filter((rs) => {
      const refs = asObj(rs.metadata).ownerReferences;
      return Array.isArray(refs) && refs.map(asObj).some((r) => r.kind === "Rollout" && r.name === name && r.controller === true);
    })
    .map((rs) => ({ revision: Number(asObj(asObj(rs.metadata).annotations)[ARGO_REVISION_ANNOTATION]), rs }))
    .filter((x) => Number.isInteger(x.revision) && x.revision > 0)
    .sort((a, b) => b.revision - a.revision);
  const prev = owned[1];
  if (!prev) return null;
  const template = asObj(asObj(prev.rs.spec).template);
  const meta = asObj(template.metadata);
  const labels = Object.fromEntries(Object.entries(asObj(meta.labels)).filter(([k]) => k !== ARGO_HASH_LABEL));
  return { revision: prev.revision, template: { ...template, metadata: { ...meta, labels } } };
}

/** The facts from the queries' outputs (exit 0 with empty output: not there). */
export function factsFrom(results: { context: string; kind: FactKind; exitCode: number; stdout: string }[]): ClusterFacts {
  const facts: ClusterFacts = { activeColor: {}, stableExists: {}, argoPrevious: {} };
  for (const r of results) {
    const out = r.stdout.trim();
    if (r.kind === "color") facts.activeColor[r.context] = r.exitCode === 0 && (out === "blue" || out === "green") ? out : null;
    else if (r.kind === "replicasets") facts.argoPrevious![r.context] = r.exitCode === 0 ? previousRevision(out, r.context) : null;
    else facts.stableExists[r.context] = r.exitCode === 0 && out !== "";
  }
  return facts;
}

/** What a Rollout's status read says (the jsonpath of ROLLOUT_STATUS_JSONPATH: tab-separated fields). */
export interface RolloutStatus {
  phase: string;
  step: number | null;
  observedGeneration: string;
  message: string;
}

/** phase, currentStepIndex, workloadObservedGeneration and message of a Rollout, tab-separated. */
export const ROLLOUT_STATUS_JSONPATH = 'jsonpath={.status.phase}{"\\t"}{.status.currentStepIndex}{"\\t"}{.status.workloadObservedGeneration}{"\\t"}{.status.message}';

export function parseRolloutStatus(text: string): RolloutStatus {
  const [phase = "", step = "", gen = "", ...rest] = text.replace(/\n+$/, "").split("\t");
  const n = Number(step);
  return { phase: phase.trim(), step: step.trim() === "" || !Number.isInteger(n) ? null : n, observedGeneration: gen.trim(), message: rest.join("\t").trim() };
}

/**
 * Where a Rollout stands once its Deployment is at `generation`: waiting until Argo observed that generation (before
 * that its phase is the previous revision's), then Healthy (every step done, promoted) or Degraded (an analysis
 * failed, a pod would not start, or someone aborted: Argo sent the traffic back to stable). Progressing and
 * Paused (a timed pause) are waits.
 */
export function rolloutVerdict(status: RolloutStatus, generation: string | null): "waiting" | "healthy" | "degraded" {
  if (generation !== null && generation !== "" && status.observedGeneration !== generation) return "waiting";
  if (status.phase === "Healthy") return "healthy";
  if (status.phase === "Degraded") return "degraded";
  return "waiting";
}

/** Go duration (90s, 5m, 1h30m, 500ms) in ms; 0 when not one. */
export function goDurationMs(value: string): number {
  let ms = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)) ms += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"];
  return Math.round(ms);
}

/** The steps that wait for a Rollout: read the Deployment's generation, then poll the Rollout's status. */
function argoWatch(c: Context, namespace: string, timeout: string, why: string, pollMs: number): ProgressiveStep[] {
  const pauses = c.deploy.steps.filter((w) => w < 100).length * c.deploy.pauseMs;
  const timeoutMs = pauses + goDurationMs(timeout);
  return [
    {
      phase: "watch",
      argv: ["kubectl", "get", "deployment", c.name, "--namespace", namespace, "--output", "jsonpath={.metadata.generation}"],
      description: `${why}: the generation of the Deployment ${c.name} (the Rollout's pod template) that Argo must observe`,
      mutates: false,
      context: c.name,
      watch: { kind: "generation" },
    },
    {
      phase: "watch",
      argv: ["kubectl", "get", "rollout", c.name, "--namespace", namespace, "--output", ROLLOUT_STATUS_JSONPATH],
      description: `${why}: read the phase and step of the Rollout ${c.name} every ${formatMs(pollMs)} until it is Healthy (Degraded: failed) — at most ${formatMs(timeoutMs)} (the pauses plus --timeout ${timeout})`,
      mutates: false,
      context: c.name,
      workload: `rollout/${c.name}`,
      watch: { kind: "status", intervalMs: pollMs, timeoutMs, steps: argoStepCount(c) },
    },
  ];
}

/** How many entries the Rollout's strategy.canary.steps has (setWeight, pause, analysis): k8s-progressive.ts's argoRollout. */
export const argoStepCount = (c: Context): number =>
  c.deploy.steps.reduce((n, w) => n + (w >= 100 ? 1 : c.deploy.maxErrorRate !== null ? 3 : 2), 0);

/** The Rollout's steps as a line (what Argo will do once the new template is applied). */
export function argoStepsText(c: Context): string {
  const d = c.deploy;
  const out: string[] = [];
  for (const w of d.steps) {
    out.push(`setWeight ${w}`);
    if (w >= 100) break;
    out.push(`pause ${formatMs(d.pauseMs)}`);
    if (d.maxErrorRate !== null) out.push(`analysis ${analysisTemplateName(c.name)} (5xx ratio at most ${+(d.maxErrorRate * 100).toFixed(4)} %)`);
  }
  return out.join(", ");
}

/**
 * `kubectl argo rollouts abort` without the plugin: the same merge patch of status.abort on the status subresource,
 * and, as the plugin does when the API server answers NotFound for it, the same patch on the Rollout itself.
 */
const argoAbortStep = (c: string, namespace: string, why: string): ProgressiveStep => {
  const patch = ["kubectl", "patch", "rollout", c, "--namespace", namespace, "--type", "merge", "--patch", JSON.stringify({ status: { abort: true } })];
  return {
    phase: "traffic",
    argv: [...patch.slice(0, 6), "--subresource=status", ...patch.slice(6)],
    description: `${why}: abort the Rollout ${c} (Argo sets the traffic back on stable and scales the canary down)`,
    mutates: true,
    context: c,
    fallback: { argv: patch, ifOutput: "NotFound", description: `${why}: the status subresource is not found, so the Rollout itself (as kubectl argo rollouts abort does)` },
  };
};

export const otherColor = (c: Color): Color => (c === "blue" ? "green" : "blue");

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});

/** The VirtualService's http routes with every destination list set to stable 100-w / canary w. */
export function weightedHttp(virtualService: Obj, canaryPercent: number): Obj[] {
  if (!Number.isInteger(canaryPercent) || canaryPercent < 0 || canaryPercent > 100) throw new UsageError(`canary weight ${canaryPercent} is not a percent`);
  const http = Array.isArray(asObj(virtualService.spec).http) ? (asObj(virtualService.spec).http as unknown[]) : [];
  return http.map((h) => {
    const route = Array.isArray(asObj(h).route) ? (asObj(h).route as unknown[]).map(asObj) : [];
    const base = asObj(route[0]?.destination);
    const dest = (subset: string): Obj => ({ ...base, subset });
    return { ...asObj(h), route: [{ destination: dest("stable"), weight: 100 - canaryPercent }, { destination: dest("canary"), weight: canaryPercent }] };
  });
}

/** The 5xx ratio of the canary's requests over the window, as Istio's standard metrics give it. */
export function errorRateQuery(context: string, namespace: string, windowMs: number): string {
  const sel = `reporter="destination",destination_workload="${canaryName(context)}",destination_workload_namespace="${namespace}"`;
  const w = `${Math.max(1, Math.round(windowMs / 1000))}s`;
  return `sum(rate(istio_requests_total{${sel},response_code=~"5.."}[${w}])) / sum(rate(istio_requests_total{${sel}}[${w}]))`;
}

export interface ProgressiveStep {
  phase: ProgressivePhase | "rollout";
  argv: string[];
  description: string;
  mutates: boolean;
  stdin?: string;
  workload?: string;
  context?: string;
  /** pause: how long. */
  waitMs?: number;
  /** analysis: the query, where, and the highest ratio accepted. */
  analysis?: { url: string; query: string; maxErrorRate: number };
  /** watch (argo-rollouts): read the Deployment's generation, or poll the Rollout's status. */
  watch?: { kind: "generation" } | { kind: "status"; intervalMs: number; timeoutMs: number; steps: number };
  /** What to run instead when the command fails with this text in its output (the abort without a status subresource). */
  fallback?: { argv: string[]; ifOutput: string; description: string };
}

const trafficStep = (c: string, namespace: string, vs: Obj, w: number, why: string): ProgressiveStep => ({
  phase: "traffic",
  argv: ["kubectl", "patch", "virtualservice", c, "--namespace", namespace, "--type", "merge", "--patch", JSON.stringify({ spec: { http: weightedHttp(vs, w) } })],
  description: `${why}: ${c} traffic stable ${100 - w} % / canary ${w} %`,
  mutates: true,
  context: c,
});

const switchStep = (c: string, namespace: string, color: Color, why: string): ProgressiveStep => ({
  phase: "switch",
  argv: ["kubectl", "patch", "service", c, "--namespace", namespace, "--type", "merge", "--patch", JSON.stringify({ spec: { selector: { [COLOR_LABEL]: color } } })],
  description: `${why}: the Service ${c} selects ${colorName(c, color)}`,
  mutates: true,
  context: c,
});

const rolloutWait = (workload: string, namespace: string, timeout: string, why: string, context?: string): ProgressiveStep => ({
  phase: "rollout",
  ...(context ? { context } : {}),
  argv: ["kubectl", "rollout", "status", workload, "--namespace", namespace, `--timeout=${timeout}`],
  description: `${why}: wait for ${workload} (timeout ${timeout})`,
  mutates: false,
  workload,
});

export interface ProgressivePlan {
  /** Indexes of the rendered objects not to apply (the running colour, the stable Deployment). */
  drop: (o: { kind: string; name: string }) => boolean;
  /** Workloads applied but not waited on with `kubectl rollout status` (an Argo Rollout's template Deployment). */
  noWait: (o: { kind: string; name: string }) => boolean;
  /** Objects to rewrite before applying (the Service keeps selecting the running colour). */
  rewrite: (o: Obj) => Obj | null;
  /** After the rollouts, in order. */
  steps: ProgressiveStep[];
  /** When a canary analysis fails: what to run for that context. */
  abortSteps: Record<string, ProgressiveStep[]>;
  notes: string[];
}

/** The blue-green / canary part of a deploy of these (selected) contexts. */
export function progressiveDeploy(
  contexts: readonly Context[],
  o: { namespace: string; timeout: string; prometheusUrl: string; facts: ClusterFacts; objects: readonly Obj[]; pollMs?: number },
): ProgressivePlan {
  const dropped = new Set<string>();
  // applied but not waited on with `kubectl rollout status` (an Argo Rollout's Deployment has no pods of its own)
  const waitless = new Set<string>();
  const selectorOf = new Map<string, Color>();
  const steps: ProgressiveStep[] = [];
  const abortSteps: Record<string, ProgressiveStep[]> = {};
  const notes: string[] = [];
  const find = (kind: string, name: string): Obj | undefined => o.objects.find((x) => x.kind === kind && asObj(x.metadata).name === name);
  for (const c of contexts) {
    const d = c.deploy;
    if (d.strategy === "blue-green") {
      const active = o.facts.activeColor[c.name] ?? null;
      const target = active ? otherColor(active) : FIRST_COLOR;
      // the running colour is left as it is: not applied, and still selected until the switch
      dropped.add(`Deployment/${colorName(c.name, otherColor(target))}`);
      selectorOf.set(c.name, active ?? FIRST_COLOR);
      if (!active) notes.push(`${c.name}: no Service selects a colour yet (first blue-green deploy): ${colorName(c.name, target)} gets this version`);
      steps.push(switchStep(c.name, o.namespace, target, `blue-green ${c.name}`));
      if (active) notes.push(`${c.name}: ${colorName(c.name, active)} keeps the previous version for \`msa deploy --rollback\``);
    } else if (isArgo(c)) {
      // Argo Rollouts walks the steps: apply everything (a new pod template in the Deployment starts the canary), then watch
      if (!find("Rollout", c.name)) throw new UsageError(`${c.name} deploys with Argo Rollouts but the manifests have no Rollout ${c.name}; run msa generate`);
      waitless.add(`Deployment/${c.name}`);
      abortSteps[c.name] = [argoAbortStep(c.name, o.namespace, `abort ${c.name}`)];
      steps.push(...argoWatch(c, o.namespace, o.timeout, `canary ${c.name} (Argo Rollouts)`, o.pollMs ?? ARGO_POLL_MS));
      notes.push(`${c.name}: the Argo Rollouts controller (it must run in the cluster) walks the canary: ${argoStepsText(c)}; then the new version is stable`);
    } else if (d.strategy === "canary") {
      const vs = find("VirtualService", c.name);
      if (!vs) throw new UsageError(`${c.name} deploys as a canary but the manifests have no VirtualService ${c.name} (mesh: istio); run msa generate`);
      if (!o.facts.stableExists[c.name]) {
        notes.push(`${c.name}: no stable Deployment in the cluster yet (first deploy): stable and canary both get this version, no steps are walked`);
        continue;
      }
      dropped.add(`Deployment/${c.name}`);
      const stable = find("Deployment", c.name);
      const abort = [trafficStep(c.name, o.namespace, vs, 0, `abort ${c.name}`)];
      abortSteps[c.name] = abort;
      for (const w of d.steps) {
        steps.push(trafficStep(c.name, o.namespace, vs, w, `canary ${c.name} step ${w} %`));
        if (w >= 100) break;
        steps.push({ phase: "pause", argv: ["sleep", String(Math.round(d.pauseMs / 1000))], description: `canary ${c.name}: let ${w} % run for ${formatMs(d.pauseMs)}`, mutates: false, context: c.name, waitMs: d.pauseMs });
        if (d.maxErrorRate !== null) {
          const query = errorRateQuery(c.name, o.namespace, d.pauseMs);
          steps.push({
            phase: "analysis",
            argv: ["curl", "-fsS", "--get", "--data-urlencode", `query=${query}`, `${o.prometheusUrl.replace(/\/+$/, "")}/api/v1/query`],
            description: `canary ${c.name}: the canary's 5xx ratio over ${formatMs(d.pauseMs)} must be at most ${+(d.maxErrorRate * 100).toFixed(4)} % (Prometheus), else traffic goes back to stable`,
            mutates: false,
            context: c.name,
            analysis: { url: o.prometheusUrl, query, maxErrorRate: d.maxErrorRate },
          });
        }
      }
      if (stable) {
        const text = JSON.stringify(stable);
        steps.push({ phase: "promote", argv: ["kubectl", "apply", "--namespace", o.namespace, "-f", "-"], description: `promote ${c.name}: the stable Deployment gets this version`, mutates: true, stdin: text, context: c.name });
        steps.push(rolloutWait(`deployment/${c.name}`, o.namespace, o.timeout, `promote ${c.name}`, c.name));
      }
      steps.push(trafficStep(c.name, o.namespace, vs, 0, `promote ${c.name}: back on the (new) stable`));
    }
  }
  return {
    drop: (x) => dropped.has(`${x.kind}/${x.name}`),
    noWait: (x) => waitless.has(`${x.kind}/${x.name}`),
    rewrite: (x) => {
      if (x.kind !== "Service") return null;
      const color = selectorOf.get(String(asObj(x.metadata).name));
      if (!color) return null;
      const spec = asObj(x.spec);
      return { ...x, spec: { ...spec, selector: { ...asObj(spec.selector), [COLOR_LABEL]: color } } };
    },
    steps,
    abortSteps,
    notes,
  };
}

/** `--abort`: every selected canary back on stable (100 / 0). Blue-green has nothing in flight to abort. */
export function abortSteps(contexts: readonly Context[], namespace: string, objects: readonly Obj[]): { steps: ProgressiveStep[]; notes: string[] } {
  const steps: ProgressiveStep[] = [];
  const notes: string[] = [];
  for (const c of contexts) {
    if (isArgo(c)) {
      steps.push(argoAbortStep(c.name, namespace, `abort ${c.name}`));
      continue;
    }
    if (c.deploy.strategy !== "canary") {
      notes.push(`${c.name}: --abort stops a canary; ${c.name} deploys ${c.deploy.strategy === "blue-green" ? "blue-green (the switch is one step: use --rollback)" : "rolling (use --rollback)"}`);
      continue;
    }
    const vs = objects.find((x) => x.kind === "VirtualService" && asObj(x.metadata).name === c.name);
    if (!vs) throw new UsageError(`${c.name} has no VirtualService in the manifests; run msa generate`);
    steps.push(trafficStep(c.name, namespace, vs, 0, `abort ${c.name}`));
  }
  return { steps, notes };
}

/** `--rollback`: blue-green switches back to the other colour once it is ready; canary and rolling undo the Deployment. */
export function rollbackSteps(contexts: readonly Context[], o: { namespace: string; timeout: string; facts: ClusterFacts; objects: readonly Obj[]; pollMs?: number }): { steps: ProgressiveStep[]; notes: string[] } {
  const steps: ProgressiveStep[] = [];
  const notes: string[] = [];
  for (const c of contexts) {
    if (isArgo(c)) {
      // `kubectl argo rollouts undo` patches the previous ReplicaSet's template into the Rollout; with workloadRef the
      // template lives in the Deployment, so it goes there, and Argo rolls back to that (stable) ReplicaSet
      const prev = o.facts.argoPrevious?.[c.name] ?? null;
      if (!prev) {
        notes.push(`${c.name}: the Rollout has no earlier revision (no second ReplicaSet it owns): nothing to roll back to`);
        continue;
      }
      steps.push({
        phase: "promote",
        argv: ["kubectl", "patch", "deployment", c.name, "--namespace", o.namespace, "--type", "json", "--patch", JSON.stringify([{ op: "replace", path: "/spec/template", value: prev.template }])],
        description: `rollback ${c.name}: the Deployment ${c.name} (the Rollout's pod template) gets the template of revision ${prev.revision} back`,
        mutates: true,
        context: c.name,
      });
      steps.push(...argoWatch(c, o.namespace, o.timeout, `rollback ${c.name}`, o.pollMs ?? ARGO_POLL_MS));
      continue;
    }
    if (c.deploy.strategy === "blue-green") {
      const active = o.facts.activeColor[c.name] ?? null;
      if (!active) {
        notes.push(`${c.name}: no Service selects a colour: nothing to roll back to`);
        continue;
      }
      const back = otherColor(active);
      steps.push(rolloutWait(`deployment/${colorName(c.name, back)}`, o.namespace, o.timeout, `rollback ${c.name}: the previous colour must be ready`, c.name));
      steps.push(switchStep(c.name, o.namespace, back, `rollback ${c.name}`));
      continue;
    }
    steps.push({ phase: "promote", argv: ["kubectl", "rollout", "undo", `deployment/${c.name}`, "--namespace", o.namespace], description: `rollback ${c.name}: the previous revision of deployment/${c.name}`, mutates: true, context: c.name, workload: `deployment/${c.name}` });
    steps.push(rolloutWait(`deployment/${c.name}`, o.namespace, o.timeout, `rollback ${c.name}`, c.name));
    if (c.deploy.strategy === "canary") {
      const vs = o.objects.find((x) => x.kind === "VirtualService" && asObj(x.metadata).name === c.name);
      if (vs) steps.push(trafficStep(c.name, o.namespace, vs, 0, `rollback ${c.name}`));
    }
  }
  return { steps, notes };
}

/** The contexts among the selected services that deploy other than rolling. */
export const progressiveContexts = (model: SystemModel, selected: readonly string[]): Context[] =>
  model.contexts.filter((c) => selected.includes(c.name) && c.deploy.strategy !== "rolling");
