// msa deploy with progressive delivery (issue #18) on a really generated system (mesh: istio; orders canary,
// users blue-green), against the recording kubectl/docker stand-ins and a stand-in Prometheus (an HTTP server
// answering /api/v1/query as Prometheus's HTTP API documents it). Proves: canary weights walked step by step with
// the pause and the error-rate query between steps, promote at 100, a failed analysis sending traffic back to
// stable; blue-green applying only the idle colour and switching the Service after its rollout, the running
// colour kept; --abort and --rollback; and that --dry-run prints each of these steps.
import fs from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSystem } from "../../src/io/generate.js";
import { runDeploy, type DeployCliOptions } from "../../src/cli/commands/deploy-run.js";
import { defaultDeps, type DeployDeps } from "../../src/io/deploy.js";
import { captureContext, makeFakes, REAL_KUBECTL, type Fakes } from "./deploy-fakes.js";

const SYSTEM = `version: 1
name: pdshop
registry: registry.example.com/pdshop
broker: { kind: memory }
mesh: istio
gateway:
  kind: node
  auth: none
  routes:
    - { path: /api/orders, context: orders }
    - { path: /api/users, context: users }
contexts:
  orders:
    port: 3000
    api: ["GET /orders/{id}"]
    calls: { users: { timeout: 1s } }
    deploy: { strategy: canary, steps: [10, 50, 100], pause: 50ms, analysis: { maxErrorRate: 1% } }
  users:
    port: 3001
    api: ["GET /users/{id}"]
    deploy: { strategy: blue-green }
`;

const haveKubectl = !!REAL_KUBECTL;
if (!haveKubectl && process.env.CI === "true") throw new Error("kubectl is required in CI for the deploy integration tests");

const clean: DeployDeps = { ...defaultDeps, checkDrift: async () => ({ diagnostics: [], changes: [], conflicts: [] }) };
const line = (c: { tool: string; args: string[] }): string => [c.tool, ...c.args].join(" ");

/** A stand-in Prometheus: answers every instant query with `rate` (null: an empty vector) and records the queries. */
function prometheus(): Promise<{ server: Server; url: string; queries: string[]; setRate: (r: string | null) => void }> {
  let rate: string | null = "0.002";
  const queries: string[] = [];
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    if (u.pathname !== "/api/v1/query") return void res.writeHead(404).end();
    queries.push(u.searchParams.get("query") ?? "");
    const result = rate === null ? [] : [{ metric: {}, value: [1700000000, rate] }];
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ status: "success", data: { resultType: "vector", result } }));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, queries, setRate: (r) => void (rate = r) }),
    ),
  );
}

/** The weights a `kubectl patch virtualservice` sets, per http route: [stable, canary]. */
function weightsOf(argv: string[]): number[][] {
  const patch = JSON.parse(argv[argv.indexOf("--patch") + 1]!) as { spec: { http: { route: { destination: { subset: string }; weight: number }[] }[] } };
  return patch.spec.http.map((h) => {
    expect(h.route.map((r) => r.destination.subset)).toEqual(["stable", "canary"]);
    return h.route.map((r) => r.weight);
  });
}

