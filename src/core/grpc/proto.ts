// gRPC contracts (issue #16): JSON Schema → proto3, and the few facts msa reads from a user's own .proto.
// Pure: schemas in, proto text and problems out. The mapping table is docs/grpc.md; anything without a faithful
// proto3 form is a problem naming its node (rule grpc-schema), never a silent loss.
import { toPascal } from "../names.js";

type Schema = Record<string, unknown>;
const isSchema = (v: unknown): v is Schema => !!v && typeof v === "object" && !Array.isArray(v);

/** A proto identifier: letters, digits and underscores, starting with a letter. */
export const PROTO_IDENT = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Words protoc or the generated code of common languages refuse as message/method names. */
const RESERVED = new Set(["syntax", "package", "import", "option", "message", "enum", "service", "rpc", "returns", "stream", "reserved", "oneof", "map", "repeated", "optional", "true", "false"]);

export interface ProtoProblem {
  /** Path below the method (["request", "properties", "sku"]) or [] for the method itself. */
  at: (string | number)[];
  message: string;
  /** grpc-schema (no faithful mapping) or grpc-name (not a proto identifier). */
  rule: "grpc-schema" | "grpc-name";
}

export interface GrpcMethodSpec {
  name: string;
  request: unknown;
  response: unknown;
  idempotent: boolean;
}

/** The package of a context's generated .proto: `<system>.<context>.v1`, dashes as underscores. */
export const protoPackage = (system: string, context: string): string => `${system.replace(/-/g, "_")}.${context.replace(/-/g, "_")}.v1`;
/** The service name of a context's generated .proto: InventoryService. */
export const protoServiceName = (context: string): string => `${toPascal(context)}Service`;

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

interface Emit {
  lines: string[];
  problems: ProtoProblem[];
}

/** The proto3 scalar of a JSON Schema scalar, or null. */
function scalarOf(s: Schema, at: (string | number)[], e: Emit): string | null {
  switch (s.type) {
    case "string":
      return s.contentEncoding === "base64" ? "bytes" : "string";
    case "boolean":
      return "bool";
    case "number":
      return s.format === "float" ? "float" : "double";
    case "integer": {
      if (s.format === "int32") return "int32";
      if (s.format === "int64") return "int64";
      if (s.format === "uint32") return "uint32";
      if (s.format === "uint64") return "uint64";
      if (s.format !== undefined) {
        e.problems.push({ at: [...at, "format"], rule: "grpc-schema", message: `integer format "${String(s.format)}" has no proto3 type; use int32, int64, uint32 or uint64` });
        return null;
      }
      const min = typeof s.minimum === "number" ? s.minimum : typeof s.exclusiveMinimum === "number" ? s.exclusiveMinimum : undefined;
      const max = typeof s.maximum === "number" ? s.maximum : typeof s.exclusiveMaximum === "number" ? s.exclusiveMaximum : undefined;
      // bounds that fit 32 bits make an int32; an unbounded JSON Schema integer is int64
      return min !== undefined && max !== undefined && min >= INT32_MIN && max <= INT32_MAX ? "int32" : "int64";
    }
    default:
      return null;
  }
}

const UNSUPPORTED = ["oneOf", "anyOf", "allOf", "not", "if", "$ref", "const", "patternProperties", "prefixItems", "dependentSchemas"] as const;

/** Problems of constructs that have no faithful proto3 form. */
function unsupported(s: Schema, at: (string | number)[], e: Emit): boolean {
  let bad = false;
  for (const k of UNSUPPORTED)
    if (k in s) {
      e.problems.push({ at: [...at, k], rule: "grpc-schema", message: `${k} has no faithful proto3 mapping; describe the message with type/properties (or write the .proto yourself: grpc.proto)` });
      bad = true;
    }
  if (Array.isArray(s.type)) {
    const nullable = s.type.includes("null");
    e.problems.push({
      at: [...at, "type"],
      rule: "grpc-schema",
      message: nullable
        ? "a nullable type has no proto3 form (null and absent would read the same); leave the property out of `required` instead: it becomes an optional field"
        : "a union of types has no proto3 form; give the node one type",
    });
    bad = true;
  }
  if (s.nullable === true) {
    e.problems.push({ at: [...at, "nullable"], rule: "grpc-schema", message: "nullable has no proto3 form; leave the property out of `required` instead: it becomes an optional field" });
    bad = true;
  }
  return bad;
}

