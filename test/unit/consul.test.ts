// discovery: consul as data (issue #18 item 4): the edge graph's agent edges, compose's agent and CONSUL_HTTP_ADDR,
// the Deployments' downward-API env and the NetworkPolicies, msa dev, the planned service files — and the stand-in
// agent itself (test/support/consul-standin.ts), whose check runner the e2e test relies on.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { planDev } from "../../src/core/dev/plan.js";
import { CONSUL_HTTP_PORT, edgeGraph } from "../../src/core/edges.js";
import { planCompose, COMPOSE_IMAGES } from "../../src/core/plan/compose.js";
import { planNodeGateway } from "../../src/core/plan/gateway-node.js";
import { planNodeServices } from "../../src/core/plan/service-node.js";
import { planPythonServices } from "../../src/core/plan/service-python.js";
import { CONSUL_HELM_VALUES, planRoot } from "../../src/core/plan/root.js";
import { planArchitectureDocs } from "../../src/core/plan/docs.js";
import { modelFromYaml, renderer, repoRoot } from "../helpers/engine-model.js";
import { plan } from "../k8s/support.js";
import { parseDuration, startConsulStandin, type ConsulStandin } from "../support/consul-standin.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const FIXTURE = fs.readFileSync(path.join(repoRoot, "test/fixtures/consul/system.yaml"), "utf8");
const consul = modelFromYaml(FIXTURE);
const dns = modelFromYaml(FIXTURE.replace("discovery: consul\n", ""));
const kong = modelFromYaml(FIXTURE.replace("kind: node\n", "kind: kong\n"));

describe("edge graph", () => {
  it("every context and the node gateway reach the agent on 8500; the agent checks each context's port", () => {
    const g = edgeGraph(consul);
    const agentEdges = g.outside.filter((e) => e.kind === "discovery").map((e) => `${e.from}:${e.port}/${e.protocol}`);
    expect(agentEdges).toEqual(["gateway:8500/TCP", "orders:8500/TCP", "report:8500/TCP", "stock:8500/TCP"]);
    expect(g.inbound.filter((e) => e.kind === "discovery")).toEqual([
      { kind: "discovery", from: "consul", to: "orders", port: 3000 },
      { kind: "discovery", from: "consul", to: "report", port: 3002 },
      { kind: "discovery", from: "consul", to: "stock", port: 3001 },
    ]);
    expect(CONSUL_HTTP_PORT).toBe(8500);
  });

  it("none without discovery: consul; Kong (which resolves by DNS) gets none either", () => {
    expect(edgeGraph(dns).outside.some((e) => e.kind === "discovery")).toBe(false);
    expect(edgeGraph(dns).inbound.some((e) => e.kind === "discovery")).toBe(false);
    expect(edgeGraph(kong).outside.filter((e) => e.kind === "discovery").map((e) => e.from)).toEqual(["orders", "report", "stock"]);
  });
});

describe("compose", () => {
  const compose = (m: typeof consul): Obj => parseYaml(planCompose(m, renderer())[0]!.content) as Obj;

  it("runs one agent in dev mode and points every service and the gateway at it", () => {
    const c = compose(consul);
    expect(c.services.consul).toMatchObject({ image: COMPOSE_IMAGES.consul, command: ["agent", "-dev", "-client=0.0.0.0"], ports: ["8500:8500"] });
    for (const s of ["orders", "report", "stock", "gateway"]) expect(c.services[s].environment.CONSUL_HTTP_ADDR).toBe("http://consul:8500");
    expect(c.services.orders.depends_on.consul).toEqual({ condition: "service_started" });
    // the DNS URL stays: it is the fallback when Consul cannot answer
    expect(c.services.orders.environment.STOCK_URL).toBe("http://stock:3001");
  });

  it("no agent and no CONSUL_HTTP_ADDR without discovery: consul", () => {
    const c = compose(dns);
    expect(c.services.consul).toBeUndefined();
    expect(JSON.stringify(c)).not.toContain("CONSUL_HTTP_ADDR");
  });
});

