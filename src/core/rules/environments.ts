import type { Diagnostic } from "../diagnostics.js";
import { ENVIRONMENT_NAMES } from "../model.js";
import type { RawMap, Rule } from "./types.js";

export const environmentNamespaceUnique: Rule = {
  id: "environment-namespace-unique",
  severity: "error",
  summary: "dev, staging and prod deploy to three different namespaces",
  check({ data, model, at }) {
    const out: Diagnostic[] = [];
    const raw = ((data as RawMap).environments ?? {}) as RawMap;
    const explicit = (env: string): boolean => typeof ((raw[env] ?? {}) as RawMap).namespace === "string";
    const seen = new Map<string, string>();
    for (const env of ENVIRONMENT_NAMES) {
      const ns = model.environments[env].namespace;
      const first = seen.get(ns);
      if (!first) {
        seen.set(ns, env);
        continue;
      }
      const where = explicit(env) ? env : first;
      out.push(
        at(
          ["environments", where, "namespace"],
          `${first} and ${env} both deploy to namespace ${ns}: a ${first === "prod" || env === "prod" ? "test deploy would replace production" : "deploy of one replaces the other"}; give environments.${where}.namespace its own name (defaults: ${model.namespace}-dev, ${model.namespace}-staging, ${model.namespace})`,
        ),
      );
    }
    return out;
  },
};
