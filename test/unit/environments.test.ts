// system.yaml `environments`: per-environment namespace, host, TLS and IngressClass, defaults applied,
// and the schema that accepts them.
import { describe, expect, it } from "vitest";
import { loadSystemAt } from "../../src/io/system.js";
import { environmentSettings } from "../../src/core/model.js";

/** The default proxies in front of the gateway (environments.<env>.trustedProxies). */
const TRUSTED = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];

const BASE = `version: 1
name: shop
gateway:
  kind: node
  host: api.shop.example.com
  routes:
    - { path: /api/orders, context: orders }
contexts:
  orders:
    port: 3000
    api: ["GET /orders"]
`;
const load = (text: string) => loadSystemAt("/virtual/system.yaml", "system.yaml", text);

describe("environments", () => {
  it("defaults: <ns>-dev, <ns>-staging, <ns>; hosts dev./staging./the host; TLS and the nginx class in prod only", () => {
    const r = load(BASE);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.model!.environments).toEqual({
      dev: { namespace: "shop-dev", host: "dev.api.shop.example.com", tlsSecret: null, ingressClassName: null, trustedProxies: TRUSTED },
      staging: { namespace: "shop-staging", host: "staging.api.shop.example.com", tlsSecret: null, ingressClassName: null, trustedProxies: TRUSTED },
      prod: { namespace: "shop", host: "api.shop.example.com", tlsSecret: "gateway-tls", ingressClassName: "nginx", trustedProxies: TRUSTED },
    });
  });

  it("overrides each field; tls true names <gateway>-tls, {secretName} names its own, false turns it off", () => {
    const r = load(
      BASE.replace(
        "contexts:",
        "environments:\n  dev: { namespace: sandbox, host: dev.shop.test, tls: true }\n  staging: { tls: { secretName: staging-cert }, ingressClassName: traefik }\n  prod: { tls: false, ingressClassName: internal }\ncontexts:",
      ),
    );
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.model!.environments.dev).toEqual({ namespace: "sandbox", host: "dev.shop.test", tlsSecret: "gateway-tls", ingressClassName: null, trustedProxies: TRUSTED });
    expect(r.model!.environments.staging).toEqual({ namespace: "shop-staging", host: "staging.api.shop.example.com", tlsSecret: "staging-cert", ingressClassName: "traefik", trustedProxies: TRUSTED });
    expect(r.model!.environments.prod).toEqual({ namespace: "shop", host: "api.shop.example.com", tlsSecret: null, ingressClassName: "internal", trustedProxies: TRUSTED });
  });

  it("without a gateway host there is no host and so no TLS", () => {
    expect(environmentSettings({}, "x", null).prod).toEqual({ namespace: "x", host: null, tlsSecret: null, ingressClassName: "nginx", trustedProxies: TRUSTED });
  });

  it("the schema refuses unknown environments and fields, and a namespace that is not a DNS label", () => {
    for (const bad of ["  qa: { namespace: shop-qa }", "  dev: { replicas: 3 }", "  dev: { namespace: Shop_Dev }", "  prod: { tls: { name: x } }"]) {
      const r = load(BASE.replace("contexts:", `environments:\n${bad}\ncontexts:`));
      expect(r.diagnostics.filter((d) => d.severity === "error").length, bad).toBeGreaterThan(0);
    }
  });
});
