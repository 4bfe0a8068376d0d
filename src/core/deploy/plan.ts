// The deploy plan: model + options + facts (git, rendered manifests) → an ordered list of steps.
// Pure: nothing here runs a process or touches the disk; src/io/deploy.ts gathers the facts and
// runs the steps. Every name and tag is validated before it is put into an argv.
import { parseAllDocuments, stringify } from "yaml";
import { UsageError } from "../diagnostics.js";
import type { Context, SystemModel } from "../model.js";
import { abortSteps, DEFAULT_PROMETHEUS_URL, NO_FACTS, progressiveContexts, progressiveDeploy, rollbackSteps, type ClusterFacts, type ProgressivePhase, type ProgressiveStep } from "./progressive.js";
import { imageRepository } from "../plan/k8s-view.js";
import { durationProblem, imageNameProblem, missingDeployInputs, missingInputsMessage, namespaceProblem, registryProblem, tagProblem } from "./validate.js";

export type DeployEnv = "dev" | "staging" | "prod";
export const DEPLOY_ENVS: readonly DeployEnv[] = ["dev", "staging", "prod"];
/** Environments where a moving tag (`latest`) is refused: what runs there must be traceable. */
export const PINNED_ENVS: readonly DeployEnv[] = ["staging", "prod"];
/** The name the node gateway's image and build directory go by. */
export const GATEWAY_SERVICE = "gateway";

export interface DeployRequest {
  env: DeployEnv;
  /** --service-name values; empty = every service that has an image. */
  services: string[];
  imageTag?: string;
  registry?: string;
  namespace?: string;
  /** --k8s-manifest, as a path relative to the directory of system.yaml (POSIX). */
  k8sManifest?: string;
  skipBuild: boolean;
  skipPush: boolean;
  timeout: string;
  rollbackOnFailure: boolean;
  /** deploy (default), or --abort / --rollback of a progressive delivery (docs/progressive-delivery.md). */
  mode?: "deploy" | "abort" | "rollback";
  /** Where canary analyses query Prometheus (--prometheus-url; default DEFAULT_PROMETHEUS_URL). */
  prometheusUrl?: string;
  /** How often an Argo Rollout's status is read (default ARGO_POLL_MS; tests make it short). */
  pollMs?: number;
}

/** What git says about the working tree (null commit: not a repository or no commit yet). */
export interface GitFacts {
  commit: string | null;
  dirty: boolean;
}

export interface ImageTarget {
  /** A context name, or "gateway" for the node gateway. */
  service: string;
  /** Build directory relative to system.yaml: services/<context> or gateway. */
  buildDir: string;
  /** The image name the generated manifests reference (what kustomize's images transformer matches). */
  baseName: string;
  /** The image name built, pushed and set in the manifests. */
  name: string;
  tag: string;
  /** name:tag */
  ref: string;
}

/** One entry of kustomize's `images:` (the images transformer, as `kustomize edit set image` writes it). */
export interface KustomizeImage {
  name: string;
  newName: string;
  newTag: string;
}

export interface RenderSpec {
  /** The overlay directory, or the user's manifest file, relative to system.yaml. */
  source: { kind: "overlay" | "manifest"; path: string };
  /** Set only when --namespace was given: kustomize's namespace transformer moves every object there. */
  namespace: string | null;
  images: KustomizeImage[];
  /** Labels set on every object and pod template (the overlay's app.kubernetes.io/version becomes the deployed tag). */
  labels: Record<string, string>;
}

export interface PreparedDeploy {
  env: DeployEnv;
  tag: string;
  tagSource: "flag" | "git";
  images: ImageTarget[];
  render: RenderSpec;
  /** Things worth saying that do not stop the deploy. */
  notes: string[];
}

export interface DeployStep {
  phase: "secrets" | "build" | "push" | "apply" | "rollout" | ProgressivePhase;
  argv: string[];
  description: string;
  /** Text fed to the command's standard input (the manifests for `kubectl apply -f -`). */
  stdin?: string;
  /** Whether running it changes anything (an image, a registry, a cluster). */
  mutates: boolean;
  /** For rollout steps: the workload waited on, as kind/name. */
  workload?: string;
  /** Progressive steps: the context they belong to; pause: how long; analysis: the Prometheus check. */
  context?: string;
  waitMs?: number;
  analysis?: { url: string; query: string; maxErrorRate: number };
  /** Argo Rollouts: read the Deployment's generation, or poll the Rollout's status until Healthy/Degraded. */
  watch?: ProgressiveStep["watch"];
  /** Run instead when the command fails with this text in its output. */
  fallback?: ProgressiveStep["fallback"];
}

