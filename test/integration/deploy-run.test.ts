// msa deploy against recording stand-ins for docker and kubectl: order, arguments, failure
// handling, and that --dry-run runs nothing but the read-only `kubectl kustomize`.
// The project here is a small hand-written tree (system.yaml, Dockerfiles, kustomize base and
// overlays); the drift check is stubbed as clean. deploy-generated.test.ts covers real generated output.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { CannotRunError, UsageError } from "../../src/core/diagnostics.js";
import { runDeploy, type DeployCliOptions } from "../../src/cli/commands/deploy-run.js";
import { defaultDeps, type DeployDeps } from "../../src/io/deploy.js";
import { captureContext, makeFakes, REAL_KUBECTL, writeTree, type Fakes } from "./deploy-fakes.js";

const SYSTEM = `version: 1
name: demo
registry: registry.example.com/demo
broker: { kind: memory }
gateway:
  kind: node
  auth: none
  routes:
    - { path: /api/orders, context: orders }
contexts:
  orders:
    port: 3000
    api: ["GET /orders/{id}"]
    calls: { payment: { timeout: 1s } }
  payment:
    port: 3001
    api: ["POST /payments"]
`;

const workload = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: { app.kubernetes.io/name: ${name} }
spec:
  selector: { matchLabels: { app.kubernetes.io/name: ${name} } }
  template:
    metadata: { labels: { app.kubernetes.io/name: ${name} } }
    spec:
      containers:
        - name: ${name}
          image: registry.example.com/demo/${name}:0.0.0
---
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  labels: { app.kubernetes.io/name: ${name} }
spec:
  selector: { app.kubernetes.io/name: ${name} }
  ports: [{ port: 80 }]