describe("kubernetes", () => {
  const objs = (m: typeof consul): Obj[] =>
    plan(m)
      .filter((f) => f.path.startsWith("k8s/base/") && !f.path.endsWith("kustomization.yaml"))
      .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS() as Obj));
  const find = (all: Obj[], kind: string, name: string): Obj => all.find((o) => o.kind === kind && o.metadata.name === name)!;
  const all = objs(consul);

  it("the node-local agent: HOST_IP and POD_IP from the downward API, CONSUL_HTTP_ADDR expanded from HOST_IP", () => {
    for (const name of ["orders", "report", "stock"]) {
      const env = find(all, "Deployment", name).spec.template.spec.containers[0].env as Obj[];
      expect(env).toContainEqual({ name: "HOST_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } });
      expect(env).toContainEqual({ name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } });
      const names = env.map((e) => e.name);
      // Kubernetes expands $(HOST_IP) only when HOST_IP is defined before it in env
      expect(names.indexOf("CONSUL_HTTP_ADDR")).toBeGreaterThan(names.indexOf("HOST_IP"));
      expect(env).toContainEqual({ name: "CONSUL_HTTP_ADDR", value: "http://$(HOST_IP):8500" });
      // never in the ConfigMap, whose values are not expanded
      expect(find(all, "ConfigMap", `${name}-config`).data.CONSUL_HTTP_ADDR).toBeUndefined();
    }
    // the gateway looks up but does not register: no POD_IP
    const gw = find(all, "Deployment", "gateway").spec.template.spec.containers[0].env as Obj[];
    expect(gw.map((e) => e.name)).toEqual(expect.arrayContaining(["HOST_IP", "CONSUL_HTTP_ADDR"]));
    expect(gw.map((e) => e.name)).not.toContain("POD_IP");
  });

  it("NetworkPolicies: egress to 8500, ingress from the Consul client agents on the service port", () => {
    for (const [name, port] of [["orders", 3000], ["stock", 3001]] as const) {
      const np = find(all, "NetworkPolicy", name).spec;
      expect(np.egress).toContainEqual({ ports: [{ port: 8500, protocol: "TCP" }] });
      expect(np.ingress).toContainEqual({ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: "consul", component: "client" } } }], ports: [{ port, protocol: "TCP" }] });
    }
    expect(find(all, "NetworkPolicy", "gateway").spec.egress).toContainEqual({ ports: [{ port: 8500, protocol: "TCP" }] });
    expect(JSON.stringify(find(all, "NetworkPolicy", "gateway").spec.ingress)).not.toContain("consul");
  });

  it("nothing of it without discovery: consul", () => {
    const text = JSON.stringify(objs(dns));
    for (const s of ["HOST_IP", "CONSUL_HTTP_ADDR", "8500", '"consul"']) expect(text).not.toContain(s);
  });
});