export interface ManifestObject {
  kind: string;
  name: string;
  namespace: string | null;
  /** The selectable service the object belongs to, or null for shared objects. */
  service: string | null;
}

/** A Secret the applied workloads read (docs/secrets.md of the generated system), and who reads it. */
export interface SecretNeed {
  name: string;
  /** Keys read from it (empty: the whole Secret, e.g. envFrom or a TLS Secret). */
  keys: string[];
  /** Kind/name of the objects that read it. */
  readers: string[];
}

export interface DeployPlan extends PreparedDeploy {
  namespace: string;
  /** Secrets that must exist in the namespace before the apply; checked first. */
  secrets: SecretNeed[];
  /** The manifests that will be applied (already filtered to the selected services). */
  manifests: string;
  objects: ManifestObject[];
  steps: DeployStep[];
  /** Canary contexts: what to run when their analysis fails (traffic back on stable). */
  abortSteps?: Record<string, DeployStep[]>;
}

/** Every service that has an image msa builds: the contexts, the BFFs (services/<bff>), and the gateway when it is the node one. */
export function imageServices(model: SystemModel): string[] {
  const names = [...model.contexts.map((c) => c.name), ...model.bffs.map((b) => b.name)];
  if (model.gateway.kind === "node" && !names.includes(GATEWAY_SERVICE)) names.push(GATEWAY_SERVICE);
  return names;
}

/** The image name the generated Kubernetes manifests use (`<registry or system name>/<service>`, from the k8s planner). */
export function baseImageName(model: SystemModel, service: string): string {
  return imageRepository(model, service);
}

/**
 * The image name deploy builds and sets: with --registry R it is `R/<system>/<service>`; without,
 * it is the name the manifests already use (system.yaml's `registry` is the system's image prefix).
 */
export function deployImageName(model: SystemModel, service: string, registry?: string): string {
  return registry ? `${registry}/${model.name}/${service}` : baseImageName(model, service);
}

/** --image-tag, else the short commit (+ `-dirty` when the tree has uncommitted changes). */
export function resolveTag(req: Pick<DeployRequest, "env" | "imageTag">, git: GitFacts | null): { tag: string; source: "flag" | "git" } {
  let tag: string;
  let source: "flag" | "git";
  if (req.imageTag !== undefined) {
    tag = req.imageTag;
    source = "flag";
  } else {
    if (!git?.commit)
      throw new UsageError("no --image-tag given and the working tree has no git commit to tag images with; pass --image-tag TAG");
    tag = git.dirty ? `${git.commit}-dirty` : git.commit;
    source = "git";
  }
  const problem = tagProblem(tag);
  if (problem) throw new UsageError(`--image-tag: ${problem}`);
  if (tag === "latest" && PINNED_ENVS.includes(req.env))
    throw new UsageError(`the tag "latest" is refused for ${req.env}: deploy a traceable tag (e.g. a commit or version) with --image-tag`);
  return { tag, source };
}

/** The selected services in model order; unknown names are a usage error that lists the known ones. */
export function selectServices(model: SystemModel, requested: readonly string[]): string[] {
  const known = imageServices(model);
  const unknown = requested.filter((s) => !known.includes(s));
  if (unknown.length) {
    const gatewayHint = unknown.includes(GATEWAY_SERVICE) && model.gateway.kind !== "node" ? ` (the ${model.gateway.kind} gateway has no image of its own)` : "";
    throw new UsageError(
      `--service-name ${unknown.map((u) => JSON.stringify(u)).join(", ")} ${unknown.length === 1 ? "is" : "are"} not a service of ${model.name}${gatewayHint}; known: ${known.join(", ")}`,
    );
  }
  return requested.length ? known.filter((s) => requested.includes(s)) : known;
}

