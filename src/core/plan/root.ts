// Planner: the generated system's root — README.md (how to run, test and deploy; the Secrets), .gitignore and a
// package.json with npm workspaces over the node services and msa-cli as a devDependency, so one `npm install`
// at the root installs everything, `npx msa …` and the scripts/*.sh find msa, and the yaml-language-server
// header of system.yaml resolves.
import { MSA_VERSION } from "../version.js";
import type { Planner } from "./types.js";

export const planRoot: Planner = (model, render) => {
  const nodeContexts = model.contexts.filter((c) => c.runtime === "node-express");
  const pythonContexts = model.contexts.filter((c) => c.runtime === "python-flask");
  const jwt = model.gateway.kind !== "none" && model.gateway.routes.some((r) => r.auth === "jwt");
  // The Secrets the Kubernetes manifests reference by secretKeyRef (k8s planner): name, key, what it holds.
  const secrets = [
    ...(model.broker.kind !== "memory" ? [{ name: `${model.name}-broker`, key: "url", what: `the ${model.broker.kind} URL every service connects with` }] : []),
    ...model.contexts.filter((c) => c.database).map((c) => ({ name: `${c.name}-database`, key: "url", what: `the database URL of ${c.name}` })),
    ...(jwt ? [{ name: `${model.name}-gateway-jwt`, key: "secret", what: "the key the gateway verifies JWTs with" }] : []),
  ];
  const view = {
    system: model.name,
    namespace: model.namespace,
    msaVersion: MSA_VERSION,
    nodeContexts: nodeContexts.map((c) => ({ name: c.name, port: c.port })),
    pythonContexts: pythonContexts.map((c) => ({ name: c.name, port: c.port })),
    hasPython: pythonContexts.length > 0,
    gateway: model.gateway.kind,
    broker: model.broker.kind,
    secrets,
  };
  // All three are written once, when missing, and are the user's from then on: a repository (or an `npm i -D
  // msa-cli` folder) that has them keeps its own. The workspaces are globs (services/*, gateway), which npm matches
  // only where a package.json is, so a context added later needs no edit.
  return [
    { path: "README.md", content: render("root/README.md", view), owner: "user" as const },
    { path: ".gitignore", content: render("root/gitignore", view), owner: "user" as const },
    { path: "package.json", content: render("root/package.json", view), owner: "user" as const },
  ];
};
