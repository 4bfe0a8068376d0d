// Planner: the CI/CD pipelines of the generated system (system.yaml `ci:`, docs/ci.md) — GitHub Actions
// (.github/workflows/pr.yml, main.yml and, with `upgrade: true`, msa-upgrade.yml) or GitLab CI (.gitlab-ci.yml and
// the converter of `msa validate --format json` into GitLab's code-quality report) — and scripts/lock.sh, which
// writes the lockfiles the pipelines and the Dockerfiles install with `npm ci`. The per-service jobs are a matrix
// written out from the model (one entry per node/python package), so the pipeline changes when system.yaml does.
import type { SystemModel } from "../model.js";
import { PINNED_ACTIONS, usesOf } from "./ci-actions.js";
import type { PlannedFile, Planner } from "./types.js";

/** The toolchains the pipelines test with: the base images of the generated Dockerfiles (a unit test keeps them equal). */
export const CI_NODE_VERSION = "22.20.0";
export const CI_PYTHON_VERSION = "3.12.8";
/** GitLab's deploy jobs: docker CLI image (with the docker:dind service of the same version) and the kubectl they download. */
export const CI_DOCKER_VERSION = "27.5.1";
export const CI_KUBECTL_VERSION = "v1.32.3";

export interface CiPackage {
  /** The context's name, or `gateway`. */
  name: string;
  /** Its folder: services/<context> or gateway. */
  dir: string;
}

/** The node packages (services, backends-for-frontends and the node gateway) and python services the pipelines build and test. */
export function ciPackages(model: SystemModel): { node: CiPackage[]; python: CiPackage[] } {
  const node = [...model.contexts.filter((c) => c.runtime === "node-express"), ...model.bffs].map((c) => ({ name: c.name, dir: `services/${c.name}` }));
  if (model.gateway.kind === "node") node.push({ name: "gateway", dir: "gateway" });
  const python = model.contexts.filter((c) => c.runtime === "python-flask").map((c) => ({ name: c.name, dir: `services/${c.name}` }));
  return { node, python };
}

export function ciView(model: SystemModel) {
  const { node, python } = ciPackages(model);
  const registryHost = model.registry ? (model.registry.split("/")[0] ?? null) : null;
  return {
    system: model.name,
    provider: model.ci.provider,
    upgrade: model.ci.upgrade,
    nodeVersion: CI_NODE_VERSION,
    pythonVersion: CI_PYTHON_VERSION,
    dockerVersion: CI_DOCKER_VERSION,
    kubectlVersion: CI_KUBECTL_VERSION,
    node,
    python,
    hasNode: node.length > 0,
    hasPython: python.length > 0,
    /** system.yaml's registry; null: the provider's own registry (ghcr.io/<owner>, $CI_REGISTRY_IMAGE) through --registry. */
    registry: model.registry,
    registryHost,
    /** Push to ghcr.io with the workflow's own token (packages: write) rather than registry secrets. */
    ghcr: registryHost === null || registryHost === "ghcr.io",
    namespaces: { staging: model.environments.staging.namespace, prod: model.environments.prod.namespace },
    actions: Object.fromEntries(Object.entries(PINNED_ACTIONS).map(([k, a]) => [k, usesOf(a)])),
  };
}

export const planCi: Planner = (model, render) => {
  const view = ciView(model);
  const files: PlannedFile[] = [
    // the lockfiles' writer is useful whatever the provider (and without one): the Dockerfiles use `npm ci` too
    { path: "scripts/lock.sh", content: render("ci/lock.sh", view), owner: "generated", executable: true },
  ];
  if (model.ci.provider === "github") {
    files.push(
      { path: ".github/workflows/pr.yml", content: render("ci/github/pr.yml", view), owner: "generated" },
      { path: ".github/workflows/main.yml", content: render("ci/github/main.yml", view), owner: "generated" },
    );
    if (model.ci.upgrade) files.push({ path: ".github/workflows/msa-upgrade.yml", content: render("ci/github/msa-upgrade.yml", view), owner: "generated" });
  } else if (model.ci.provider === "gitlab") {
    files.push(
      { path: ".gitlab-ci.yml", content: render("ci/gitlab/gitlab-ci.yml", view), owner: "generated" },
      { path: "scripts/msa-codequality.mjs", content: render("ci/gitlab/msa-codequality.mjs", view), owner: "generated" },
    );
  }
  return files;
};
