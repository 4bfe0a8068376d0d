import type { Rule } from "./types.js";

/**
 * A rate limit counted in memory holds per replica: the Kubernetes gateway always has an HPA (two or more
 * replicas), so N replicas let a client through N × the limit. `rateLimitStore: redis` shares the counters.
 */
export const gatewayRateLimitStore: Rule = {
  id: "gateway-rate-limit-store",
  severity: "warning",
  summary: "a rate-limited gateway that may run several replicas shares its counters (rateLimitStore: redis)",
  check({ model, data, at }) {
    const gw = model.gateway;
    if (gw.kind === "none" || gw.rateLimitStore === "redis") return [];
    const limited = gw.routes.filter((r) => r.rateLimit);
    if (!limited.length) return [];
    const raw = data.gateway ?? {};
    const where = raw.rateLimit !== undefined ? ["gateway", "rateLimit"] : (limited[0]!.source.path as (string | number)[]).concat("rateLimit");
    return [
      at(
        where,
        `${limited.length} gateway route(s) are rate-limited in memory, per replica: the gateway's HPA runs 2 or more replicas, so a client gets that many times the limit — set gateway.rateLimitStore: redis (REDIS_URL) to share the counters`,
        { key: true, severity: "warning" },
      ),
    ];
  },
};

/**
 * `gateway.jwksUrl` is where the gateway fetches the keys it trusts: over plain http anyone on the path can
 * swap them and mint tokens; and Kong OSS cannot fetch a JWKS at all, so the key would silently do nothing.
 */
export const gatewayJwks: Rule = {
  id: "gateway-jwks",
  severity: "warning",
  summary: "gateway.jwksUrl is fetched over https, by a gateway that can use it (the node gateway)",
  check({ model, at }) {
    const gw = model.gateway;
    if (gw.kind === "none" || !gw.jwksUrl) return [];
    const where = ["gateway", "jwksUrl"];
    if (gw.kind === "kong")
      return [
        at(where, "Kong OSS cannot fetch a JWKS: this gateway.jwksUrl is ignored — use gateway.kind: node, or add each signing key to kong.yml's jwt_secrets (rsa_public_key) and remove jwksUrl", {
          severity: "warning",
        }),
      ];
    if (new URL(gw.jwksUrl).protocol === "http:")
      return [
        at(where, "gateway.jwksUrl is plain http: whoever sits on the path can replace the signing keys and mint accepted tokens — use the issuer's https URL", {
          severity: "warning",
        }),
      ];
    return [];
  },
};
