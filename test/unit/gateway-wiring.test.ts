// The gateway's settings, wired from system.yaml into the gateway ConfigMap, its Secrets, the overlays and
// docker-compose.yml: JWT_ISSUER/JWT_AUDIENCE, JWKS_URL, TRUSTED_PROXIES (KONG_TRUSTED_IPS), the shared
// rate-limit Redis (REDIS_URL, Kong's REDIS_HOST), and the node gateway's shutdown budget.
import fs from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { parse as parseYaml, parseAllDocuments } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { loadSystemAt } from "../../src/io/system.js";
import { secretsRead } from "../../src/core/deploy/plan.js";
import { DEFAULT_TRUSTED_PROXIES, type SystemModel } from "../../src/core/model.js";
import { planCompose } from "../../src/core/plan/compose.js";
import { kongView } from "../../src/core/plan/kong.js";
import { secretNeeds } from "../../src/core/plan/k8s.js";
import { PRESTOP_DELAY_SECONDS, TERMINATION_GRACE_SECONDS, kubernetesView } from "../../src/core/plan/k8s-view.js";
import type { PlannedFile } from "../../src/core/plan/types.js";
import { renderer } from "../helpers/engine-model.js";
import { hasKubectl, plan, writePlan } from "../k8s/support.js";

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const yamlOf = (kind: "node" | "kong", gatewayExtra: string, top = ""): string => `version: 1
name: wired
broker: { kind: rabbitmq }
gateway:
  kind: ${kind}
  auth: jwt
  rateLimit: 100/minute
${gatewayExtra}  routes:
    - { path: /api/v1/notes, context: notes }
${top}contexts:
  notes:
    port: 3000
    api: ["GET /notes/{id}"]
`;

function load(text: string): { model?: SystemModel; errors: { id?: string; message: string }[] } {
  const r = loadSystemAt("/virtual/system.yaml", "system.yaml", text);
  return { model: r.model ?? undefined, errors: r.diagnostics.filter((d) => d.severity === "error") as { id?: string; message: string }[] };
}
function model(text: string): SystemModel {
  const r = load(text);
  if (!r.model || r.errors.length) throw new Error(JSON.stringify(r.errors));
  return r.model;
}
const file = (files: PlannedFile[], p: string): string => {
  const f = files.find((x) => x.path === p);
  if (!f) throw new Error(`no ${p} in ${files.map((x) => x.path).join(", ")}`);
  return f.content;
};
const docs = (text: string): Obj[] => parseAllDocuments(text).map((d) => d.toJS() as Obj).filter(Boolean);
const compose = (m: SystemModel): Obj => parseYaml(planCompose(m, renderer())[0]!.content) as Obj;

const FULL = model(
  yamlOf(
    "node",
    "  rateLimitStore: redis\n  jwksUrl: https://login.example.com/.well-known/jwks.json\n  issuer: https://login.example.com/\n  audience: notes-api\n",
    "environments:\n  staging: { trustedProxies: [10.20.0.0/16] }\n",
  ),
);
const PLAIN = model(yamlOf("node", ""));
const KONG = model(yamlOf("kong", "  rateLimitStore: redis\n", "environments:\n  prod: { trustedProxies: [10.0.0.0/8] }\n"));

describe("system.yaml: gateway.jwksUrl, issuer, audience, environments.<env>.trustedProxies", () => {
  it("defaults: iss and aud are the system name, no JWKS, the private ranges trusted in every environment", () => {
    expect(PLAIN.gateway).toMatchObject({ issuer: "wired", audience: "wired", jwksUrl: null, rateLimitStore: "memory" });
    for (const env of ["dev", "staging", "prod"] as const) expect(PLAIN.environments[env].trustedProxies).toEqual([...DEFAULT_TRUSTED_PROXIES]);
  });
  it("reads them", () => {
    expect(FULL.gateway).toMatchObject({ issuer: "https://login.example.com/", audience: "notes-api", jwksUrl: "https://login.example.com/.well-known/jwks.json" });
    expect(FULL.environments.staging.trustedProxies).toEqual(["10.20.0.0/16"]);
    expect(FULL.environments.prod.trustedProxies).toEqual([...DEFAULT_TRUSTED_PROXIES]);
  });
  it("refuses a jwksUrl that is not an http(s) URL and a trusted proxy that is not an address or CIDR", () => {
    expect(load(yamlOf("node", "  jwksUrl: login.example.com/jwks\n")).errors.length).toBeGreaterThan(0);
    expect(load(yamlOf("node", "  jwksUrl: https://login.example.com/jwks\n")).errors).toEqual([]);
    expect(load(yamlOf("node", "", "environments:\n  dev: { trustedProxies: [ingress-nginx] }\n")).errors.length).toBeGreaterThan(0);
    expect(load(yamlOf("node", "", "environments:\n  dev: { trustedProxies: [10.1.0.0/16, 'fd00::/8'] }\n")).errors).toEqual([]);
  });
});

