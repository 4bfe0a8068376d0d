// Planner: Kubernetes. A kustomize base (namespace, default-deny, per context and for the gateway:
// Deployment, Service, ConfigMap, ServiceAccount, HPA, PDB, NetworkPolicy; Istio objects with mesh: istio)
// and dev/staging/prod overlays (replicas, HPA bounds, resources, image tags).
import { createHash } from "node:crypto";
import type { SystemModel } from "../model.js";
import type { Render } from "../render.js";
import { kongConfig } from "./kong.js";
import {
  ENVIRONMENTS,
  KONG_STATUS_PORT,
  halfCpu,
  halfMemory,
  kubernetesView,
  type Environment,
  type KubernetesView,
  type WorkloadView,
} from "./k8s-view.js";
import type { PlannedFile, Planner } from "./types.js";

const WORKLOAD_FILES = ["serviceaccount", "configmap", "deployment", "service", "hpa", "pdb", "networkpolicy"] as const;

/** Image tag each overlay starts with; `msa deploy --image-tag` replaces it. Never `latest`. */
export const OVERLAY_TAGS: Record<Environment, string> = { dev: "0.0.0-dev", staging: "0.0.0-staging", prod: "0.0.0" };

const hash = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 16);

function planBase(model: SystemModel, render: Render, view: KubernetesView): PlannedFile[] {
  const files: PlannedFile[] = [];
  const resources: string[] = [];
  const add = (path: string, template: string, data: unknown, context?: string): void => {
    files.push({ path: `k8s/base/${path}`, content: render(`k8s/base/${template}`, data), owner: "generated", ...(context ? { context } : {}) });
    resources.push(path);
  };
  const nsLabels = { ...view.partOf, ...(view.mesh ? { "istio-injection": "enabled" } : {}) };
  add("namespace.yaml", "namespace.yaml", { namespace: view.namespace, labels: nsLabels });
  add("network-policy-default-deny.yaml", "network-policy-default-deny.yaml", { labels: view.partOf });

  const workload = (w: WorkloadView, dir: string, skip: readonly string[], context?: string): void => {
    // Pods roll when their ConfigMap changes (envFrom is read only at container start).
    const configHash = hash(JSON.stringify(w.config));
    for (const f of WORKLOAD_FILES) if (!skip.includes(f)) add(`${dir}/${f}.yaml`, `workload/${f}.yaml`, { w, mesh: view.mesh, configHash }, context);
  };
  for (const w of view.contexts) workload(w, w.name, [], w.name);

  const gw = view.gateway;
  if (gw) {
    const dir = gw.name;
    if (gw.kind === "kong") {
      const kongYml = kongConfig(model, render).replace(/\n$/, "");
      workload(gw, dir, ["deployment"]);
      add(`${dir}/kong-configmap.yaml`, "gateway/kong-configmap.yaml", { w: gw, kongYml });
      add(`${dir}/deployment.yaml`, "gateway/kong-deployment.yaml", {
        w: gw,
        statusPort: KONG_STATUS_PORT,
        jwtSecret: view.gatewayJwtSecret,
        // Pods roll when the declarative config changes (a ConfigMap change alone restarts nothing).
        configHash: hash(kongYml + JSON.stringify(gw.config)),
      });
    } else {
      workload(gw, dir, []);
    }
    if (gw.host) add(`${dir}/ingress.yaml`, "gateway/ingress.yaml", { w: gw, host: gw.host });
  }

  if (view.mesh) {
    add("istio/peer-authentication.yaml", "istio/peer-authentication.yaml", { labels: view.partOf, gateway: gw });
    for (const c of view.istio) {
      add(`istio/${c.name}-authorization-policy.yaml`, "istio/authorization-policy.yaml", { c }, c.name);
      add(`istio/${c.name}-destination-rule.yaml`, "istio/destination-rule.yaml", { c }, c.name);
      add(`istio/${c.name}-virtual-service.yaml`, "istio/virtual-service.yaml", { c }, c.name);
    }
  }
  files.push({ path: "k8s/base/kustomization.yaml", content: render("k8s/base/kustomization.yaml", { namespace: view.namespace, resources }), owner: "generated" });
  return files;
}

interface EnvPlan {
  summary: string;
  replicas: (w: WorkloadView) => number;
  hpaMax: (w: WorkloadView) => number;
  /** Resource override; null keeps what system.yaml declares. */
  resources: (w: WorkloadView) => WorkloadView["resources"] | null;
}

const ENV_PLANS: Record<Environment, EnvPlan | null> = {
  dev: {
    summary: "the HPA floor of 2 replicas (the checklist's minimum), at most 3, half the declared requests.",
    replicas: () => 2,
    hpaMax: () => 3,
    resources: (w) => ({ ...w.resources, cpu: halfCpu(w.resources.cpu), memory: halfMemory(w.resources.memory) }),
  },
  staging: null,
  prod: {
    summary: "the declared replicas (at least 2), scaling to twice the base maximum, the declared resources.",
    replicas: (w) => w.hpaMin,
    hpaMax: (w) => w.hpaMax * 2,
    resources: () => null,
  },
};

function planOverlay(env: Environment, view: KubernetesView, render: Render): PlannedFile[] {
  const plan = ENV_PLANS[env];
  const files: PlannedFile[] = [];
  const workloads = [...view.contexts, ...(view.gateway ? [view.gateway] : [])];
  const patches: string[] = [];
  if (plan) {
    for (const w of workloads) {
      const path = `patches/${w.name}.yaml`;
      const container = view.gateway && w === view.gateway && view.gateway.kind === "kong" ? "kong" : w.name;
      files.push({
        path: `k8s/overlays/${env}/${path}`,
        content: render("k8s/overlays/patch", { env, w, container, replicas: plan.replicas(w), hpaMax: plan.hpaMax(w), resources: plan.resources(w) }),
        owner: "generated",
        ...(w === view.gateway ? {} : { context: w.name }),
      });
      patches.push(path);
    }
  }
  const images = workloads
    .filter((w) => !(view.gateway && w === view.gateway && view.gateway.kind === "kong"))
    .map((w) => ({ name: w.imageName, tag: OVERLAY_TAGS[env] }));
  files.push({
    path: `k8s/overlays/${env}/kustomization.yaml`,
    content: render("k8s/overlays/kustomization.yaml", {
      env,
      namespace: view.namespace,
      summary: plan ? plan.summary : "replicas, HPA bounds and resources as system.yaml declares them.",
      images,
      patches,
    }),
    owner: "generated",
  });
  return files;
}

export const planKubernetes: Planner = (model, render) => {
  const view = kubernetesView(model);
  return [...planBase(model, render, view), ...ENVIRONMENTS.flatMap((env) => planOverlay(env, view, render))];
};
