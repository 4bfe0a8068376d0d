// JSON Schema → a TypeScript type expression, for the typed publish/consume functions of generated
// node services. Covers what event payload schemas use (object/properties/required, arrays, enums,
// primitives, nullable unions); anything else becomes `unknown`, which is always sound.

type Schema = Record<string, unknown>;
const isSchema = (v: unknown): v is Schema => !!v && typeof v === "object" && !Array.isArray(v);
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * `refName` names the type a `$ref` stands for (the REST contract's components, src/core/api/openapi.ts); without
 * it, or when it knows no name, a reference is `unknown`.
 */
export function schemaToTs(schema: unknown, depth = 0, refName?: (ref: string) => string | undefined): string {
  if (schema === true) return "unknown";
  if (!isSchema(schema) || depth > 8) return "unknown";
  if (typeof schema.$ref === "string") return refName?.(schema.$ref) ?? "unknown";
  if (Array.isArray(schema.enum)) {
    const lits = schema.enum.filter((x) => ["string", "number", "boolean"].includes(typeof x) || x === null).map((x) => JSON.stringify(x));
    return lits.length ? lits.join(" | ") : "unknown";
  }
  if ("const" in schema) {
    const c = schema.const;
    return ["string", "number", "boolean"].includes(typeof c) || c === null ? JSON.stringify(c) : "unknown";
  }
  for (const key of ["anyOf", "oneOf"]) {
    const alts = schema[key];
    if (Array.isArray(alts) && alts.length) return alts.map((a) => `(${schemaToTs(a, depth + 1, refName)})`).join(" | ");
  }
  const type = schema.type;
  if (Array.isArray(type)) return type.map((t) => schemaToTs({ ...schema, type: t }, depth + 1, refName)).join(" | ");
  switch (type) {
    case "string":
      return "string";
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array":
      return `Array<${schemaToTs(schema.items, depth + 1, refName)}>`;
    case "object":
    case undefined: {
      const props = isSchema(schema.properties) ? schema.properties : undefined;
      if (!props) return type === "object" ? "Record<string, unknown>" : "unknown";
      const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : []);
      const pad = "  ".repeat(depth + 1);
      const lines = Object.keys(props)
        .sort()
        .map((k) => `${pad}${IDENT.test(k) ? k : JSON.stringify(k)}${required.has(k) ? "" : "?"}: ${schemaToTs(props[k], depth + 1, refName)};`);
      const extra = schema.additionalProperties === false ? "" : `\n${pad}[key: string]: unknown;`;
      return `{\n${lines.join("\n")}${extra}\n${"  ".repeat(depth)}}`;
    }
    default:
      return "unknown";
  }
}
