// Merges the declared and discovered graphs and finds what is wrong with them. Pure.
import { addEdge, ensureNode, eventName, eventNodeId, GATEWAY_NODE } from "./declared.js";
import { infraKind } from "./recognise.js";
import type { RawMatch } from "./scanner.js";
import {
  edgeKey,
  FINDING_RULES,
  modeOf,
  type Analysis,
  type DatastoreUse,
  type Edge,
  type Evidence,
  type Finding,
  type FindingRule,
  type Graph,
  type NodeStats,
} from "./types.js";

/** A reference found in code, attributed to the service whose folder holds the file. */
export interface DiscoveredRef {
  node: string;
  file: string;
  match: RawMatch;
}

export interface AnalyzeInput {
  /** The declared graph (system.yaml), or null without one. */
  declared: Graph | null;
  system: string | null;
  roots: string[];
  filesScanned: number;
  /** Nodes at least one scanned file was attributed to. */
  scannedNodes: Iterable<string>;
  refs: DiscoveredRef[];
  /** Chatty threshold: more distinct sync callees than this is a warning. */
  maxCallees: number;
  /** Longest acceptable chain of synchronous calls. */
  maxChain?: number;
  notes?: string[];
  /** Nodes part of whose code could not be read: their declared edges are not reported unused. */
  incomplete?: Iterable<string>;
  unreadable?: { path: string; reason: string }[];
  vendored?: { path: string; reason: string }[];
}

export const DEFAULT_MAX_CHAIN = 3;
/** Enough to show what is wrong without drowning the report in a dense graph's cycles. */
export const MAX_CYCLES = 100;

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Folds code references into the graph (mutates `graph`). */
export function addDiscovered(graph: Graph, refs: readonly DiscoveredRef[], stores: DatastoreUse[] = []): void {
  for (const { node, file, match } of refs) {
    if (match.form === "const") continue; // a definition, not a reference
    const ev: Evidence = { file, line: match.line, column: match.column, form: match.form, text: match.text };
    if (match.via) ev.via = match.via;
    if (match.form === "datastore") {
      let use = stores.find((u) => u.from === node && u.store === match.target);
      if (!use) stores.push((use = { from: node, store: match.target, kind: infraKind(match.target), evidence: [] }));
      use.evidence.push(ev);
      continue;
    }
    const source = ensureNode(graph, node, { kind: node === GATEWAY_NODE ? "gateway" : "service", declared: false, scanned: true, declaredAt: ev });
    source.scanned = true;
    if (match.form === "event" || match.form === "broker") {
      if (!match.direction) continue; // a mention (a schema, a comment): not a dependency
      const id = eventNodeId(match.target);
      ensureNode(graph, id, { kind: "event", declared: false, scanned: false, declaredAt: ev });
      if (match.direction === "publish") addEdge(graph, "publish", node, id, ev, false);
      else addEdge(graph, "consume", id, node, ev, false);
      continue;
    }
    if (match.target === node) continue; // a service's own URL (README, config defaults)
    ensureNode(graph, match.target, { kind: "service", declared: false, scanned: false, declaredAt: ev });
    const kind = node === GATEWAY_NODE ? "route" : "call";
    // A saga orchestrator calling its steps is declared by the saga.
    const saga = graph.edges.get(edgeKey("saga", node, match.target));
    if (kind === "call" && saga && !graph.edges.has(edgeKey("call", node, match.target))) {
      saga.discovered = true;
      saga.evidence.push(ev);
      continue;
    }
    addEdge(graph, kind, node, match.target, ev, false);
  }
}

const sortedEdges = (graph: Graph): Edge[] =>
  [...graph.edges.values()].sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to) || cmp(a.kind, b.kind));

export function sortEvidence(list: Evidence[]): Evidence[] {
  return list.sort(
    (a, b) => (a.form === "declared" ? 0 : 1) - (b.form === "declared" ? 0 : 1) || cmp(a.file, b.file) || a.line - b.line || a.column - b.column,
  );
}

/** The synchronous call graph: calls, and saga steps the code calls directly. Adjacency lists, sorted. */
export function callGraph(graph: Graph): Map<string, string[]> {
  const adj = new Map<string, string[]>();
  for (const e of graph.edges.values()) {
    if (e.kind !== "call" && !(e.kind === "saga" && e.discovered)) continue;
    if (adj.get(e.from)?.includes(e.to)) continue;
    if (!adj.has(e.to)) adj.set(e.to, []);
    const list = adj.get(e.from) ?? [];
    list.push(e.to);
    adj.set(e.from, list);
  }
  for (const list of adj.values()) list.sort(cmp);
  return adj;
}

