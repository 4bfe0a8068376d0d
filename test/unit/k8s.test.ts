// The Kubernetes plan, read as data: names, labels, env (ConfigMap vs secretKeyRef), probes, security,
// HPA/PDB, NetworkPolicy peers and ports, Istio policies and overlays all follow system.yaml.
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { halfCpu, halfMemory } from "../../src/core/plan/k8s-view.js";
import { kongView } from "../../src/core/plan/kong.js";
import type { PlannedFile } from "../../src/core/plan/types.js";
import type { SystemModel } from "../../src/core/model.js";
import { fixturesDir, modelAt, modelFromText, plan, repoRoot } from "../k8s/support.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SYSTEMS: Record<string, string> = {
  shop: path.join(repoRoot, "examples", "shop", "system.yaml"),
  minimal: path.join(repoRoot, "examples", "minimal", "system.yaml"),
  "istio-kafka": path.join(fixturesDir, "istio-kafka", "system.yaml"),
  "istio-node": path.join(fixturesDir, "istio-node", "system.yaml"),
  "no-gateway": path.join(fixturesDir, "no-gateway", "system.yaml"),
};

function base(files: PlannedFile[]): Obj[] {
  return files
    .filter((f) => f.path.startsWith("k8s/base/") && !f.path.endsWith("kustomization.yaml"))
    .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as Obj));
}
const find = (objs: Obj[], kind: string, name: string): Obj => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind}/${name}`);
  return o;
};
const DB_PORTS: Record<string, number> = { postgres: 5432, mysql: 3306, mongodb: 27017, redis: 6379 };
const BROKER_PORTS: Record<string, number> = { rabbitmq: 5672, nats: 4222, kafka: 9092 };

function checkContexts(model: SystemModel, objs: Obj[]): void {
  const gw = model.gateway.kind === "none" ? null : "gateway";
  for (const c of model.contexts) {
    const dep = find(objs, "Deployment", c.name);
    const pod = dep.spec.template.spec;
    const container = pod.containers[0];
    const labels = dep.spec.template.metadata.labels;
    expect(labels).toMatchObject({
      "app.kubernetes.io/name": c.name,
      "app.kubernetes.io/part-of": model.name,
      "app.kubernetes.io/component": "service",
      "app.kubernetes.io/managed-by": "msa",
    });
    expect(container.image).toBe(`${model.registry ?? model.name}/${c.name}:0.0.0-dev`);
    expect(container.ports[0].containerPort).toBe(c.port);
    expect(container.livenessProbe.httpGet.path).toBe("/health");
    expect(container.readinessProbe.httpGet.path).toBe("/ready");
    expect(pod.serviceAccountName).toBe(c.name);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, seccompProfile: { type: "RuntimeDefault" } });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(container.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp" });
    expect(container.resources).toEqual({
      requests: { cpu: c.resources.cpu, memory: c.resources.memory },
      limits: { cpu: c.resources.cpuLimit, memory: c.resources.memoryLimit },
    });

    // Env: plain values from the ConfigMap, secrets only by secretKeyRef.
    expect(container.envFrom).toEqual([{ configMapRef: { name: `${c.name}-config` } }]);
    const cm = find(objs, "ConfigMap", `${c.name}-config`).data;
    expect(cm.PORT).toBe(String(c.port));
    expect(cm.SERVICE_NAME).toBe(c.name);
    // <CALLEE>_URL for calls and for the step contexts of the sagas it orchestrates
    const callees = new Set([...c.calls.map((x) => x.target), ...model.sagas.filter((x) => x.orchestrator === c.name).flatMap((x) => x.steps.map((st) => st.context))]);
    callees.delete(c.name);
    for (const t of callees) {
      const callee = model.contexts.find((x) => x.name === t)!;
      expect(cm[`${callee.envName}_URL`]).toBe(`http://${callee.name}:${callee.port}`);
    }
    const env = Object.fromEntries(((container.env ?? []) as Obj[]).map((e) => [e.name, e]));
    for (const e of Object.values(env) as Obj[]) expect(e.value, `${String(e.name)} must not be inline`).toBeUndefined();
    if (model.broker.kind === "memory") expect(env.BROKER_URL).toBeUndefined();
    else expect(env.BROKER_URL.valueFrom.secretKeyRef).toEqual({ name: `${model.name}-broker`, key: "url" });
    if (c.database) expect(env.DATABASE_URL.valueFrom.secretKeyRef).toEqual({ name: `${c.name}-database`, key: "url" });
    else expect(env.DATABASE_URL).toBeUndefined();

    // Scaling and disruption.
    const hpa = find(objs, "HorizontalPodAutoscaler", c.name);
    expect(hpa.apiVersion).toBe("autoscaling/v2");
    expect(hpa.spec.minReplicas).toBe(Math.max(2, c.replicas));
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    // the HPA owns the replica count; a preStop delay below the grace period
    expect(dep.spec.replicas).toBeUndefined();
    expect(container.lifecycle.preStop.exec.command).toEqual(["sleep", "5"]);
    expect(dep.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(5);
    expect(find(objs, "PodDisruptionBudget", c.name).spec.selector.matchLabels).toEqual(dep.spec.selector.matchLabels);
    const svc = find(objs, "Service", c.name);
    expect(svc.spec.ports[0].port).toBe(c.port);
    expect(svc.spec.selector).toEqual(dep.spec.selector.matchLabels);

    // NetworkPolicy: ingress from the gateway (when routed) and callers, and Prometheus (the pods advertise
    // prometheus.io/scrape); egress DNS, callees, db, broker.
    const np = find(objs, "NetworkPolicy", c.name);
    expect(np.spec.podSelector.matchLabels).toEqual(dep.spec.selector.matchLabels);
    expect(dep.spec.template.metadata.annotations["prometheus.io/scrape"]).toBe("true");
    const rules = np.spec.ingress as Obj[];
    const scrape = rules.at(-1)!;
    expect(scrape).toEqual({
      from: [{ namespaceSelector: {}, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }],
      ports: [{ port: c.port, protocol: "TCP" }, ...(model.mesh === "istio" ? [{ port: 15020, protocol: "TCP" }] : [])],
    });
    const peerRules = rules.slice(0, -1);
    const peers = ((peerRules[0]?.from ?? []) as Obj[]).map((p) => p.podSelector.matchLabels["app.kubernetes.io/name"]);
    const sagaCallers = model.sagas.filter((x) => x.steps.some((st) => st.context === c.name) && x.orchestrator !== c.name).map((x) => x.orchestrator);
    const expected = [...new Set([...(gw && c.routes.length ? [gw] : []), ...c.callers, ...sagaCallers])].sort();
    expect(peers).toEqual(expected);
    if (!expected.length) expect(peerRules).toEqual([]);
    else expect(peerRules[0]!.ports).toEqual([{ port: c.port, protocol: "TCP" }]);
    for (const p of (peerRules[0]?.from ?? []) as Obj[]) expect(p.namespaceSelector).toBeUndefined(); // peers: this namespace only
    const egress = np.spec.egress as Obj[];
    expect(egress[0]!.ports).toContainEqual({ port: 53, protocol: "UDP" });
    const toPods = egress.filter((e) => e.to?.[0]?.podSelector?.matchLabels?.["app.kubernetes.io/name"] && !e.to[0].namespaceSelector);
    expect(toPods.map((e) => e.to[0].podSelector.matchLabels["app.kubernetes.io/name"])).toEqual([...callees].sort());
    const byPort = egress.filter((e) => !e.to).flatMap((e) => e.ports.map((x: Obj) => x.port));
    const wantPorts = [...(c.database ? [DB_PORTS[c.database.engine]] : []), ...(BROKER_PORTS[model.broker.kind] ? [BROKER_PORTS[model.broker.kind]] : []), 4317, 4318];
    expect(byPort).toEqual(wantPorts);
  }
}

