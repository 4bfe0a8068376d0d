// Rules of progressive delivery (docs/progressive-delivery.md): strangler routes (upstream, split) and
// contexts.<c>.deploy strategies.
import type { Diagnostic } from "../diagnostics.js";
import { didYouMean } from "../suggest.js";
import type { RawMap, Rule } from "./types.js";

export const routeTarget: Rule = {
  id: "route-target",
  severity: "error",
  summary: "a gateway route names either a context or an external upstream, not both or neither",
  check({ data, at }) {
    const out: Diagnostic[] = [];
    (data.gateway?.routes ?? []).forEach((r, i) => {
      const raw = r as RawMap;
      const hasContext = typeof raw.context === "string";
      const hasUpstream = typeof raw.upstream === "string";
      if (hasContext && hasUpstream)
        out.push(at(["gateway", "routes", i, "upstream"], `route ${String(raw.path)} names both a context and an upstream; keep context for a route msa serves, upstream for a legacy system (split: moves a share of it to contexts)`, { key: true }));
      else if (!hasContext && !hasUpstream)
        out.push(at(["gateway", "routes", i], `route ${String(raw.path)} names no target; add context: <a declared context> or upstream: <URL of the legacy system>`));
    });
    return out;
  },
};

export const routeSplit: Rule = {
  id: "route-split",
  severity: "error",
  summary: "a split shares an upstream route with declared contexts, at most 100 % in all (Kong: a plain http upstream)",
  check({ data, model, at }) {
    const out: Diagnostic[] = [];
    const contexts = Object.keys(data.contexts ?? {});
    (data.gateway?.routes ?? []).forEach((r, i) => {
      const raw = r as RawMap;
      if (raw.split === undefined || !raw.split || typeof raw.split !== "object") return;
      const where = ["gateway", "routes", i, "split"];
      if (typeof raw.upstream !== "string") {
        out.push(at(where, `split moves traffic from an upstream to contexts, but route ${String(raw.path)} has no upstream; add upstream: <URL of the legacy system> or drop split`, { key: true }));
        return;
      }
      let total = 0;
      for (const [name, pct] of Object.entries(raw.split as RawMap)) {
        if (!contexts.includes(name)) {
          const g = didYouMean(name, contexts);
          out.push(at([...where, name], `split names "${name}", which is not a declared context${g ? `; did you mean "${g}"?` : `; declared: ${contexts.join(", ")}`}`, { key: true }));
        }
        if (typeof pct === "number") total += pct;
      }
      if (total > 100) out.push(at(where, `the split of route ${String(raw.path)} adds up to ${total} %; the contexts' shares must total at most 100 (the upstream gets the rest)`, { key: true }));
      if (model.gateway.kind === "kong") {
        const u = new URL(raw.upstream);
        if (u.protocol !== "http:" || (u.pathname !== "/" && u.pathname !== ""))
          out.push(at(["gateway", "routes", i, "upstream"], `Kong splits a route with an upstream of weighted targets (host:port), which share one protocol and path: a split upstream must be plain http:// without a path (${raw.upstream}); drop the path or use gateway.kind: node`));
      }
    });
    return out;
  },
};

export const deployStrategy: Rule = {
  id: "deploy-strategy",
  severity: "error",
  summary: "a canary walks ascending steps to 100 % and needs mesh: istio or controller: argo-rollouts to shift its traffic",
  check({ data, model, at }) {
    const out: Diagnostic[] = [];
    for (const [name, c] of Object.entries(data.contexts ?? {})) {
      const d = (c as RawMap).deploy as RawMap | undefined;
      if (!d || typeof d !== "object") continue;
      const where = ["contexts", name, "deploy"];
      if (d.strategy !== "canary") {
        for (const k of ["steps", "pause", "analysis", "controller"])
          if (d[k] !== undefined) out.push(at([...where, k], `${name}: deploy.${k} applies to strategy: canary only; drop it or set strategy: canary`, { key: true }));
        continue;
      }
      if (model.mesh !== "istio" && d.controller !== "argo-rollouts")
        out.push(
          at(
            [...where, "strategy"],
            `${name}: a canary needs something to shift its traffic: add mesh: istio at the top level (msa deploy walks Istio weights), or controller: argo-rollouts under deploy (an Argo Rollouts Rollout walks the steps, by replica ratio without a mesh), or use strategy: blue-green (docs/progressive-delivery.md)`,
          ),
        );
      const steps = Array.isArray(d.steps) ? (d.steps as unknown[]).filter((x): x is number => typeof x === "number") : null;
      if (steps) {
        const ascending = steps.every((s, i) => i === 0 || s > (steps[i - 1] as number));
        if (!ascending || steps[steps.length - 1] !== 100)
          out.push(at([...where, "steps"], `${name}: canary steps must rise strictly and end at 100 (e.g. [10, 50, 100]), not [${steps.join(", ")}]`));
      }
    }
    return out;
  },
};

/**
 * `discovery: consul` (docs/progressive-delivery.md): node and python services register with the node-local Consul
 * agent, which health-checks them over plain HTTP. Under `mesh: istio` every pod demands mTLS (PeerAuthentication
 * STRICT), so the agent's checks never pass and every lookup would fall back to DNS: refused, with the way out.
 */
export const discoverySupport: Rule = {
  id: "discovery-support",
  severity: "error",
  summary: "discovery: consul needs mesh: none (Istio's STRICT mTLS refuses the Consul agent's plain-HTTP health checks)",
  check({ data, at }) {
    if (data.discovery !== "consul" || data.mesh !== "istio") return [];
    return [at(["discovery"], "discovery: consul does not work with mesh: istio: the Consul agent health-checks each service over plain HTTP, which Istio's STRICT mTLS refuses, so no instance would ever pass; set discovery: kubernetes (Istio already knows every Service) or mesh: none")];
  },
};