/** Strongly connected components (Tarjan, iterative so deep graphs cannot overflow the stack). */
export function stronglyConnected(adj: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  let next = 0;
  for (const root of [...adj.keys()].sort(cmp)) {
    if (index.has(root)) continue;
    const work: [string, number][] = [[root, 0]];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1] as [string, number];
      const [v, i] = frame;
      const succ = adj.get(v) ?? [];
      if (i < succ.length) {
        frame[1]++;
        const w = succ[i] as string;
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent[0], Math.min(low.get(parent[0])!, low.get(v)!));
      if (low.get(v) === index.get(v)) {
        const comp: string[] = [];
        let w: string;
        do {
          w = stack.pop() as string;
          onStack.delete(w);
          comp.push(w);
        } while (w !== v);
        out.push(comp.sort(cmp));
      }
    }
  }
  return out;
}

/**
 * Every elementary cycle (up to `limit`), each as a path that starts and ends at its smallest node:
 * a → b → a. Searches only inside strongly connected components, from each node over larger ones.
 */
export function findCycles(adj: Map<string, string[]>, limit = MAX_CYCLES): string[][] {
  const cycles: string[][] = [];
  for (const comp of stronglyConnected(adj)) {
    const inComp = new Set(comp);
    const self = comp.length === 1 && (adj.get(comp[0] as string) ?? []).includes(comp[0] as string);
    if (comp.length === 1 && !self) continue;
    for (const start of comp) {
      const path = [start];
      const onPath = new Set(path);
      const dfs = (v: string): void => {
        for (const w of adj.get(v) ?? []) {
          if (cycles.length >= limit) return;
          if (!inComp.has(w)) continue;
          if (w === start) cycles.push([...path, start]);
          else if (w > start && !onPath.has(w)) {
            path.push(w);
            onPath.add(w);
            dfs(w);
            path.pop();
            onPath.delete(w);
          }
        }
      };
      dfs(start);
    }
  }
  return cycles.sort((a, b) => cmp(a.join(" "), b.join(" ")));
}

/**
 * For each context nobody calls, its longest chain of synchronous calls (simple paths only).
 * The search is bounded so a dense graph cannot take forever.
 */
export function longestChains(adj: Map<string, string[]>, budget = 200_000): string[][] {
  const called = new Set([...adj.values()].flat());
  const starts = [...adj.keys()].filter((n) => !called.has(n)).sort(cmp);
  const out: string[][] = [];
  let steps = 0;
  for (const start of starts) {
    let best: string[] = [start];
    const path = [start];
    const onPath = new Set(path);
    const dfs = (v: string): void => {
      if (++steps > budget) return;
      let extended = false;
      for (const w of adj.get(v) ?? []) {
        if (onPath.has(w)) continue;
        extended = true;
        path.push(w);
        onPath.add(w);
        dfs(w);
        path.pop();
        onPath.delete(w);
      }
      if (!extended && path.length > best.length) best = [...path];
    };
    dfs(start);
    out.push(best);
  }
  return out;
}

export function nodeStats(graph: Graph): NodeStats[] {
  const stats = new Map<string, NodeStats>();
  for (const n of graph.nodes.values()) {
    stats.set(n.id, { id: n.id, kind: n.kind, declared: n.declared, scanned: n.scanned, fanOut: 0, fanIn: 0, publishes: 0, consumes: 0 });
  }
  const outs = new Map<string, Set<string>>();
  const ins = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, k: string, v: string) => m.set(k, (m.get(k) ?? new Set()).add(v));
  for (const e of graph.edges.values()) {
    if (modeOf(e.kind) === "sync") {
      add(outs, e.from, e.to);
      add(ins, e.to, e.from);
    } else if (e.kind === "publish") {
      stats.get(e.from)!.publishes++;
      add(ins, e.to, e.from);
    } else {
      stats.get(e.to)!.consumes++;
      add(outs, e.from, e.to);
    }
  }
  for (const s of stats.values()) {
    s.fanOut = outs.get(s.id)?.size ?? 0;
    s.fanIn = ins.get(s.id)?.size ?? 0;
  }
  const order = { gateway: 0, context: 1, service: 1, event: 2 } as const;
  return [...stats.values()].sort((a, b) => order[a.kind] - order[b.kind] || cmp(a.id, b.id));
}

