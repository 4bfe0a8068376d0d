import type { Diagnostic } from "../diagnostics.js";
import type { RawMap, Rule } from "./types.js";

export const eventPublisher: Rule = {
  id: "event-publisher",
  severity: "error",
  summary: "every event has exactly one publishing context (its owner)",
  check({ data, at }) {
    const out: Diagnostic[] = [];
    const publishers = new Map<string, string[]>();
    for (const [name, c] of Object.entries(data.contexts ?? {}))
      for (const e of ((c as RawMap).publishes as unknown[] | undefined) ?? [])
        if (typeof e === "string") publishers.set(e, [...(publishers.get(e) ?? []), name]);
    for (const [event, raw] of Object.entries(data.events ?? {})) {
      const owner = typeof (raw as RawMap).owner === "string" ? ((raw as RawMap).owner as string) : undefined;
      const pubs = publishers.get(event) ?? [];
      if (pubs.length > 1) {
        for (const p of pubs.slice(1)) {
          const i = (((data.contexts?.[p] as RawMap).publishes as string[]) ?? []).indexOf(event);
          out.push(at(["contexts", p, "publishes", i], `event "${event}" is published by ${pubs.join(" and ")}; an event has one owner — keep it in one context's publishes and let the others consume it or publish an event of their own`));
        }
      } else if (owner && pubs.length === 1 && pubs[0] !== owner) {
        out.push(at(["events", event, "owner"], `owner of "${event}" is ${owner}, but ${pubs[0]} publishes it; make the owner the publisher or move it to ${owner}'s publishes`));
      } else if (pubs.length === 0 && !owner) {
        out.push(at(["events", event], `no context publishes "${event}"; add it to the publishes of the context that owns it (or remove the event)`, { key: true }));
      }
    }
    return out;
  },
};

export const databaseShared: Rule = {
  id: "database-shared",
  severity: "error",
  summary: "two contexts never share one database (same engine and name): each context owns its data",
  check({ model, at }) {
    const out: Diagnostic[] = [];
    const seen = new Map<string, string>();
    for (const c of model.contexts) {
      if (!c.database) continue;
      const key = `${c.database.engine}/${c.database.name}`;
      const first = seen.get(key);
      if (first)
        out.push(at(["contexts", c.name, "database"], `${c.name} and ${first} share the ${c.database.engine} database "${c.database.name}"; each context owns its data — give ${c.name} its own database name, and share data through its API or events`));
      else seen.set(key, c.name);
    }
    return out;
  },
};
