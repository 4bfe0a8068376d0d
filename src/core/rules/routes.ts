import type { Diagnostic } from "../diagnostics.js";
import type { Rule } from "./types.js";

export const routePath: Rule = {
  id: "route-path",
  severity: "error",
  summary: "a gateway route's path starts with '/' and is a clean prefix",
  check({ model, at }) {
    const out: Diagnostic[] = [];
    model.gateway.routes.forEach((r, i) => {
      if (!r.path.startsWith("/"))
        out.push(at(["gateway", "routes", i, "path"], `route path "${r.path}" must start with '/' (e.g. /${r.path})`));
      else if (r.path.includes("..") || /\s|\/\/|[?#]/.test(r.path) || (r.path.length > 1 && r.path.endsWith("/")))
        out.push(at(["gateway", "routes", i, "path"], `route path "${r.path}" is not a clean prefix: no '..', '//', spaces, query or trailing '/' (e.g. /api/v1/orders)`));
    });
    return out;
  },
};

export const routeDuplicate: Rule = {
  id: "route-duplicate",
  severity: "error",
  summary: "two gateway routes never claim the same path prefix for the same method",
  check({ model, at }) {
    const out: Diagnostic[] = [];
    const seen = new Map<string, number>();
    model.gateway.routes.forEach((r, i) => {
      for (const m of r.methods) {
        const key = `${m} ${r.path}`;
        const first = seen.get(key);
        if (first !== undefined) {
          out.push(at(["gateway", "routes", i, "path"], `${m} ${r.path} is already routed by route ${first + 1} (to ${model.gateway.routes[first]?.context || model.gateway.routes[first]?.upstream}); merge the routes or use distinct methods or paths`));
          break;
        }
        seen.set(key, i);
      }
    });
    return out;
  },
};
