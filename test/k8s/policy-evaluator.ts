// A small policy evaluator for rendered manifests (test code): NetworkPolicy semantics (a pod selected
// by no policy of a type is open for that type; else some rule must match peer and port), Istio
// AuthorizationPolicy ALLOW semantics (an ALLOW policy that applies makes everything else denied; an empty
// spec matches nothing) and PeerAuthentication (a plain-text source reaches a STRICT port of a meshed pod
// never). It answers "may A connect to B on port P" from the YAML alone, not from the generator's view.
import { parseAllDocuments } from "yaml";

type Obj = Record<string, unknown>;
const asObj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const labelsMatch = (selector: unknown, labels: Record<string, string>): boolean => {
  const s = asObj(selector);
  const ml = asObj(s.matchLabels);
  if (s.matchExpressions) throw new Error("evaluator: matchExpressions not supported");
  return Object.entries(ml).every(([k, v]) => labels[k] === String(v));
};

/** Something that connects or is connected to. */
export interface Peer {
  name: string;
  /** null: an address outside the cluster (a managed database, a SaaS collector). */
  namespace: string | null;
  namespaceLabels: Record<string, string>;
  labels: Record<string, string>;
  /** Istio principal when the peer has a sidecar, else null (plain text). */
  principal: string | null;
}

export interface Manifests {
  objects: Obj[];
  namespace: string;
  meshed: boolean;
  /** The system's workloads as peers, by Deployment name. */
  workloads: Map<string, Peer & { serviceAccount: string; containerPorts: { name?: string; port: number }[]; annotations: Record<string, string> }>;
}

export function readManifests(text: string): Manifests {
  const objects = parseAllDocuments(text).map((d) => asObj(d.toJS())).filter((o) => Object.keys(o).length);
  const ns = objects.filter((o) => o.kind === "Namespace");
  if (ns.length !== 1) throw new Error(`expected one Namespace, got ${ns.length}`);
  const nsMeta = asObj(ns[0]!.metadata);
  const namespace = String(nsMeta.name);
  const nsLabels: Record<string, string> = { ...(asObj(nsMeta.labels) as Record<string, string>), "kubernetes.io/metadata.name": namespace };
  const meshed = nsLabels["istio-injection"] === "enabled";
  const workloads: Manifests["workloads"] = new Map();
  for (const d of objects.filter((o) => o.kind === "Deployment")) {
    const meta = asObj(d.metadata);
    const tpl = asObj(asObj(d.spec).template);
    const tmeta = asObj(tpl.metadata);
    const pspec = asObj(tpl.spec);
    const sa = String(pspec.serviceAccountName);
    const containerPorts = asList(pspec.containers).flatMap((c) => asList(asObj(c).ports).map((p) => ({ name: asObj(p).name as string | undefined, port: Number(asObj(p).containerPort) })));
    workloads.set(String(meta.name), {
      name: String(meta.name),
      namespace,
      namespaceLabels: nsLabels,
      labels: asObj(tmeta.labels) as Record<string, string>,
      principal: meshed ? `cluster.local/ns/${namespace}/sa/${sa}` : null,
      serviceAccount: sa,
      containerPorts,
      annotations: asObj(tmeta.annotations) as Record<string, string>,
    });
  }
  return { objects, namespace, meshed, workloads };
}

/** Peers outside the system. */
export const PROMETHEUS: Peer = { name: "prometheus", namespace: "monitoring", namespaceLabels: { "kubernetes.io/metadata.name": "monitoring" }, labels: { "app.kubernetes.io/name": "prometheus" }, principal: null };
export const INGRESS_CONTROLLER: Peer = { name: "ingress-controller", namespace: "ingress-nginx", namespaceLabels: { "kubernetes.io/metadata.name": "ingress-nginx" }, labels: { "app.kubernetes.io/name": "ingress-nginx" }, principal: null };
export const KUBE_DNS: Peer = { name: "kube-dns", namespace: "kube-system", namespaceLabels: { "kubernetes.io/metadata.name": "kube-system" }, labels: { "k8s-app": "kube-dns" }, principal: null };
export const OUTSIDE: Peer = { name: "outside", namespace: null, namespaceLabels: {}, labels: {}, principal: null };
export const INTRUDER: Peer = { name: "intruder", namespace: "other", namespaceLabels: { "kubernetes.io/metadata.name": "other" }, labels: { app: "intruder" }, principal: "cluster.local/ns/other/sa/default" };

function peerMatches(rulePeer: Obj, peer: Peer, policyNamespace: string): boolean {
  if (rulePeer.ipBlock) {
    const cidr = String(asObj(rulePeer.ipBlock).cidr);
    return peer.namespace === null && (cidr === "0.0.0.0/0" || cidr === "::/0");
  }
  if (peer.namespace === null) return false;
  const nsOk = rulePeer.namespaceSelector !== undefined ? labelsMatch(rulePeer.namespaceSelector, peer.namespaceLabels) : peer.namespace === policyNamespace;
  const podOk = rulePeer.podSelector !== undefined ? labelsMatch(rulePeer.podSelector, peer.labels) : true;
  return nsOk && podOk;
}