/** Emits `message name { … }` for an object schema (nested messages and enums inside it). */
function emitMessage(name: string, s: unknown, at: (string | number)[], e: Emit, indent: string): void {
  if (!isSchema(s)) {
    e.problems.push({ at, rule: "grpc-schema", message: `expected a JSON Schema object for message ${name}` });
    return;
  }
  if (unsupported(s, at, e)) return;
  if (s.type !== undefined && s.type !== "object") {
    e.problems.push({ at: [...at, "type"], rule: "grpc-schema", message: `a gRPC request or response is a message: give it type: object (found ${JSON.stringify(s.type)})` });
    return;
  }
  const props = isSchema(s.properties) ? s.properties : {};
  if (isSchema(s.additionalProperties) && Object.keys(props).length) {
    e.problems.push({ at: [...at, "additionalProperties"], rule: "grpc-schema", message: "properties together with an additionalProperties schema have no proto3 form; use one map-valued property instead" });
    return;
  }
  const required = new Set(Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === "string") : []);
  const body: string[] = [];
  const nested: string[] = [];
  let number = 0;
  // field numbers follow the declaration order in system.yaml: add new properties at the end (docs/grpc.md)
  for (const [field, fs] of Object.entries(props)) {
    number++;
    const fat = [...at, "properties", field];
    if (!PROTO_IDENT.test(field) || RESERVED.has(field)) {
      e.problems.push({ at: fat, rule: "grpc-name", message: `property "${field}" is not a proto field name (letters, digits and _, starting with a letter, not a proto keyword); rename it` });
      continue;
    }
    const t = fieldType(field, fs, fat, e, `${indent}  `, nested);
    if (!t) continue;
    const label = t.repeated ? "repeated " : !required.has(field) && t.optional ? "optional " : "";
    body.push(`${indent}  ${label}${t.type} ${field} = ${number};`);
  }
  e.lines.push(`${indent}message ${name} {`, ...nested, ...body, `${indent}}`);
}

interface FieldType {
  type: string;
  repeated: boolean;
  /** A scalar or enum: `optional` keeps absent apart from the zero value. */
  optional: boolean;
}

