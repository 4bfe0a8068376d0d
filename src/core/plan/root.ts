// Planner: the generated system's root — README.md (how to run, test and deploy; the Secrets), .gitignore and a
// package.json with npm workspaces over the node services and msa-cli as a devDependency, so one `npm install`
// at the root installs everything, `npx msa …` and the scripts/*.sh find msa, and the yaml-language-server
// header of system.yaml resolves.
import { MSA_VERSION } from "../version.js";
import { kubernetesView, secretNeeds } from "./k8s-view.js";
import type { Planner } from "./types.js";

/**
 * discovery: consul — the values for Consul's Helm chart (hashicorp/consul) that give every node the client agent
 * the services register with (hostPort 8500: CONSUL_HTTP_ADDR=http://$(HOST_IP):8500), without Connect. The
 * generated README and docs/kubernetes.md show the same text (test/unit/consul.test.ts).
 */
export const CONSUL_HELM_VALUES = `global:
  name: consul
  datacenter: dc1
server:
  replicas: 3
client:
  enabled: true          # the node-local agents: services register with http://$(HOST_IP):8500
  grpc: true
connectInject:
  enabled: false         # no Consul service mesh: msa's services call each other directly
dns:
  enabled: true          # <context>.service.consul for whoever wants it (Kong: docs/progressive-delivery.md)
ui:
  enabled: true
`;

export const planRoot: Planner = (model, render) => {
  const nodeContexts = model.contexts.filter((c) => c.runtime === "node-express");
  const pythonContexts = model.contexts.filter((c) => c.runtime === "python-flask");
  // The Secrets the manifests read: the same inventory as the generated docs/secrets.md (k8s planner), so this
  // list never misses one the workloads need (the rate-limit Redis, say).
  const k8s = kubernetesView(model);
  const secrets = secretNeeds(k8s).map((n) => ({ name: n.secret, key: n.key, what: n.what }));
  const view = {
    system: model.name,
    namespace: k8s.environments.prod.namespace,
    msaVersion: MSA_VERSION,
    nodeContexts: nodeContexts.map((c) => ({ name: c.name, port: c.port })),
    pythonContexts: pythonContexts.map((c) => ({ name: c.name, port: c.port })),
    hasPython: pythonContexts.length > 0,
    gateway: model.gateway.kind,
    broker: model.broker.kind,
    secrets,
    consul: model.discovery === "consul" ? { values: CONSUL_HELM_VALUES.replace(/\n$/, "") } : null,
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
