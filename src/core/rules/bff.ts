// Rules of bulkheads (calls.<callee>.bulkhead, docs/bulkheads.md) and backends-for-frontends (bffs, docs/bff.md).
import { composeEntry, declaredEndpoint, parseComposeEntry, pathParams } from "../bff.js";
import type { Diagnostic } from "../diagnostics.js";
import { DNS_LABEL } from "../names.js";
import { RESERVED_CONTEXT_NAMES } from "./names.js";
import type { RawMap, Rule } from "./types.js";

export const callBulkhead: Rule = {
  id: "call-bulkhead",
  severity: "error",
  summary: "a call's bulkhead allows at least 1 call in flight and a queue of 0 or more",
  check({ data, at }) {
    const out: Diagnostic[] = [];
    for (const [name, c] of Object.entries(data.contexts ?? {}))
      for (const [callee, call] of Object.entries(((c as RawMap).calls as RawMap | null | undefined) ?? {})) {
        const bh = (call as RawMap | null)?.bulkhead as RawMap | undefined;
        if (!bh) continue;
        const path = ["contexts", name, "calls", callee, "bulkhead"];
        if (typeof bh.maxConcurrent === "number" && bh.maxConcurrent < 1)
          out.push(at([...path, "maxConcurrent"], `bulkhead of ${name} → ${callee}: maxConcurrent ${bh.maxConcurrent} lets no call through; use a positive number (e.g. maxConcurrent: 8)`));
        if (typeof bh.maxQueue === "number" && bh.maxQueue < 0)
          out.push(at([...path, "maxQueue"], `bulkhead of ${name} → ${callee}: maxQueue ${bh.maxQueue} is negative; use 0 (no call waits) or more (e.g. maxQueue: 16)`));
      }
    return out;
  },
};

export const bffName: Rule = {
  id: "bff-name",
  severity: "error",
  summary: "a BFF's name is a DNS label, not a context's and not one msa uses (BFFs and contexts share a namespace)",
  check({ data, at }) {
    const out: Diagnostic[] = [];
    const contexts = new Set(Object.keys(data.contexts ?? {}));
    for (const name of Object.keys((data.bffs as RawMap | undefined) ?? {})) {
      if (!DNS_LABEL.test(name) || name.length > 63)
        out.push(at(["bffs", name], `BFF name "${name}" is not a DNS-1123 label: use lowercase letters, digits and '-', starting with a letter (e.g. web)`, { key: true }));
      else if (contexts.has(name))
        out.push(at(["bffs", name], `BFF name "${name}" is also a context's: they share one namespace (Services, images, gateway routes); rename the BFF (e.g. ${name}-bff)`, { key: true }));
      else if (RESERVED_CONTEXT_NAMES.has(name))
        out.push(at(["bffs", name], `BFF name "${name}" is used by msa for its own gateway or infrastructure; rename the BFF (e.g. ${name}-bff)`, { key: true }));
    }
    return out;
  },
};

export const bffCompose: Rule = {
  id: "bff-compose",
  severity: "error",
  summary: "a BFF route composes declared GET api lines of existing contexts, each path parameter bound to the route or an earlier call",
  check({ data, model, at }) {
    const out: Diagnostic[] = [];
    for (const [name, b] of Object.entries((data.bffs as RawMap | undefined) ?? {})) {
      const routes = ((b as RawMap).routes as RawMap[] | undefined) ?? [];
      const seenPaths = new Set<string>();
      routes.forEach((r, i) => {
        const routePath = typeof r.path === "string" ? r.path : "";
        if (!/^\/([A-Za-z0-9._~-]+|\{[A-Za-z_][A-Za-z0-9_]*\})?(\/([A-Za-z0-9._~-]+|\{[A-Za-z_][A-Za-z0-9_]*\}))*$/.test(routePath))
          out.push(at(["bffs", name, "routes", i, "path"], `BFF ${name} route path "${routePath}" is not a path such as /orders/{id}/summary`));
        else if (seenPaths.has(routePath)) out.push(at(["bffs", name, "routes", i, "path"], `BFF ${name} declares the route ${routePath} twice; keep one`));
        seenPaths.add(routePath);
        const params = pathParams(routePath);
        const earlier: string[] = [];
        ((r.compose as unknown[] | undefined) ?? []).forEach((raw, j) => {
          const where = ["bffs", name, "routes", i, "compose", j];
          const entry = composeEntry(raw);
          if (!entry) return;
          const call = parseComposeEntry(entry, params, earlier);
          if (typeof call === "string") {
            out.push(at(where, `BFF ${name} ${routePath}: ${call}`));
            return;
          }
          if (!model.contexts.some((c) => c.name === call.context))
            out.push(at(where, `BFF ${name} ${routePath}: "${call.context}" is not a declared context`));
          else if (call.method !== "GET")
            out.push(at(where, `BFF ${name} ${routePath}: ${call.method} ${call.path} is not a GET; a BFF composes reads (a partly failed fan-out of writes is not a partial document) — call it from a context instead`));
          else if (!declaredEndpoint(model.contexts, call))
            out.push(at(where, `BFF ${name} ${routePath}: ${call.context} declares no api line "${call.method} ${call.path}"; add it to contexts.${call.context}.api or fix the line`));
          if (earlier.includes(call.name))
            out.push(at(where, `BFF ${name} ${routePath}: two calls are named "${call.name}"; give one a name with as: (e.g. as: ${call.name}2)`));
          earlier.push(call.name);
        });
      });
    }
    return out;
  },
};
