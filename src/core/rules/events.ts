import type { Diagnostic } from "../diagnostics.js";
import type { RawMap, Rule } from "./types.js";

export const eventSchema: Rule = {
  id: "event-schema",
  severity: "error",
  summary: "every event has a schema: `schema:` or `versions:`, not both",
  check({ data, at }) {
    const out: Diagnostic[] = [];
    for (const [name, raw] of Object.entries(data.events ?? {})) {
      const e = (raw ?? {}) as RawMap;
      if (e.schema === undefined && e.versions === undefined)
        out.push(at(["events", name], `event "${name}" has no schema; add schema: {type: object, ...} or versions: {1: ...}`, { key: true }));
      else if (e.schema !== undefined && e.versions !== undefined)
        out.push(at(["events", name, "schema"], `event "${name}" has both schema and versions; schema is shorthand for versions: {1: ...} — keep one`, { key: true }));
    }
    return out;
  },
};

export const eventUnconsumed: Rule = {
  id: "event-unconsumed",
  severity: "warning",
  summary: "an event that is published is consumed by some context",
  check({ model, at }) {
    return model.events
      .filter((e) => e.owner && e.consumers.length === 0)
      .map((e) => at(["events", e.name], `event "${e.name}" is published by ${e.owner} but no context consumes it; add it to a consumer's consumes or drop it`, { key: true, severity: "warning" }));
  },
};
