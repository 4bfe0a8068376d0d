// The deploy plan is pure: model + options + facts → ordered steps. These tests pin its decisions.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadSystem, loadSystemAt } from "../../src/io/system.js";
import { UsageError } from "../../src/core/diagnostics.js";
import type { SystemModel } from "../../src/core/model.js";
import {
  deployImageName,
  failureReportSteps,
  imageServices,
  parseManifests,
  planDeploy,
  prepareDeploy,
  renderKustomization,
  resolveTag,
  rollbackStep,
  selectServices,
  type DeployRequest,
} from "../../src/core/deploy/plan.js";
import { durationProblem, imageNameProblem, namespaceProblem, tagProblem } from "../../src/core/deploy/validate.js";
import { formatDryRun, planJson, redactSecrets, shellCommand, shellQuote } from "../../src/core/deploy/format.js";

const root = path.resolve(import.meta.dirname, "../..");
const shop = (): SystemModel => {
  const m = loadSystem(root, "examples/shop/system.yaml").model;
  if (!m) throw new Error("shop example does not load");
  return m;
};
const minimal = (): SystemModel => {
  const m = loadSystem(root, "examples/minimal/system.yaml").model;
  if (!m) throw new Error("minimal example does not load");
  return m;
};
const req = (over: Partial<DeployRequest> = {}): DeployRequest => ({
  env: "dev",
  services: [],
  skipBuild: false,
  skipPush: false,
  timeout: "5m",
  rollbackOnFailure: false,
  ...over,
});
const git = { commit: "1a2b3c4", dirty: false };

/** What `kubectl kustomize` of a generated overlay looks like, trimmed to what the plan reads. */
const rendered = (ns = "shop") =>
  [
    `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`,
    `apiVersion: v1\nkind: Secret\nmetadata:\n  name: shop-broker\n  namespace: ${ns}\nstringData:\n  url: amqp://user:hunter2@rabbitmq:5672\n`,
    ...["catalog", "inventory", "orders", "payment"].flatMap((c) => [
      `apiVersion: v1\nkind: Service\nmetadata:\n  labels:\n    app.kubernetes.io/name: ${c}\n  name: ${c}\n  namespace: ${ns}\n`,
      `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n    app.kubernetes.io/name: ${c}\n  name: ${c}\n  namespace: ${ns}\nspec:\n  template:\n    spec:\n      containers:\n      - image: ghcr.io/acme/shop/${c}:1a2b3c4\n        name: ${c}\n`,
    ]),
  ].join("---\n");

describe("deploy: validation of names and tags", () => {
  it("accepts OCI tags and refuses the rest", () => {
    for (const t of ["v1.0.0", "1a2b3c4-dirty", "latest", "_x", "A".repeat(128)]) expect(tagProblem(t)).toBeUndefined();
    for (const t of ["", ".v1", "-v1", "v1;rm -rf /", "a b", "A".repeat(129), "v1:2", "$(id)"]) expect(tagProblem(t)).toMatch(/not a valid image tag/);
  });

  it("accepts registry/image names and refuses uppercase, spaces and shell characters", () => {
    for (const n of ["ghcr.io/acme/shop/orders", "localhost:5000/shop/orders", "myorg/orders", "10.0.0.1:5000/a_b/c--d", "gcr.io/my-project/shop/catalog"])
      expect(imageNameProblem(n)).toBeUndefined();
    for (const n of ["ghcr.io/Acme/orders", "ghcr.io/acme/or ders", "ghcr.io/acme/$(id)", "ghcr.io//orders", "-bad.io/x", "a/" + "b".repeat(260)])
      expect(imageNameProblem(n)).toBeDefined();
  });

  it("checks namespaces as DNS labels and timeouts as durations", () => {
    expect(namespaceProblem("production")).toBeUndefined();
    expect(namespaceProblem("Prod")).toBeDefined();
    expect(namespaceProblem("a".repeat(64))).toBeDefined();
    for (const d of ["5m", "90s", "1h30m", "500ms"]) expect(durationProblem(d)).toBeUndefined();
    for (const d of ["5", "0s", "five minutes", "5m;id", ""]) expect(durationProblem(d)).toBeDefined();
  });
});