describe("planned services", () => {
  it("node: src/generated/discovery.ts and the consul client, only with discovery: consul", () => {
    const files = planNodeServices(consul, renderer());
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(["services/orders/src/generated/discovery.ts", "services/orders/test/discovery.test.ts"]));
    expect(JSON.parse(files.find((f) => f.path === "services/orders/package.json")!.content).dependencies.consul).toBe("2.0.1");
    const main = files.find((f) => f.path === "services/orders/src/main.ts")!.content;
    // deregistration is the first step of the shutdown
    expect(main.indexOf("await service.deregister()")).toBeLessThan(main.indexOf("service.drain()"));
    const plain = planNodeServices(dns, renderer());
    expect(plain.some((f) => f.path.endsWith("discovery.ts"))).toBe(false);
    expect(JSON.parse(plain.find((f) => f.path === "services/orders/package.json")!.content).dependencies.consul).toBeUndefined();
  });

  it("python: app/discovery.py, python-consul pinned, registration in the gunicorn master, callees looked up", () => {
    const files = planPythonServices(consul, renderer());
    const clients = files.find((f) => f.path === "services/report/app/clients.py")!.content;
    expect(clients).toContain("discovery().base_url(target, fallback)");
    expect(clients).toContain("base = self.base_url() if callable(self.base_url) else self.base_url");
    expect(files.map((f) => f.path)).toContain("services/stock/app/discovery.py");
    expect(files.find((f) => f.path === "services/stock/requirements.txt")!.content).toContain("python-consul==0.7.1\n");
    const conf = files.find((f) => f.path === "services/stock/gunicorn.conf.py")!.content;
    expect(conf).toContain("def when_ready(server):");
    expect(conf.indexOf("_discovery.deregister(server.log)")).toBeLessThan(conf.indexOf("open(drain_file"));
    const plain = planPythonServices(dns, renderer());
    expect(plain.some((f) => f.path.endsWith("discovery.py"))).toBe(false);
    expect(plain.find((f) => f.path === "services/stock/requirements.txt")!.content).not.toContain("consul");
  });

  it("node gateway: looks the routed contexts up, never a legacy upstream", () => {
    const m = modelFromYaml(FIXTURE.replace("    - { path: /api/stock, context: stock }\n", '    - { path: /api/stock, context: stock }\n    - { path: /api/old, upstream: "http://old.example.internal:8080", split: { stock: 10 } }\n'));
    const files = planNodeGateway(m, renderer());
    expect(files.map((f) => f.path)).toContain("gateway/src/discovery.ts");
    expect(files.find((f) => f.path === "gateway/src/routes.ts")!.content).toContain('export const CONTEXTS: ReadonlySet<string> = new Set(["orders","stock"]);');
    expect(JSON.parse(files.find((f) => f.path === "gateway/package.json")!.content).dependencies.consul).toBe("2.0.1");
    expect(planNodeGateway(dns, renderer()).some((f) => f.path.endsWith("discovery.ts"))).toBe(false);
  });

  it("msa dev: the agent on localhost, services registered at 127.0.0.1, and a note on what a Docker agent cannot check", () => {
    const dev = planDev(consul, { only: [], gateway: true, portOffset: null, dotenv: {}, tracing: false, python: "python3" });
    const orders = dev.processes.find((p) => p.name === "orders")!;
    expect(orders.env).toMatchObject({ CONSUL_HTTP_ADDR: "http://127.0.0.1:8500", SERVICE_ADDRESS: "127.0.0.1" });
    expect(dev.processes.find((p) => p.name === "gateway")!.env.CONSUL_HTTP_ADDR).toBe("http://127.0.0.1:8500");
    expect(dev.infra.find((i) => i.composeService === "consul")).toMatchObject({ publish: { host: 8500, container: 8500 } });
    expect(dev.notes.join("\n")).toContain("cannot reach services on the host's 127.0.0.1");
    const own = planDev(consul, { only: [], gateway: true, portOffset: null, dotenv: { CONSUL_HTTP_ADDR: "http://10.0.0.5:8500" }, tracing: false, python: "python3" });
    expect(own.processes.find((p) => p.name === "stock")!.env.CONSUL_HTTP_ADDR).toBe("http://10.0.0.5:8500");
  });
});

describe("the Helm chart values", () => {
  it("docs/kubernetes.md and the generated README show the same values: client agents on, Connect off", () => {
    expect(CONSUL_HELM_VALUES).toMatch(/client:\n  enabled: true/);
    expect(CONSUL_HELM_VALUES).toMatch(/connectInject:\n  enabled: false/);
    expect(fs.readFileSync(path.join(repoRoot, "docs/kubernetes.md"), "utf8")).toContain(CONSUL_HELM_VALUES);
    const readme = (m: typeof consul): string => planRoot(m, renderer()).find((f) => f.path === "README.md")!.content;
    expect(readme(consul)).toContain(CONSUL_HELM_VALUES);
    expect(readme(consul)).toContain("helm install consul hashicorp/consul");
    expect(readme(dns)).not.toContain("consul");
    const architecture = (m: typeof consul): string => planArchitectureDocs(m, renderer()).find((f) => f.path === "docs/architecture.md")!.content;
    expect(architecture(consul)).toContain("## Service discovery (Consul)");
    expect(architecture(consul)).toContain(CONSUL_HELM_VALUES);
    expect(architecture(dns)).not.toContain("Consul");
  });
});

