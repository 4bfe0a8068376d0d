// Backends-for-frontends (docs/bff.md): `bffs.<name>` of system.yaml as a model, and the parsing of a
// route's `compose` entries shared by the model, the rules (src/core/rules/bff.ts) and the BFF planner.
//
// A compose entry names one declared api line of a context: "orders GET /orders/{id}", or the object form
// { call: "inventory GET /stock/{sku}", as: stock, with: { sku: orders.body.sku } }. Each path parameter of
// the call is bound explicitly: by `with` to `path.<param>` (the BFF route's own parameter) or to
// `<earlier call>.body.<field>[.<field>…]` (a field of an earlier call's JSON answer); without `with`, to the
// route's parameter of the same name. A call bound to an earlier one waits for it; the others start at once.
import type { LoadedDocument } from "./load.js";
import type { Context, SourceRef } from "./model.js";
import { parseDuration } from "./names.js";

/** A composed call's timeout unless its entry says `timeout:`: a person waits for the page. */
export const BFF_DEFAULT_TIMEOUT_MS = 2_000;

export type BffBinding = { param: string; from: "path"; name: string } | { param: string; from: "call"; call: string; field: string[] };

export interface BffCall {
  /** The key of its result in the composed document (`as`, default the context's name). */
  name: string;
  context: string;
  method: string;
  /** As written in the api line: /stock/{sku} */
  path: string;
  params: string[];
  bindings: BffBinding[];
  /** Names of the earlier calls it binds to (it starts when they answered). */
  after: string[];
  timeoutMs: number;
}

export interface BffRoute {
  /** As written: /orders/{id}/summary */
  path: string;
  /** Express 5 form: /orders/:id/summary */
  expressPath: string;
  params: string[];
  calls: BffCall[];
}

export interface Bff {
  name: string;
  description: string;
  port: number;
  routes: BffRoute[];
  /** The contexts its routes call (sorted, unique). */
  targets: string[];
  source: SourceRef;
}

type Raw = Record<string, unknown>;
const asMap = (v: unknown): Raw => (v && typeof v === "object" && !Array.isArray(v) ? (v as Raw) : {});
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export const COMPOSE_LINE = /^([a-z][a-z0-9-]*)\s+(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\s+(\/\S*)$/;
/** `path.<param>` or `<call>.body.<field>[.<field>…]`. */
export const BINDING_SOURCE = /^(?:path\.([A-Za-z_][A-Za-z0-9_]*)|([a-z][a-zA-Z0-9_-]*)\.body((?:\.[A-Za-z0-9_-]+)+))$/;
export const pathParams = (path: string): string[] => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);

/** A compose entry as written, in either form. */
export interface ComposeEntry {
  call: string;
  as?: string;
  with: Record<string, string>;
  timeoutMs?: number;
}

export function composeEntry(raw: unknown): ComposeEntry | null {
  if (typeof raw === "string") return { call: raw, with: {} };
  const m = asMap(raw);
  if (typeof m.call !== "string") return null;
  const w: Record<string, string> = {};
  for (const [k, v] of Object.entries(asMap(m.with))) if (typeof v === "string") w[k] = v;
  const t = parseDuration(m.timeout);
  return { call: m.call, ...(typeof m.as === "string" ? { as: m.as } : {}), with: w, ...(t !== undefined ? { timeoutMs: t } : {}) };
}

/** The call of one entry, or a reason it is not one (the rule bff-compose reports it). */
export function parseComposeEntry(entry: ComposeEntry, routeParams: string[], earlier: string[]): BffCall | string {
  const m = COMPOSE_LINE.exec(entry.call.trim());
  if (!m) return `"${entry.call}" is not "<context> <METHOD> <path>" (e.g. "orders GET /orders/{id}")`;
  const [, context, method, path] = m as unknown as [string, string, string, string];
  const name = entry.as ?? context;
  const params = pathParams(path);
  const bindings: BffBinding[] = [];
  for (const k of Object.keys(entry.with)) if (!params.includes(k)) return `with binds "${k}", which is not a path parameter of ${path}`;
  for (const p of params) {
    const src = entry.with[p];
    if (src === undefined) {
      if (!routeParams.includes(p)) return `path parameter {${p}} of ${path} has no value: the route has no {${p}}; bind it with with: { ${p}: path.<param> | <earlier call>.body.<field> }`;
      bindings.push({ param: p, from: "path", name: p });
      continue;
    }
    const b = BINDING_SOURCE.exec(src);
    if (!b) return `with.${p} "${src}" is neither path.<param> nor <earlier call>.body.<field> (e.g. orders.body.sku)`;
    if (b[1] !== undefined) {
      if (!routeParams.includes(b[1])) return `with.${p} "${src}": the route has no path parameter {${b[1]}}`;
      bindings.push({ param: p, from: "path", name: b[1] });
    } else {
      const call = b[2] as string;
      if (!earlier.includes(call)) return `with.${p} "${src}": "${call}" is not an earlier call of this route${earlier.length ? ` (earlier: ${earlier.join(", ")})` : ""}`;
      bindings.push({ param: p, from: "call", call, field: (b[3] as string).slice(1).split(".") });
    }
  }
  const after = [...new Set(bindings.flatMap((b) => (b.from === "call" ? [b.call] : [])))].sort();
  return { name, context, method, path, params, bindings, after, timeoutMs: entry.timeoutMs ?? BFF_DEFAULT_TIMEOUT_MS };
}

/** Which api line of the context the call names (method and path as declared), if any. */
export const declaredEndpoint = (contexts: readonly Context[], call: Pick<BffCall, "context" | "method" | "path">) =>
  contexts.find((c) => c.name === call.context)?.api.find((e) => e.method === call.method && e.path === call.path);

/** The model's BFFs: only well-formed compose entries naming a declared api line (the rules report the rest). */
export function bffsOf(raw: unknown, contexts: readonly Context[], loaded: LoadedDocument): Bff[] {
  const bffs = asMap(raw);
  return Object.keys(bffs)
    .sort()
    .map((name) => {
      const b = asMap(bffs[name]);
      const routes: BffRoute[] = asList(b.routes).map((r) => {
        const rm = asMap(r);
        const path = typeof rm.path === "string" ? rm.path : "/";
        const params = pathParams(path);
        const calls: BffCall[] = [];
        for (const e of asList(rm.compose)) {
          const entry = composeEntry(e);
          if (!entry) continue;
          const call = parseComposeEntry(entry, params, calls.map((c) => c.name));
          if (typeof call !== "string" && declaredEndpoint(contexts, call) && !calls.some((c) => c.name === call.name)) calls.push(call);
        }
        return { path, expressPath: path.replace(/\{([^}]+)\}/g, ":$1"), params, calls };
      });
      return {
        name,
        description: typeof b.description === "string" ? b.description : "",
        port: typeof b.port === "number" ? b.port : 0,
        routes,
        targets: [...new Set(routes.flatMap((r) => r.calls.map((c) => c.context)))].sort(),
        source: { loaded, path: ["bffs", name] },
      };
    });
}
