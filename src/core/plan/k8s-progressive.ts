// Progressive delivery in the Kubernetes manifests (docs/progressive-delivery.md): what a context's
// `deploy.strategy` turns its one Deployment into. Pure; k8s.ts renders the variants with the workload templates.
//   rolling    — one Deployment <c> (unchanged).
//   blue-green — Deployments <c>-blue and <c>-green (pod label msa.dev/color), the Service <c> selecting one colour
//                (blue in the manifests; `msa deploy` keeps whichever the cluster selects and switches it).
//   canary     — (mesh: istio) Deployments <c> (msa.dev/track: stable) and <c>-canary (track: canary), one Service
//                over both, a DestinationRule with the subsets stable and canary and a VirtualService whose every
//                route sends stable 100 / canary 0 until `msa deploy` walks the declared steps.
import type { DeployStrategyKind, SystemModel } from "../model.js";
import type { Labels, WorkloadView } from "./k8s-view.js";

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
  // canary without Istio is refused by the deploy-strategy rule; the manifests would have no weights to walk
  if (model.mesh !== "istio") return null;
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
