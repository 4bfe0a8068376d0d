// msa deploy on really generated systems (the shop and minimal examples): the real drift check,
// and the real `kubectl kustomize` rendering every overlay with the deploy's image tags.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { generateSystem } from "../../src/io/generate.js";
import { captureContext, makeFakes, REAL_KUBECTL, type Fakes } from "./deploy-fakes.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const haveKubectl = !!REAL_KUBECTL;
if (!haveKubectl && process.env.CI === "true") throw new Error("kubectl is required in CI for the deploy integration tests");

interface JsonPlan {
  dryRun: boolean;
  namespace: string;
  images: { service: string; ref: string; buildDir: string }[];
  steps: { phase: string; argv: string[]; mutates: boolean }[];
  secrets: { name: string; keys: string[]; readers: string[] }[];
  manifests: string;
}

/** Every container image in the manifests, by Deployment name. */
function deploymentImages(manifests: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const doc of parseAllDocuments(manifests)) {
    const o = doc.toJS() as { kind?: string; metadata?: { name?: string }; spec?: { template?: { spec?: { containers?: { image: string }[] } } } } | null;
    if (o?.kind !== "Deployment") continue;
    out[o.metadata?.name ?? ""] = (o.spec?.template?.spec?.containers ?? []).map((c) => c.image);
  }
  return out;
}

async function generated(example: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `msa-deploy-${example}-`));
  fs.cpSync(path.join(ROOT, "examples", example), dir, { recursive: true });
  for (const f of ["system.yaml"]) fs.chmodSync(path.join(dir, f), 0o644);
  const r = await generateSystem({ cwd: dir, mode: "write" });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return dir;
}

describe.skipIf(!haveKubectl)("msa deploy on generated systems (skipped without kubectl on PATH)", () => {
  let shop: string;
  let minimal: string;
  let fakes: Fakes;
  beforeAll(async () => {
    shop = await generated("shop");
    minimal = await generated("minimal");
    fakes = makeFakes();
  });
  afterAll(() => {
    for (const d of [shop, minimal, path.dirname(fakes.bin)]) fs.rmSync(d, { recursive: true, force: true });
  });

  for (const env of ["dev", "staging", "prod"]) {
    it(`shop: --dry-run renders k8s/overlays/${env} with the deploy's tags and runs nothing else`, async () => {
      const before = fakes.mutatingOrWaiting().length;
      const c = captureContext(shop, fakes);
      const code = await main(["node", "msa", "deploy", "--env", env, "--image-tag", "v1.2.3", "--dry-run", "--output", "json"], c.ctx);
      expect(c.err()).toBe("");
      expect(code).toBe(0);
      expect(fakes.mutatingOrWaiting().length).toBe(before);
      const plan = JSON.parse(c.out()) as JsonPlan;
      // each environment has its own namespace (system.yaml environments; defaults shop-dev, shop-staging, shop)
      expect(plan.namespace).toBe(env === "prod" ? "shop" : `shop-${env}`);
      // the Secrets the workloads read are listed and checked first, read-only, in that namespace
      expect(plan.secrets.map((x) => x.name)).toEqual(["catalog-database", "inventory-database", "orders-database", "payment-database", "shop-broker", "shop-gateway-jwt", "shop-gateway-redis", ...(env === "prod" ? ["gateway-tls"] : [])].sort());
      expect(plan.secrets.find((x) => x.name === "shop-broker")).toMatchObject({ keys: ["url"], readers: ["deployment/catalog", "deployment/inventory", "deployment/orders", "deployment/payment"] });
      expect(plan.steps[0]).toMatchObject({ phase: "secrets", mutates: false });
      expect(plan.steps[0]!.argv).toEqual(["kubectl", "get", "secret", ...plan.secrets.map((x) => x.name), "--namespace", plan.namespace, "--output", "name"]);
      // the version label is the deployed tag
      expect(plan.manifests).toContain("app.kubernetes.io/version: v1.2.3");
      expect(plan.manifests).not.toMatch(/app\.kubernetes\.io\/version: "?0\.0\.0/);
      const images = deploymentImages(plan.manifests);
      for (const ctx of ["catalog", "inventory", "orders", "payment"]) expect(images[ctx]).toEqual([`ghcr.io/acme/shop/${ctx}:v1.2.3`]);
      expect(plan.steps.filter((s) => s.phase === "build").map((s) => s.argv.at(-1))).toEqual(["services/catalog", "services/inventory", "services/orders", "services/payment"]);
      expect(plan.steps.filter((s) => s.phase === "rollout").length).toBe(Object.keys(images).length);
    });
  }

  it("minimal (node gateway, no registry): --registry R builds and sets R/<system>/<service>, gateway included", async () => {
    for (const env of ["dev", "staging", "prod"]) {
      const c = captureContext(minimal, fakes);
      const code = await main(["node", "msa", "deploy", "--env", env, "--image-tag", "abc1234", "--registry", "localhost:5000", "--dry-run", "--output", "json"], c.ctx);
      expect(c.err()).toBe("");
      expect(code).toBe(0);
      const plan = JSON.parse(c.out()) as JsonPlan;
      expect(plan.images.map((i) => [i.service, i.buildDir, i.ref])).toEqual([
        ["audit", "services/audit", "localhost:5000/minimal/audit:abc1234"],
        ["notes", "services/notes", "localhost:5000/minimal/notes:abc1234"],
        ["gateway", "gateway", "localhost:5000/minimal/gateway:abc1234"],
      ]);
      const images = Object.values(deploymentImages(plan.manifests)).flat().sort();
      expect(images).toEqual(["localhost:5000/minimal/audit:abc1234", "localhost:5000/minimal/gateway:abc1234", "localhost:5000/minimal/notes:abc1234"]);
    }
  });

  it("shop: the text dry-run shows each command and never a secret value", async () => {
    const c = captureContext(shop, fakes);
    const code = await main(["node", "msa", "deploy", "--env", "prod", "--image-tag", "v1.2.3", "--registry", "registry.example.com/acme", "--dry-run"], c.ctx);
    expect(code).toBe(0);
    expect(c.out()).toMatch(/^docker build --tag registry.example.com\/acme\/shop\/orders:v1.2.3 services\/orders$/m);
    expect(c.out()).toMatch(/^kubectl apply --namespace shop -f -$/m);
    expect(c.out()).toMatch(/image: registry.example.com\/acme\/shop\/orders:v1.2.3/);
    const manifests = c.out().slice(c.out().indexOf("# manifests to apply"));
    for (const doc of parseAllDocuments(manifests)) {
      const o = doc.toJS() as { kind?: string; data?: Record<string, string>; stringData?: Record<string, string> } | null;
      if (o?.kind !== "Secret") continue;
      for (const v of [...Object.values(o.data ?? {}), ...Object.values(o.stringData ?? {})]) expect(v).toBe("<redacted>");
    }
  });

  it("refuses to deploy when system.yaml changed since the last generate (drift), running nothing", async () => {
    const dir = await generated("minimal");
    const file = path.join(dir, "system.yaml");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("port: 3001", "port: 3999"));
    const local = makeFakes();
    const c = captureContext(dir, local);
    const code = await main(["node", "msa", "deploy", "--env", "dev", "--image-tag", "v1", "--skip-push", "--dry-run"], c.ctx);
    expect(code).toBe(1);
    expect(c.err()).toMatch(/generated output is stale/);
    expect(local.calls()).toEqual([]);
    for (const d of [dir, path.dirname(local.bin)]) fs.rmSync(d, { recursive: true, force: true });
  });
});
