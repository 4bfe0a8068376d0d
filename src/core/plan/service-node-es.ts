// The event-sourcing part of a node-express service's view (docs/event-sourcing.md): which events its store holds,
// its read models and the upcasters its event versions need. Pure: model in, plain data out.
import type { Context } from "../model.js";
import { toCamel, toPascal } from "../names.js";
import type { EventView } from "./service-node-view.js";

export interface EsEventView {
  name: string;
  pascalName: string;
  /** The type of its latest version (AccountOpenedV2): what the store serves after upcasting. */
  latestType: string;
  latestVersion: number;
  /** Appended by this context's aggregates (published and the context is event-sourced). */
  own: boolean;
}

export interface UpcasterView {
  event: string;
  /** The version it reads and the one it returns (from + 1). */
  from: number;
  to: number;
  fromType: string;
  toType: string;
  /** accountOpenedV1ToV2 */
  fn: string;
  /** src/upcasters/account.opened.v2.ts (user-owned, written once). */
  file: string;
  /** ../upcasters/account.opened.v2.js */
  importPath: string;
}

export interface ReadModelView {
  name: string;
  camelName: string;
  pascalName: string;
  /** rm_<name> */
  table: string;
  /** src/projections/<name>.ts (user-owned, written once). */
  file: string;
  from: EsEventView[];
}

export interface EsView {
  eventSourced: boolean;
  /** The events in msa_events: own ones (aggregates) and consumed ones that feed a read model (recorded by the inbox). */
  stored: EsEventView[];
  own: EsEventView[];
  /** Consumed events recorded in the store (they feed a read model). */
  recordedConsumed: EsEventView[];
  /** Published events of a state context that feed its read models: recorded with their outbox row. */
  recordedPublished: EsEventView[];
  readModels: ReadModelView[];
  upcasters: UpcasterView[];
  /** The same by event (the UPCASTERS table of eventstore.ts). */
  upcastersByEvent: { event: string; steps: UpcasterView[] }[];
}

/** null when the context neither is event-sourced nor keeps read models. */
export function esView(c: Context, events: EventView[]): EsView | null {
  const eventSourced = c.persistence === "event-sourced";
  if (!eventSourced && c.readModels.length === 0) return null;
  const fed = new Set(c.readModels.flatMap((rm) => rm.from));
  const view = (e: EventView): EsEventView => ({
    name: e.name,
    pascalName: e.pascalName,
    latestType: e.latest.typeName,
    latestVersion: e.latest.version,
    own: eventSourced && e.published,
  });
  const stored = events.filter((e) => (eventSourced && e.published) || fed.has(e.name)).map(view);
  const byName = new Map(stored.map((e) => [e.name, e]));
  const upcasters: UpcasterView[] = [];
  for (const e of events) {
    if (!byName.has(e.name)) continue;
    for (let i = 1; i < e.versions.length; i++) {
      const prev = e.versions[i - 1]!;
      const cur = e.versions[i]!;
      upcasters.push({
        event: e.name,
        from: prev.version,
        to: cur.version,
        fromType: prev.typeName,
        toType: cur.typeName,
        fn: `${toCamel(e.name)}V${prev.version}ToV${cur.version}`,
        file: `src/upcasters/${e.name}.v${cur.version}.ts`,
        importPath: `../upcasters/${e.name}.v${cur.version}.js`,
      });
    }
  }
  return {
    eventSourced,
    stored,
    own: stored.filter((e) => e.own),
    recordedConsumed: stored.filter((e) => !e.own && c.consumes.includes(e.name)),
    recordedPublished: eventSourced ? [] : stored.filter((e) => c.publishes.includes(e.name)),
    readModels: c.readModels.map((rm) => ({
      name: rm.name,
      camelName: toCamel(rm.name),
      pascalName: toPascal(rm.name),
      table: `rm_${rm.name}`,
      file: `src/projections/${rm.name}.ts`,
      from: rm.from.map((n) => byName.get(n)).filter((e): e is EsEventView => !!e),
    })),
    upcasters,
    upcastersByEvent: [...new Set(upcasters.map((u) => u.event))].map((event) => ({ event, steps: upcasters.filter((u) => u.event === event) })),
  };
}
