// msa deploy of a canary walked by Argo Rollouts (deploy.controller: argo-rollouts, issue #18) on a really generated
// system without a mesh, against the recording kubectl stand-in (deploy-fakes.ts): FAKE_ANSWER plays the Rollout's
// status as Argo would move it (Progressing → Paused at each step → Healthy, or Degraded after a failed analysis).
// Proves: everything applied once (Rollout, AnalysisTemplate, the 0-replica template Deployment) and the Rollout
// watched until Argo observed the new generation; Degraded → exit 1; a Rollout that never becomes Healthy is aborted;
// --abort is the status merge patch of `kubectl argo rollouts abort`; --rollback puts the previous ReplicaSet's
// template back into the Deployment; --dry-run prints every command and Argo's steps; no plugin is called.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateSystem } from "../../src/io/generate.js";
import { runDeploy, type DeployCliOptions } from "../../src/cli/commands/deploy-run.js";
import { defaultDeps, type DeployDeps } from "../../src/io/deploy.js";
import { captureContext, makeFakes, REAL_KUBECTL, type Fakes } from "./deploy-fakes.js";

const SYSTEM = `version: 1
name: argoshop
registry: registry.example.com/argoshop
broker: { kind: memory }
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
    deploy: { strategy: canary, controller: argo-rollouts, steps: [20, 100], pause: 1s, analysis: { maxErrorRate: 1% } }
  users:
    port: 3001
    api: ["GET /users/{id}"]
`;

const haveKubectl = !!REAL_KUBECTL;
if (!haveKubectl && process.env.CI === "true") throw new Error("kubectl is required in CI for the deploy integration tests");

const clean: DeployDeps = { ...defaultDeps, checkDrift: async () => ({ diagnostics: [], changes: [], conflicts: [] }) };
const line = (c: { tool: string; args: string[] }): string => [c.tool, ...c.args].join(" ");
const NS = "argoshop-staging";
/** The Rollout's status line as ROLLOUT_STATUS_JSONPATH prints it: phase, step, observed generation, message. */
const status = (phase: string, step: number | "", gen: number, message = ""): string => `${phase}\t${step}\t${gen}\t${message}`;

