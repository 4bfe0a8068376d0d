// Validation of everything `msa deploy` puts on a command line: image names, tags, namespaces,
// durations. Every value is checked here before it reaches an argv, so a bad flag is a usage
// error, never a surprising docker/kubectl invocation.
import { DNS_LABEL } from "../names.js";

/** OCI distribution spec: a tag is [A-Za-z0-9_][A-Za-z0-9._-]{0,127}. */
export const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** One path component of an image name (distribution/reference): lowercase, separated by '.', '_', '__' or '-'+. */
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** A registry host: DNS name or IPv4 with an optional port (localhost:5000, ghcr.io, 10.0.0.1:5000). */
const DOMAIN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?))*(?::[0-9]{1,5})?$/;

/** Maximum length of an image name (without tag) that registries accept. */
export const MAX_IMAGE_NAME = 255;

/** Go duration as `kubectl rollout status --timeout` takes it: 90s, 5m, 1h30m, 500ms. */
const DURATION = /^(?:\d+(?:\.\d+)?(?:h|ms|m|s))+$/;

/** Why `value` is not a valid image tag, or undefined when it is. */
export function tagProblem(tag: string): string | undefined {
  if (OCI_TAG.test(tag)) return undefined;
  return `"${tag}" is not a valid image tag: use up to 128 letters, digits, '_', '.' and '-', not starting with '.' or '-'`;
}

/**
 * Why `ref` is not a valid image name (registry and repository, no tag), or undefined.
 * The first component may be a registry host (with '.' or ':' or "localhost").
 */
export function imageNameProblem(ref: string): string | undefined {
  if (ref.length === 0) return `the image name is empty`;
  if (ref.length > MAX_IMAGE_NAME) return `image name "${ref}" is longer than ${MAX_IMAGE_NAME} characters`;
  const parts = ref.split("/");
  const first = parts[0] ?? "";
  const hasHost = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  if (hasHost && !DOMAIN.test(first)) return `"${first}" in image name "${ref}" is not a valid registry host`;
  const bad = (hasHost ? parts.slice(1) : parts).find((p) => !PATH_COMPONENT.test(p));
  if (bad !== undefined)
    return `"${bad}" in image name "${ref}" is not valid: path components are lowercase letters and digits separated by '.', '_' or '-'`;
  return undefined;
}

/** A registry prefix as given with --registry: a host, or a host/org path (an image name without its last part). */
export function registryProblem(registry: string): string | undefined {
  const p = imageNameProblem(`${registry}/x`);
  return p === undefined ? undefined : `--registry "${registry}" is not a valid registry: ${p.replace(/ in image name "[^"]*"/, "")}`;
}

export function namespaceProblem(ns: string): string | undefined {
  if (ns.length <= 63 && DNS_LABEL.test(ns)) return undefined;
  return `"${ns}" is not a valid Kubernetes namespace: lowercase letters, digits and '-', starting with a letter, at most 63 characters`;
}

export function durationProblem(value: string): string | undefined {
  if (DURATION.test(value) && /[1-9]/.test(value)) return undefined;
  return `"${value}" is not a valid timeout: use a duration such as 90s, 5m or 1h30m`;
}

/** What deploy needs and was not given, found all at once (the facts a fresh project lacks). */
export interface DeployInputs {
  env: string;
  systemFile: string;
  /** --registry, else system.yaml's registry (null: none). */
  registry: string | null;
  skipPush: boolean;
  imageTag: string | undefined;
  /** The short commit of the working tree, null when there is no git or no commit. */
  gitCommit: string | null;
}

/**
 * Every missing input, each with how to give it, so one run lists them all instead of stopping at the first
 * (a fresh project lacks both a registry and a commit). Empty when nothing is missing.
 */
export function missingDeployInputs(i: DeployInputs): string[] {
  const missing: string[] = [];
  if (!i.skipPush && !i.registry)
    missing.push(`no registry to push to: pass --registry REGISTRY or set registry in ${i.systemFile} (or --skip-push when the cluster uses local images)`);
  if (i.imageTag === undefined && !i.gitCommit)
    missing.push("no --image-tag given and the working tree has no git commit to tag images with; pass --image-tag TAG (or commit)");
  return missing;
}

/** The one usage message for a list of missing inputs (one a line when there are several). */
export function missingInputsMessage(env: string, missing: readonly string[]): string {
  if (missing.length === 1) return missing[0] as string;
  return `deploy --env ${env} needs ${missing.length} more inputs:\n${missing.map((m) => `  - ${m}`).join("\n")}`;
}
