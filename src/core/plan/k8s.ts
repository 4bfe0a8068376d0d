// Planner: Kubernetes: kustomize base, overlays, Istio. (Empty until its issue's work lands.)
import type { Planner } from "./types.js";

export const planKubernetes: Planner = () => [];