describe("the stand-in agent", () => {
  let agent: ConsulStandin;
  let ready = 200;
  const target = http.createServer((req, res) => res.writeHead(req.url === "/ready" ? ready : 404).end());
  const servers: http.Server[] = [target];
  afterAll(async () => {
    await agent?.stop();
    for (const s of servers) s.close();
  });
  const put = (p: string, body?: unknown): Promise<Response> => fetch(`${agent.url}${p}`, { method: "PUT", ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });

  it("parses Go durations as Consul does", () => {
    expect([parseDuration("10s"), parseDuration("1m30s"), parseDuration("500ms"), parseDuration("2h"), parseDuration("x"), parseDuration("")]).toEqual([10_000, 90_000, 500, 7_200_000, null, null]);
  });

  it("registers, runs the HTTP check on its interval, filters ?passing, deregisters", async () => {
    agent = await startConsulStandin();
    await new Promise<void>((r) => target.listen(0, "127.0.0.1", r));
    const port = (target.address() as AddressInfo).port;
    // field names as python-consul 0.7.1 sends them (lower case): Consul matches them case-insensitively
    expect((await put("/v1/agent/service/register", { name: "stock", id: "stock-1", address: "127.0.0.1", port, check: { http: `http://127.0.0.1:${port}/ready`, interval: "100ms", timeout: "1s", DeregisterCriticalServiceAfter: "1m" } })).status).toBe(200);
    // a new check starts critical
    const first = (await (await fetch(`${agent.url}/v1/health/service/stock`)).json()) as Obj[];
    expect(first[0]!.Checks.map((c: Obj) => c.CheckID)).toEqual(["serfHealth", "service:stock-1"]);
    await expect.poll(() => agent.services().get("stock-1")?.checks[0]?.status, { timeout: 3_000 }).toBe("passing");
    const passing = (await (await fetch(`${agent.url}/v1/health/service/stock?passing=true`)).json()) as Obj[];
    expect(passing).toHaveLength(1);
    expect(passing[0]!.Service).toMatchObject({ ID: "stock-1", Service: "stock", Address: "127.0.0.1", Port: port });
    expect(passing[0]!.Checks[1]).toMatchObject({ Status: "passing", ServiceID: "stock-1", ServiceName: "stock" });

    ready = 503;
    await expect.poll(() => agent.services().get("stock-1")?.checks[0]?.status, { timeout: 3_000 }).toBe("critical");
    expect(await (await fetch(`${agent.url}/v1/health/service/stock?passing`)).json()).toEqual([]);
    expect(((await (await fetch(`${agent.url}/v1/health/service/stock`)).json()) as Obj[])[0]!.Checks[1].Status).toBe("critical");
    ready = 429;
    await expect.poll(() => agent.services().get("stock-1")?.checks[0]?.status, { timeout: 3_000 }).toBe("warning");
    expect(Object.keys((await (await fetch(`${agent.url}/v1/agent/services`)).json()) as Obj)).toEqual(["stock-1"]);

    expect((await fetch(`${agent.url}/v1/agent/service/deregister/stock-1`)).status).toBe(405); // GET: Consul >= 1.0 wants PUT
    expect((await put("/v1/agent/service/deregister/stock-1")).status).toBe(200);
    expect((await put("/v1/agent/service/deregister/stock-1")).status).toBe(404);
    expect(await (await fetch(`${agent.url}/v1/health/service/stock`)).json()).toEqual([]);
  });

  it("refuses what Consul refuses", async () => {
    expect((await put("/v1/agent/service/register", { Port: 1 })).status).toBe(400);
    expect(await (await put("/v1/agent/service/register", { Port: 1 })).text()).toBe("Missing service name");
    expect((await put("/v1/agent/service/register", { Name: "x", Check: { HTTP: "http://127.0.0.1:1/" } })).status).toBe(400); // no interval
    expect((await fetch(`${agent.url}/v1/agent/service/register`)).status).toBe(405);
    const r = await fetch(`${agent.url}/v1/agent/services`, { headers: { "X-Consul-Token": "t0k" } });
    expect(r.headers.get("x-consul-index")).toMatch(/^\d+$/);
    expect(agent.requests.at(-1)).toMatchObject({ method: "GET", path: "/v1/agent/services", token: "t0k" });
  });
});