describe.skipIf(!haveKubectl)("msa deploy: canary and blue-green (skipped without kubectl on PATH)", () => {
  let dir: string;
  let prom: Awaited<ReturnType<typeof prometheus>>;
  const fakesList: Fakes[] = [];
  const opts = (over: Partial<DeployCliOptions> = {}): DeployCliOptions => ({
    env: "staging",
    services: [],
    imageTag: "v2",
    skipBuild: true,
    skipPush: true,
    timeout: "5m",
    rollbackOnFailure: false,
    dryRun: false,
    output: "text",
    prometheusUrl: prom.url,
    ...over,
  });
  /** Runs deploy with stand-ins that say: users selects `color`, the stable orders Deployment exists. */
  const deploy = async (over: Partial<DeployCliOptions>, answers: Record<string, string> = { "get service users": "blue", "get deployment orders": "deployment.apps/orders" }, fail: string[] = []) => {
    const fakes = makeFakes();
    fakesList.push(fakes);
    const c = captureContext(dir, fakes, { FAKE_ANSWER: JSON.stringify(answers), FAKE_FAIL: JSON.stringify(fail) });
    const r = await runDeploy(c.ctx, opts(over), clean);
    return { r, c, calls: fakes.calls().filter((x) => x.args[0] !== "kustomize") };
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-deploy-pd-"));
    fs.writeFileSync(path.join(dir, "system.yaml"), SYSTEM);
    const g = await generateSystem({ cwd: dir, mode: "write" });
    expect(g.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    prom = await prometheus();
  });
  afterAll(async () => {
    await new Promise((r) => prom.server.close(r));
    for (const f of fakesList) fs.rmSync(path.dirname(f.bin), { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("canary: applies all but the stable Deployment, walks 10/50/100 with a pause and an analysis between steps, promotes, back on stable", async () => {
    prom.queries.length = 0;
    prom.setRate("0.002");
    const { r, c, calls } = await deploy({});
    expect(r.exitCode, c.err()).toBe(0);
    const lines = calls.map(line);
    const apply = calls.find((x) => x.args[0] === "apply")!;
    const applied = parseAllDocuments(apply.stdin!).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec?: { selector?: Record<string, string> } });
    const deployments = applied.filter((o) => o.kind === "Deployment").map((o) => o.metadata.name).sort();
    // the stable orders and the running users-blue are not touched; canary and the idle colour get v2
    expect(deployments).toEqual(["gateway", "orders-canary", "users-green"]);
    expect(applied.find((o) => o.kind === "Service" && o.metadata.name === "users")!.spec!.selector!["msa.dev/color"]).toBe("blue");
    const progressive = lines.slice(lines.findIndex((l) => l.startsWith("kubectl patch")));
    const patches = calls.filter((x) => x.args[0] === "patch" && x.args[1] === "virtualservice");
    // every step's weights sum to 100 on every http route (orders has no caller with a timeout: the default route only)
    expect(patches.map((p) => weightsOf(p.args))).toEqual([[[90, 10]], [[50, 50]], [[0, 100]], [[100, 0]]]);
    for (const p of patches) for (const route of weightsOf(p.args)) expect(route[0]! + route[1]!).toBe(100);
    // two pauses with an analysis each (10 and 50), none after 100
    expect(prom.queries).toHaveLength(2);
    expect(prom.queries[0]).toContain('destination_workload="orders-canary",destination_workload_namespace="pdshop-staging"');
    expect(prom.queries[0]).toContain('response_code=~"5.."');
    // promote: the stable Deployment applied with v2, waited on, then traffic back on the (new) stable
    const promote = calls.filter((x) => x.args[0] === "apply")[1]!;
    expect(JSON.parse(promote.stdin!).metadata.name).toBe("orders");
    expect(JSON.parse(promote.stdin!).spec.template.spec.containers[0].image).toBe("registry.example.com/pdshop/orders:v2");
    expect(progressive.filter((l) => !l.startsWith("kubectl patch virtualservice"))).toEqual([
      "kubectl apply --namespace pdshop-staging -f -",
      "kubectl rollout status deployment/orders --namespace pdshop-staging --timeout=5m",
      'kubectl patch service users --namespace pdshop-staging --type merge --patch {"spec":{"selector":{"msa.dev/color":"green"}}}',
    ]);
    expect(c.err()).toContain("orders canary 5xx ratio 0.200 % (at most 1.000 %)");
  });

  it("canary: an error rate above maxErrorRate sends the traffic back to stable and exits 1 without promoting", async () => {
    prom.queries.length = 0;
    prom.setRate("0.05");
    const { r, c, calls } = await deploy({ services: ["orders"] });
    expect(r.exitCode).toBe(1);
    expect(c.err()).toContain("canary orders failed its analysis: the canary's 5xx ratio 5.000 % is above 1.000 %; traffic is back on stable");
    const patches = calls.filter((x) => x.args[0] === "patch");
    expect(patches.map((p) => weightsOf(p.args)[0])).toEqual([[90, 10], [100, 0]]);
    expect(calls.filter((x) => x.args[0] === "apply")).toHaveLength(1); // no promote
    expect(prom.queries).toHaveLength(1);
  });

  it("blue-green: the green colour runs, so blue gets the new version and the Service switches to blue after its rollout", async () => {
    const { r, c, calls } = await deploy({ services: ["users"] }, { "get service users": "green" });
    expect(r.exitCode, c.err()).toBe(0);
    const lines = calls.map(line);
    expect(lines.slice(-2)).toEqual([
      "kubectl rollout status deployment/users-blue --namespace pdshop-staging --timeout=5m",
      'kubectl patch service users --namespace pdshop-staging --type merge --patch {"spec":{"selector":{"msa.dev/color":"blue"}}}',
    ]);
    expect(lines.some((l) => l.includes("users-green"))).toBe(false);
  });

  it("blue-green: a rollout that fails never switches the Service", async () => {
    const { r, calls } = await deploy({ services: ["users"] }, { "get service users": "blue" }, ["rollout status deployment/users-green"]);
    expect(r.exitCode).toBe(1);
    expect(calls.some((x) => x.args[0] === "patch")).toBe(false);
  });

  it("--rollback: blue-green switches back to the previous colour once it is ready; canary undoes and returns to stable", async () => {
    const { r, c, calls } = await deploy({ mode: "rollback" }, { "get service users": "blue", "get deployment orders": "deployment.apps/orders" });
    expect(r.exitCode, c.err()).toBe(0);
    const lines = calls.map(line).filter((l) => !l.startsWith("kubectl get"));
    expect(lines.slice(0, 2)).toEqual(["kubectl rollout undo deployment/orders --namespace pdshop-staging", "kubectl rollout status deployment/orders --namespace pdshop-staging --timeout=5m"]);
    expect(weightsOf(calls.find((x) => x.args[1] === "virtualservice")!.args)[0]).toEqual([100, 0]);
    expect(lines.slice(-2)).toEqual([
      "kubectl rollout status deployment/users-green --namespace pdshop-staging --timeout=5m",
      'kubectl patch service users --namespace pdshop-staging --type merge --patch {"spec":{"selector":{"msa.dev/color":"green"}}}',
    ]);
    expect(calls.some((x) => x.tool === "docker" || x.args[0] === "apply")).toBe(false);
  });

  it("--rollback of a blue-green context alone waits for the previous colour before switching; a colour that is not ready is never switched to", async () => {
    const ok = await deploy({ mode: "rollback", services: ["users"] }, { "get service users": "green" });
    expect(ok.r.exitCode, ok.c.err()).toBe(0);
    expect(ok.calls.map(line).filter((l) => !l.startsWith("kubectl get"))).toEqual([
      "kubectl rollout status deployment/users-blue --namespace pdshop-staging --timeout=5m",
      'kubectl patch service users --namespace pdshop-staging --type merge --patch {"spec":{"selector":{"msa.dev/color":"blue"}}}',
    ]);
    const notReady = await deploy({ mode: "rollback", services: ["users"] }, { "get service users": "green" }, ["rollout status deployment/users-blue"]);
    expect(notReady.r.exitCode).toBe(1);
    expect(notReady.calls.some((x) => x.args[0] === "patch")).toBe(false);
  });

  it("--abort: the canary's traffic goes back to stable, nothing is built or applied", async () => {
    const { r, c, calls } = await deploy({ mode: "abort", services: ["orders"] });
    expect(r.exitCode, c.err()).toBe(0);
    const mutating = calls.filter((x) => x.args[0] !== "get");
    expect(mutating).toHaveLength(1);
    expect(weightsOf(mutating[0]!.args)).toEqual([[100, 0]]);
  });

  it("--dry-run prints every step (weights, pauses, analyses, promote, switch) and runs only read-only commands", async () => {
    const { r, c, calls } = await deploy({ dryRun: true });
    expect(r.exitCode, c.err()).toBe(0);
    expect(calls.every((x) => x.args[0] === "get")).toBe(true);
    const out = c.out();
    for (const s of [
      "canary orders step 10 %: orders traffic stable 90 % / canary 10 %",
      "canary orders: let 10 % run for 50ms",
      "sleep 0",
      "canary orders: the canary's 5xx ratio over 50ms must be at most 1 % (Prometheus), else traffic goes back to stable",
      `curl -fsS --get --data-urlencode 'query=sum(rate(istio_requests_total{reporter="destination",destination_workload="orders-canary"`,
      "canary orders step 100 %: orders traffic stable 0 % / canary 100 %",
      "promote orders: the stable Deployment gets this version (stdin: the stable Deployment as rendered, with this version)",
      "blue-green users: the Service users selects users-green",
    ])
      expect(out).toContain(s);
  });
});
