// JSON Schema → Python typing, for the TypedDicts of generated python-flask services (app/api.py: the service's
// own REST contract; app/contracts.py: the contracts of the contexts it calls). An object with `properties` becomes
// a TypedDict (functional syntax, so any property name works; optional keys are `NotRequired`, Python ≥ 3.11); a
// nested anonymous object gets a class named after its parent and property (OrderItems → OrderItemsItem); arrays
// are `list[…]`, enums and consts `Literal[…]`, unions `Union[…]`; what it cannot express is `Any`, which is always
// sound. TypedDicts say nothing about extra keys: `additionalProperties: false` is enforced by the validation only.
import { toPascal } from "../names.js";

type Schema = Record<string, unknown>;
const isSchema = (v: unknown): v is Schema => !!v && typeof v === "object" && !Array.isArray(v);

export interface PyTypedDict {
  name: string;
  /** [key, Python type expression (NotRequired[…] when optional)] in the schema's order of properties, sorted. */
  fields: { key: string; keyJson: string; type: string; required: boolean }[];
  description: string | null;
}

/** What one run of the mapper declares: TypedDicts in dependency order (a nested class before its parent). */
export class PyTypes {
  readonly dicts: PyTypedDict[] = [];
  readonly aliases: { name: string; type: string }[] = [];
  private readonly taken = new Set<string>();

  constructor(
    /** The name a `$ref` stands for (a component, quoted as a forward reference by the caller's choice). */
    private readonly refName: (ref: string) => string | undefined,
    reserved: Iterable<string> = [],
  ) {
    for (const r of reserved) this.taken.add(r);
  }

  private fresh(wanted: string): string {
    let n = wanted || "Schema";
    for (let i = 2; this.taken.has(n); i++) n = `${wanted}${i}`;
    this.taken.add(n);
    return n;
  }

  /** Claims a name for a top-level declaration (a component or an operation's part). */
  claim(name: string): string {
    return this.fresh(name);
  }

  /**
   * Declares `name` as the type of `schema`: a TypedDict when it is an object with properties, otherwise an alias.
   * `name` must have been claimed.
   */
  declare(name: string, schema: unknown): void {
    if (isSchema(schema) && typeof schema.$ref !== "string" && isSchema(schema.properties) && !schema.anyOf && !schema.oneOf && (schema.type === "object" || schema.type === undefined)) {
      this.typedDict(name, schema, 0);
      return;
    }
    this.aliases.push({ name, type: this.expr(schema, name, 0) });
  }

  private typedDict(name: string, schema: Schema, depth: number): void {
    const props = schema.properties as Schema;
    const required = new Set(Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : []);
    const fields = Object.keys(props)
      .sort()
      .map((key) => {
        const t = this.expr(props[key], `${name}${toPascal(key) || "Field"}`, depth + 1);
        return { key, keyJson: JSON.stringify(key), type: required.has(key) ? t : `NotRequired[${t}]`, required: required.has(key) };
      });
    this.dicts.push({ name, fields, description: typeof schema.description === "string" ? schema.description.replace(/\s+/g, " ").replace(/"""/g, "'''") : null });
  }

  /** A type expression; `hint` names a nested object's TypedDict. */
  expr(schema: unknown, hint: string, depth: number): string {
    if (schema === true || !isSchema(schema) || depth > 8) return "Any";
    if (typeof schema.$ref === "string") {
      const n = this.refName(schema.$ref);
      return n ? JSON.stringify(n) : "Any";
    }
    const literal = (x: unknown): string | null =>
      typeof x === "string" ? JSON.stringify(x) : typeof x === "boolean" ? (x ? "True" : "False") : typeof x === "number" && Number.isInteger(x) ? String(x) : x === null ? "None" : null;
    if (Array.isArray(schema.enum)) {
      const lits = schema.enum.map(literal);
      return lits.length && lits.every((l) => l !== null) ? `Literal[${lits.join(", ")}]` : "Any";
    }
    if ("const" in schema) {
      const l = literal(schema.const);
      return l === null ? "Any" : `Literal[${l}]`;
    }
    for (const key of ["anyOf", "oneOf"]) {
      const alts = schema[key];
      if (Array.isArray(alts) && alts.length) return union(alts.map((a, i) => this.expr(a, `${hint}${i + 1}`, depth + 1)));
    }
    const type = schema.type;
    if (Array.isArray(type)) return union(type.map((t) => this.expr({ ...schema, type: t }, hint, depth + 1)));
    switch (type) {
      case "string":
        return "str";
      case "integer":
        return "int";
      case "number":
        return "float";
      case "boolean":
        return "bool";
      case "null":
        return "None";
      case "array":
        return `list[${this.expr(schema.items, `${hint}Item`, depth + 1)}]`;
      case "object":
      case undefined: {
        if (!isSchema(schema.properties)) return type === "object" ? "dict[str, Any]" : "Any";
        const name = this.fresh(hint);
        this.typedDict(name, schema, depth);
        return JSON.stringify(name);
      }
      default:
        return "Any";
    }
  }
}

function union(parts: string[]): string {
  const uniq = [...new Set(parts)];
  if (uniq.includes("Any")) return "Any";
  return uniq.length === 1 ? (uniq[0] as string) : `Union[${uniq.join(", ")}]`;
}
