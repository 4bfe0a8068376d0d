import type { Diagnostic } from "../diagnostics.js";
import { DNS_LABEL, EVENT_NAME } from "../names.js";
import type { Rule } from "./types.js";

const UNSAFE = /(\.\.|\/|\\|\s|[$`;&|<>*?!#~'"(){}[\]])/;

/** Why a name is unsafe, in words, or undefined when it is fine. */
function unsafeReason(name: string): string | undefined {
  if (name.includes("..")) return "contains '..'";
  if (name.includes("/") || name.includes("\\")) return "contains a path separator";
  if (/\s/.test(name)) return "contains white space";
  const m = UNSAFE.exec(name);
  return m ? `contains the shell metacharacter '${m[0]}'` : undefined;
}

export const nameFormat: Rule = {
  id: "name-format",
  severity: "error",
  summary: "context, saga and event names are well-formed and safe as file and DNS names",
  check({ data, at }) {
    const out: Diagnostic[] = [];
    for (const name of Object.keys(data.contexts ?? {})) {
      const why = unsafeReason(name);
      if (why || !DNS_LABEL.test(name) || name.length > 63)
        out.push(at(["contexts", name], `context name "${name}" ${why ?? "is not a DNS-1123 label"}: use lowercase letters, digits and '-', starting with a letter, at most 63 characters (e.g. order-history)`, { key: true }));
    }
    for (const name of Object.keys(data.sagas ?? {})) {
      const why = unsafeReason(name);
      if (why || !DNS_LABEL.test(name))
        out.push(at(["sagas", name], `saga name "${name}" ${why ?? "is not a DNS-1123 label"}: use lowercase letters, digits and '-' (e.g. place-order)`, { key: true }));
    }
    for (const name of Object.keys(data.events ?? {})) {
      const why = unsafeReason(name);
      if (why || !EVENT_NAME.test(name) || name.length > 100)
        out.push(at(["events", name], `event name "${name}" ${why ?? "is malformed"}: use lowercase words joined by '.', '-' or '_' (e.g. order.created)`, { key: true }));
    }
    return out;
  },
};

/** Names the generated system itself uses for its own objects (compose services, k8s objects, folders). */
export const RESERVED_CONTEXT_NAMES: ReadonlySet<string> = new Set(["gateway", "kong", "rabbitmq", "nats", "kafka", "broker", "msa"]);

export const nameReserved: Rule = {
  id: "name-reserved",
  severity: "error",
  summary: "context names do not collide with what msa generates (gateway, the broker, <context>-db)",
  check({ data, at }) {
    const names = Object.keys(data.contexts ?? {});
    const set = new Set(names);
    const out: Diagnostic[] = [];
    for (const name of names) {
      if (RESERVED_CONTEXT_NAMES.has(name))
        out.push(at(["contexts", name], `context name "${name}" is used by msa for its own ${name === "gateway" || name === "kong" ? "gateway" : "infrastructure"}; rename the context (e.g. ${name}-service)`, { key: true }));
      else if (name.endsWith("-db") && set.has(name.slice(0, -3)))
        out.push(at(["contexts", name], `context name "${name}" collides with the database msa generates for "${name.slice(0, -3)}"; rename it`, { key: true }));
    }
    return out;
  },
};
