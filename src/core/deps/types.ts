// The dependency graph analyze-deps builds: nodes, edges with their evidence, and findings.
import type { Severity } from "../diagnostics.js";

export type NodeKind = "context" | "gateway" | "event" | "service";
/** call: a context calls another; route: the gateway routes to a context; saga: orchestrator → step;
 *  publish: context → event; consume: event → context. */
export type EdgeKind = "call" | "route" | "saga" | "publish" | "consume";
export type EdgeMode = "sync" | "async";

export const modeOf = (kind: EdgeKind): EdgeMode => (kind === "publish" || kind === "consume" ? "async" : "sync");

/** How a reference was written in code. */
export type ReferenceForm = "url" | "env" | "prefix" | "event" | "client" | "broker" | "datastore";

export interface Evidence {
  /** system.yaml or a scanned source file, as shown to the user. */
  file: string;
  line: number;
  column: number;
  /** "system.yaml" for declared edges, else how the code referred to the target. */
  form: ReferenceForm | "declared";
  /** The matched text (code) or the declaration ("calls: inventory"). */
  text: string;
  /** How the reference was resolved to its target (code only): "URL", "variable, resolved by its default "cart""… */
  via?: string;
}

export interface Edge {
  from: string;
  to: string;
  kind: EdgeKind;
  declared: boolean;
  discovered: boolean;
  /** Sorted: declarations first, then code by file and line. */
  evidence: Evidence[];
}

export interface GraphNode {
  id: string;
  kind: NodeKind;
  /** Named in system.yaml. */
  declared: boolean;
  /** At least one scanned file was attributed to it. */
  scanned: boolean;
  /** Where system.yaml declares it (or where it was first seen). */
  declaredAt?: Evidence;
}

export interface Graph {
  nodes: Map<string, GraphNode>;
  /** Keyed by `${kind} ${from} ${to}`. */
  edges: Map<string, Edge>;
}

export const edgeKey = (kind: EdgeKind, from: string, to: string): string => `${kind} ${from} ${to}`;

export type FindingRule =
  | "undeclared-dependency"
  | "unused-dependency"
  | "dependency-cycle"
  | "sync-chain"
  | "chatty-context"
  | "event-unconsumed";

export interface Finding {
  file: string;
  line: number;
  column: number;
  severity: Severity;
  rule: FindingRule;
  message: string;
  /** The node path for cycles and chains (a → b → a), the edge's ends otherwise. */
  path: string[];
}

export const FINDING_RULES: Record<FindingRule, { severity: Severity; alias: string; summary: string }> = {
  "undeclared-dependency": { severity: "error", alias: "undeclared", summary: "code depends on a service or event system.yaml does not declare" },
  "unused-dependency": { severity: "warning", alias: "unused", summary: "system.yaml declares a dependency the scanned code never uses" },
  "dependency-cycle": { severity: "error", alias: "cycle", summary: "a cycle of synchronous calls" },
  "sync-chain": { severity: "warning", alias: "chain", summary: "a chain of more than 3 synchronous calls" },
  "chatty-context": { severity: "warning", alias: "chatty", summary: "a context calls more than --max-callees others synchronously" },
  "event-unconsumed": { severity: "warning", alias: "no-consumer", summary: "an event nobody consumes (the id msa validate uses too)" },
};

/** Per-node counts shown in the table and the json. */
export interface NodeStats {
  id: string;
  kind: NodeKind;
  declared: boolean;
  scanned: boolean;
  /** Distinct synchronous callees / callers. */
  fanOut: number;
  fanIn: number;
  publishes: number;
  consumes: number;
}

export interface Analysis {
  /** Shown path of system.yaml, or null when analysing without one. */
  system: string | null;
  roots: string[];
  filesScanned: number;
  graph: Graph;
  stats: NodeStats[];
  findings: Finding[];
  /** Sentences about the analysis itself (no system.yaml, unscanned contexts...). */
  notes: string[];
  /** Connections to infrastructure — data stores and brokers (MONGO_URL, postgres://…), telemetry (OTEL_EXPORTER_OTLP_ENDPOINT), discovery (consul) —: not service calls. */
  datastores: DatastoreUse[];
  /** Folders and files that could not be read, and why. */
  unreadable: { path: string; reason: string }[];
  /** Vendored third-party folders left out of the scan (node_modules, vendor…), and why. */
  vendored: { path: string; reason: string }[];
}

export interface DatastoreUse {
  from: string;
  store: string;
  /** datastore: a database, cache or broker; telemetry: a trace/metrics backend (otel, jaeger, zipkin, a collector); discovery: consul, etcd, zookeeper. */
  kind: "datastore" | "telemetry" | "discovery";
  evidence: Evidence[];
}
