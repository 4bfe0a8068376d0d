// Breaking changes of the REST contracts (docs/rest-contracts.md): each endpoint's request and response schemas
// against the previous contract (the OpenAPI document msa generated before: the committed file, or the one at a
// git ref), with the events' compatibility engine (events/compat.ts), like `buf breaking`.
// Clients of the previous contract must keep working (compatibility: backward, the default):
//   requests (path, query, body): the new contract accepts everything old clients send — old ⊆ new (backward);
//   responses: old clients accept everything the new one returns — new ⊆ old (the engine's forward);
//   an endpoint or a 2xx response removed is breaking.
// `forward` asks the converse (clients of the new contract work against the old service), `full` both, `none`
// nothing. An endpoint that had no contract before (the short form) has nothing to break. Pure.
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import { checkCompatibility, where, type CompatFinding } from "../events/compat.js";
import { mapRefs } from "../events/bundle.js";
import { positionOf, type PathSegment } from "../load.js";
import type { Compatibility, Context, Endpoint, SystemModel } from "../model.js";
import { contextOpenApi } from "./openapi.js";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

export const API_COMPAT_RULE_ID = "api-compatibility";

/** The previous contract of a context: its OpenAPI document and where it was read from (for the messages). */
export interface PreviousContract {
  doc: unknown;
  /** e.g. services/orders/openapi.yaml, or origin/main:services/orders/openapi.yaml */
  from: string;
}

/** The parts of one operation as self-contained schemas (components under $defs). */
interface OperationParts {
  contract: boolean;
  path: Json | null;
  query: Json | null;
  body: Json | null;
  responses: Map<string, Json | null>;
}

function partsOf(doc: Json, op: Json): OperationParts {
  const comps = isObject(doc.components) && isObject(doc.components.schemas) ? doc.components.schemas : {};
  const local = (s: unknown): Json => {
    const rewrite = (ref: string) => ref.replace(/^#\/components\/schemas\//, "#/$defs/");
    const out = mapRefs(s, rewrite) as Json;
    return Object.keys(comps).length ? { ...out, $defs: mapRefs(comps, rewrite) as Json } : out;
  };
  const params = Array.isArray(op.parameters) ? op.parameters.filter(isObject) : [];
  const objectOf = (where: string): Json | null => {
    const ps = params.filter((p) => p.in === where);
    if (!ps.length) return null;
    return local({
      type: "object",
      properties: Object.fromEntries(ps.map((p) => [String(p.name), p.schema ?? {}])),
      required: ps.filter((p) => p.required === true).map((p) => String(p.name)),
    });
  };
  const content = (x: unknown): Json | null => {
    const c = isObject(x) && isObject(x.content) ? x.content["application/json"] : undefined;
    return isObject(c) && c.schema !== undefined ? local(c.schema) : null;
  };
  const responses = new Map<string, Json | null>();
  for (const [status, r] of Object.entries(isObject(op.responses) ? op.responses : {})) if (/^\d{3}$/.test(status)) responses.set(status, content(r));
  const res = isObject(op.responses) ? op.responses : {};
  return {
    // msa writes a `default` response exactly for the endpoints system.yaml gives no contract
    contract: !("default" in res),
    path: objectOf("path"),
    query: objectOf("query"),
    body: content(op.requestBody),
    responses,
  };
}

const REQUEST_MODE: Record<Exclude<Compatibility, "none">, Compatibility> = { backward: "backward", forward: "forward", full: "full" };
const RESPONSE_MODE: Record<Exclude<Compatibility, "none">, Compatibility> = { backward: "forward", forward: "backward", full: "full" };
const METHODS = ["get", "put", "post", "delete", "options", "head", "patch"];

/** Every breaking change between the previous contracts and the model's, as diagnostics at the endpoint in system.yaml. */
export function checkApiContracts(model: SystemModel, previous: ReadonlyMap<string, PreviousContract>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const c of model.contexts) {
    const prev = previous.get(c.name);
    if (!prev || !isObject(prev.doc) || !isObject(prev.doc.paths)) continue;
    out.push(...checkContext(model, c, prev.doc, prev.from));
  }
  return out;
}