describe("k8s base", () => {
  for (const [name, file] of Object.entries(SYSTEMS)) {
    describe(name, () => {
      const model = modelAt(file);
      const files = plan(model);
      const objs = base(files);

      it("every file has the generated-by header, \\n endings and a final newline; planning is deterministic", () => {
        for (const f of files) {
          const header = f.path.endsWith(".md") ? "<!-- generated by msa — edit system.yaml instead -->\n" : "# generated by msa — edit system.yaml instead\n";
          expect(f.content.startsWith(header), f.path).toBe(true);
          expect(f.content.endsWith("\n") && !f.content.includes("\r"), f.path).toBe(true);
          expect(f.owner).toBe("generated");
        }
        expect(plan(modelAt(file)).map((f) => [f.path, f.content])).toEqual(files.map((f) => [f.path, f.content]));
      });

      it("lists every base file in the base kustomization, and nothing else", () => {
        const kust = files.find((f) => f.path === "k8s/base/kustomization.yaml")!;
        const listed = (parseAllDocuments(kust.content)[0]!.toJS() as Obj).resources as string[];
        const onDisk = files.filter((f) => f.path.startsWith("k8s/base/") && f !== kust).map((f) => f.path.slice("k8s/base/".length));
        expect([...listed].sort()).toEqual([...onDisk].sort());
      });

      it("namespace, default-deny, and per context every object with env, probes, security, scaling and network policy", () => {
        expect(find(objs, "Namespace", model.namespace)).toBeDefined();
        const deny = find(objs, "NetworkPolicy", "default-deny");
        expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
        for (const c of model.contexts) for (const kind of ["ServiceAccount", "Service", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"]) find(objs, kind, c.name);
        checkContexts(model, objs);
      });

      it("the gateway's manifests match its kind", () => {
        const kind = model.gateway.kind;
        if (kind === "none") return expect(objs.some((o) => o.metadata.name === "gateway")).toBe(false);
        const dep = find(objs, "Deployment", "gateway");
        const pod = dep.spec.template.spec;
        const np = find(objs, "NetworkPolicy", "gateway");
        const routed = [...new Set(model.gateway.routes.map((r) => r.context))].sort();
        const prometheus = { namespaceSelector: {}, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } };
        expect(np.spec.ingress).toEqual([
          { ports: [{ port: kind === "kong" ? 8000 : 8080, protocol: "TCP" }] },
          // the node gateway's /metrics: a separate port (9464) no route exposes, open to Prometheus only
          ...(kind === "node" ? [{ from: [prometheus], ports: [{ port: 9464, protocol: "TCP" }, ...(model.mesh === "istio" ? [{ port: 15020, protocol: "TCP" }] : [])] }] : []),
        ]);
        expect(dep.spec.replicas).toBeUndefined();
        expect(pod.containers[0].lifecycle.preStop.exec.command).toEqual(["sleep", "5"]);
        if (kind === "node") {
          expect(pod.containers[0].ports).toContainEqual({ name: "metrics", containerPort: 9464, protocol: "TCP" });
          expect(dep.spec.template.metadata.annotations["prometheus.io/port"]).toBe("9464");
          expect(find(objs, "ConfigMap", "gateway-config").data.METRICS_PORT).toBe("9464");
        }
        const toPods = (np.spec.egress as Obj[]).filter((e) => e.to?.[0]?.podSelector && !e.to[0].namespaceSelector);
        expect(toPods.map((e) => e.to[0].podSelector.matchLabels["app.kubernetes.io/name"])).toEqual(routed);
        expect(find(objs, "Service", "gateway").spec).toMatchObject({ type: "ClusterIP", ports: [{ port: 80, targetPort: "http" }] });
        // the Ingress is per environment (host, TLS, class): in the overlays
        expect(objs.some((o) => o.kind === "Ingress")).toBe(false);
        for (const env of ["dev", "staging", "prod"] as const) {
          const f = files.find((x) => x.path === `k8s/overlays/${env}/ingress.yaml`);
          if (!model.gateway.host) {
            expect(f).toBeUndefined();
            continue;
          }
          const ing = parseAllDocuments(f!.content)[0]!.toJS() as Obj;
          expect(ing.spec.rules[0].host).toBe(env === "prod" ? model.gateway.host : `${env}.${model.gateway.host}`);
          if (env === "prod") {
            expect(ing.spec.ingressClassName).toBe("nginx");
            expect(ing.spec.tls).toEqual([{ hosts: [model.gateway.host], secretName: "gateway-tls" }]);
          } else expect(ing.spec.tls).toBeUndefined();
        }
        const jwt = model.gateway.routes.some((r) => r.auth === "jwt");
        if (kind === "kong") {
          expect(pod.containers[0].image).toBe("kong:3.9.1");
          const settings = find(objs, "ConfigMap", "gateway-config").data;
          expect(settings).toMatchObject({ KONG_DATABASE: "off", KONG_DECLARATIVE_CONFIG: "/kong/declarative/kong.yml", KONG_ADMIN_LISTEN: "off" });
          const kongYml = files.find((f) => f.path === "gateway/kong.yml")!.content;
          expect(find(objs, "ConfigMap", "gateway-kong").data["kong.yml"]).toBe(kongYml);
          expect(pod.containers[0].livenessProbe.httpGet.path).toBe("/status");
          expect(pod.containers[0].readinessProbe.httpGet.path).toBe("/status/ready");
          if (jwt) {
            expect(pod.initContainers[0].env).toEqual([{ name: "JWT_SECRET", valueFrom: { secretKeyRef: { name: `${model.name}-gateway-jwt`, key: "secret" } } }]);
            expect(pod.initContainers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
          } else expect(pod.initContainers).toBeUndefined();
        } else {
          expect(pod.containers[0].image).toBe(`${model.registry ?? model.name}/gateway:0.0.0-dev`);
          const cm = find(objs, "ConfigMap", "gateway-config").data;
          expect(cm.PORT).toBe("8080");
          for (const r of routed) {
            const c = model.contexts.find((x) => x.name === r)!;
            expect(cm[`ROUTE_${c.envName}_URL`]).toBe(`http://${c.name}:${c.port}`);
          }
          // the iss Kong would require (its JWT consumer key): a token for one gateway kind works on the other
          if (jwt) expect(cm.JWT_ISSUER).toBe(kongView(model).jwtConsumer!.key);
          else expect(cm.JWT_ISSUER).toBeUndefined();
          expect(cm.JWT_ISSUER ?? model.name).toBe(model.name);
          const env = (pod.containers[0].env ?? []) as Obj[];
          const redis = model.gateway.rateLimitStore === "redis" ? [{ name: "REDIS_URL", valueFrom: { secretKeyRef: { name: `${model.name}-gateway-redis`, key: "url" } } }] : [];
          expect(env).toEqual([...(jwt ? [{ name: "JWT_SECRET", valueFrom: { secretKeyRef: { name: `${model.name}-gateway-jwt`, key: "secret" } } }] : []), ...redis]);
        }
      });

      it("Istio objects exactly when mesh is istio, from callers, circuit breakers and calls", () => {
        const istio = objs.filter((o) => o.apiVersion.includes("istio.io"));
        if (model.mesh !== "istio") return expect(istio).toEqual([]);
        expect(find(objs, "Namespace", model.namespace).metadata.labels["istio-injection"]).toBe("enabled");
        expect(find(objs, "PeerAuthentication", "default")).toMatchObject({ apiVersion: "security.istio.io/v1", spec: { mtls: { mode: "STRICT" } } });
        // a namespace-wide deny-all; the ALLOWs name each environment's namespace, so they are in the overlays
        expect(find(objs, "AuthorizationPolicy", "deny-all").spec).toEqual({});
        for (const c of model.contexts) {
          const sagaCallers = model.sagas.filter((x) => x.steps.some((st) => st.context === c.name) && x.orchestrator !== c.name).map((x) => x.orchestrator);
          const want = [...new Set([...(model.gateway.kind !== "none" && c.routes.length ? ["gateway"] : []), ...c.callers, ...sagaCallers])].sort();
          for (const env of ["dev", "staging", "prod"] as const) {
            const f = files.find((x) => x.path === `k8s/overlays/${env}/istio/${c.name}-authorization-policy.yaml`);
            if (!want.length) {
              expect(f, `${c.name} has no caller: the deny-all covers it`).toBeUndefined();
              continue;
            }
            const ap = parseAllDocuments(f!.content)[0]!.toJS() as Obj;
            expect(ap.apiVersion).toBe("security.istio.io/v1");
            const principals = (ap.spec.rules?.[0]?.from[0].source.principals ?? []) as string[];
            expect(principals).toEqual(want.map((n) => `cluster.local/ns/${model.environments[env].namespace}/sa/${n}`));
          }
          const dr = find(objs, "DestinationRule", c.name);
          expect(dr.apiVersion).toBe("networking.istio.io/v1");
          const inbound = model.contexts.flatMap((x) => x.calls.filter((k) => k.target === c.name));
          if (inbound.length) {
            const pct = Math.min(...inbound.map((k) => k.circuitBreaker.errorThresholdPercentage));
            expect(dr.spec.trafficPolicy.outlierDetection.consecutive5xxErrors).toBe(Math.max(1, Math.ceil(pct / 10)));
            expect(dr.spec.trafficPolicy.outlierDetection.baseEjectionTime).toBe(`${Math.max(...inbound.map((k) => k.circuitBreaker.resetTimeoutMs)) / 1000}s`);
          }
          const vs = find(objs, "VirtualService", c.name);
          const routes = vs.spec.http as Obj[];
          expect(routes.map((r) => r.name)).toEqual([...model.contexts.filter((x) => x.calls.some((k) => k.target === c.name)).map((x) => `from-${x.name}`), "default"]);
          for (const caller of model.contexts) {
            const call = caller.calls.find((k) => k.target === c.name);
            if (!call) continue;
            const r = routes.find((x) => x.name === `from-${caller.name}`)!;
            expect(r.match[0].sourceLabels["app.kubernetes.io/name"]).toBe(caller.name);
            // retries in one layer: the caller's client retries per `calls`, the mesh never
            // (Istio's webhook rejects perTryTimeout/retryOn alongside attempts: 0)
            expect(r.retries).toEqual({ attempts: 0 });
            expect(r.timeout).toBe(call.timeoutMs % 1000 ? `${call.timeoutMs}ms` : `${call.timeoutMs / 1000}s`);
          }
        }
      });

      it("overlays: dev/staging/prod set tags (never latest) on every built image; dev and prod patch replicas and HPA", () => {
        for (const env of ["dev", "staging", "prod"]) {
          const k = parseAllDocuments(files.find((f) => f.path === `k8s/overlays/${env}/kustomization.yaml`)!.content)[0]!.toJS() as Obj;
          const extra = files
            // monitoring/ (prod's PrometheusRule) is a kustomization of its own, applied where the Prometheus Operator runs
            .filter((f) => f.path.startsWith(`k8s/overlays/${env}/`) && !f.path.includes("/patches/") && !f.path.includes("/monitoring/") && !f.path.endsWith("kustomization.yaml"))
            .map((f) => f.path.slice(`k8s/overlays/${env}/`.length));
          expect([...(k.resources as string[])].sort()).toEqual(["../../base", ...extra].sort());
          expect(k.namespace).toBe(env === "prod" ? model.namespace : `${model.namespace}-${env}`);
          expect((k.labels as Obj[])[0]!.pairs).toMatchObject({ "app.kubernetes.io/instance": `${model.name}-${env}`, "msa.dev/environment": env });
          const images = (k.images as Obj[]).map((i) => i.name);
          const built = [...model.contexts.map((c) => c.name), ...(model.gateway.kind === "node" ? ["gateway"] : [])].sort();
          expect(images.map((i) => i.split("/").pop()).sort()).toEqual(built);
          for (const i of k.images as Obj[]) expect(i.newTag).toMatch(/^0\.0\.0(-\w+)?$/);
          const patches = files.filter((f) => f.path.startsWith(`k8s/overlays/${env}/patches/`));
          expect(patches.length).toBe(env === "staging" ? 0 : model.contexts.length + (model.gateway.kind === "none" ? 0 : 1));
          for (const p of patches) {
            const docs = parseAllDocuments(p.content).map((d) => d.toJS() as Obj);
            const hpa = docs.find((d) => d.kind === "HorizontalPodAutoscaler")!;
            expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
            expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
            for (const d of docs.filter((x) => x.kind === "Deployment")) expect(d.spec.replicas).toBeUndefined();
          }
        }
      });
    });
  }

  it("a changed ConfigMap changes the pod template's config hash (so pods roll)", () => {
    const text = (port: number): string =>
      ["version: 1", "name: roll", "gateway: { kind: none }", "contexts:", `  a: { port: ${port}, api: ['GET /a'] }`, ""].join("\n");
    const hashOf = (port: number): string =>
      find(base(plan(modelFromText(text(port), "roll"))), "Deployment", "a").spec.template.metadata.annotations["msa.dev/config-hash"];
    expect(hashOf(3000)).toMatch(/^[0-9a-f]{16}$/);
    expect(hashOf(3000)).toBe(hashOf(3000));
    expect(hashOf(3001)).not.toBe(hashOf(3000));
  });

  it("lets the non-root user bind a port below 1024 (safe sysctl), and only then", () => {
    const text = (port: number): string =>
      ["version: 1", "name: low", "gateway: { kind: none }", "contexts:", `  a: { port: ${port}, api: ['GET /a'] }`, ""].join("\n");
    const podSecurity = (port: number): Obj => find(base(plan(modelFromText(text(port), "low"))), "Deployment", "a").spec.template.spec.securityContext;
    expect(podSecurity(80).sysctls).toEqual([{ name: "net.ipv4.ip_unprivileged_port_start", value: "80" }]);
    expect(podSecurity(80).runAsNonRoot).toBe(true);
    expect(podSecurity(1023).sysctls).toEqual([{ name: "net.ipv4.ip_unprivileged_port_start", value: "1023" }]);
    expect(podSecurity(1024).sysctls).toBeUndefined();
    expect(podSecurity(3000).sysctls).toBeUndefined();
  });

  it("halves quantities for dev requests", () => {
    expect(["100m", "1m", "1", "2", "0.5", "1.5", "250m", "3"].map(halfCpu)).toEqual(["50m", "1m", "500m", "1", "250m", "750m", "125m", "1500m"]);
    expect(["128Mi", "1Gi", "3Mi", "1G", "1Ti", "1Ki", "1000", "7"].map(halfMemory)).toEqual(["64Mi", "512Mi", "1536Ki", "500M", "512Gi", "512", "500", "3"]);
  });
});
