// The declared graph: what system.yaml says depends on what.
import { positionOf, type PathSegment } from "../load.js";
import type { SystemModel } from "../model.js";
import { edgeKey, type Edge, type EdgeKind, type Evidence, type Graph, type GraphNode } from "./types.js";

export const GATEWAY_NODE = "gateway";
/** Event nodes live in their own namespace so an event may share a name with a context. */
export const eventNodeId = (name: string): string => `event:${name}`;
export const isEventNode = (id: string): boolean => id.startsWith("event:");
export const eventName = (id: string): string => (isEventNode(id) ? id.slice("event:".length) : id);

export function emptyGraph(): Graph {
  return { nodes: new Map(), edges: new Map() };
}

export function ensureNode(graph: Graph, id: string, init: Omit<GraphNode, "id">): GraphNode {
  let node = graph.nodes.get(id);
  if (!node) {
    node = { id, ...init };
    graph.nodes.set(id, node);
  }
  return node;
}

export function addEdge(graph: Graph, kind: EdgeKind, from: string, to: string, evidence: Evidence, declared: boolean): Edge {
  const key = edgeKey(kind, from, to);
  let edge = graph.edges.get(key);
  if (!edge) {
    edge = { from, to, kind, declared: false, discovered: false, evidence: [] };
    graph.edges.set(key, edge);
  }
  if (declared) edge.declared = true;
  else edge.discovered = true;
  edge.evidence.push(evidence);
  return edge;
}

type Raw = Record<string, unknown>;
const asMap = (v: unknown): Raw => (v && typeof v === "object" && !Array.isArray(v) ? (v as Raw) : {});

export function declaredGraph(model: SystemModel): Graph {
  const graph = emptyGraph();
  const at = (path: PathSegment[], text: string, key = false): Evidence => {
    const pos = positionOf(model.loaded, path, { key });
    return { file: model.file, line: pos.line, column: pos.column, form: "declared", text };
  };
  const contextNames = new Set(model.contexts.map((c) => c.name));
  const rawContexts = asMap(asMap(model.loaded.data).contexts);
  for (const c of model.contexts) {
    ensureNode(graph, c.name, { kind: "context", declared: true, scanned: false, declaredAt: at(["contexts", c.name], c.name, true) });
  }
  if (model.gateway.kind !== "none" && model.gateway.routes.length) {
    ensureNode(graph, GATEWAY_NODE, { kind: "gateway", declared: true, scanned: false, declaredAt: at(["gateway"], "gateway", true) });
  }
  for (const e of model.events) {
    ensureNode(graph, eventNodeId(e.name), { kind: "event", declared: true, scanned: false, declaredAt: at(["events", e.name], e.name, true) });
  }
  const eventNode = (name: string, where: Evidence) =>
    ensureNode(graph, eventNodeId(name), { kind: "event", declared: false, scanned: false, declaredAt: where }).id;

  for (const c of model.contexts) {
    for (const call of c.calls) addEdge(graph, "call", c.name, call.target, at(["contexts", c.name, "calls", call.target], `calls: ${call.target}`, true), true);
    const raw = asMap(rawContexts[c.name]);
    for (const [list, kind] of [["publishes", "publish"], ["consumes", "consume"]] as const) {
      const rawList = Array.isArray(raw[list]) ? (raw[list] as unknown[]) : [];
      for (const name of c[list]) {
        const i = rawList.indexOf(name);
        const ev = at(i >= 0 ? ["contexts", c.name, list, i] : ["contexts", c.name, list], `${list}: ${name}`);
        const node = eventNode(name, ev);
        if (kind === "publish") addEdge(graph, "publish", c.name, node, ev, true);
        else addEdge(graph, "consume", node, c.name, ev, true);
      }
    }
  }
  if (graph.nodes.has(GATEWAY_NODE)) {
    for (const r of model.gateway.routes) {
      if (contextNames.has(r.context)) addEdge(graph, "route", GATEWAY_NODE, r.context, at(r.source.path, `route ${r.path}`), true);
    }
  }
  for (const s of model.sagas) {
    s.steps.forEach((step, i) => {
      if (contextNames.has(s.orchestrator) && contextNames.has(step.context) && step.context !== s.orchestrator) {
        addEdge(graph, "saga", s.orchestrator, step.context, at(["sagas", s.name, "steps", i], `saga ${s.name}: ${step.context}.${step.action}`), true);
      }
    });
  }
  return graph;
}
