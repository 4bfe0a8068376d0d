import type { Diagnostic } from "../diagnostics.js";
import type { RawMap, Rule } from "./types.js";

export const portRange: Rule = {
  id: "port-range",
  severity: "error",
  summary: "a context's port is from 1 to 65535",
  check({ data, at }) {
    const out: Diagnostic[] = [];
    for (const [name, c] of Object.entries(data.contexts ?? {})) {
      const p = (c as RawMap).port;
      if (typeof p === "number" && (p < 1 || p > 65535))
        out.push(at(["contexts", name, "port"], `port ${p} of ${name} is out of range; use a port from 1 to 65535 (e.g. 3000)`));
    }
    return out;
  },
};

export const portUnique: Rule = {
  id: "port-unique",
  severity: "error",
  summary: "no two contexts declare the same port",
  check({ data, at }) {
    const out: Diagnostic[] = [];
    const seen = new Map<number, string>();
    for (const [name, c] of Object.entries(data.contexts ?? {})) {
      const p = (c as RawMap).port;
      if (typeof p !== "number") continue;
      const first = seen.get(p);
      if (first) out.push(at(["contexts", name, "port"], `port ${p} of ${name} is already used by ${first}; give each context its own port`));
      else seen.set(p, name);
    }
    return out;
  },
};