describe("deploy: the image tag", () => {
  it("defaults to the short commit, with -dirty for uncommitted changes", () => {
    expect(resolveTag({ env: "prod" }, git)).toEqual({ tag: "1a2b3c4", source: "git" });
    expect(resolveTag({ env: "prod" }, { commit: "1a2b3c4", dirty: true })).toEqual({ tag: "1a2b3c4-dirty", source: "git" });
  });

  it("takes --image-tag over git and needs one when there is no commit", () => {
    expect(resolveTag({ env: "dev", imageTag: "v2" }, git)).toEqual({ tag: "v2", source: "flag" });
    expect(() => resolveTag({ env: "dev" }, null)).toThrow(/pass --image-tag/);
    expect(() => resolveTag({ env: "dev" }, { commit: null, dirty: false })).toThrow(UsageError);
  });

  it("refuses latest for staging and prod but allows it for dev", () => {
    expect(resolveTag({ env: "dev", imageTag: "latest" }, null).tag).toBe("latest");
    expect(() => resolveTag({ env: "staging", imageTag: "latest" }, null)).toThrow(/"latest" is refused for staging/);
    expect(() => resolveTag({ env: "prod", imageTag: "latest" }, null)).toThrow(/"latest" is refused for prod/);
  });

  it("refuses an invalid tag before it reaches an argv", () => {
    expect(() => resolveTag({ env: "dev", imageTag: "v1 && curl evil" }, null)).toThrow(/--image-tag: "v1 && curl evil" is not a valid image tag/);
  });
});

describe("deploy: services and image names", () => {
  it("selects every context, plus the gateway only when it is the node one", () => {
    expect(imageServices(shop())).toEqual(["catalog", "inventory", "orders", "payment"]);
    expect(imageServices(minimal())).toEqual(["audit", "notes", "gateway"]);
  });

  it("keeps model order for a subset and lists the known services for an unknown one", () => {
    expect(selectServices(shop(), ["payment", "orders"])).toEqual(["orders", "payment"]);
    expect(() => selectServices(shop(), ["user-service"])).toThrow(/"user-service" is not a service of shop; known: catalog, inventory, orders, payment/);
    expect(() => selectServices(shop(), ["gateway"])).toThrow(/the kong gateway has no image of its own/);
  });

  it("names images <registry>/<system>/<service> with --registry, else the manifests' own name", () => {
    expect(deployImageName(shop(), "orders", "myregistry.com/myorg")).toBe("myregistry.com/myorg/shop/orders");
    expect(deployImageName(shop(), "orders")).toBe("ghcr.io/acme/shop/orders");
    expect(deployImageName(minimal(), "gateway")).toBe("minimal/gateway");
  });

  it("builds the node gateway from gateway/ and contexts from services/<context>", () => {
    const p = prepareDeploy(minimal(), req({ skipPush: true }), git);
    expect(p.images.map((i) => [i.service, i.buildDir, i.ref])).toEqual([
      ["audit", "services/audit", "minimal/audit:1a2b3c4"],
      ["notes", "services/notes", "minimal/notes:1a2b3c4"],
      ["gateway", "gateway", "minimal/gateway:1a2b3c4"],
    ]);
  });

  it("refuses to push without a registry, but allows --skip-push for local clusters", () => {
    expect(() => prepareDeploy(minimal(), req(), git)).toThrow(/no registry to push to/);
    expect(prepareDeploy(minimal(), req({ registry: "localhost:5000" }), git).images[0]?.name).toBe("localhost:5000/minimal/audit");
  });

  it("refuses bad --registry, --namespace and --timeout values as usage errors", () => {
    expect(() => prepareDeploy(shop(), req({ registry: "Bad Registry" }), git)).toThrow(UsageError);
    expect(() => prepareDeploy(shop(), req({ namespace: "Prod_1" }), git)).toThrow(/--namespace/);
    expect(() => prepareDeploy(shop(), req({ timeout: "forever" }), git)).toThrow(/--timeout/);
  });
});