describe("the node gateway's ConfigMap and Secrets", () => {
  const gw = (m: SystemModel) => kubernetesView(m).gateway!;
  const config = (m: SystemModel) => Object.fromEntries(gw(m).config.map((c) => [c.key, c.value]));
  it("JWT_ISSUER, JWT_AUDIENCE, JWKS_URL, RATE_LIMIT_STORE, TRUSTED_PROXIES", () => {
    expect(config(FULL)).toMatchObject({
      JWT_ISSUER: "https://login.example.com/",
      JWT_AUDIENCE: "notes-api",
      JWKS_URL: "https://login.example.com/.well-known/jwks.json",
      RATE_LIMIT_STORE: "redis",
      TRUSTED_PROXIES: "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7",
    });
    expect(config(FULL).REDIS_URL, "the Redis URL may hold a password: a Secret, not the ConfigMap").toBeUndefined();
    const plain = config(PLAIN);
    expect(plain).toMatchObject({ JWT_ISSUER: "wired", JWT_AUDIENCE: "wired" });
    expect(plain.JWKS_URL).toBeUndefined();
    expect(plain.RATE_LIMIT_STORE).toBeUndefined();
  });
  it("no jwt route: no iss/aud", () => {
    const m = model(yamlOf("node", "").replace("auth: jwt", "auth: none"));
    expect(config(m).JWT_ISSUER).toBeUndefined();
    expect(config(m).JWT_AUDIENCE).toBeUndefined();
  });
  it("REDIS_URL from the Secret <system>-gateway-redis key url, listed in docs/secrets.md and read by msa deploy", () => {
    expect(gw(FULL).secretEnv).toEqual([
      { name: "JWT_SECRET", secret: "wired-gateway-jwt", key: "secret" },
      { name: "REDIS_URL", secret: "wired-gateway-redis", key: "url" },
    ]);
    expect(secretNeeds(kubernetesView(FULL)).find((n) => n.env === "REDIS_URL")).toMatchObject({ secret: "wired-gateway-redis", key: "url", readers: ["gateway"] });
    const files = plan(FULL);
    expect(file(files, "docs/secrets.md")).toContain("--from-literal=url='<the rate-limit Redis URL with its password>'");
    const base = docs(file(files, "k8s/base/gateway/deployment.yaml"));
    expect(secretsRead(base).find((s) => s.name === "wired-gateway-redis")).toMatchObject({ keys: ["url"] });
    expect(secretNeeds(kubernetesView(PLAIN)).some((n) => n.secret === "wired-gateway-redis")).toBe(false);
  });
  it("terminationGracePeriodSeconds covers the preStop sleep, the gateway's own 5 s readiness delay and its 10 s drain", () => {
    const d = docs(file(plan(FULL), "k8s/base/gateway/deployment.yaml"))[0]!;
    const pod = d.spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBe(TERMINATION_GRACE_SECONDS);
    expect(pod.containers[0].lifecycle.preStop.exec.command).toEqual(["sleep", String(PRESTOP_DELAY_SECONDS)]);
    // SHUTDOWN_DELAY_MS 5000 + SHUTDOWN_TIMEOUT_MS 10000 (the gateway's defaults), after the preStop sleep
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(PRESTOP_DELAY_SECONDS + 5 + 10);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(20);
  });
});

describe("Kong with gateway.rateLimitStore: redis", () => {
  it("REDIS_HOST on the Kong container from <system>-gateway-redis key host; JWT_SECRET stays in the init container", () => {
    const files = plan(KONG);
    const d = docs(file(files, "k8s/base/gateway/deployment.yaml"))[0]!;
    const pod = d.spec.template.spec;
    expect(pod.containers[0].env).toEqual([{ name: "REDIS_HOST", valueFrom: { secretKeyRef: { name: "wired-gateway-redis", key: "host" } } }]);
    expect(pod.initContainers[0].env.map((e: Obj) => e.name)).toEqual(["JWT_SECRET"]);
    expect(file(files, "gateway/kong.yml")).toContain("{vault://env/redis-host}");
    expect(secretsRead(docs(file(files, "k8s/base/gateway/deployment.yaml"))).find((s) => s.name === "wired-gateway-redis")).toMatchObject({ keys: ["host"] });
  });
  it("the consumer key is gateway.issuer, the iss the node gateway requires", () => {
    const m = model(yamlOf("kong", "  issuer: https://login.example.com/\n"));
    expect(kongView(m).jwtConsumer?.key).toBe("https://login.example.com/");
    expect(kongView(KONG).jwtConsumer?.key).toBe("wired");
  });
});

