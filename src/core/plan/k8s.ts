// Planner: Kubernetes. A kustomize base (namespace, default-deny, per context and for the gateway:
// Deployment, Service, ConfigMap, ServiceAccount, HPA, PDB, NetworkPolicy; Istio objects with mesh: istio)
// and dev/staging/prod overlays (namespace, Ingress host/TLS/class, HPA bounds, resources, image tags,
// Istio AuthorizationPolicies with the environment's principals). Every policy is read from the edge
// graph (src/core/edges.ts). docs/secrets.md lists the Secrets the workloads read.
import { createHash } from "node:crypto";
import { DEFAULT_TRUSTED_PROXIES, type SystemModel } from "../model.js";
import type { Render } from "../render.js";
import { kongConfig } from "./kong.js";
import { argoRollout, progressiveWorkload } from "./k8s-progressive.js";
import { alertRules } from "./observability.js";
import {
  ENVIRONMENTS,
  KONG_STATUS_PORT,
  PRESTOP_DELAY_SECONDS,
  TRUSTED_PROXIES_KEY,
  TERMINATION_GRACE_SECONDS,
  halfCpu,
  principalOf,
  halfMemory,
  kubernetesView,
  secretNeeds,
  type Environment,
  type KubernetesView,
  type WorkloadView,
} from "./k8s-view.js";
import { lazyFile, type PlannedFile, type Planner } from "./types.js";

export { secretNeeds, type SecretNeed } from "./k8s-view.js";

const WORKLOAD_FILES = ["serviceaccount", "configmap", "deployment", "service", "hpa", "pdb", "networkpolicy"] as const;

/** Image tag each overlay starts with; `msa deploy --image-tag` replaces it. Never `latest`. */
export const OVERLAY_TAGS: Record<Environment, string> = { dev: "0.0.0-dev", staging: "0.0.0-staging", prod: "0.0.0" };

const hash = (text: string): string => createHash("sha256").update(text).digest("hex").slice(0, 16);