describe.skipIf(!haveKubectl)("msa deploy: canary by Argo Rollouts (skipped without kubectl on PATH)", () => {
  let dir: string;
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
    pollMs: 5,
    ...over,
  });
  const deploy = async (over: Partial<DeployCliOptions>, answers: Record<string, string | string[]>, fail: string[] = [], failStderr = "") => {
    const fakes = makeFakes();
    fakesList.push(fakes);
    const c = captureContext(dir, fakes, { FAKE_ANSWER: JSON.stringify(answers), FAKE_FAIL: JSON.stringify(fail), FAKE_FAIL_STDERR: failStderr });
    const r = await runDeploy(c.ctx, opts(over), clean);
    return { r, c, calls: fakes.calls().filter((x) => x.args[0] !== "kustomize") };
  };
  const statusReads = (calls: { tool: string; args: string[] }[]) => calls.filter((x) => x.args[0] === "get" && x.args[1] === "rollout");

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-deploy-argo-"));
    fs.writeFileSync(path.join(dir, "system.yaml"), SYSTEM);
    const g = await generateSystem({ cwd: dir, mode: "write" });
    expect(g.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });
  afterAll(() => {
    for (const f of fakesList) fs.rmSync(path.dirname(f.bin), { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("applies everything once, reads the Deployment's generation and polls the Rollout until Argo observed it and says Healthy", async () => {
    const { r, c, calls } = await deploy(
      {},
      {
        "get deployment orders": "7",
        "get rollout orders": [
          status("Healthy", 3, 6), // the previous revision: not yet observed, must not count
          status("Progressing", 0, 7, "more replicas need to be updated"),
          status("Paused", 1, 7, "CanaryPauseStep"),
          status("Progressing", 2, 7, "AnalysisRunning"),
          status("Healthy", 3, 7),
        ],
      },
    );
    expect(r.exitCode, c.err()).toBe(0);
    const applies = calls.filter((x) => x.args[0] === "apply");
    expect(applies).toHaveLength(1);
    const applied = parseAllDocuments(applies[0]!.stdin!).map((d) => d.toJS() as { kind: string; metadata: { name: string }; spec: Record<string, any> }); // eslint-disable-line @typescript-eslint/no-explicit-any
    const rollout = applied.find((o) => o.kind === "Rollout" && o.metadata.name === "orders")!;
    expect(rollout.spec.workloadRef.name).toBe("orders");
    expect(rollout.spec.strategy.canary.steps.map((s: object) => Object.keys(s)[0])).toEqual(["setWeight", "pause", "analysis", "setWeight"]);
    const template = applied.find((o) => o.kind === "Deployment" && o.metadata.name === "orders")!;
    expect(template.spec.replicas).toBe(0);
    expect(template.spec.template.spec.containers[0].image).toBe("registry.example.com/argoshop/orders:v2");
    expect(applied.some((o) => o.kind === "AnalysisTemplate" && o.metadata.name === "orders-error-rate")).toBe(true);
    const lines = calls.map(line);
    // the template Deployment has no pods: no rollout status for it; the rolling users is waited on as before
    expect(lines).not.toContain(`kubectl rollout status deployment/orders --namespace ${NS} --timeout=5m`);
    expect(lines).toContain(`kubectl rollout status deployment/users --namespace ${NS} --timeout=5m`);
    expect(lines).toContain(`kubectl get deployment orders --namespace ${NS} --output jsonpath={.metadata.generation}`);
    expect(statusReads(calls)).toHaveLength(5);
    expect(statusReads(calls)[0]!.args).toEqual(["get", "rollout", "orders", "--namespace", NS, "--output", 'jsonpath={.status.phase}{"\\t"}{.status.currentStepIndex}{"\\t"}{.status.workloadObservedGeneration}{"\\t"}{.status.message}']);
    // the generation read comes after the apply, the watch after it; no plugin, no patch
    expect(lines.findIndex((l) => l.includes("jsonpath={.metadata.generation}"))).toBeGreaterThan(lines.findIndex((l) => l.startsWith("kubectl apply")));
    expect(calls.some((x) => x.args[0] === "argo" || x.args[0] === "patch")).toBe(false);
    const err = c.err();
    expect(err).toContain("rollout/orders: waiting for Argo to observe the new template");
    expect(err).toContain("rollout/orders: Paused, step 1/4 (CanaryPauseStep)");
    expect(err).toContain("rollout/orders: Healthy, step 3/4");
    expect(c.out()).toContain("deployed staging to namespace argoshop-staging");
  });

  it("a failed analysis: Argo aborts and says Degraded → exit 1 with Argo's message, nothing patched", async () => {
    const message = 'RolloutAborted: Rollout aborted update to revision 2: Metric "error-rate" assessed Failed due to failed (1) > failureLimit (0)';
    const { r, c, calls } = await deploy({ services: ["orders"] }, { "get deployment orders": "8", "get rollout orders": [status("Paused", 1, 8, "CanaryPauseStep"), status("Degraded", 2, 8, message)] });
    expect(r.exitCode).toBe(1);
    expect(c.err()).toContain(`the Rollout orders is Degraded: ${message}; Argo Rollouts aborted the canary (a failed analysis or the progress deadline: traffic back on stable, the stable version unchanged)`);
    expect(statusReads(calls)).toHaveLength(2);
    expect(calls.some((x) => x.args[0] === "patch")).toBe(false);
  });

  it("a Rollout not Healthy within the pauses plus --timeout is aborted (status.abort) and deploy exits 1", async () => {
    const { r, c, calls } = await deploy({ services: ["orders"], timeout: "1s" }, { "get deployment orders": "9", "get rollout orders": status("Paused", 1, 9, "CanaryPauseStep") });
    expect(r.exitCode).toBe(1);
    expect(c.err()).toContain("the Rollout orders was not Healthy within 2s (last: Paused, step 1/4 (CanaryPauseStep)); aborted it (status.abort)");
    const patches = calls.filter((x) => x.args[0] === "patch");
    expect(patches.map(line)).toEqual([`kubectl patch rollout orders --namespace ${NS} --subresource=status --type merge --patch {"status":{"abort":true}}`]);
    expect(statusReads(calls).length).toBeGreaterThan(2);
  });

  it("a cluster without Argo's CRDs: reading the Rollout fails → exit 1 saying so", async () => {
    const { r, c } = await deploy({ services: ["orders"] }, { "get deployment orders": "2" }, ["get rollout orders"]);
    expect(r.exitCode).toBe(1);
    expect(c.err()).toContain("reading the Rollout orders failed (exit 3)");
    expect(c.err()).toContain("is Argo Rollouts installed");
  });

  it("--abort: the merge patch of status.abort on the status subresource, nothing built or applied", async () => {
    const { r, c, calls } = await deploy({ mode: "abort", services: ["orders"] }, {});
    expect(r.exitCode, c.err()).toBe(0);
    expect(calls.map(line)).toEqual([`kubectl patch rollout orders --namespace ${NS} --subresource=status --type merge --patch {"status":{"abort":true}}`]);
  });

  it("--abort on a Rollout CRD without the status subresource (NotFound): the same patch on the Rollout, as the plugin falls back", async () => {
    const { r, c, calls } = await deploy({ mode: "abort", services: ["orders"] }, {}, ["--subresource=status"], "Error from server (NotFound): the server could not find the requested resource\n");
    expect(r.exitCode, c.err()).toBe(0);
    expect(calls.map(line)).toEqual([
      `kubectl patch rollout orders --namespace ${NS} --subresource=status --type merge --patch {"status":{"abort":true}}`,
      `kubectl patch rollout orders --namespace ${NS} --type merge --patch {"status":{"abort":true}}`,
    ]);
    // any other failure is not retried
    const denied = await deploy({ mode: "abort", services: ["orders"] }, {}, ["--subresource=status"], "Error from server (Forbidden): rollouts.argoproj.io \"orders\" is forbidden\n");
    expect(denied.r.exitCode).toBe(1);
    expect(denied.calls).toHaveLength(1);
  });

  it("--rollback: the previous ReplicaSet's template (hash label dropped) is patched into the Deployment, then the Rollout is watched", async () => {
    const rs = (hash: string, revision: number, image: string) => ({
      metadata: { name: `orders-${hash}`, annotations: { "rollout.argoproj.io/revision": String(revision) }, ownerReferences: [{ kind: "Rollout", name: "orders", controller: true }] },
      spec: { template: { metadata: { labels: { "app.kubernetes.io/name": "orders", "rollouts-pod-template-hash": hash } }, spec: { containers: [{ name: "orders", image }] } } },
    });
    const list = JSON.stringify({ items: [rs("new", 5, "registry.example.com/argoshop/orders:v2"), rs("old", 4, "registry.example.com/argoshop/orders:v1")] });
    const { r, c, calls } = await deploy(
      { mode: "rollback", services: ["orders"] },
      { "get replicasets": list, "get deployment orders": "11", "get rollout orders": [status("Progressing", 3, 11, "updated replicas are still becoming available"), status("Healthy", 3, 11)] },
    );
    expect(r.exitCode, c.err()).toBe(0);
    const lines = calls.map(line);
    expect(lines[0]).toBe(`kubectl get replicasets --namespace ${NS} --selector app.kubernetes.io/name=orders --output json`);
    const patch = calls.find((x) => x.args[0] === "patch")!;
    expect(patch.args.slice(0, 8)).toEqual(["patch", "deployment", "orders", "--namespace", NS, "--type", "json", "--patch"]);
    expect(JSON.parse(patch.args[8]!)).toEqual([
      { op: "replace", path: "/spec/template", value: { metadata: { labels: { "app.kubernetes.io/name": "orders" } }, spec: { containers: [{ name: "orders", image: "registry.example.com/argoshop/orders:v1" }] } } },
    ]);
    expect(statusReads(calls)).toHaveLength(2);
    expect(calls.some((x) => x.args[0] === "apply" || x.tool === "docker")).toBe(false);
    expect(c.out()).toContain("rolled back in namespace argoshop-staging");
  });

  it("--dry-run prints the apply, the generation read, the watch and Argo's steps, and runs nothing but the render", async () => {
    const { r, c, calls } = await deploy({ dryRun: true }, {});
    expect(r.exitCode, c.err()).toBe(0);
    expect(calls).toEqual([]);
    const out = c.out();
    for (const s of [
      "# note: orders: the Argo Rollouts controller (it must run in the cluster) walks the canary: setWeight 20, pause 1s, analysis orders-error-rate (5xx ratio at most 1 %), setWeight 100",
      `kubectl apply --namespace ${NS} -f -`,
      `kubectl get deployment orders --namespace ${NS} --output 'jsonpath={.metadata.generation}'`,
      "canary orders (Argo Rollouts): read the phase and step of the Rollout orders every 5ms until it is Healthy (Degraded: failed) — at most 301s (the pauses plus --timeout 5m)",
      `kubectl get rollout orders --namespace ${NS} --output 'jsonpath={.status.phase}`,
      "kind: Rollout",
    ])
      expect(out).toContain(s);
  });
});