`;

const overlay = (env: string) => `resources: [../../base]
images:
${["gateway", "orders", "payment"].map((s) => `  - name: registry.example.com/demo/${s}\n    newTag: 0.0.0-${env}`).join("\n")}
`;

function project(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-deploy-project-"));
  writeTree(dir, {
    "system.yaml": SYSTEM,
    "services/orders/Dockerfile": "FROM scratch\n",
    "services/payment/Dockerfile": "FROM scratch\n",
    "gateway/Dockerfile": "FROM scratch\n",
    "k8s/base/kustomization.yaml": "namespace: demo\nresources: [namespace.yaml, secret.yaml, gateway.yaml, orders.yaml, payment.yaml]\n",
    "k8s/base/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: { name: demo }\n",
    "k8s/base/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: { name: demo-broker }\nstringData: { url: 'amqp://app:s3cr3t-value@rabbitmq:5672' }\n",
    "k8s/base/gateway.yaml": workload("gateway"),
    "k8s/base/orders.yaml": workload("orders"),
    "k8s/base/payment.yaml": workload("payment"),
    "k8s/overlays/dev/kustomization.yaml": overlay("dev"),
    "k8s/overlays/staging/kustomization.yaml": overlay("staging"),
    "k8s/overlays/prod/kustomization.yaml": overlay("prod"),
  });
  return dir;
}

const clean: DeployDeps = { ...defaultDeps, checkDrift: async () => ({ diagnostics: [], changes: [], conflicts: [] }) };
const opts = (over: Partial<DeployCliOptions> = {}): DeployCliOptions => ({
  env: "dev",
  services: [],
  imageTag: "v1",
  skipBuild: false,
  skipPush: false,
  timeout: "5m",
  rollbackOnFailure: false,
  dryRun: false,
  output: "text",
  ...over,
});
const line = (c: { tool: string; args: string[] }) => [c.tool, ...c.args].join(" ");

const haveKubectl = !!REAL_KUBECTL;
if (!haveKubectl && process.env.CI === "true") throw new Error("kubectl is required in CI for the deploy integration tests");

describe.skipIf(!haveKubectl)("msa deploy with recording docker/kubectl (skipped without kubectl on PATH)", () => {
  let dir: string;
  let fakes: Fakes;
  beforeEach(() => {
    dir = project();
    fakes = makeFakes();
  });
  afterEach(() => {
    for (const d of [dir, path.dirname(fakes.bin)]) fs.rmSync(d, { recursive: true, force: true });
  });

  it("builds, pushes, applies the rendered overlay with the tags, then waits on each Deployment", async () => {
    const c = captureContext(dir, fakes);
    const r = await runDeploy(c.ctx, opts(), clean);
    expect(c.err()).not.toMatch(/error/i);
    expect(r.exitCode).toBe(0);
    const calls = fakes.calls();
    expect(calls.map(line)).toEqual([
      "kubectl kustomize",
      "docker build --tag registry.example.com/demo/orders:v1 services/orders",
      "docker build --tag registry.example.com/demo/payment:v1 services/payment",
      "docker build --tag registry.example.com/demo/gateway:v1 gateway",
      "docker push registry.example.com/demo/orders:v1",
      "docker push registry.example.com/demo/payment:v1",
      "docker push registry.example.com/demo/gateway:v1",
      "kubectl apply --namespace demo -f -",
      "kubectl rollout status deployment/gateway --namespace demo --timeout=5m",
      "kubectl rollout status deployment/orders --namespace demo --timeout=5m",
      "kubectl rollout status deployment/payment --namespace demo --timeout=5m",
    ]);
    const applied = calls.find((x) => x.args[0] === "apply")?.stdin ?? "";
    for (const s of ["orders", "payment", "gateway"]) expect(applied).toContain(`image: registry.example.com/demo/${s}:v1`);
    expect(applied).not.toContain("0.0.0-dev");
    expect(c.out()).toMatch(/deployed dev to namespace demo/);
    expect(c.out() + c.err()).not.toContain("s3cr3t-value");
  });

  it("--dry-run runs nothing but the render, and prints every command and the redacted manifests", async () => {
    const before = fs.readdirSync(dir).sort();
    const c = captureContext(dir, fakes);
    const r = await runDeploy(c.ctx, opts({ dryRun: true, env: "prod", imageTag: "v2.0.0" }), clean);
    expect(r.exitCode).toBe(0);
    expect(fakes.mutatingOrWaiting()).toEqual([]);
    expect(fakes.calls().map(line)).toEqual(["kubectl kustomize"]);
    const out = c.out();
    expect(out).toMatch(/^docker build --tag registry.example.com\/demo\/orders:v2.0.0 services\/orders$/m);
    expect(out).toMatch(/^docker push registry.example.com\/demo\/gateway:v2.0.0$/m);
    expect(out).toMatch(/^kubectl apply --namespace demo -f -$/m);
    expect(out).toMatch(/^kubectl rollout status deployment\/payment --namespace demo --timeout=5m$/m);
    expect(out).toMatch(/image: registry.example.com\/demo\/payment:v2.0.0/);
    expect(out).toMatch(/url: <redacted>/);
    expect(out + c.err()).not.toContain("s3cr3t-value");
    expect(fs.readdirSync(dir).sort()).toEqual(before);
  });

  it("--dry-run --output json prints the plan as JSON", async () => {
    const c = captureContext(dir, fakes);
    await runDeploy(c.ctx, opts({ dryRun: true, output: "json", services: ["orders"] }), clean);
    const plan = JSON.parse(c.out()) as { dryRun: boolean; tag: string; steps: { phase: string; argv: string[] }[]; manifests: string };
    expect(plan.dryRun).toBe(true);
    expect(plan.tag).toBe("v1");
    expect(plan.steps.map((s) => s.phase)).toEqual(["build", "push", "apply", "rollout"]);
    expect(plan.manifests).not.toContain("s3cr3t-value");
    expect(fakes.mutatingOrWaiting()).toEqual([]);
  });

  it("--output json on a real run prints the plan with each step's exit code, tool output on stderr", async () => {
    const c = captureContext(dir, fakes, { FAKE_FAIL: JSON.stringify(["rollout status deployment/payment"]) });
    const r = await runDeploy(c.ctx, opts({ output: "json", skipBuild: true, services: ["payment"] }), clean);
    expect(r.exitCode).toBe(1);
    const out = JSON.parse(c.out()) as { ok: boolean; dryRun: boolean; results: { command: string; exitCode: number }[] };
    expect(out.ok).toBe(false);
    expect(out.dryRun).toBe(false);
    expect(out.results.map((x) => [x.command, x.exitCode])).toEqual([
      ["docker push registry.example.com/demo/payment:v1", 0],
      ["kubectl apply --namespace demo -f -", 0],
      ["kubectl rollout status deployment/payment --namespace demo --timeout=5m", 3],
      ["kubectl describe deployment/payment --namespace demo", 0],
      ["kubectl get events --namespace demo --field-selector type=Warning --sort-by .lastTimestamp", 0],
    ]);
    expect(c.err()).toMatch(/fake docker ok/);
  });

  it("an invalid system.yaml is exit 1 and nothing runs", async () => {
    writeTree(dir, { "system.yaml": SYSTEM.replace("api: [\"POST /payments\"]", "api: [\"POST /payments\"]\n    calls: { nowhere: {} }") });
    const c = captureContext(dir, fakes);
    const r = await runDeploy(c.ctx, opts(), clean);
    expect(r.exitCode).toBe(1);
    expect(c.err()).toMatch(/system.yaml:\d+:\d+\s+error/);
    expect(fakes.calls()).toEqual([]);
  });

  it("a failing build stops before anything is pushed or applied", async () => {
    const c = captureContext(dir, fakes, { FAKE_FAIL: JSON.stringify(["docker build --tag registry.example.com/demo/payment"]) });
    const r = await runDeploy(c.ctx, opts(), clean);
    expect(r.exitCode).toBe(1);
    expect(fakes.mutatingOrWaiting().map(line)).toEqual([
      "docker build --tag registry.example.com/demo/orders:v1 services/orders",
      "docker build --tag registry.example.com/demo/payment:v1 services/payment",
    ]);
    expect(c.err()).toMatch(/build payment from services\/payment\/ failed \(exit 3\); nothing was pushed or applied/);
    expect(c.err()).toMatch(/simulated failure/);
  });

  it("checks the Secrets the workloads read before building; a missing one stops everything, --dry-run lists them", async () => {
    const withSecrets = workload("orders").replace(
      "          image: registry.example.com/demo/orders:0.0.0\n",
      "          image: registry.example.com/demo/orders:0.0.0\n          env:\n            - name: DATABASE_URL\n              valueFrom: { secretKeyRef: { name: orders-database, key: url } }\n            - name: OPTIONAL\n              valueFrom: { secretKeyRef: { name: maybe, key: x, optional: true } }\n",
    );
    fs.writeFileSync(path.join(dir, "k8s/base/orders.yaml"), withSecrets);
    const dry = captureContext(dir, fakes);
    expect((await runDeploy(dry.ctx, opts({ dryRun: true }), clean)).exitCode).toBe(0);
    // listed with who reads it; the Secret the manifests create themselves (demo-broker) and optional ones are not
    expect(dry.out()).toContain("#   orders-database (key url), read by deployment/orders");
    expect(dry.out()).toContain("kubectl get secret orders-database --namespace demo --output name");
    expect(dry.out()).not.toMatch(/#   (demo-broker|maybe)/);
    expect(fakes.mutatingOrWaiting()).toEqual([]);

    const c = captureContext(dir, fakes, { FAKE_FAIL: JSON.stringify(["kubectl get secret"]) });
    const r = await runDeploy(c.ctx, opts(), clean);
    expect(r.exitCode).toBe(1);
    expect(fakes.mutatingOrWaiting().map(line)).toEqual(["kubectl get secret orders-database --namespace demo --output name"]);
    expect(c.err()).toMatch(/a Secret the workloads read is missing in namespace demo .*docs\/secrets\.md.*Nothing was built, pushed or applied/);

    const ok = captureContext(dir, fakes);
    expect((await runDeploy(ok.ctx, opts(), clean)).exitCode).toBe(0);
    const calls = fakes.mutatingOrWaiting().map(line).slice(1);
    expect(calls[0]).toBe("kubectl get secret orders-database --namespace demo --output name");
    expect(calls[1]).toMatch(/^docker build/);
  });

  it("a failing push stops before anything is applied", async () => {
    const c = captureContext(dir, fakes, { FAKE_FAIL: JSON.stringify(["docker push"]) });
    const r = await runDeploy(c.ctx, opts(), clean);
    expect(r.exitCode).toBe(1);
    expect(fakes.mutatingOrWaiting().filter((x) => x.tool === "kubectl")).toEqual([]);
    expect(c.err()).toMatch(/nothing was applied/);
  });

  it("a failed rollout prints the workload's description and events and exits 1", async () => {
    const c = captureContext(dir, fakes, { FAKE_FAIL: JSON.stringify(["rollout status deployment/orders"]) });
    const r = await runDeploy(c.ctx, opts({ skipBuild: true, skipPush: true }), clean);
    expect(r.exitCode).toBe(1);
    const calls = fakes.mutatingOrWaiting().map(line);
    expect(calls).toEqual([
      "kubectl apply --namespace demo -f -",
      "kubectl rollout status deployment/gateway --namespace demo --timeout=5m",
      "kubectl rollout status deployment/orders --namespace demo --timeout=5m",
      "kubectl rollout status deployment/payment --namespace demo --timeout=5m",
      "kubectl describe deployment/orders --namespace demo",
      "kubectl get events --namespace demo --field-selector type=Warning --sort-by .lastTimestamp",
    ]);
    expect(c.err()).toMatch(/deployment\/orders did not roll out within 5m/);
    expect(c.err()).toMatch(/Back-off restarting failed container/);
    expect(c.err()).toMatch(/pass --rollback-on-failure/);
  });

  it("--rollback-on-failure undoes only the workload that failed", async () => {
    const c = captureContext(dir, fakes, { FAKE_FAIL: JSON.stringify(["rollout status deployment/orders"]) });
    const r = await runDeploy(c.ctx, opts({ skipBuild: true, skipPush: true, rollbackOnFailure: true, timeout: "90s" }), clean);
    expect(r.exitCode).toBe(1);
    const calls = fakes.mutatingOrWaiting().map(line);
    expect(calls.filter((l) => l.includes("undo"))).toEqual(["kubectl rollout undo deployment/orders --namespace demo"]);
    expect(calls.indexOf("kubectl rollout undo deployment/orders --namespace demo")).toBeGreaterThan(calls.indexOf("kubectl describe deployment/orders --namespace demo"));
    expect(calls).toContain("kubectl rollout status deployment/payment --namespace demo --timeout=90s");
    expect(c.err()).toMatch(/rolled back deployment\/orders/);
  });

  it("--service-name deploys that service only and leaves other services' objects out", async () => {
    const c = captureContext(dir, fakes);
    const r = await runDeploy(c.ctx, opts({ services: ["orders"] }), clean);
    expect(r.exitCode).toBe(0);
    const calls = fakes.mutatingOrWaiting();
    expect(calls.filter((x) => x.tool === "docker").map(line)).toEqual([
      "docker build --tag registry.example.com/demo/orders:v1 services/orders",
      "docker push registry.example.com/demo/orders:v1",
    ]);
    const applied = calls.find((x) => x.args[0] === "apply")?.stdin ?? "";
    expect(applied).toContain("image: registry.example.com/demo/orders:v1");
    expect(applied).not.toMatch(/name: payment|name: gateway/);
    expect(applied).toContain("kind: Namespace");
    expect(calls.filter((x) => x.args[0] === "rollout").map(line)).toEqual(["kubectl rollout status deployment/orders --namespace demo --timeout=5m"]);
  });

  it("--k8s-manifest renders the given file with the images transformer and applies it in --namespace", async () => {
    writeTree(dir, {
      "deploy/orders.yaml": workload("orders").replace("registry.example.com/demo/orders:0.0.0", "myregistry.com/myorg/demo/orders:old"),
    });
    const c = captureContext(dir, fakes);
    const r = await runDeploy(
      c.ctx,
      opts({ services: ["orders"], imageTag: "v1.0.0", registry: "myregistry.com/myorg", k8sManifest: "deploy/orders.yaml", namespace: "production" }),
      clean,
    );
    expect(c.err()).not.toMatch(/error|fail/i);
    expect(r.exitCode).toBe(0);
    const calls = fakes.mutatingOrWaiting();
    expect(calls.map(line)).toEqual([
      "docker build --tag myregistry.com/myorg/demo/orders:v1.0.0 services/orders",
      "docker push myregistry.com/myorg/demo/orders:v1.0.0",
      "kubectl apply --namespace production -f -",
      "kubectl rollout status deployment/orders --namespace production --timeout=5m",
    ]);
    const applied = calls.find((x) => x.args[0] === "apply")?.stdin ?? "";
    expect(applied).toContain("image: myregistry.com/myorg/demo/orders:v1.0.0");
    expect(applied).toContain("namespace: production");
  });

  it("refuses drifted generated output before running anything", async () => {
    const c = captureContext(dir, fakes);
    const drifted: DeployDeps = { ...defaultDeps, checkDrift: async () => ({ diagnostics: [], changes: [{ path: "k8s/base/orders/deployment.yaml", kind: "update" }], conflicts: [] }) };
    const r = await runDeploy(c.ctx, opts(), drifted);
    expect(r.exitCode).toBe(1);
    expect(fakes.calls()).toEqual([]);
    expect(c.err()).toMatch(/update k8s\/base\/orders\/deployment.yaml/);
    expect(c.err()).toMatch(/generated output is stale/);
  });

  it("an overlay that does not build is reported and nothing runs", async () => {
    writeTree(dir, { "k8s/overlays/staging/kustomization.yaml": "resources: [../../missing]\n" });
    const c = captureContext(dir, fakes);
    const r = await runDeploy(c.ctx, opts({ env: "staging" }), clean);
    expect(r.exitCode).toBe(1);
    expect(fakes.mutatingOrWaiting()).toEqual([]);
    expect(c.err()).toMatch(/kubectl kustomize k8s\/overlays\/staging failed/);
  });

  it("tags with the short git commit, and -dirty when the tree has changes", async () => {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@e", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@e" } }).toString().trim();
    git("init", "-q");
    git("add", ".");
    git("-c", "commit.gpgsign=false", "commit", "-q", "-m", "init");
    const sha = git("rev-parse", "--short", "HEAD");
    const gitDir = path.dirname(execFileSync("sh", ["-c", "command -v git"]).toString().trim());
    const run = async () => {
      const c = captureContext(dir, fakes, {}, [fakes.bin, gitDir]);
      await runDeploy(c.ctx, opts({ imageTag: undefined, dryRun: true, output: "json" }), clean);
      return (JSON.parse(c.out()) as { tag: string; tagSource: string }).tag;
    };
    expect(await run()).toBe(sha);
    fs.appendFileSync(path.join(dir, "services/orders/Dockerfile"), "# changed\n");
    expect(await run()).toBe(`${sha}-dirty`);
  });

  it("needs --image-tag outside a git repository", async () => {
    const c = captureContext(dir, fakes);
    await expect(runDeploy(c.ctx, opts({ imageTag: undefined }), clean)).rejects.toThrow(UsageError);
    expect(fakes.calls()).toEqual([]);
  });

  it("missing docker is exit 2 naming what to install; dry-run does not need it", async () => {
    const kubectlOnly = makeFakes(["kubectl"]);
    const c = captureContext(dir, kubectlOnly);
    await expect(runDeploy(c.ctx, opts(), clean)).rejects.toThrow(CannotRunError);
    await expect(runDeploy(c.ctx, opts(), clean)).rejects.toThrow(/docker not found on PATH: install Docker/);
    expect(kubectlOnly.calls()).toEqual([]);
    expect((await runDeploy(c.ctx, opts({ dryRun: true }), clean)).exitCode).toBe(0);
    expect((await runDeploy(c.ctx, opts({ skipBuild: true, skipPush: true }), clean)).exitCode).toBe(0);
    fs.rmSync(path.dirname(kubectlOnly.bin), { recursive: true, force: true });
  });

  it("through the CLI: missing kubectl and latest for prod are exit 2 before anything runs", async () => {
    const dockerOnly = makeFakes(["docker"]);
    const a = captureContext(dir, dockerOnly);
    expect(await main(["node", "msa", "deploy", "--env", "dev", "--image-tag", "v1"], a.ctx)).toBe(2);
    expect(a.err()).toMatch(/kubectl not found on PATH: install kubectl/);
    const b = captureContext(dir, fakes);
    expect(await main(["node", "msa", "deploy", "--env", "prod", "--image-tag", "latest"], b.ctx)).toBe(2);
    expect(b.err()).toMatch(/"latest" is refused for prod/);
    const d = captureContext(dir, fakes);
    expect(await main(["node", "msa", "deploy", "--env", "dev", "--image-tag", "v1;reboot"], d.ctx)).toBe(2);
    expect(d.err()).toMatch(/not a valid image tag/);
    const e = captureContext(dir, fakes);
    expect(await main(["node", "msa", "deploy", "--image-tag", "v1"], e.ctx)).toBe(2);
    expect(e.err()).toMatch(/needs --env/);
    expect(fakes.calls()).toEqual([]);
    expect(dockerOnly.calls()).toEqual([]);
    fs.rmSync(path.dirname(dockerOnly.bin), { recursive: true, force: true });
  });
});
