// Rules about `dev:` (docs/dev.md): a database URL for msa dev must belong to a context that has a database.
import type { Rule } from "./types.js";

export const devDatabase: Rule = {
  id: "dev-database",
  severity: "error",
  summary: "every dev.databases entry names a context that has a database",
  check({ model, at }) {
    const byName = new Map(model.contexts.map((c) => [c.name, c]));
    const withDb = model.contexts.filter((c) => c.database).map((c) => c.name);
    return Object.keys(model.dev.databases)
      .sort()
      .flatMap((name) => {
        const ctx = byName.get(name);
        if (ctx?.database) return [];
        const why = ctx ? `context "${name}" has no database` : `"${name}" is not a context`;
        return [at(["dev", "databases", name], `dev.databases.${name}: ${why}; msa dev would never use this URL. Remove it${withDb.length ? ` or name one of ${withDb.join(", ")}` : ""}`, { key: true })];
      });
  },
};
