// Progressive delivery in the Kubernetes manifests (docs/progressive-delivery.md): what a context's
// `deploy.strategy` turns its one Deployment into. Pure; k8s.ts renders the variants with the workload templates.
//   rolling    — one Deployment <c> (unchanged).
//   blue-green — Deployments <c>-blue and <c>-green (pod label msa.dev/color), the Service <c> selecting one colour
//                (blue in the manifests; `msa deploy` keeps whichever the cluster selects and switches it).
//   canary     — (mesh: istio) Deployments <c> (msa.dev/track: stable) and <c>-canary (track: canary), one Service
//                over both, a DestinationRule with the subsets stable and canary and a VirtualService whose every
//                route sends stable 100 / canary 0 until `msa deploy` walks the declared steps.
//   canary with controller: argo-rollouts — an Argo Rollouts Rollout <c> whose workloadRef is the Deployment <c>
//                (kept at 0 replicas: only its pod template is used), the Services <c>-stable and <c>-canary
//                (Argo adds the pod template hash to their selectors), the HPA scaling the Rollout, an
//                AnalysisTemplate <c>-error-rate with `analysis`; with mesh: istio Argo walks the VirtualService's
//                weights between the DestinationRule's subsets, without a mesh the steps are replica ratios.
import type { DeployStrategyKind, SystemModel } from "../model.js";
import type { IstioContextView, Labels, WorkloadView } from "./k8s-view.js";

/** Where Prometheus answers in the cluster: Istio's addon with mesh: istio, else the prometheus Helm chart's server. */
export const PROMETHEUS_URL_ISTIO = "http://prometheus.istio-system:9090";
export const PROMETHEUS_URL_PLAIN = "http://prometheus-server.monitoring";

export const COLOR_LABEL = "msa.dev/color";
export const TRACK_LABEL = "msa.dev/track";
export const COLORS = ["blue", "green"] as const;
export type Color = (typeof COLORS)[number];
/** The colour the generated Service selects before the first blue-green deploy. */
export const FIRST_COLOR: Color = "blue";

export interface Variant {
  /** The Deployment (and its HPA and PDB). */
  w: WorkloadView;
  /** blue/green, or stable/canary. */
  role: string;
}

export interface ProgressiveWorkload {
  strategy: Exclude<DeployStrategyKind, "rolling">;
  variants: Variant[];
  /** The selector of the context's Service. */
  serviceSelector: Labels;
  /** Canary: the DestinationRule subsets (name → pod labels). */
  subsets: { name: string; labels: Labels }[];
}

const variant = (w: WorkloadView, name: string, key: string, value: string): WorkloadView => ({
  ...w,
  name,
  labels: { ...w.labels, [key]: value },
  selector: { ...w.selector, [key]: value },
});

export const canaryName = (context: string): string => `${context}-canary`;
export const colorName = (context: string, color: Color): string => `${context}-${color}`;

/** The variants of a context workload under its deploy strategy; null for rolling. */
export function progressiveWorkload(model: SystemModel, w: WorkloadView): ProgressiveWorkload | null {
  const c = model.contexts.find((x) => x.name === w.name);
  if (!c || c.deploy.strategy === "rolling") return null;
  if (c.deploy.strategy === "blue-green")
    return {
      strategy: "blue-green",
      variants: COLORS.map((color) => ({ w: variant(w, colorName(w.name, color), COLOR_LABEL, color), role: color })),
      serviceSelector: { ...w.selector, [COLOR_LABEL]: FIRST_COLOR },
      subsets: [],
    };
  // canary without Istio is refused by the deploy-strategy rule (unless Argo Rollouts walks it: argoRollout below)
  if (model.mesh !== "istio" || c.deploy.controller === "argo-rollouts") return null;
  return {
    strategy: "canary",
    variants: [
      { w: variant(w, w.name, TRACK_LABEL, "stable"), role: "stable" },
      { w: variant(w, canaryName(w.name), TRACK_LABEL, "canary"), role: "canary" },
    ],
    serviceSelector: w.selector,
    subsets: [
      { name: "stable", labels: { [TRACK_LABEL]: "stable" } },
      { name: "canary", labels: { [TRACK_LABEL]: "canary" } },
    ],
  };
}

/** The API group and version of Argo Rollouts' Rollout and AnalysisTemplate. */
export const ARGO_API_VERSION = "argoproj.io/v1alpha1";
/** The label Argo Rollouts adds to each ReplicaSet's pods (and to the stable/canary Services' selectors, and the subsets). */
export const ARGO_HASH_LABEL = "rollouts-pod-template-hash";
/** Argo's revision annotation on the ReplicaSets it owns (what `kubectl argo rollouts undo` reads). */
export const ARGO_REVISION_ANNOTATION = "rollout.argoproj.io/revision";

export const stableServiceName = (context: string): string => `${context}-stable`;
export const canaryServiceName = (context: string): string => `${context}-canary`;
export const analysisTemplateName = (context: string): string => `${context}-error-rate`;

