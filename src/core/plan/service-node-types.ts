// JSON Schema → a TypeScript type expression, for the typed publish/consume functions of generated
// node services. Covers what event payload schemas use (object/properties/required, arrays, enums,
// primitives, nullable unions); anything else becomes `unknown`, which is always sound.

type Schema = Record<string, unknown>;
const isSchema = (v: unknown): v is Schema => !!v && typeof v === "object" && !Array.isArray(v);
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function schemaToTs(schema: unknown, depth = 0): string {
  if (!isSchema(schema) || depth > 8) return "unknown";
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
    if (Array.isArray(alts) && alts.length) return alts.map((a) => `(${schemaToTs(a, depth + 1)})`).join(" | ");
  }
  const type = schema.type;
  if (Array.isArray(type)) return type.map((t) => schemaToTs({ ...schema, type: t }, depth + 1)).join(" | ");
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
      return `Array<${schemaToTs(schema.items, depth + 1)}>`;
    case "object":
    case undefined: {
      const props = isSchema(schema.properties) ? schema.properties : undefined;
      if (!props) return type === "object" ? "Record<string, unknown>" : "unknown";
      const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : []);
      const pad = "  ".repeat(depth + 1);
      const lines = Object.keys(props)
        .sort()
        .map((k) => `${pad}${IDENT.test(k) ? k : JSON.stringify(k)}${required.has(k) ? "" : "?"}: ${schemaToTs(props[k], depth + 1)};`);
      const extra = schema.additionalProperties === false ? "" : `\n${pad}[key: string]: unknown;`;
      return `{\n${lines.join("\n")}${extra}\n${"  ".repeat(depth)}}`;
    }
    default:
      return "unknown";
  }
}

/**
 * A small payload that satisfies the schema (required properties only), for the generated tests.
 * Honest limits: `pattern`, `not` and cross-property constraints are not solved.
 */
export function sampleFromSchema(schema: unknown, depth = 0): unknown {
  if (!isSchema(schema) || depth > 8) return {};
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return schema.enum[0];
  if ("default" in schema) return schema.default;
  for (const key of ["anyOf", "oneOf"]) {
    const alts = schema[key];
    if (Array.isArray(alts) && alts.length) return sampleFromSchema(alts[0], depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    return Object.assign({}, ...schema.allOf.map((s) => sampleFromSchema(s, depth + 1)).filter((x) => x && typeof x === "object"));
  }
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  const num = (): number => {
    const min = typeof schema.minimum === "number" ? schema.minimum : typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum + 1 : 1;
    return type === "integer" ? Math.ceil(min) : min;
  };
  switch (type) {
    case "string": {
      const formats: Record<string, string> = {
        "date-time": "2024-01-01T00:00:00Z",
        date: "2024-01-01",
        time: "00:00:00Z",
        email: "someone@example.com",
        uri: "https://example.com/",
        uuid: "00000000-0000-4000-8000-000000000000",
      };
      const f = typeof schema.format === "string" ? formats[schema.format] : undefined;
      if (f) return f;
      const min = typeof schema.minLength === "number" ? schema.minLength : 1;
      return "x".repeat(Math.max(1, min));
    }
    case "number":
    case "integer":
      return num();
    case "boolean":
      return true;
    case "null":
      return null;
    case "array": {
      const min = typeof schema.minItems === "number" ? schema.minItems : 0;
      return Array.from({ length: min }, () => sampleFromSchema(schema.items, depth + 1));
    }
    default: {
      const props = isSchema(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : [];
      const out: Record<string, unknown> = {};
      for (const k of [...required].sort()) out[k] = sampleFromSchema(props[k], depth + 1);
      return out;
    }
  }
}
