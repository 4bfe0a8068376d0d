// Rules of event sourcing and CQRS read models (docs/event-sourcing.md): persistence: event-sourced and readModels.
import type { Diagnostic } from "../diagnostics.js";
import type { Context } from "../model.js";
import type { Rule } from "./types.js";

/** A read model's name becomes the table rm_<name> and the argument of `npm run projections:rebuild`. */
export const READ_MODEL_NAME = /^[a-z][a-z0-9_]{0,39}$/;

const usesEventStore = (c: Context): boolean => c.persistence === "event-sourced" || c.readModels.length > 0;

export const esDatabase: Rule = {
  id: "es-database",
  severity: "error",
  summary: "persistence: event-sourced and readModels need a postgres database in the context",
  check({ model, at }) {
    const out: Diagnostic[] = [];
    for (const c of model.contexts) {
      if (!usesEventStore(c) || c.database?.engine === "postgres") continue;
      const what = c.persistence === "event-sourced" ? "persistence: event-sourced" : "readModels";
      const key = c.persistence === "event-sourced" ? "persistence" : "readModels";
      const has = c.database ? `database: ${c.database.engine}` : "no database";
      const mysql =
        c.database?.engine === "mysql"
          ? " (mysql is not generated yet: it would need JSON columns instead of jsonb, GET_LOCK instead of pg_advisory_xact_lock to keep the global position in commit order, and polling instead of LISTEN/NOTIFY)"
          : "";
      out.push(at(["contexts", c.name, key], `${c.name} uses ${what} but has ${has}; the event store and read models live in a postgres database: set database: postgres${mysql}`, { key: true }));
    }
    return out;
  },
};

export const esEvents: Rule = {
  id: "es-events",
  severity: "error",
  summary: "an event-sourced context publishes at least one event (its aggregates store only events it publishes)",
  check({ model, at }) {
    const out: Diagnostic[] = [];
    for (const c of model.contexts)
      if (c.persistence === "event-sourced" && c.publishes.length === 0)
        out.push(at(["contexts", c.name, "persistence"], `${c.name} is event-sourced but publishes no event; its aggregates store the events it publishes: add them to ${c.name}'s publishes (and declare them under events)`, { key: true }));
    return out;
  },
};

export const readModelName: Rule = {
  id: "read-model-name",
  severity: "error",
  summary: "a read model's name is an identifier (lowercase letters, digits, _; at most 40): it names the table rm_<name>",
  check({ model, at }) {
    const out: Diagnostic[] = [];
    for (const c of model.contexts)
      for (const rm of c.readModels)
        if (!READ_MODEL_NAME.test(rm.name)) {
          const suggestion = rm.name.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^[^a-z]+/, "").slice(0, 40) || "view";
          out.push(at(["contexts", c.name, "readModels", rm.name], `read model "${rm.name}" of ${c.name} is not an identifier (it names the table rm_<name>); rename it, e.g. ${suggestion}`, { key: true }));
        }
    return out;
  },
};

export const readModelSource: Rule = {
  id: "read-model-source",
  severity: "error",
  summary: "a read model is fed only by events its context publishes or consumes",
  check({ model, at, data }) {
    const out: Diagnostic[] = [];
    for (const c of model.contexts)
      for (const rm of c.readModels) {
        const raw = (((data.contexts?.[c.name] as Record<string, unknown> | undefined)?.readModels as Record<string, { from?: unknown[] }> | undefined)?.[rm.name]?.from ?? []) as unknown[];
        for (const e of rm.from) {
          if (c.publishes.includes(e) || c.consumes.includes(e)) continue;
          const i = raw.indexOf(e);
          out.push(at(["contexts", c.name, "readModels", rm.name, "from", i < 0 ? 0 : i], `read model ${rm.name} of ${c.name} is fed by "${e}", which ${c.name} neither publishes nor consumes; add "${e}" to ${c.name}'s consumes (or publishes, if ${c.name} owns it), or drop it from from`));
        }
      }
    return out;
  },
};

export const esRuntime: Rule = {
  id: "es-runtime",
  severity: "error",
  summary: "python-flask contexts: persistence: event-sourced and readModels are not generated yet (node-express only)",
  check({ model, at }) {
    const out: Diagnostic[] = [];
    for (const c of model.contexts) {
      if (c.runtime !== "python-flask" || !usesEventStore(c)) continue;
      const key = c.persistence === "event-sourced" ? "persistence" : "readModels";
      out.push(at(["contexts", c.name, key], `${c.name} is python-flask: event sourcing and read models are not supported on python-flask yet (msa generates the event store, aggregates and projectors for node-express only); set runtime: node-express for ${c.name}, or drop ${key}`, { key: true }));
    }
    return out;
  },
};
