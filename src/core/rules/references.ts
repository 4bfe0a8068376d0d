import type { Diagnostic } from "../diagnostics.js";
import { didYouMean } from "../suggest.js";
import type { RawMap, Rule } from "./types.js";

const hint = (name: string, known: string[]): string => {
  const g = didYouMean(name, known);
  return g ? `; did you mean "${g}"?` : known.length ? `; declared: ${known.join(", ")}` : "";
};

export const refContext: Rule = {
  id: "ref-context",
  severity: "error",
  summary: "routes, calls, saga steps and event owners name declared contexts",
  check({ data, at }) {
    const contexts = Object.keys(data.contexts ?? {});
    const known = new Set(contexts);
    const out: Diagnostic[] = [];
    const check = (name: unknown, path: (string | number)[], what: string, key = false) => {
      if (typeof name === "string" && !known.has(name))
        out.push(at(path, `${what} "${name}" is not a declared context${hint(name, contexts)}`, { key }));
    };
    // a gateway route may name a BFF too (bffs share the contexts' namespace; docs/bff.md)
    const bffs = Object.keys((data.bffs as RawMap | undefined) ?? {});
    (data.gateway?.routes ?? []).forEach((r, i) => {
      const target = (r as RawMap).context;
      if (typeof target !== "string" || known.has(target) || bffs.includes(target)) return;
      out.push(at(["gateway", "routes", i, "context"], `gateway route context "${target}" is not a declared context${bffs.length ? " or BFF" : ""}${hint(target, [...contexts, ...bffs])}`));
    });
    for (const [name, c] of Object.entries(data.contexts ?? {}))
      for (const callee of Object.keys(((c as RawMap).calls as RawMap | undefined) ?? {}))
        check(callee, ["contexts", name, "calls", callee], `${name} calls`, true);
    for (const [name, s] of Object.entries(data.sagas ?? {})) {
      check((s as RawMap).orchestrator, ["sagas", name, "orchestrator"], `saga ${name} orchestrator`);
      (((s as RawMap).steps as RawMap[] | undefined) ?? []).forEach((st, i) => check(st.context, ["sagas", name, "steps", i, "context"], `saga ${name} step context`));
    }
    for (const [name, e] of Object.entries(data.events ?? {})) check((e as RawMap).owner, ["events", name, "owner"], `owner of ${name}`);
    return out;
  },
};

export const refEvent: Rule = {
  id: "ref-event",
  severity: "error",
  summary: "every publishes and consumes entry names a declared event",
  check({ data, at }) {
    const events = Object.keys(data.events ?? {});
    const known = new Set(events);
    const out: Diagnostic[] = [];
    for (const [name, c] of Object.entries(data.contexts ?? {}))
      for (const list of ["publishes", "consumes"] as const)
        ((c as RawMap)[list] as unknown[] | undefined ?? []).forEach((e, i) => {
          if (typeof e === "string" && !known.has(e))
            out.push(at(["contexts", name, list, i], `${name} ${list} "${e}", which is not declared under \`events\`${hint(e, events)}; declare it there with a schema`));
        });
    return out;
  },
};