/** The type of a field; nested messages/enums go to `nested`. */
function fieldType(field: string, fs: unknown, at: (string | number)[], e: Emit, indent: string, nested: string[]): FieldType | null {
  if (!isSchema(fs)) {
    e.problems.push({ at, rule: "grpc-schema", message: `property ${field} needs a schema with a type` });
    return null;
  }
  if (unsupported(fs, at, e)) return null;
  const typeName = toPascal(field);
  if (Array.isArray(fs.enum)) {
    const values = fs.enum;
    if (!values.length || !values.every((v) => typeof v === "string")) {
      e.problems.push({ at: [...at, "enum"], rule: "grpc-schema", message: "only an enum of strings maps to a proto3 enum; use strings (or an integer field with bounds)" });
      return null;
    }
    const prefix = upperSnake(typeName);
    const names = (values as string[]).map((v) => `${prefix}_${upperSnake(v)}`);
    const bad = (values as string[]).find((v, i) => !PROTO_IDENT.test(names[i] ?? "") || names.indexOf(names[i] ?? "") !== i);
    if (bad !== undefined) {
      e.problems.push({ at: [...at, "enum"], rule: "grpc-name", message: `enum value "${bad}" does not make a unique proto enum name (${prefix}_…); use letters, digits and single separators` });
      return null;
    }
    nested.push(`${indent}enum ${typeName} {`, `${indent}  ${prefix}_UNSPECIFIED = 0;`, ...names.map((n, i) => `${indent}  ${n} = ${i + 1};`), `${indent}}`);
    return { type: typeName, repeated: false, optional: true };
  }
  if (fs.type === "array") {
    if (Array.isArray(fs.items)) {
      e.problems.push({ at: [...at, "items"], rule: "grpc-schema", message: "a tuple array (items as a list) has no proto3 form; use one item schema, or a message" });
      return null;
    }
    if (!isSchema(fs.items)) {
      e.problems.push({ at, rule: "grpc-schema", message: "an array needs an items schema to become a repeated field" });
      return null;
    }
    if (fs.items.type === "array") {
      e.problems.push({ at: [...at, "items", "type"], rule: "grpc-schema", message: "an array of arrays has no proto3 form (repeated cannot repeat); wrap the inner array in an object" });
      return null;
    }
    const inner = fieldType(`${field}Item`, fs.items, [...at, "items"], e, indent, nested);
    return inner ? { type: inner.type, repeated: true, optional: false } : null;
  }
  if (fs.type === "object" || (fs.type === undefined && isSchema(fs.properties))) {
    const props = isSchema(fs.properties) ? fs.properties : undefined;
    if (!props && fs.additionalProperties !== undefined && fs.additionalProperties !== false) {
      // a map: string keys to one value schema
      if (!isSchema(fs.additionalProperties)) {
        e.problems.push({ at: [...at, "additionalProperties"], rule: "grpc-schema", message: "an object of any values has no proto3 form; give additionalProperties a schema (a map) or declare properties" });
        return null;
      }
      const vs = fs.additionalProperties;
      if (vs.type === "array" || (isSchema(vs) && (isSchema(vs.additionalProperties) || vs.additionalProperties === true) && !isSchema(vs.properties))) {
        e.problems.push({ at: [...at, "additionalProperties"], rule: "grpc-schema", message: "a map of arrays or of maps has no proto3 form (map values cannot be repeated or maps); wrap the value in an object" });
        return null;
      }
      const v = fieldType(`${field}Value`, vs, [...at, "additionalProperties"], e, indent, nested);
      return v ? { type: `map<string, ${v.type}>`, repeated: false, optional: false } : null;
    }
    if (!props) {
      e.problems.push({ at, rule: "grpc-schema", message: "an object without properties (free-form JSON) has no faithful proto3 form; declare its properties or a map (additionalProperties: {type: …})" });
      return null;
    }
    const inner: Emit = { lines: [], problems: e.problems };
    emitMessage(typeName, fs, at, inner, indent);
    nested.push(...inner.lines);
    return { type: typeName, repeated: false, optional: false };
  }
  const scalar = scalarOf(fs, at, e);
  if (scalar) return { type: scalar, repeated: false, optional: true };
  if (fs.type === undefined) e.problems.push({ at, rule: "grpc-schema", message: `property ${field} has no type; give it one (string, integer, number, boolean, object, array)` });
  else if (fs.type === "null") e.problems.push({ at: [...at, "type"], rule: "grpc-schema", message: "type null has no proto3 form" });
  return null;
}

const upperSnake = (s: string): string =>
  s
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toUpperCase();

export interface GeneratedProto {
  text: string;
  problems: (ProtoProblem & { method: string; part: "request" | "response" | "name" })[];
}