function planBase(model: SystemModel, render: Render, view: KubernetesView): PlannedFile[] {
  const files: PlannedFile[] = [];
  const resources: string[] = [];
  const add = (path: string, template: string, data: unknown, context?: string): void => {
    files.push(lazyFile({ path: `k8s/base/${path}`, owner: "generated", ...(context ? { context } : {}) }, () => render(`k8s/base/${template}`, data)));
    resources.push(path);
  };
  const nsLabels = {
    ...view.partOf,
    ...(view.mesh ? { "istio-injection": "enabled" } : {}),
    // Pod Security Admission: every generated pod meets the restricted profile (with Istio: use the Istio CNI node agent).
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": "restricted",
    "pod-security.kubernetes.io/warn": "restricted",
  };
  add("namespace.yaml", "namespace.yaml", { namespace: view.namespace, labels: nsLabels });
  add("network-policy-default-deny.yaml", "network-policy-default-deny.yaml", { labels: view.partOf });

  const lifecycle = { preStop: PRESTOP_DELAY_SECONDS, grace: TERMINATION_GRACE_SECONDS };
  const workload = (w: WorkloadView, dir: string, skip: readonly string[], context?: string): void => {
    // Pods roll when their ConfigMap changes (envFrom is read only at container start).
    const configHash = hash(JSON.stringify(w.config));
    for (const f of WORKLOAD_FILES)
      if (!skip.includes(f)) add(`${dir}/${f}.yaml`, `workload/${f}.yaml`, { w, mesh: view.mesh, configHash, lifecycle }, context);
  };
  for (const w of view.contexts) {
    // canary by Argo Rollouts (k8s-progressive.ts): the Deployment holds the pod template, the Rollout owns the pods
    const argo = argoRollout(model, w, view.istio.find((c) => c.name === w.name) ?? null);
    if (argo) {
      const configHash = hash(JSON.stringify(w.config));
      for (const f of WORKLOAD_FILES) add(`${w.name}/${f}.yaml`, `workload/${f}.yaml`, { w, mesh: view.mesh, configHash, lifecycle, argo: true }, w.name);
      add(`${w.name}/rollout.yaml`, "workload/rollout.yaml", { r: argo }, w.name);
      for (const [role, name] of [["stable", argo.stableService], ["canary", argo.canaryService]] as const)
        add(`${w.name}/service-${role}.yaml`, "workload/service.yaml", { w: { ...w, name }, strategy: "canary" }, w.name);
      if (argo.analysis) add(`${w.name}/analysis-template.yaml`, "workload/analysis-template.yaml", { r: argo }, w.name);
      continue;
    }
    const pw = progressiveWorkload(model, w);
    if (!pw) {
      workload(w, w.name, [], w.name);
      continue;
    }
    // blue-green / canary (k8s-progressive.ts): a Deployment, HPA and PDB per variant; one Service, ConfigMap, policy
    workload(w, w.name, ["deployment", "service", "hpa", "pdb"], w.name);
    add(`${w.name}/service.yaml`, "workload/service.yaml", { w: { ...w, selector: pw.serviceSelector }, strategy: pw.strategy }, w.name);
    const configHash = hash(JSON.stringify(w.config));
    // blue-green: a preview Service per colour (<c>-blue, <c>-green), so the idle colour can be tried before the switch
    if (pw.strategy === "blue-green")
      for (const v of pw.variants) add(`${w.name}/service-${v.role}.yaml`, "workload/service.yaml", { w: v.w, strategy: pw.strategy }, w.name);
    for (const v of pw.variants)
      for (const f of ["deployment", "hpa", "pdb"])
        add(`${w.name}/${f}-${v.role}.yaml`, `workload/${f}.yaml`, { w: v.w, mesh: view.mesh, configHash, lifecycle, role: v.role, strategy: pw.strategy }, w.name);
  }

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
        // JWT_SECRET goes to the init container only; the rest (REDIS_HOST) to Kong itself
        kongSecretEnv: gw.secretEnv.filter((s) => s.name !== "JWT_SECRET"),
        lifecycle,
        // Pods roll when the declarative config changes (a ConfigMap change alone restarts nothing).
        configHash: hash(kongYml + JSON.stringify(gw.config)),
      });
    } else {
      workload(gw, dir, []);
    }
  }

  if (view.mesh) {
    add("istio/peer-authentication.yaml", "istio/peer-authentication.yaml", { labels: view.partOf, gateway: gw });
    add("istio/deny-all.yaml", "istio/deny-all.yaml", { labels: view.partOf });
    for (const c of view.istio) {
      const pw = view.contexts.find((w) => w.name === c.name);
      const canary = pw ? progressiveWorkload(model, pw) : null;
      const argo = pw ? argoRollout(model, pw, c) : null;
      const subsets = canary?.strategy === "canary" ? canary.subsets : argo ? argo.subsets : [];
      add(`istio/${c.name}-destination-rule.yaml`, "istio/destination-rule.yaml", { c, subsets, argo: !!argo }, c.name);
      add(`istio/${c.name}-virtual-service.yaml`, "istio/virtual-service.yaml", { c, canary: subsets.length > 0, argo: !!argo }, c.name);
    }
  }
  files.push({ path: "k8s/base/kustomization.yaml", content: render("k8s/base/kustomization.yaml", { namespace: view.namespace, resources }), owner: "generated" });
  return files;
}

interface EnvPlan {
  summary: string;
  hpaMin: (w: WorkloadView) => number;
  hpaMax: (w: WorkloadView) => number;
  /** Resource override; null keeps what system.yaml declares. */
  resources: (w: WorkloadView) => WorkloadView["resources"] | null;
}

const ENV_PLANS: Record<Environment, EnvPlan | null> = {
  dev: {
    summary: "the HPA floor of 2 replicas (the checklist's minimum), at most 3, half the declared requests.",
    hpaMin: () => 2,
    hpaMax: () => 3,
    resources: (w) => ({ ...w.resources, cpu: halfCpu(w.resources.cpu), memory: halfMemory(w.resources.memory) }),
  },
  staging: null,
  prod: {
    summary: "the declared replicas (at least 2), scaling to twice the base maximum, the declared resources.",
    hpaMin: (w) => w.hpaMin,
    hpaMax: (w) => w.hpaMax * 2,
    resources: () => null,
  },
};