/** Everything decided before rendering: tag, images, what to render. Throws UsageError on a bad value. */
export function prepareDeploy(model: SystemModel, req: DeployRequest, git: GitFacts | null): PreparedDeploy {
  if (!DEPLOY_ENVS.includes(req.env)) throw new UsageError(`--env must be one of ${DEPLOY_ENVS.join(", ")}, not "${req.env}"`);
  if (req.registry !== undefined) {
    const p = registryProblem(req.registry);
    if (p) throw new UsageError(p);
  }
  if (req.namespace !== undefined) {
    const p = namespaceProblem(req.namespace);
    if (p) throw new UsageError(`--namespace: ${p}`);
  }
  const d = durationProblem(req.timeout);
  if (d) throw new UsageError(`--timeout: ${d}`);
  // every missing input at once, not one per run (validate.ts)
  const missing = missingDeployInputs({ env: req.env, systemFile: model.file, registry: req.registry ?? model.registry, skipPush: req.skipPush, imageTag: req.imageTag, gitCommit: git?.commit ?? null });
  if (missing.length) throw new UsageError(missingInputsMessage(req.env, missing));
  if (!req.skipPush && !req.registry && !model.registry)
    throw new UsageError(
      `no registry to push to: pass --registry REGISTRY or set registry in ${model.file} (or --skip-push when the cluster uses local images)`,
    );
  const { tag, source } = resolveTag(req, git);
  const notes: string[] = [];
  if (source === "git" && tag.endsWith("-dirty"))
    notes.push(`the working tree has uncommitted changes: images are tagged ${tag}, which does not identify one commit`);

  const images: ImageTarget[] = selectServices(model, req.services).map((service) => {
    const name = deployImageName(model, service, req.registry);
    const problem = imageNameProblem(name);
    if (problem) throw new UsageError(problem);
    return {
      service,
      buildDir: service === GATEWAY_SERVICE && !model.contexts.some((c) => c.name === service) ? "gateway" : `services/${service}`,
      baseName: baseImageName(model, service),
      name,
      tag,
      ref: `${name}:${tag}`,
    };
  });

  // The manifests reference baseName; a hand-written manifest may already use the deployed name.
  const kimages: KustomizeImage[] = [];
  for (const img of images)
    for (const name of new Set([img.baseName, img.name])) kimages.push({ name, newName: img.name, newTag: img.tag });
  kimages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  return {
    env: req.env,
    tag,
    tagSource: source,
    images,
    render: {
      source: req.k8sManifest ? { kind: "manifest", path: req.k8sManifest } : { kind: "overlay", path: `k8s/overlays/${req.env}` },
      namespace: req.namespace ?? null,
      images: kimages,
      labels: req.k8sManifest ? {} : { "app.kubernetes.io/version": tag },
    },
    notes,
  };
}

/**
 * The wrapper kustomization that renders `resource` (a path relative to the wrapper's directory)
 * with the images transformer — the same result as `kustomize edit set image` in the overlay.
 */
export function renderKustomization(spec: RenderSpec, resource: string): Record<string, unknown> {
  const k: Record<string, unknown> = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    resources: [resource],
  };
  if (spec.namespace) k.namespace = spec.namespace;
  k.images = spec.images.map((i) => ({ name: i.name, newName: i.newName, newTag: i.newTag }));
  if (Object.keys(spec.labels).length) k.labels = [{ pairs: spec.labels, includeSelectors: false, includeTemplates: true }];
  return k;
}

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});

/** Which selectable service an object belongs to: its app.kubernetes.io/name or app label, else its name. */
function serviceOf(meta: Obj, services: readonly string[]): string | null {
  const labels = asObj(meta.labels);
  for (const v of [labels["app.kubernetes.io/name"], labels.app, meta.name])
    if (typeof v === "string" && services.includes(v)) return v;
  return null;
}

export interface ParsedManifests {
  objects: ManifestObject[];
  /** The data of each object, in order. */
  data: Obj[];
  /** The text of each object, in order, with its `---` separator removed. */
  texts: string[];
}

/** Reads rendered multi-document YAML. Throws UsageError when it is not YAML (e.g. a bad --k8s-manifest). */
export function parseManifests(text: string, allServices: readonly string[]): ParsedManifests {
  const objects: ManifestObject[] = [];
  const texts: string[] = [];
  const datas: Obj[] = [];
  for (const doc of parseAllDocuments(text)) {
    if ("errors" in doc && doc.errors.length) throw new UsageError(`the manifests are not valid YAML: ${doc.errors[0]?.message ?? "parse error"}`);
    const data = asObj(doc.toJS());
    if (!Object.keys(data).length) continue;
    const meta = asObj(data.metadata);
    objects.push({
      kind: String(data.kind ?? ""),
      name: String(meta.name ?? ""),
      namespace: typeof meta.namespace === "string" ? meta.namespace : null,
      service: serviceOf(meta, allServices),
    });
    texts.push(doc.toString({ lineWidth: 0 }).replace(/^---\n/, ""));
    datas.push(data);
  }
  return { objects, texts, data: datas };
}

