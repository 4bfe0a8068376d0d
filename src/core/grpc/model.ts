// contexts.<c>.grpc in the model: the port, the methods and the .proto text (generated from JSON Schemas, or the
// user's own file copied as is). Problems of the mapping are kept here for the grpc-* rules to report.
import path from "node:path";
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import { positionOf, type LoadedDocument } from "../load.js";
import type { SourceRef } from "../model.js";
import { parseProto, protoFromMethods, protoPackage, protoServiceName, type GeneratedProto } from "./proto.js";

export interface GrpcMethod {
  name: string;
  /** Marked idempotent (system.yaml `idempotent: true`, or `idempotency_level` in a .proto): retried by callers. */
  idempotent: boolean;
  requestType: string;
  responseType: string;
}

export interface GrpcContract {
  /** The gRPC server's port (GRPC_PORT overrides it at run time). */
  port: number;
  /** proto package: `<system>.<context>.v1` (or the user's .proto's). */
  package: string;
  /** Service name: InventoryService (or the user's .proto's). */
  service: string;
  /** Fully qualified service name: package.Service. */
  fullService: string;
  /** Sorted by name. */
  methods: GrpcMethod[];
  /** The .proto every service involved gets (proto/<context>.proto). */
  protoText: string;
  /** grpc.proto as written (relative to system.yaml), null when generated from methods. */
  protoFile: string | null;
  /** JSON Schema → proto3 problems (rules grpc-schema, grpc-name). */
  problems: GeneratedProto["problems"];
  source: SourceRef;
}

type Raw = Record<string, unknown>;
const asMap = (v: unknown): Raw => (v && typeof v === "object" && !Array.isArray(v) ? (v as Raw) : {});

export interface GrpcModelInput {
  loaded: LoadedDocument;
  dir: string;
  file: string;
  readFile: (absPath: string) => string;
  diagnostics: Diagnostic[];
}

export function grpcContractOf(system: string, context: string, raw: unknown, input: GrpcModelInput): GrpcContract {
  const g = asMap(raw);
  const at = ["contexts", context, "grpc"];
  const base = { port: typeof g.port === "number" ? g.port : 50051, source: { loaded: input.loaded, path: at } };
  if (typeof g.proto === "string") {
    let text = "";
    try {
      text = input.readFile(path.resolve(input.dir, g.proto));
    } catch {
      input.diagnostics.push(diagnostic(input.file, positionOf(input.loaded, [...at, "proto"]), "error", "grpc-proto", `cannot read ${g.proto} (relative to system.yaml); create it or fix the path`));
    }
    const parsed = parseProto(text);
    if (text)
      for (const p of parsed.problems)
        input.diagnostics.push(diagnostic(input.file, positionOf(input.loaded, [...at, "proto"]), "error", "grpc-proto", `${g.proto}: ${p}`));
    const pkg = parsed.package ?? "";
    const service = parsed.service ?? protoServiceName(context);
    return {
      ...base,
      package: pkg,
      service,
      fullService: pkg ? `${pkg}.${service}` : service,
      methods: parsed.methods.sort((a, b) => (a.name < b.name ? -1 : 1)),
      protoText: text,
      protoFile: g.proto,
      problems: [],
    };
  }
  const methods = Object.entries(asMap(g.methods)).map(([name, m]) => {
    const mm = asMap(m);
    return { name, request: mm.request, response: mm.response, idempotent: mm.idempotent === true };
  });
  const generated = protoFromMethods(system, context, methods);
  const pkg = protoPackage(system, context);
  const service = protoServiceName(context);
  return {
    ...base,
    package: pkg,
    service,
    fullService: `${pkg}.${service}`,
    methods: methods
      .map((m) => ({ name: m.name, idempotent: m.idempotent, requestType: `${m.name}Request`, responseType: `${m.name}Response` }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
    protoText: generated.text,
    protoFile: null,
    problems: generated.problems,
  };
}