describe("overlays: environments.<env>.trustedProxies", () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  it("only an environment that differs from the default gets a patch", () => {
    const files = plan(FULL);
    const patched = files.filter((f) => f.path.includes("trusted-proxies")).map((f) => f.path).sort();
    expect(patched).toEqual([
      "k8s/overlays/staging/patches/gateway-trusted-proxies-config.yaml",
      "k8s/overlays/staging/patches/gateway-trusted-proxies-rollout.yaml",
    ]);
    expect(plan(PLAIN).some((f) => f.path.includes("trusted-proxies"))).toBe(false);
  });
  it("kustomize: staging's ConfigMap says 10.20.0.0/16 and its pods roll; dev keeps the default; Kong's KONG_TRUSTED_IPS too", async (ctx) => {
    if (!(await hasKubectl())) {
      if (process.env.CI === "true") throw new Error("CI must run kustomize, but kubectl is missing");
      return ctx.skip();
    }
    const render = async (m: SystemModel, env: string): Promise<Obj[]> => {
      const dir = writePlan(plan(m));
      dirs.push(dir);
      const k = await execa("kubectl", ["kustomize", path.join(dir, "k8s", "overlays", env)], { reject: false });
      expect(k.stderr).toBe("");
      return docs(String(k.stdout));
    };
    const cm = (objs: Obj[], name: string): Obj => objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === name)!.data;
    const dep = (objs: Obj[], name: string): Obj => objs.find((o) => o.kind === "Deployment" && o.metadata.name === name)!;
    const staging = await render(FULL, "staging");
    expect(cm(staging, "gateway-config").TRUSTED_PROXIES).toBe("10.20.0.0/16");
    expect(cm(staging, "gateway-config").JWT_AUDIENCE).toBe("notes-api");
    expect(dep(staging, "gateway").spec.template.metadata.annotations["msa.dev/trusted-proxies"]).toBe("10.20.0.0/16");
    const dev = await render(FULL, "dev");
    expect(cm(dev, "gateway-config").TRUSTED_PROXIES).toBe(DEFAULT_TRUSTED_PROXIES.join(","));
    expect(dep(dev, "gateway").spec.template.metadata.annotations["msa.dev/trusted-proxies"]).toBeUndefined();
    const kong = await render(KONG, "prod");
    expect(cm(kong, "gateway-config").KONG_TRUSTED_IPS).toBe("10.0.0.0/8");
  }, 120_000);
});

describe("docker-compose.yml", () => {
  it("node gateway: iss, aud, JWKS_URL, no trusted proxy, a Redis of its own when the store is redis", () => {
    const doc = compose(FULL);
    expect(doc.services.gateway.environment).toMatchObject({
      JWT_ISSUER: "https://login.example.com/",
      JWT_AUDIENCE: "notes-api",
      JWKS_URL: "https://login.example.com/.well-known/jwks.json",
      RATE_LIMIT_STORE: "redis",
      REDIS_URL: "redis://gateway-redis:6379/0",
      TRUSTED_PROXIES: "",
    });
    expect(Object.keys(doc.services.gateway.environment)).toEqual([...Object.keys(doc.services.gateway.environment)].sort());
    expect(doc.services.gateway.depends_on).toEqual({ "gateway-redis": { condition: "service_healthy" }, notes: { condition: "service_healthy" } });
    expect(doc.services["gateway-redis"]).toMatchObject({ image: expect.stringMatching(/^redis:7\.\d+\.\d+-alpine$/), healthcheck: { test: ["CMD", "redis-cli", "ping"] } });
  });
  it("memory store: no Redis, no REDIS_URL", () => {
    const doc = compose(PLAIN);
    expect(doc.services["gateway-redis"]).toBeUndefined();
    expect(doc.services.gateway.environment.REDIS_URL).toBeUndefined();
    expect(doc.services.gateway.environment).toMatchObject({ JWT_ISSUER: "wired", JWT_AUDIENCE: "wired", TRUSTED_PROXIES: "" });
  });
  it("Kong: REDIS_HOST names the compose Redis", () => {
    const doc = compose(KONG);
    expect(doc.services.gateway.environment.REDIS_HOST).toBe("gateway-redis");
    expect(doc.services.gateway.depends_on["gateway-redis"]).toEqual({ condition: "service_healthy" });
    expect(doc.services["gateway-redis"]).toBeDefined();
  });
});