function planOverlay(model: SystemModel, env: Environment, view: KubernetesView, render: Render): PlannedFile[] {
  const plan = ENV_PLANS[env];
  const settings = view.environments[env];
  const files: PlannedFile[] = [];
  const resources: string[] = [];
  const add = (path: string, template: string, data: unknown, context?: string): void => {
    files.push(lazyFile({ path: `k8s/overlays/${env}/${path}`, owner: "generated", ...(context ? { context } : {}) }, () => render(template, data)));
    resources.push(path);
  };
  const gw = view.gateway;
  if (gw && settings.host) add("ingress.yaml", "k8s/overlays/ingress.yaml", { w: gw, env, settings });
  // prod: the alert rules of observability/prometheus/alerts.yaml as a PrometheusRule, in a kustomization of its own
  // (k8s/overlays/prod/monitoring): it needs the Prometheus Operator's CRD, which the main overlay must not require
  if (env === "prod") {
    const monitoring = (path: string, template: string, data: unknown): void => {
      files.push(lazyFile({ path: `k8s/overlays/${env}/monitoring/${path}`, owner: "generated" }, () => render(template, data)));
    };
    monitoring("prometheus-rule.yaml", "k8s/overlays/prometheus-rule.yaml", { system: view.system, rules: alertRules(model) });
    monitoring("kustomization.yaml", "k8s/overlays/monitoring-kustomization.yaml", { env, namespace: settings.namespace });
  }
  if (view.mesh) {
    // Principals name the namespace: each environment's policies are its own.
    const principal = (sa: string): string => principalOf(settings.namespace, sa);
    for (const c of view.istio)
      if (c.allowed.length || c.grpcAllowed?.length)
        add(`istio/${c.name}-authorization-policy.yaml`, "k8s/overlays/authorization-policy.yaml", {
          c: {
            ...c,
            allowed: c.allowed.map((p) => ({ name: p.name, principal: principal(p.name) })),
            grpcAllowed: (c.grpcAllowed ?? []).map((p) => ({ name: p.name, principal: principal(p.name) })),
          },
        }, c.name);
    if (gw) add(`istio/${gw.name}-authorization-policy.yaml`, "k8s/overlays/gateway-authorization-policy.yaml", { w: gw });
  }
  const workloads = [...view.contexts, ...(view.gateway ? [view.gateway] : [])];
  const patches: string[] = [];
  if (plan) {
    // blue-green / canary contexts: each variant's Deployment and HPA get the environment's patch
    const patched = workloads.flatMap((w) => {
      const pw = w === view.gateway ? null : progressiveWorkload(model, w);
      return pw ? pw.variants.map((v) => v.w) : [w];
    });
    for (const w of patched) {
      const path = `patches/${w.name}.yaml`;
      const container = view.gateway && w === view.gateway && view.gateway.kind === "kong" ? "kong" : w.name;
      const context = view.contexts.find((c) => w.name === c.name || w.name.startsWith(`${c.name}-`) && progressiveWorkload(model, c)?.variants.some((v) => v.w.name === w.name))?.name;
      const data = { env, w, container, hpaMin: plan.hpaMin(w), hpaMax: plan.hpaMax(w), resources: plan.resources(w) };
      files.push(lazyFile({ path: `k8s/overlays/${env}/${path}`, owner: "generated", ...(w === view.gateway || !context ? {} : { context }) }, () => render("k8s/overlays/patch", data)));
      patches.push(path);
    }
  }
  // environments.<env>.trustedProxies: this environment's ingress controller has other addresses
  const trusted = settings.trustedProxies.join(",");
  if (gw && trusted !== DEFAULT_TRUSTED_PROXIES.join(",")) {
    for (const [file, template] of [["config", "trusted-proxies-patch"], ["rollout", "trusted-proxies-rollout-patch"]] as const) {
      const path = `patches/${gw.name}-trusted-proxies-${file}.yaml`;
      files.push({
        path: `k8s/overlays/${env}/${path}`,
        content: render(`k8s/overlays/${template}`, { env, w: gw, key: TRUSTED_PROXIES_KEY[gw.kind], value: trusted }),
        owner: "generated",
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
      namespace: settings.namespace,
      instance: `${view.system}-${env}`,
      version: OVERLAY_TAGS[env],
      resources,
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
  return [...planBase(model, render, view), ...ENVIRONMENTS.flatMap((env) => planOverlay(model, env, view, render)), planSecretsDoc(view, render)];
};

function planSecretsDoc(view: KubernetesView, render: Render): PlannedFile {
  const needs = secretNeeds(view);
  const secrets = [...new Set(needs.map((n) => n.secret))].map((name) => ({ name, keys: needs.filter((n) => n.secret === name) }));
  const environments = ENVIRONMENTS.map((env) => ({ env, namespace: view.environments[env].namespace, tlsSecret: view.environments[env].tlsSecret, host: view.environments[env].host }));
  return { path: "docs/secrets.md", owner: "generated", content: render("docs/secrets.md", { system: view.system, needs, secrets, environments }) };
}
