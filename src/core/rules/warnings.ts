import type { Diagnostic } from "../diagnostics.js";
import type { RawMap, Rule } from "./types.js";

export const contextIsolated: Rule = {
  id: "context-isolated",
  severity: "warning",
  summary: "a context has an api, events or calls (otherwise nothing can reach it)",
  check({ model, data, at }) {
    // calls as written: one to an undeclared context is already an error (ref-context), not isolation
    const writtenCalls = (name: string): number => Object.keys((data.contexts?.[name]?.calls as RawMap | null | undefined) ?? {}).length;
    return model.contexts
      .filter((c) => !c.api.length && !c.publishes.length && !c.consumes.length && !writtenCalls(c.name) && !c.callers.length && !c.routes.length)
      .map((c) => at(["contexts", c.name], `context ${c.name} has no api, events or calls; nothing reaches it — declare what it serves`, { key: true, severity: "warning" }));
  },
};

export const callTimeout: Rule = {
  id: "call-timeout",
  severity: "warning",
  summary: "every synchronous call declares a timeout",
  check({ model, at }) {
    const out: Diagnostic[] = [];
    for (const c of model.contexts)
      for (const call of c.calls)
        if (!call.timeoutDeclared)
          out.push(at(["contexts", c.name, "calls", call.target], `${c.name} calls ${call.target} without a timeout (defaulting to ${call.timeoutMs / 1000}s); declare timeout: 2s`, { key: true, severity: "warning" }));
    return out;
  },
};

export const gatewayRoutesUnused: Rule = {
  id: "gateway-none-routes",
  severity: "warning",
  summary: "routes declared with gateway kind none are not served",
  check({ model, data, at }) {
    if (model.gateway.kind !== "none" || !model.gateway.routes.length || !data.gateway) return [];
    return [at(["gateway", "kind"], `gateway kind is none, so its ${model.gateway.routes.length} route(s) are not served; set kind: kong or node`, { severity: "warning" })];
  },
};