describe("deploy: rendering with kustomize's images transformer", () => {
  it("maps the manifests' image name to the deployed name and tag", () => {
    const p = prepareDeploy(shop(), req({ registry: "myregistry.com/myorg", imageTag: "v1.0.0", services: ["orders"] }), git);
    expect(p.render).toEqual({
      source: { kind: "overlay", path: "k8s/overlays/dev" },
      namespace: null,
      images: [
        { name: "ghcr.io/acme/shop/orders", newName: "myregistry.com/myorg/shop/orders", newTag: "v1.0.0" },
        { name: "myregistry.com/myorg/shop/orders", newName: "myregistry.com/myorg/shop/orders", newTag: "v1.0.0" },
      ],
      // the overlay's app.kubernetes.io/version becomes the deployed tag
      labels: { "app.kubernetes.io/version": "v1.0.0" },
    });
    expect(renderKustomization({ ...p.render, namespace: "production" }, "../x/k8s/overlays/dev")).toEqual({
      apiVersion: "kustomize.config.k8s.io/v1beta1",
      kind: "Kustomization",
      resources: ["../x/k8s/overlays/dev"],
      namespace: "production",
      images: p.render.images,
      labels: [{ pairs: { "app.kubernetes.io/version": "v1.0.0" }, includeSelectors: false, includeTemplates: true }],
    });
  });

  it("renders --k8s-manifest files the same way", () => {
    const p = prepareDeploy(shop(), req({ k8sManifest: "k8s/orders.yaml", services: ["orders"], imageTag: "v1" }), git);
    expect(p.render.source).toEqual({ kind: "manifest", path: "k8s/orders.yaml" });
    expect(p.render.labels).toEqual({});
    expect(p.render.images).toEqual([{ name: "ghcr.io/acme/shop/orders", newName: "ghcr.io/acme/shop/orders", newTag: "v1" }]);
  });
});

