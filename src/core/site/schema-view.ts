// A JSON Schema as rows of a table: one row per property (nested objects and array items indented), with its type,
// whether it is required, its constraints and description. Local $refs (#/$defs/…, #/definitions/…) are followed
// once per branch, so recursive schemas end in a "↻ name" row instead of looping. Pure.

export interface SchemaRow {
  /** Dotted path from the payload's root: customer.address.city, items[].sku; "(payload)" for the root itself. */
  path: string;
  name: string;
  depth: number;
  type: string;
  required: boolean;
  constraints: string;
  description: string;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => !!v && typeof v === "object" && !Array.isArray(v);

/** Constraint keywords shown beside the type, in this order. */
const CONSTRAINTS = [
  "format", "pattern", "minLength", "maxLength", "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum", "multipleOf",
  "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "default",
] as const;

/** Rows beyond this are summarised in one: a page stays readable and fast for huge schemas. */
export const MAX_ROWS = 400;

export function schemaRows(schema: unknown): SchemaRow[] {
  const root = isObj(schema) ? schema : {};
  const rows: SchemaRow[] = [];
  const resolve = (node: Json, seen: ReadonlySet<string>): { node: Json; ref: string | null; cycle: boolean } => {
    const ref = typeof node.$ref === "string" ? node.$ref : null;
    if (!ref || !ref.startsWith("#/")) return { node, ref: null, cycle: false };
    if (seen.has(ref)) return { node, ref, cycle: true };
    let cur: unknown = root;
    for (const raw of ref.slice(2).split("/")) {
      const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
      cur = isObj(cur) ? cur[key] : undefined;
    }
    return isObj(cur) ? { node: { ...cur, ...withoutRef(node) }, ref, cycle: false } : { node, ref: null, cycle: false };
  };
  const visit = (raw: Json, path: string, name: string, depth: number, required: boolean, seen: ReadonlySet<string>): void => {
    if (rows.length >= MAX_ROWS) return;
    const { node, ref, cycle } = resolve(raw, seen);
    const refName = ref ? ref.slice(ref.lastIndexOf("/") + 1) : null;
    if (cycle) {
      rows.push({ path, name, depth, type: `↻ ${refName}`, required, constraints: "", description: "recursive: the same structure as above" });
      return;
    }
    const nextSeen = ref ? new Set([...seen, ref]) : seen;
    rows.push({ path, name, depth, type: typeOf(node), required, constraints: constraintsOf(node), description: typeof node.description === "string" ? node.description : "" });
    const props = isObj(node.properties) ? node.properties : {};
    const req = new Set(Array.isArray(node.required) ? node.required.filter((x): x is string => typeof x === "string") : []);
    for (const key of Object.keys(props)) {
      const child = props[key];
      if (isObj(child)) visit(child, path === "(payload)" ? key : `${path}.${key}`, key, depth + 1, req.has(key), nextSeen);
    }
    if (isObj(node.items)) visit(node.items, `${path === "(payload)" ? "" : path}[]`, "[]", depth + 1, false, nextSeen);
    for (const kw of ["oneOf", "anyOf", "allOf"] as const) {
      const list = node[kw];
      if (Array.isArray(list))
        list.forEach((branch, i) => {
          if (isObj(branch)) visit(branch, `${path}<${kw}[${i}]>`, `${kw} ${i + 1}`, depth + 1, false, nextSeen);
        });
    }
  };
  visit(root, "(payload)", "(payload)", 0, true, new Set());
  if (rows.length >= MAX_ROWS) rows.push({ path: "…", name: "…", depth: 0, type: "", required: false, constraints: "", description: `only the first ${MAX_ROWS} nodes are listed; the JSON below is complete` });
  return rows;
}

function withoutRef(node: Json): Json {
  const { $ref: _r, ...rest } = node;
  return rest;
}

function typeOf(node: Json): string {
  if ("const" in node) return `const ${JSON.stringify(node.const)}`;
  if (Array.isArray(node.enum)) return `enum ${node.enum.map((v) => JSON.stringify(v)).join(" | ")}`;
  const t = node.type;
  if (Array.isArray(t)) return t.join(" | ");
  if (typeof t === "string") {
    if (t === "array" && isObj(node.items) && typeof node.items.type === "string") return `array of ${node.items.type}`;
    return t;
  }
  if (node.oneOf) return "one of";
  if (node.anyOf) return "any of";
  if (node.allOf) return "all of";
  if (node.properties) return "object";
  return "any";
}

function constraintsOf(node: Json): string {
  const parts: string[] = [];
  for (const k of CONSTRAINTS) if (k in node) parts.push(`${k}: ${JSON.stringify(node[k])}`);
  if (node.additionalProperties === false) parts.push("no other properties");
  return parts.join(", ");
}
