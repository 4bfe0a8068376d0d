// gRPC rules (issue #16, docs/grpc.md): a gRPC call needs a callee with a gRPC server; method, message and field
// names are proto identifiers; JSON Schema constructs without a faithful proto3 form are errors at their node;
// the gRPC port is in range and used once.
import type { Diagnostic } from "../diagnostics.js";
import type { RawMap, Rule } from "./types.js";

export const grpcCallee: Rule = {
  id: "grpc-callee",
  severity: "error",
  summary: "a call with protocol: grpc names a context that declares grpc",
  check({ data, model, at }) {
    const out: Diagnostic[] = [];
    for (const c of model.contexts)
      for (const call of c.calls) {
        if (call.protocol !== "grpc") continue;
        const callee = model.contexts.find((x) => x.name === call.target);
        if (callee && !callee.grpc)
          out.push(at(["contexts", c.name, "calls", call.target, "protocol"], `${c.name} calls ${call.target} over gRPC, but ${call.target} has no grpc server; add contexts.${call.target}.grpc ({port, methods}) or use protocol: http`));
      }
    void data;
    return out;
  },
};

export const grpcName: Rule = {
  id: "grpc-name",
  severity: "error",
  summary: "gRPC method, message and field names are proto identifiers",
  check({ model, at }) {
    return problems(model.contexts, "grpc-name", at);
  },
};

export const grpcSchema: Rule = {
  id: "grpc-schema",
  severity: "error",
  summary: "gRPC request/response schemas use only constructs with a faithful proto3 mapping",
  check({ model, at }) {
    return problems(model.contexts, "grpc-schema", at);
  },
};

function problems(contexts: import("../model.js").Context[], rule: "grpc-name" | "grpc-schema", at: Parameters<Rule["check"]>[0]["at"]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const c of contexts)
    for (const p of c.grpc?.problems ?? []) {
      if (p.rule !== rule) continue;
      const base = ["contexts", c.name, "grpc", "methods", p.method];
      const where = p.part === "name" ? base : [...base, p.part, ...p.at];
      const node = p.part === "name" ? `${c.name}.${p.method}` : `${c.name}.${p.method}.${p.part}${p.at.length ? "." + p.at.join(".") : ""}`;
      out.push(at(where, `${node}: ${p.message}`, { key: p.part === "name" }));
    }
  return out;
}

export const grpcPort: Rule = {
  id: "grpc-port",
  severity: "error",
  summary: "a gRPC port is from 1 to 65535 and no other port of the system",
  check({ data, at }) {
    const out: Diagnostic[] = [];
    const used = new Map<number, string>();
    for (const [name, c] of Object.entries(data.contexts ?? {})) {
      const p = (c as RawMap).port;
      if (typeof p === "number") used.set(p, `the port of ${name}`);
    }
    for (const [name, c] of Object.entries(data.contexts ?? {})) {
      const g = (c as RawMap).grpc as RawMap | undefined;
      const p = g?.port;
      if (typeof p !== "number") continue;
      if (p < 1 || p > 65535) out.push(at(["contexts", name, "grpc", "port"], `gRPC port ${p} of ${name} is out of range; use a port from 1 to 65535 (e.g. 50051)`));
      else if (used.has(p)) out.push(at(["contexts", name, "grpc", "port"], `gRPC port ${p} of ${name} is already ${used.get(p)}; give it its own port (e.g. 50051)`));
      else used.set(p, `the gRPC port of ${name}`);
    }
    return out;
  },
};