describe("deploy: the ordered steps", () => {
  it("builds everything, then pushes, then applies once, then waits on each Deployment", () => {
    const r = req();
    const plan = planDeploy(shop(), r, prepareDeploy(shop(), r, git), rendered());
    expect(plan.steps.map((s) => s.phase)).toEqual([...Array(4).fill("build"), ...Array(4).fill("push"), "apply", ...Array(4).fill("rollout")]);
    expect(plan.steps[0]?.argv).toEqual(["docker", "build", "--tag", "ghcr.io/acme/shop/catalog:1a2b3c4", "services/catalog"]);
    expect(plan.steps[4]?.argv).toEqual(["docker", "push", "ghcr.io/acme/shop/catalog:1a2b3c4"]);
    const apply = plan.steps[8];
    expect(apply?.argv).toEqual(["kubectl", "apply", "--namespace", "shop", "-f", "-"]);
    expect(apply?.stdin).toBe(rendered());
    expect(plan.steps[9]?.argv).toEqual(["kubectl", "rollout", "status", "deployment/catalog", "--namespace", "shop", "--timeout=5m"]);
    expect(plan.steps.filter((s) => s.mutates).map((s) => s.phase)).not.toContain("rollout");
  });

  it("skips builds and pushes when told", () => {
    const r = req({ skipBuild: true, skipPush: true });
    const plan = planDeploy(shop(), r, prepareDeploy(shop(), r, git), rendered());
    expect(plan.steps.map((s) => s.phase)).toEqual(["apply", "rollout", "rollout", "rollout", "rollout"]);
  });

  it("applies only the selected services' objects and the shared ones", () => {
    const r = req({ services: ["orders"] });
    const plan = planDeploy(shop(), r, prepareDeploy(shop(), r, git), rendered());
    expect(plan.objects.map((o) => `${o.kind}/${o.name}`)).toEqual(["Namespace/shop", "Secret/shop-broker", "Service/orders", "Deployment/orders"]);
    expect(plan.manifests).not.toMatch(/name: inventory/);
    expect(plan.manifests.split(/^---$/m)).toHaveLength(4);
    expect(plan.steps.filter((s) => s.phase === "rollout").map((s) => s.workload)).toEqual(["deployment/orders"]);
  });

  it("applies in the manifests' namespace unless --namespace says otherwise", () => {
    const r = req();
    expect(planDeploy(shop(), r, prepareDeploy(shop(), r, git), rendered("shop-dev")).namespace).toBe("shop-dev");
    const r2 = req({ namespace: "production" });
    expect(planDeploy(shop(), r2, prepareDeploy(shop(), r2, git), rendered("production")).namespace).toBe("production");
    expect(planDeploy(shop(), r, prepareDeploy(shop(), r, git), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n").namespace).toBe("shop");
  });

  it("describes, lists warning events and rolls back a failed workload", () => {
    expect(failureReportSteps("deployment/orders", "shop").map((s) => s.argv)).toEqual([
      ["kubectl", "describe", "deployment/orders", "--namespace", "shop"],
      ["kubectl", "get", "events", "--namespace", "shop", "--field-selector", "type=Warning", "--sort-by", ".lastTimestamp"],
    ]);
    expect(rollbackStep("deployment/orders", "shop")).toMatchObject({ argv: ["kubectl", "rollout", "undo", "deployment/orders", "--namespace", "shop"], mutates: true });
  });

  it("recognises services by label, app label or name", () => {
    const text = [
      "kind: Deployment\nmetadata:\n  name: shop-orders-v2\n  labels: {app.kubernetes.io/name: orders}\n",
      "kind: Deployment\nmetadata:\n  name: x\n  labels: {app: payment}\n",
      "kind: Service\nmetadata:\n  name: catalog\n",
      "kind: ConfigMap\nmetadata:\n  name: orders-config\n",
    ].join("---\n");
    expect(parseManifests(text, ["orders", "payment", "catalog"]).objects.map((o) => o.service)).toEqual(["orders", "payment", "catalog", null]);
    expect(() => parseManifests("kind: [\n", [])).toThrow(UsageError);
  });
});

describe("deploy: showing the plan", () => {
  it("quotes arguments for a POSIX shell", () => {
    expect(shellQuote("ghcr.io/acme/shop/orders:v1")).toBe("ghcr.io/acme/shop/orders:v1");
    expect(shellQuote("--timeout=5m")).toBe("--timeout=5m");
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote("")).toBe("''");
    expect(shellCommand(["kubectl", "get", "events", "--sort-by", ".lastTimestamp"])).toBe("kubectl get events --sort-by .lastTimestamp");
  });

  it("redacts every Secret value and leaves other objects alone", () => {
    const out = redactSecrets(rendered() + "---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\ndata:\n  password: aHVudGVyMg==\n");
    expect(out).not.toMatch(/hunter2|aHVudGVyMg/);
    expect(out).toMatch(/url: <redacted>/);
    expect(out).toMatch(/password: <redacted>/);
    expect(out).toMatch(/image: ghcr.io\/acme\/shop\/orders:1a2b3c4/);
    expect(redactSecrets("kind: ConfigMap\nmetadata: {name: a}\n")).toBe("kind: ConfigMap\nmetadata: {name: a}\n");
  });

  it("prints a dry-run transcript and a JSON plan without secret values", () => {
    const r = req({ registry: "myregistry.com/myorg" });
    const plan = planDeploy(shop(), r, prepareDeploy(shop(), r, git), rendered());
    const text = formatDryRun(plan);
    expect(text).toMatch(/^docker build --tag myregistry.com\/myorg\/shop\/orders:1a2b3c4 services\/orders$/m);
    expect(text).toMatch(/^kubectl apply --namespace shop -f -$/m);
    expect(text).toMatch(/ghcr.io\/acme\/shop\/orders -> myregistry.com\/myorg\/shop\/orders:1a2b3c4/);
    expect(text).not.toMatch(/hunter2/);
    const json = planJson(plan, true) as { steps: { command: string; stdin?: string }[]; manifests: string; dryRun: boolean };
    expect(json.dryRun).toBe(true);
    expect(json.steps.find((s) => s.stdin)?.command).toBe("kubectl apply --namespace shop -f -");
    expect(JSON.stringify(json)).not.toMatch(/hunter2/);
  });
});

describe("deploy: inline model", () => {
  it("works for a system without a registry when pushing is skipped", () => {
    const text = "version: 1\nname: tiny\ncontexts:\n  a:\n    api: ['GET /a']\n";
    const model = loadSystemAt("/virtual/system.yaml", "system.yaml", text).model;
    expect(model).toBeDefined();
    const p = prepareDeploy(model as SystemModel, req({ skipPush: true, imageTag: "t1" }), null);
    expect(p.images.map((i) => i.ref)).toEqual(["tiny/a:t1"]);
  });
});