function checkContext(model: SystemModel, c: Context, oldDoc: Json, from: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const newDoc = contextOpenApi(model, c);
  const newPaths = newDoc.paths as Json;
  const at = (p: PathSegment[], message: string, severity: "error" | "warning" = "error"): Diagnostic =>
    diagnostic(model.file, positionOf(model.loaded, p, { key: true }), severity, API_COMPAT_RULE_ID, message);
  for (const [p, ops] of Object.entries(oldDoc.paths as Json)) {
    if (!isObject(ops)) continue;
    for (const method of METHODS) {
      const oldOp = ops[method];
      if (!isObject(oldOp)) continue;
      const label = `${c.name} ${method.toUpperCase()} ${p}`;
      const newOp = isObject(newPaths[p]) ? (newPaths[p] as Json)[method] : undefined;
      const ep = c.api.find((e) => e.path === p && e.method === method.toUpperCase());
      if (!isObject(newOp) || !ep) {
        out.push(at(["contexts", c.name, "api"], `${label} was removed (ENDPOINT_REMOVED; it is in the previous contract ${from}): its clients break; fix: keep serving it, or remove it once no client calls it and regenerate the contract`));
        continue;
      }
      if (ep.compatibility === "none") continue;
      const o = partsOf(oldDoc, oldOp);
      if (!o.contract) continue; // no contract before: nothing to break
      const n = partsOf(newDoc, newOp);
      const reqMode = REQUEST_MODE[ep.compatibility];
      const resMode = RESPONSE_MODE[ep.compatibility];
      const src = ep.source?.path ?? ["contexts", c.name, "api"];
      const compare = (what: string, older: Json | null, newer: Json | null, mode: Compatibility, node: PathSegment[], kind: "request" | "response") => {
        if (!older && !newer) return;
        if (!older && newer) {
          if (kind === "request" && (mode === "backward" || mode === "full") && requiresSomething(newer))
            out.push(at(node, `${label}: the ${what} now requires what old clients do not send (REQUIRED_ADDED; previous contract ${from}); fix: make it optional`));
          return;
        }
        if (older && !newer) {
          if (kind === "response" && (mode === "forward" || mode === "full"))
            out.push(at(node, `${label}: the ${what} no longer has a body old clients read (BODY_REMOVED; previous contract ${from}); fix: keep the body's schema`));
          return;
        }
        for (const f of checkCompatibility(older, newer, mode)) out.push(findingAt(at, node, label, what, f, ep, from, kind));
      };
      compare("path parameters", o.path, n.path, reqMode, [...src, "params"], "request");
      compare("query", o.query, n.query, reqMode, [...src, "query"], "request");
      compare("request body", o.body, n.body, reqMode, [...src, "request"], "request");
      for (const [status, older] of o.responses) {
        if (!n.responses.has(status)) {
          if (status.startsWith("2") && (ep.compatibility === "backward" || ep.compatibility === "full"))
            out.push(at([...src, "responses"], `${label}: response ${status} was removed (RESPONSE_STATUS_REMOVED; previous contract ${from}): old clients expect it; fix: keep answering ${status}`));
          continue;
        }
        compare(`response ${status}`, older, n.responses.get(status) ?? null, resMode, [...src, "responses", status], "response");
      }
    }
  }
  return out;
}

/** Does the schema reject an absent or empty value (a required property, a body that must exist)? */
const requiresSomething = (s: Json): boolean => !(Array.isArray(s.required) && s.required.length === 0 && s.type === "object");

function findingAt(
  at: (p: PathSegment[], m: string, s?: "error" | "warning") => Diagnostic,
  node: PathSegment[],
  label: string,
  what: string,
  f: CompatFinding,
  ep: Endpoint,
  from: string,
  kind: "request" | "response",
): Diagnostic {
  const whose = kind === "request" ? "what old clients send" : "what old clients accept";
  const inside = where(f.at === "old" ? f.oldPath : f.newPath).replace(/^the payload$/, "");
  const message = f.severity === "error"
    ? `${label}: the ${what}${inside ? ` at ${inside}` : ""} breaks ${whose} (${f.rule}, declared ${ep.compatibility}; previous contract ${from}): ${f.message}; fix: ${f.fix.replace(/(publish )?(the new shape as )?a new event type/g, "serve the new shape at a new endpoint")}`
    : `${label}: the ${what} (${f.rule}): ${f.message}`;
  return at(node, message, f.severity);
}