const label = (id: string): string => eventName(id);

export function analyze(input: AnalyzeInput): Analysis {
  const strict = input.declared !== null;
  const graph: Graph = input.declared ?? { nodes: new Map(), edges: new Map() };
  for (const id of input.scannedNodes) {
    const n = graph.nodes.get(id);
    if (n) n.scanned = true;
    else graph.nodes.set(id, { id, kind: id === GATEWAY_NODE ? "gateway" : "service", declared: false, scanned: true });
  }
  const datastores: DatastoreUse[] = [];
  addDiscovered(graph, input.refs, datastores);
  for (const e of graph.edges.values()) sortEvidence(e.evidence);
  for (const d of datastores) sortEvidence(d.evidence);
  datastores.sort((a, b) => cmp(a.from, b.from) || cmp(a.store, b.store));
  const incomplete = new Set(input.incomplete ?? []);

  const findings: Finding[] = [];
  const find = (rule: FindingRule, where: Evidence | undefined, message: string, path: string[]) => {
    findings.push({ file: where?.file ?? input.system ?? ".", line: where?.line ?? 1, column: where?.column ?? 1, severity: FINDING_RULES[rule].severity, rule, message, path: path.map(label) });
  };
  const firstCode = (e: Edge): Evidence | undefined => e.evidence.find((x) => x.form !== "declared");
  const firstDeclared = (e: Edge): Evidence | undefined => e.evidence.find((x) => x.form === "declared");
  const more = (e: Edge): string => {
    const n = e.evidence.filter((x) => x.form !== "declared").length - 1;
    return n > 0 ? ` (and ${n} more place${n === 1 ? "" : "s"})` : "";
  };
  const edges = sortedEdges(graph);

  if (strict) {
    for (const e of edges) {
      if (e.discovered && !e.declared) {
        const at = firstCode(e);
        const code = `${at?.text ?? ""}`;
        const from = label(e.from);
        const to = label(e.to);
        let message: string;
        if (e.kind === "publish") message = `${from} publishes ${to} ("${code}") but system.yaml does not list it in contexts.${from}.publishes; declare it or remove the publish`;
        else if (e.kind === "consume") message = `${to} consumes ${from} but system.yaml does not list it in contexts.${to}.consumes; declare it or remove the subscription`;
        else if (e.kind === "route") message = `the gateway routes to ${to} (${code}) but system.yaml has no gateway route to it; add one under gateway.routes or remove it`;
        else if (!graph.nodes.get(e.from)?.declared) message = `${from} calls ${to} (${code}) but ${from} is not a context in system.yaml; declare it under contexts`;
        else if (!graph.nodes.get(e.to)?.declared) message = `${from} calls ${to} (${code}) but ${to} is not a context in system.yaml`;
        else message = `${from} calls ${to} (${code}) but system.yaml does not declare it; add ${to} to contexts.${from}.calls or remove the call`;
        find("undeclared-dependency", at, message + more(e), [e.from, e.to]);
      }
    }
    for (const e of edges) {
      if (!e.declared || e.discovered || e.kind === "saga") continue;
      const codeOwner = e.kind === "consume" ? e.to : e.from;
      if (!graph.nodes.get(codeOwner)?.scanned) continue; // its code was not scanned: no evidence either way
      if (incomplete.has(codeOwner)) continue; // part of its code could not be read: no evidence either way
      const from = label(e.from);
      const to = label(e.to);
      const what =
        e.kind === "call" ? `${from} declares a call to ${to}` :
        e.kind === "route" ? `the gateway route to ${to}` :
        e.kind === "publish" ? `${from} declares it publishes ${to}` : `${to} declares it consumes ${from}`;
      find("unused-dependency", firstDeclared(e), `${what}, but the scanned code never refers to it; remove the declaration or check the code`, [e.from, e.to]);
    }
  }

  const adj = callGraph(graph);
  const edgeOf = (from: string, to: string) => graph.edges.get(edgeKey("call", from, to)) ?? graph.edges.get(edgeKey("saga", from, to));
  const whereFirst = (from: string, to: string): Evidence | undefined => {
    const e = edgeOf(from, to);
    return e ? (firstDeclared(e) ?? firstCode(e)) : undefined;
  };
  for (const cycle of findCycles(adj)) {
    const [a, b] = cycle as [string, string];
    find("dependency-cycle", whereFirst(a, b), `synchronous call cycle ${cycle.join(" → ")}; break it by replacing one call with an event (publish/consume)`, cycle);
  }
  const maxChain = input.maxChain ?? DEFAULT_MAX_CHAIN;
  for (const chain of longestChains(adj)) {
    if (chain.length - 1 <= maxChain) continue;
    const [a, b] = chain as [string, string];
    find("sync-chain", whereFirst(a, b), `chain of ${chain.length - 1} synchronous calls ${chain.join(" → ")} (more than ${maxChain}): latency adds up and one failure cascades; use events or parallel calls`, chain);
  }
  for (const [node, callees] of [...adj].sort(([a], [b]) => cmp(a, b))) {
    if (callees.length <= input.maxCallees) continue;
    const n = graph.nodes.get(node);
    find("chatty-context", n?.declaredAt ?? whereFirst(node, callees[0] as string), `${node} calls ${callees.length} contexts synchronously (${callees.join(", ")}), more than ${input.maxCallees}: a chatty service; batch, cache or use events`, [node, ...callees]);
  }
  // each event's publish and consume edges, in the sorted order of `edges`: one pass, not one per event
  const pubsOf = new Map<string, Edge[]>();
  const subsOf = new Map<string, Edge[]>();
  for (const e of edges) {
    const [by, id] = e.kind === "publish" ? [pubsOf, e.to] : e.kind === "consume" ? [subsOf, e.from] : [null, ""];
    if (!by) continue;
    const list = by.get(id);
    if (list) list.push(e);
    else by.set(id, [e]);
  }
  for (const n of [...graph.nodes.values()].filter((x) => x.kind === "event").sort((a, b) => cmp(a.id, b.id))) {
    const pubs = pubsOf.get(n.id) ?? [];
    const subs = subsOf.get(n.id) ?? [];
    if (subs.length || (!n.declared && !pubs.length)) continue;
    const by = pubs.length ? ` (published by ${[...new Set(pubs.map((e) => e.from))].join(", ")})` : "";
    find("event-unconsumed", n.declared ? n.declaredAt : (pubs[0] && firstCode(pubs[0])), `event ${eventName(n.id)} has no consumer${by}; remove it or add a consumer`, [n.id]);
  }

  const notes = [...(input.notes ?? [])];
  if (!strict) notes.push("no system.yaml: there is no declared graph, so only the discovered graph, cycles, chains and chatty services are reported");
  else {
    const unscanned = [...graph.nodes.values()].filter((n) => n.declared && n.kind === "context" && !n.scanned).map((n) => n.id).sort(cmp);
    if (unscanned.length) notes.push(`no scanned code for ${unscanned.join(", ")}: their declared dependencies are not checked against code`);
  }
  if (incomplete.size) notes.push(`part of the code of ${[...incomplete].sort(cmp).join(", ")} could not be read: its declared dependencies are not reported unused`);
  return { system: input.system, roots: input.roots, filesScanned: input.filesScanned, graph, stats: nodeStats(graph), findings: sortFindings(findings), notes, datastores, unreadable: input.unreadable ?? [], vendored: input.vendored ?? [] };
}

export function sortFindings(list: Finding[]): Finding[] {
  return list.sort((a, b) => cmp(a.file, b.file) || a.line - b.line || a.column - b.column || cmp(a.rule, b.rule) || cmp(a.message, b.message));
}

/** --fail-on: rule ids, their short aliases, "error(s)", "warning(s)" (everything) or "none". */
export function parseFailOn(value: string): Set<FindingRule> | string {
  const out = new Set<FindingRule>();
  const rules = Object.keys(FINDING_RULES) as FindingRule[];
  for (const raw of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    if (raw === "none") continue;
    if (raw === "error" || raw === "errors") rules.filter((r) => FINDING_RULES[r].severity === "error").forEach((r) => out.add(r));
    else if (raw === "warning" || raw === "warnings" || raw === "all") rules.forEach((r) => out.add(r));
    else {
      // event-no-consumer: the finding's id before it took validate's (event-unconsumed)
      const rule = rules.find((r) => r === raw || FINDING_RULES[r].alias === raw || (raw === "event-no-consumer" && r === "event-unconsumed"));
      if (!rule) return raw;
      out.add(rule);
    }
  }
  return out;
}
