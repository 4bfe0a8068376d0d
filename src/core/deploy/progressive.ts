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
import { UsageError } from "../diagnostics.js";
import type { Context, SystemModel } from "../model.js";
import { formatMs } from "../plan/docs.js";
import { canaryName, COLOR_LABEL, colorName, FIRST_COLOR, type Color } from "../plan/k8s-progressive.js";

/** Where Prometheus answers by default: Istio's sample addon (override with --prometheus-url). */
export const DEFAULT_PROMETHEUS_URL = "http://prometheus.istio-system:9090";

export type ProgressivePhase = "traffic" | "pause" | "analysis" | "promote" | "switch";

/** What the cluster says before the plan is made (read-only gets); absent: unknown, as on a first deploy. */
export interface ClusterFacts {
  /** blue-green: the colour the Service selects now (null: no Service yet). */
  activeColor: Record<string, Color | null>;
  /** canary: whether the stable Deployment exists (false: first deploy, nothing to compare against). */
  stableExists: Record<string, boolean>;
}

export const NO_FACTS: ClusterFacts = { activeColor: {}, stableExists: {} };

/** The read-only commands that gather the facts for these contexts (run also in --dry-run). */
export function factQueries(contexts: readonly Context[], namespace: string): { context: string; kind: "color" | "stable"; argv: string[] }[] {
  const out: { context: string; kind: "color" | "stable"; argv: string[] }[] = [];
  for (const c of contexts) {
    if (c.deploy.strategy === "blue-green")
      out.push({ context: c.name, kind: "color", argv: ["kubectl", "get", "service", c.name, "--namespace", namespace, "--ignore-not-found", "--output", `jsonpath={.spec.selector.${COLOR_LABEL.replace(/\./g, "\\.")}}`] });
    if (c.deploy.strategy === "canary")
      out.push({ context: c.name, kind: "stable", argv: ["kubectl", "get", "deployment", c.name, "--namespace", namespace, "--ignore-not-found", "--output", "name"] });
  }
  return out;
}

/** The facts from the queries' outputs (exit 0 with empty output: not there). */
export function factsFrom(results: { context: string; kind: "color" | "stable"; exitCode: number; stdout: string }[]): ClusterFacts {
  const facts: ClusterFacts = { activeColor: {}, stableExists: {} };
  for (const r of results) {
    const out = r.stdout.trim();
    if (r.kind === "color") facts.activeColor[r.context] = r.exitCode === 0 && (out === "blue" || out === "green") ? out : null;
    else facts.stableExists[r.context] = r.exitCode === 0 && out !== "";
  }
  return facts;
}

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
  o: { namespace: string; timeout: string; prometheusUrl: string; facts: ClusterFacts; objects: readonly Obj[] },
): ProgressivePlan {
  const dropped = new Set<string>();
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
export function rollbackSteps(contexts: readonly Context[], o: { namespace: string; timeout: string; facts: ClusterFacts; objects: readonly Obj[] }): { steps: ProgressiveStep[]; notes: string[] } {
  const steps: ProgressiveStep[] = [];
  const notes: string[] = [];
  for (const c of contexts) {
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
