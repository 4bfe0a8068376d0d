import type { Diagnostic } from "../diagnostics.js";
import type { RawMap, Rule } from "./types.js";

export const portRange: Rule = {
  id: "port-range",
  severity: "error",
  summary: "a context's port is from 1 to 65535",
  check({ data, at }) {
    const out: Diagnostic[] = [];
    for (const [name, c] of Object.entries(data.contexts ?? {})) {
      const p = (c as RawMap).port;
      if (typeof p === "number" && (p < 1 || p > 65535))
        out.push(at(["contexts", name, "port"], `port ${p} of ${name} is out of range; use a port from 1 to 65535 (e.g. 3000)`));
    }
    for (const [name, b] of Object.entries((data.bffs as RawMap | undefined) ?? {})) {
      const p = (b as RawMap).port;
      if (typeof p === "number" && (p < 1 || p > 65535))
        out.push(at(["bffs", name, "port"], `port ${p} of BFF ${name} is out of range; use a port from 1 to 65535 (e.g. 4000)`));
    }
    return out;
  },
};

export const portUnique: Rule = {
  id: "port-unique",
  severity: "error",
  summary: "no two contexts or BFFs declare the same port",
  check({ data, at }) {
    const out: Diagnostic[] = [];
    const seen = new Map<number, string>();
    for (const [name, c] of Object.entries(data.contexts ?? {})) {
      const p = (c as RawMap).port;
      if (typeof p !== "number") continue;
      const first = seen.get(p);
      if (first) out.push(at(["contexts", name, "port"], `port ${p} of ${name} is already used by ${first}; give each context its own port`));
      else seen.set(p, name);
    }
    // BFFs listen beside the contexts (compose publishes every port on the host)
    for (const [name, b] of Object.entries((data.bffs as RawMap | undefined) ?? {})) {
      const p = (b as RawMap).port;
      if (typeof p !== "number") continue;
      const first = seen.get(p);
      if (first) out.push(at(["bffs", name, "port"], `port ${p} of BFF ${name} is already used by ${first}; give each context and BFF its own port`));
      else seen.set(p, `BFF ${name}`);
    }
    return out;
  },
};

/** Ports the Istio sidecar (Envoy, pilot-agent) listens on in every pod of the mesh. */
export const ISTIO_SIDECAR_PORTS: ReadonlyMap<number, string> = new Map([
  [15000, "Envoy admin"],
  [15001, "Envoy outbound"],
  [15004, "debug"],
  [15006, "Envoy inbound"],
  [15008, "HBONE mTLS tunnel"],
  [15009, "HBONE"],
  [15020, "merged Prometheus telemetry"],
  [15021, "health checks"],
  [15053, "DNS proxy"],
  [15090, "Envoy Prometheus telemetry"],
]);

export const portMeshReserved: Rule = {
  id: "port-mesh-reserved",
  severity: "error",
  summary: "with mesh: istio, no context listens on a port of the Istio sidecar (15000-15090)",
  check({ data, model, at }) {
    if (model.mesh !== "istio") return [];
    const out: Diagnostic[] = [];
    for (const [name, c] of Object.entries(data.contexts ?? {})) {
      const p = (c as RawMap).port;
      const use = typeof p === "number" ? ISTIO_SIDECAR_PORTS.get(p) : undefined;
      if (use) out.push(at(["contexts", name, "port"], `port ${p} of ${name} is the Istio sidecar's (${use}) in every pod of the mesh; use another port (e.g. 3000)`));
    }
    return out;
  },
};
