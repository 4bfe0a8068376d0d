// The REST contracts of a python-flask service as Python types (docs/rest-contracts.md): its own endpoints'
// TypedDicts (app/api.py, unprefixed) and the callees' (app/contracts.py, prefixed with the callee's name), plus
// what the typed handler stubs and the typed client methods need. Pure.
import { contextContract } from "../api/openapi.js";
import { BODY_METHODS, contextsByName, type Context, type SystemModel } from "../model.js";
import { toPascal, toSnake } from "../names.js";
import { PyTypes, type PyTypedDict } from "./service-python-types.js";

const PY_KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield".split(" "),
);
/** Names the generated modules import or define: no type takes one. */
const PY_RESERVED = ["Any", "Literal", "NotRequired", "TypedDict", "Union", "Optional", "List", "Dict"];
const safeIdent = (s: string): string => (PY_KEYWORDS.has(s) ? `${s}_` : s);
/** getOrdersById → get_orders_by_id (as service-python.ts's pythonName). */
const snakeOp = (camel: string): string => camel.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();

export interface PyOperationTypes {
  operationId: string;
  method: string;
  path: string;
  /** get_orders_by_id: the handler's (and the client method's) name. */
  pyName: string;
  typePrefix: string;
  /** Each path parameter: its Python name (keywords get a trailing _), the URL's name and type. */
  params: { name: string; urlName: string; type: string }[];
  /** The names of the parts' types; null when the part is not declared. */
  paramsType: string | null;
  queryType: string | null;
  queryRequired: boolean;
  bodyType: string | null;
  responseBodyType: string;
  responses: { status: string; type: string | null }[];
  /** The handler signature's parameter list: `id: int, body: PostOrdersBody`. */
  handlerSignature: string;
  /** The path as a Python f-string body: /orders/{_q(id)} */
  pathFormat: string;
}

export interface PyApiTypes {
  dicts: PyTypedDict[];
  aliases: { name: string; type: string }[];
  operations: PyOperationTypes[];
  /** Every declared name, sorted (for `from app.api import …` and __all__). */
  names: string[];
}

/** The types of `c`'s contract; `prefix` prefixes every name (a caller's view: OrdersOrder, OrdersPostOrdersBody). */
export function pythonApiTypes(c: Context, prefix = ""): PyApiTypes | null {
  if (!c.api.some((ep) => ep.contract)) return null;
  const contract = contextContract(c);
  const types = new PyTypes((ref) => {
    const m = /^#\/components\/schemas\/([^/]+)$/.exec(ref);
    return m ? prefix + (m[1] as string).replace(/~1/g, "/").replace(/~0/g, "~") : undefined;
  }, PY_RESERVED);
  const componentNames = Object.keys(contract.components).map((n) => types.claim(prefix + n));
  // the operations' names are claimed before any nested class takes one
  const ops = c.api.filter((ep) => ep.contract);
  const claimed = new Map<string, string>();
  for (const ep of ops)
    for (const part of ["Params", "Query", "Body", "ResponseBody"]) {
      const n = `${prefix}${toPascal(ep.operationId)}${part}`;
      claimed.set(n, types.claim(n));
    }
  Object.entries(contract.components).forEach(([, schema], i) => types.declare(componentNames[i] as string, schema));
  const operations = ops.map((ep): PyOperationTypes => {
    const op = contract.operations[ep.operationId]!;
    const typePrefix = prefix + toPascal(ep.operationId);
    const name = (part: string): string => claimed.get(`${typePrefix}${part}`) as string;
    let paramsType: string | null = null;
    const params: PyOperationTypes["params"] = [];
    if (op.params) {
      paramsType = name("Params");
      types.declare(paramsType, op.params);
      const props = (op.params.properties ?? {}) as Record<string, unknown>;
      for (const p of ep.params) params.push({ name: safeIdent(p), urlName: p, type: types.expr(props[p], `${typePrefix}Param${toPascal(p)}`, 1) });
    }
    let queryType: string | null = null;
    if (op.query) {
      queryType = name("Query");
      types.declare(queryType, op.query);
    }
    let bodyType: string | null = null;
    if (op.body && BODY_METHODS.has(ep.method)) {
      bodyType = name("Body");
      types.declare(bodyType, op.body);
    }
    const responses = Object.entries(op.responses).map(([status, schema]) => {
      if (!schema) return { status, type: null };
      const n = types.claim(`${typePrefix}Response${status}`);
      types.declare(n, schema);
      return { status, type: n };
    });
    const bodies = responses.filter((r) => r.type !== null).map((r) => JSON.stringify(r.type));
    const responseBodyType = name("ResponseBody");
    types.aliases.push({ name: responseBodyType, type: bodies.length === 0 ? "Any" : bodies.length === 1 ? (bodies[0] as string) : `Union[${bodies.join(", ")}]` });
    const queryRequired = !!op.query && Array.isArray(op.query.required) && op.query.required.length > 0;
    const sig = [
      ...params.map((p) => `${p.name}: ${p.type}`),
      ...(bodyType ? [`body: ${bodyType}`] : []),
      ...(queryType ? [`query: ${queryType}`] : []),
    ];
    return {
      operationId: ep.operationId,
      method: ep.method,
      path: ep.path,
      pyName: snakeOp(ep.operationId),
      typePrefix,
      params,
      paramsType,
      queryType,
      queryRequired,
      bodyType,
      responseBodyType,
      responses,
      handlerSignature: sig.join(", "),
      pathFormat: ep.path.replace(/\{([^}]+)\}/g, (_m, p: string) => `{_q(${safeIdent(p)})}`),
    };
  });
  // an alias of one name: the TypedDict itself (all are defined before the aliases), another alias as a forward reference
  const dictNames = new Set(types.dicts.map((d) => d.name));
  const aliases = types.aliases.map((a) => {
    const bare = /^"([^"]+)"$/.exec(a.type);
    return bare ? { name: a.name, type: dictNames.has(bare[1] as string) ? (bare[1] as string) : `Union[${a.type}]` } : a;
  });
  const names = [...types.dicts.map((d) => d.name), ...aliases.map((a) => a.name)].sort();
  return { dicts: types.dicts, aliases, operations, names };
}

/** The callees' contracts as a caller sees them (app/contracts.py), prefixed with the callee's name. */
export function pythonCalleeTypes(model: SystemModel, c: Context): { target: string; pyClass: string; pyName: string; types: PyApiTypes }[] {
  const byName = contextsByName(model);
  return c.calls
    .map((call) => byName.get(call.target))
    .filter((t): t is Context => !!t)
    .map((t) => ({ target: t.name, pyClass: `${toPascal(t.name)}Client`, pyName: toSnake(t.name), types: pythonApiTypes(t, toPascal(t.name)) }))
    .filter((x): x is { target: string; pyClass: string; pyName: string; types: PyApiTypes } => x.types !== null);
}
