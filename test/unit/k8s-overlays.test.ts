// Every overlay of every sample system builds with the real `kubectl kustomize` and passes the
// acceptance checker (official Kubernetes/Istio schemas with unknown fields + the production checklist).
// Covers: gateway none/kong/node, mesh istio, brokers rabbitmq/nats/kafka/memory, databases
// postgres/mysql/mongodb/redis, contexts without database, replicas 1, dashed names, a registry with a port,
// a namespace other than the name, a python context behind the node gateway.
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OVERLAY_TAGS } from "../../src/core/plan/k8s.js";
import { checkOverlay, ensureChecker, fixturesDir, hasKubectl, modelAt, plan, repoRoot, writePlan } from "../k8s/support.js";

const SYSTEMS: Record<string, string> = {
  shop: path.join(repoRoot, "examples", "shop", "system.yaml"),
  minimal: path.join(repoRoot, "examples", "minimal", "system.yaml"),
  "istio-kafka": path.join(fixturesDir, "istio-kafka", "system.yaml"),
  "istio-node": path.join(fixturesDir, "istio-node", "system.yaml"),
  "no-gateway": path.join(fixturesDir, "no-gateway", "system.yaml"),
  wild: path.join(fixturesDir, "wild", "system.yaml"),
  // names YAML 1.1 reads as booleans (on, no, y, off, n) or any YAML as null: kubectl must still read them as names
  "yaml-words": path.join(fixturesDir, "yaml-words", "system.yaml"),
  "proto-names": path.join(fixturesDir, "proto-names", "system.yaml"),
  grpc: path.join(fixturesDir, "grpc", "system.yaml"),
  // discovery: consul — downward-API env and the agent's NetworkPolicy rules (docs/kubernetes.md "Consul")
  consul: path.join(repoRoot, "test", "fixtures", "consul", "system.yaml"),
};

let checker: string | undefined;
let missing = "";
const dirs: string[] = [];

beforeAll(async () => {
  if (!(await hasKubectl())) missing = "kubectl (for `kubectl kustomize`)";
  else {
    checker = await ensureChecker();
    if (!checker) missing = "the acceptance checking tools (~/.cache/msa-acceptance-tools; run ../shared/acceptance/run once)";
  }
  if (missing && process.env.CI === "true") throw new Error(`CI must run the kustomize checks, but ${missing} is missing`);
  if (missing) console.warn(`k8s-overlays: skipping kustomize + k8s-check: ${missing} is missing`);
});
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("kubectl kustomize + k8s-check", () => {
  for (const [name, file] of Object.entries(SYSTEMS)) {
    it(`${name}: dev, staging and prod build and pass with zero problems`, async (ctx) => {
      if (missing) return ctx.skip();
      const model = modelAt(file);
      const dir = writePlan(plan(model));
      dirs.push(dir);
      for (const env of ["dev", "staging", "prod"] as const) {
        const r = await checkOverlay(dir, env, checker!);
        expect(r.kustomize.stderr, `${name}/${env} kustomize`).toBe("");
        expect(r.kustomize.exitCode).toBe(0);
        expect(r.check!.output, `${name}/${env}`).toMatch(/k8s-check: \d+ objects, 0 problems/);
        expect(r.check!.exitCode).toBe(0);
        // The overlay really applied: environment label, image tags, and a Deployment per context.
        expect(r.rendered).toContain(`msa.dev/environment: ${env}`);
        expect(r.rendered).not.toMatch(/image: .*:latest/);
        for (const c of model.contexts) expect(r.rendered).toContain(`image: ${model.registry ?? model.name}/${c.name}:${OVERLAY_TAGS[env]}\n`);
        // kubectl writes a name such as "null" or "y" quoted
        for (const c of model.contexts) expect(r.rendered).toMatch(new RegExp(`kind: Deployment\\nmetadata:\\n(?:  .*\\n)*?  name: ("?)${c.name}\\1\\n`));
        // each environment in its own namespace (system.yaml environments; defaults <ns>-dev, <ns>-staging, <ns>)
        const ns = model.environments[env].namespace;
        expect(ns).toBe(env === "prod" ? model.namespace : `${model.namespace}-${env}`);
        const namespaces = [...r.rendered.matchAll(/^  namespace: "?([^"\n]+)"?$/gm)].map((m) => m[1]);
        expect(namespaces.length).toBeGreaterThan(0);
        expect(new Set(namespaces)).toEqual(new Set([ns]));
        expect(r.rendered.match(/^kind: Namespace$/gm)).toHaveLength(1);
        expect(r.rendered).toMatch(new RegExp(`^kind: Namespace\\nmetadata:\\n(?:  .*\\n)*?  name: ("?)${ns}\\1$`, "m"));
        // an HPA owns every Deployment's replica count
        expect(r.rendered).not.toMatch(/^  replicas:/m);
      }
    });
  }
});