/** One step of `strategy.canary.steps` (Argo's CanaryStep: exactly one of setWeight, pause, analysis). */
export type ArgoStep =
  | { setWeight: number }
  | { pause: { duration: string } }
  | { analysis: { templates: { templateName: string }[]; args: { name: string; valueFrom: Record<string, unknown> }[] } };

export interface ArgoRolloutView {
  name: string;
  labels: Labels;
  selector: Labels;
  /** The Deployment the Rollout takes its pod template from (workloadRef). */
  workload: string;
  stableService: string;
  canaryService: string;
  steps: ArgoStep[];
  /** With mesh: istio: Argo sets these routes' weights and the subsets' hash labels. */
  istio: { virtualService: string; routes: string[]; destinationRule: string; stableSubset: string; canarySubset: string } | null;
  /** The DestinationRule's subsets (mesh: istio): the Rollout's pods, each narrowed by Argo to one ReplicaSet's hash. */
  subsets: { name: string; labels: Labels }[];
  analysis: { name: string; address: string; query: string; successCondition: string; maxErrorRate: number; maxErrorPercent: number } | null;
}

/** Argo's duration: a number and a unit (s, m, h); msa's ms are rounded up to whole seconds. */
export const argoDuration = (ms: number): string => `${Math.max(1, Math.ceil(ms / 1000))}s`;

/**
 * The 5xx ratio of the canary's pods over the window, from the services' own http_requests_total (every runtime
 * labels it `service`): Argo passes the canary ReplicaSet's pod template hash and the Rollout's namespace as args,
 * and Prometheus's usual pod scrape (kubernetes_sd with a labelmap of the pod labels) puts both on the series.
 * Argo's canary and stable pods belong to one workload, so Istio's destination_workload cannot tell them apart.
 */
export function argoErrorRateQuery(context: string, windowMs: number): string {
  const sel = `service="${context}",namespace="{{args.namespace}}",${ARGO_HASH_LABEL.replace(/-/g, "_")}="{{args.canary-hash}}"`;
  const w = argoDuration(windowMs);
  return `sum(rate(http_requests_total{${sel},status=~"5.."}[${w}])) / sum(rate(http_requests_total{${sel}}[${w}]))`;
}

/** The canary of a context deployed by Argo Rollouts; null for any other context. */
export function argoRollout(model: SystemModel, w: WorkloadView, istio: IstioContextView | null): ArgoRolloutView | null {
  const c = model.contexts.find((x) => x.name === w.name);
  if (!c || c.deploy.strategy !== "canary" || c.deploy.controller !== "argo-rollouts") return null;
  const d = c.deploy;
  const analysis =
    d.maxErrorRate === null
      ? null
      : {
          name: analysisTemplateName(c.name),
          address: model.mesh === "istio" ? PROMETHEUS_URL_ISTIO : PROMETHEUS_URL_PLAIN,
          query: argoErrorRateQuery(c.name, d.pauseMs),
          // no request in the window: an empty vector or 0/0 (NaN) counts as passing, as msa deploy's own analysis does
          successCondition: `len(result) == 0 || isNaN(result[0]) || result[0] <= ${+d.maxErrorRate.toFixed(6)}`,
          maxErrorRate: d.maxErrorRate,
          maxErrorPercent: +(d.maxErrorRate * 100).toFixed(4),
        };
  const steps: ArgoStep[] = [];
  for (const weight of d.steps) {
    steps.push({ setWeight: weight });
    if (weight >= 100) break;
    steps.push({ pause: { duration: argoDuration(d.pauseMs) } });
    if (analysis)
      steps.push({
        analysis: {
          templates: [{ templateName: analysis.name }],
          args: [
            { name: "canary-hash", valueFrom: { podTemplateHashValue: "Latest" } },
            { name: "namespace", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
          ],
        },
      });
  }
  const meshed = model.mesh === "istio" && istio !== null;
  return {
    name: c.name,
    labels: w.labels,
    selector: w.selector,
    workload: w.name,
    stableService: stableServiceName(c.name),
    canaryService: canaryServiceName(c.name),
    steps,
    istio: meshed
      ? {
          virtualService: c.name,
          // every http route of the VirtualService (virtual-service.yaml.hbs): the gRPC ones first, then the HTTP ones
          routes: [
            ...(istio.grpcPort ? [...(istio.grpcRoutes ?? []).map((r) => `grpc-from-${r.caller}`), "grpc"] : []),
            ...istio.routes.map((r) => `from-${r.caller}`),
            "default",
          ],
          destinationRule: c.name,
          stableSubset: "stable",
          canarySubset: "canary",
        }
      : null,
    subsets: meshed
      ? [
          { name: "stable", labels: w.selector },
          { name: "canary", labels: w.selector },
        ]
      : [],
    analysis,
  };
}