/**
 * The Secrets the objects read and do not create themselves: secretKeyRef and envFrom secretRef of every
 * container, secret volumes, image pull Secrets, Ingress TLS. Optional references are left out.
 */
export function secretsRead(objects: readonly Obj[]): SecretNeed[] {
  const created = new Set(objects.filter((o) => o.kind === "Secret").map((o) => String(asObj(o.metadata).name)));
  const needs = new Map<string, SecretNeed>();
  const need = (name: unknown, key: string | null, reader: string, optional: unknown): void => {
    if (typeof name !== "string" || !name || optional === true || created.has(name)) return;
    const n = needs.get(name) ?? { name, keys: [], readers: [] };
    if (key && !n.keys.includes(key)) n.keys = [...n.keys, key].sort();
    if (!n.readers.includes(reader)) n.readers = [...n.readers, reader].sort();
    needs.set(name, n);
  };
  const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(asObj) : []);
  for (const o of objects) {
    const reader = `${String(o.kind).toLowerCase()}/${String(asObj(o.metadata).name)}`;
    const spec = asObj(o.spec);
    if (o.kind === "Ingress") for (const t of list(spec.tls)) need(t.secretName, null, reader, false);
    const pod = o.kind === "Pod" ? spec : asObj(asObj(spec.template).spec);
    for (const c of [...list(pod.initContainers), ...list(pod.containers)]) {
      for (const e of list(c.env)) {
        const ref = asObj(asObj(e.valueFrom).secretKeyRef);
        need(ref.name, typeof ref.key === "string" ? ref.key : null, reader, ref.optional);
      }
      for (const e of list(c.envFrom)) need(asObj(e.secretRef).name, null, reader, asObj(e.secretRef).optional);
    }
    for (const v of list(pod.volumes)) need(asObj(v.secret).secretName, null, reader, asObj(v.secret).optional);
    for (const p of list(pod.imagePullSecrets)) need(p.name, null, reader, false);
  }
  return [...needs.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The namespace to apply in: --namespace, else the one namespace the manifests name, else system.yaml's. */
export function chooseNamespace(model: SystemModel, req: Pick<DeployRequest, "namespace">, objects: readonly ManifestObject[]): string {
  if (req.namespace) return req.namespace;
  const found = [...new Set(objects.map((o) => o.namespace).filter((n): n is string => !!n))];
  const ns = found.length === 1 ? (found[0] as string) : model.namespace;
  const p = namespaceProblem(ns);
  if (p) throw new UsageError(`namespace: ${p}`);
  return ns;
}

/**
 * The ordered steps: every build, then every push (so a failing build stops before anything is
 * pushed), then one apply of the manifests on stdin, then a rollout wait per workload.
 * With a subset of services, the other services' objects are left out of what is applied.
 */
export function planDeploy(model: SystemModel, req: DeployRequest, prepared: PreparedDeploy, rendered: string, facts: ClusterFacts = NO_FACTS): DeployPlan {
  const all = imageServices(model);
  const parsed = parseManifests(rendered, all);
  const selected = new Set(prepared.images.map((i) => i.service));
  const subset = selected.size < all.length;
  const keep = parsed.objects.map((o) => !subset || o.service === null || selected.has(o.service));
  const namespace0 = chooseNamespace(model, req, parsed.objects.filter((_o, i) => keep[i]));
  const progressive = progressiveContexts(model, [...selected]);
  if (req.mode === "abort" || req.mode === "rollback") return planUndo(model, req, prepared, parsed, progressive, namespace0, facts);
  // blue-green / canary (progressive.ts): the running version's Deployment is not applied; the Service keeps its colour
  const pp = progressiveDeploy(progressive, { namespace: namespace0, timeout: req.timeout, prometheusUrl: req.prometheusUrl ?? DEFAULT_PROMETHEUS_URL, facts, objects: parsed.data, ...(req.pollMs ? { pollMs: req.pollMs } : {}) });
  const texts = parsed.texts.slice();
  parsed.objects.forEach((o, i) => {
    if (!keep[i]) return;
    if (pp.drop(o)) keep[i] = false;
    const rewritten = pp.rewrite(parsed.data[i] as Obj);
    if (rewritten) texts[i] = stringify(rewritten, { lineWidth: 0 });
  });
  const changed = subset || progressive.length > 0;
  const objects = parsed.objects.filter((_o, i) => keep[i]);
  const manifests = changed ? joinDocuments(texts.filter((_t, i) => keep[i])) : rendered;
  const namespace = namespace0;
  const secrets = secretsRead(parsed.data.filter((_d, i) => keep[i]));

  const steps: DeployStep[] = [];
  // First, before anything is built: pods whose Secrets are missing would sit in CreateContainerConfigError.
  if (secrets.length)
    steps.push({
      phase: "secrets",
      argv: ["kubectl", "get", "secret", ...secrets.map((x) => x.name), "--namespace", namespace, "--output", "name"],
      description: `check that the Secret${secrets.length === 1 ? "" : "s"} the workloads read exist${secrets.length === 1 ? "s" : ""} in ${namespace}: ${secrets.map((x) => x.name).join(", ")} (docs/secrets.md)`,
      mutates: false,
    });
  if (!req.skipBuild)
    for (const img of prepared.images)
      steps.push({ phase: "build", argv: ["docker", "build", "--tag", img.ref, img.buildDir], description: `build ${img.service} from ${img.buildDir}/`, mutates: true });
  if (!req.skipPush)
    for (const img of prepared.images) steps.push({ phase: "push", argv: ["docker", "push", img.ref], description: `push ${img.ref}`, mutates: true });
  if (objects.length)
    steps.push({
      phase: "apply",
      argv: ["kubectl", "apply", "--namespace", namespace, "-f", "-"],
      description: `apply ${objects.length} object${objects.length === 1 ? "" : "s"} from ${prepared.render.source.path} in namespace ${namespace}`,
      stdin: manifests,
      mutates: true,
    });
  for (const o of objects.filter((x) => WORKLOAD_KINDS.has(x.kind) && !pp.noWait(x))) {
    const workload = `${o.kind.toLowerCase()}/${o.name}`;
    steps.push({
      phase: "rollout",
      argv: ["kubectl", "rollout", "status", workload, "--namespace", namespace, `--timeout=${req.timeout}`],
      description: `wait for ${workload} to roll out (timeout ${req.timeout})`,
      mutates: false,
      workload,
    });
  }
  steps.push(...pp.steps);
  return { ...prepared, notes: [...prepared.notes, ...pp.notes], namespace, secrets, manifests, objects, steps, abortSteps: pp.abortSteps };
}

/** --abort / --rollback: no build, push or apply; only the traffic, selector and undo steps of progressive.ts. */
function planUndo(model: SystemModel, req: DeployRequest, prepared: PreparedDeploy, parsed: ParsedManifests, progressive: Context[], namespace: string, facts: ClusterFacts): DeployPlan {
  const selected = new Set(prepared.images.map((i) => i.service));
  const contexts = req.mode === "abort" ? progressive : model.contexts.filter((c) => selected.has(c.name));
  const undo = req.mode === "abort" ? abortSteps(contexts, namespace, parsed.data) : rollbackSteps(contexts, { namespace, timeout: req.timeout, facts, objects: parsed.data, ...(req.pollMs ? { pollMs: req.pollMs } : {}) });
  if (req.mode === "abort" && !progressive.length) undo.notes.push("no selected context deploys as a canary: nothing to abort");
  return { ...prepared, images: [], notes: [...prepared.notes, ...undo.notes], namespace, secrets: [], manifests: "", objects: [], steps: undo.steps };
}

/** What to run when a rollout failed: the workload's description (with its events), the namespace's warnings. */
export function failureReportSteps(workload: string, namespace: string): DeployStep[] {
  return [
    { phase: "rollout", argv: ["kubectl", "describe", workload, "--namespace", namespace], description: `describe ${workload}`, mutates: false, workload },
    {
      phase: "rollout",
      argv: ["kubectl", "get", "events", "--namespace", namespace, "--field-selector", "type=Warning", "--sort-by", ".lastTimestamp"],
      description: `warning events in ${namespace}`,
      mutates: false,
      workload,
    },
  ];
}

export function rollbackStep(workload: string, namespace: string): DeployStep {
  return { phase: "rollout", argv: ["kubectl", "rollout", "undo", workload, "--namespace", namespace], description: `roll back ${workload}`, mutates: true, workload };
}

function joinDocuments(texts: readonly string[]): string {
  return texts.map((t) => t.replace(/\n*$/, "\n")).join("---\n");
}