function portMatches(rulePorts: unknown, port: number, protocol: string, namedPorts: { name?: string; port: number }[]): boolean {
  const ports = asList(rulePorts);
  if (!ports.length) return true;
  return ports.some((p) => {
    const o = asObj(p);
    if ((o.protocol ?? "TCP") !== protocol) return false;
    if (o.port === undefined) return true;
    if (typeof o.port === "string" && !/^\d+$/.test(o.port)) return namedPorts.some((n) => n.name === o.port && n.port === port);
    return Number(o.port) === port;
  });
}

function policiesFor(m: Manifests, pod: Peer, type: "Ingress" | "Egress"): Obj[] {
  return m.objects.filter((o) => {
    if (o.kind !== "NetworkPolicy" || pod.namespace !== m.namespace) return false;
    const spec = asObj(o.spec);
    const types = asList(spec.policyTypes).map(String);
    return types.includes(type) && labelsMatch(spec.podSelector, pod.labels);
  });
}

/** NetworkPolicy: may `from` open a connection to `to` on port/protocol? Only our namespace has policies. */
export function networkAllows(m: Manifests, from: Peer, to: Peer, port: number, protocol = "TCP"): { egress: boolean; ingress: boolean } {
  const toPorts = to.namespace === m.namespace ? (m.workloads.get(to.name)?.containerPorts ?? []) : [];
  const egressPolicies = policiesFor(m, from, "Egress");
  const egress =
    egressPolicies.length === 0 ||
    egressPolicies.some((pol) =>
      asList(asObj(pol.spec).egress).some((r) => {
        const rule = asObj(r);
        const peers = asList(rule.to);
        return (peers.length === 0 || peers.some((p) => peerMatches(asObj(p), to, m.namespace))) && portMatches(rule.ports, port, protocol, toPorts);
      }),
    );
  const ingressPolicies = policiesFor(m, to, "Ingress");
  const ingress =
    ingressPolicies.length === 0 ||
    ingressPolicies.some((pol) =>
      asList(asObj(pol.spec).ingress).some((r) => {
        const rule = asObj(r);
        const peers = asList(rule.from);
        return (peers.length === 0 || peers.some((p) => peerMatches(asObj(p), from, m.namespace))) && portMatches(rule.ports, port, protocol, toPorts);
      }),
    );
  return { egress, ingress };
}

/** Istio's agent port: the merged Prometheus endpoint, served by pilot-agent outside mTLS and authorization. */
export const ISTIO_AGENT_PORT = 15020;

/** Istio: is a request from `from` to the meshed workload `to` on `port` accepted (mTLS mode, then authorization)? */
export function meshAllows(m: Manifests, from: Peer, to: Peer, port: number): boolean {
  if (!m.meshed || to.namespace !== m.namespace) return true;
  if (port === ISTIO_AGENT_PORT) return true;
  const applies = (o: Obj): boolean => {
    const sel = asObj(o.spec).selector;
    return sel === undefined || labelsMatch(sel, to.labels);
  };
  if (from.principal === null) {
    // plain text: only where the effective PeerAuthentication is PERMISSIVE (workload selector beats the namespace's)
    const pas = m.objects.filter((o) => o.kind === "PeerAuthentication" && applies(o));
    const workload = pas.find((o) => asObj(o.spec).selector !== undefined);
    const chosen = workload ?? pas.find((o) => asObj(o.spec).selector === undefined);
    const spec = asObj(chosen?.spec);
    const portLevel = asObj(asObj(spec.portLevelMtls)[String(port)]);
    const mode = String(portLevel.mode ?? asObj(spec.mtls).mode ?? "PERMISSIVE");
    if (mode === "STRICT") return false;
  }
  const policies = m.objects.filter((o) => o.kind === "AuthorizationPolicy" && applies(o));
  for (const p of policies) {
    const action = asObj(p.spec).action ?? "ALLOW";
    if (action !== "ALLOW") throw new Error(`evaluator: AuthorizationPolicy action ${String(action)} not supported`);
  }
  if (!policies.length) return true;
  return policies.some((p) =>
    asList(asObj(p.spec).rules).some((r) => {
      const rule = asObj(r);
      const fromOk =
        !rule.from ||
        asList(rule.from).some((f) => {
          const src = asObj(asObj(f).source);
          const principals = asList(src.principals).map(String);
          if (src.namespaces || src.notPrincipals || src.ipBlocks) throw new Error("evaluator: unsupported source field");
          return principals.length === 0 || (from.principal !== null && principals.includes(from.principal));
        });
      const toOk =
        !rule.to ||
        asList(rule.to).some((t) => {
          const op = asObj(asObj(t).operation);
          const ports = asList(op.ports).map(String);
          return ports.length === 0 || ports.includes(String(port));
        });
      if (rule.when) throw new Error("evaluator: `when` not supported");
      return fromOk && toOk;
    }),
  );
}

/** Both ends of the network and the mesh. */
export function allowed(m: Manifests, from: Peer, to: Peer, port: number, protocol = "TCP"): boolean {
  const n = networkAllows(m, from, to, port, protocol);
  return n.egress && n.ingress && (protocol !== "TCP" || meshAllows(m, from, to, port));
}