/** The .proto of a context whose grpc.methods are JSON Schemas. */
export function protoFromMethods(system: string, context: string, methods: GrpcMethodSpec[]): GeneratedProto {
  const pkg = protoPackage(system, context);
  const service = protoServiceName(context);
  const problems: GeneratedProto["problems"] = [];
  const messages: string[] = [];
  const rpcs: string[] = [];
  for (const m of methods) {
    if (!PROTO_IDENT.test(m.name) || RESERVED.has(m.name)) {
      problems.push({ method: m.name, part: "name", at: [], rule: "grpc-name", message: `method "${m.name}" is not a proto identifier (letters, digits and _, starting with a letter); use PascalCase such as GetStock` });
      continue;
    }
    for (const part of ["request", "response"] as const) {
      const e: Emit = { lines: [], problems: [] };
      emitMessage(`${m.name}${part === "request" ? "Request" : "Response"}`, m[part] ?? { type: "object" }, [], e, "");
      for (const p of e.problems) problems.push({ ...p, method: m.name, part });
      messages.push("", ...e.lines);
    }
    rpcs.push(
      m.idempotent
        ? `  rpc ${m.name}(${m.name}Request) returns (${m.name}Response) {\n    option idempotency_level = IDEMPOTENT;\n  }`
        : `  rpc ${m.name}(${m.name}Request) returns (${m.name}Response);`,
    );
  }
  const goPkg = `${system}/gen/${context}/v1;${context.replace(/-/g, "")}v1`;
  const javaPkg = `dev.msa.${system.replace(/-/g, "_")}.${context.replace(/-/g, "_")}.v1`;
  const text = [
    "// generated by msa from system.yaml (contexts." + context + ".grpc) — edit system.yaml instead",
    'syntax = "proto3";',
    "",
    `package ${pkg};`,
    "",
    `option go_package = "${goPkg}";`,
    `option java_package = "${javaPkg}";`,
    "option java_multiple_files = true;",
    "",
    `service ${service} {`,
    ...rpcs,
    "}",
    ...messages,
    "",
  ].join("\n");
  return { text, problems };
}

export interface ParsedProto {
  package: string | null;
  service: string | null;
  methods: { name: string; requestType: string; responseType: string; idempotent: boolean }[];
  problems: string[];
}

/** What msa needs from a user's .proto (grpc.proto): its package, its one service and that service's unary methods. */
export function parseProto(text: string): ParsedProto {
  const src = text.replace(/\/\*[\s\S]*?\*\//g, " ").replace(/\/\/[^\n]*/g, "");
  const problems: string[] = [];
  if (!/syntax\s*=\s*"proto3"\s*;/.test(src)) problems.push('the file must say syntax = "proto3";');
  for (const m of src.matchAll(/\bimport\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/g))
    if (!(m[1] ?? "").startsWith("google/protobuf/")) problems.push(`import "${m[1]}": only google/protobuf/* imports are supported (put the messages in this file)`);
  const pkg = /\bpackage\s+([A-Za-z_][A-Za-z0-9_.]*)\s*;/.exec(src)?.[1] ?? null;
  const services = [...src.matchAll(/\bservice\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{/g)];
  if (services.length !== 1) problems.push(`the file must define exactly one service (found ${services.length})`);
  const methods: ParsedProto["methods"] = [];
  const first = services[0];
  if (first && first.index !== undefined) {
    // the service body: up to its matching brace
    let depth = 0;
    let end = src.length;
    for (let i = first.index + first[0].length - 1; i < src.length; i++) {
      if (src[i] === "{") depth++;
      else if (src[i] === "}" && --depth === 0) {
        end = i;
        break;
      }
    }
    const body = src.slice(first.index + first[0].length, end);
    const rpc = /\brpc\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(\s*(stream\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*\)\s*returns\s*\(\s*(stream\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*\)\s*(;|\{([^}]*)\})/g;
    for (const m of body.matchAll(rpc)) {
      if (m[2] || m[4]) {
        problems.push(`rpc ${m[1]}: streaming methods are not supported yet (unary only)`);
        continue;
      }
      const opts = m[7] ?? "";
      methods.push({
        name: m[1] as string,
        requestType: m[3] as string,
        responseType: m[5] as string,
        idempotent: /idempotency_level\s*=\s*(IDEMPOTENT|NO_SIDE_EFFECTS)/.test(opts),
      });
    }
    if (!methods.length && !problems.length) problems.push(`service ${first[1]} has no rpc msa can read`);
  }
  return { package: pkg, service: first?.[1] ?? null, methods, problems };
}
