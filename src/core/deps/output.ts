// The four outputs of analyze-deps: text, json, mermaid, dot. Command output, not generated files,
// so they are small printers here rather than templates. Deterministic: everything sorted.
import { eventName, isEventNode } from "./declared.js";
import { modeOf, type Analysis, type DatastoreUse, type Edge, type Evidence, type Finding, type GraphNode } from "./types.js";

/** The text report's sections of infrastructure connections, in this order. */
const INFRA_SECTIONS: readonly [DatastoreUse["kind"], string][] = [
  ["datastore", "data stores and brokers (not service calls):"],
  ["telemetry", "telemetry backends (not service calls):"],
  ["discovery", "service discovery and configuration (not service calls):"],
];

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

export function sortedNodes(a: Analysis): GraphNode[] {
  const order = { gateway: 0, context: 1, service: 1, event: 2 } as const;
  return [...a.graph.nodes.values()].sort((x, y) => order[x.kind] - order[y.kind] || cmp(x.id, y.id));
}

export function sortedEdges(a: Analysis): Edge[] {
  return [...a.graph.edges.values()].sort((x, y) => cmp(x.from, y.from) || cmp(x.to, y.to) || cmp(x.kind, y.kind));
}

const where = (e: Evidence): string => `${e.file}:${e.line}`;

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd());
}

export function findingLine(f: Finding): string {
  return `${f.file}:${f.line}:${f.column}  ${f.severity}  ${f.rule}  ${f.message}`;
}

export function findingsText(findings: readonly Finding[]): string {
  if (!findings.length) return "no findings\n";
  const errors = findings.filter((f) => f.severity === "error").length;
  return [...findings.map(findingLine), `${plural(errors, "error")}, ${plural(findings.length - errors, "warning")}`].join("\n") + "\n";
}

export function renderText(a: Analysis): string {
  const out: string[] = [];
  out.push(`system: ${a.system ?? "(none)"}`);
  out.push(`scanned: ${plural(a.filesScanned, "file")} under ${a.roots.join(", ") || "(nothing)"}`);
  out.push("");
  const nodes = a.stats.filter((s) => s.kind !== "event");
  if (nodes.length) {
    out.push(...table([["service", "kind", "fan-in", "fan-out", "publishes", "consumes", "declared", "scanned"],
      ...nodes.map((s) => [s.id, s.kind, String(s.fanIn), String(s.fanOut), String(s.publishes), String(s.consumes), s.declared ? "yes" : "no", s.scanned ? "yes" : "no"])]));
    out.push("");
  }
  const edges = sortedEdges(a);
  out.push(edges.length ? "dependencies:" : "dependencies: none");
  if (edges.length) {
    const rows = edges.map((e) => {
      const status = e.declared && e.discovered ? "declared+seen" : e.declared ? "declared" : "UNDECLARED";
      const code = [...new Set(e.evidence.filter((x) => x.form !== "declared").map(where))];
      const seen = code.length ? code.slice(0, 3).join(", ") + (code.length > 3 ? ` (+${code.length - 3})` : "") : "-";
      return [`  ${eventName(e.from)} → ${eventName(e.to)}`, e.kind, status, seen];
    });
    out.push(...table(rows));
  }
  for (const [kind, title] of INFRA_SECTIONS) {
    const uses = a.datastores.filter((d) => d.kind === kind);
    if (!uses.length) continue;
    out.push("");
    out.push(title);
    out.push(...table(uses.map((d) => [`  ${d.from} → ${d.store}`, [...new Set(d.evidence.map(where))].slice(0, 3).join(", ")])));
  }
  if (a.unreadable.length) {
    out.push("");
    out.push(`could not read ${a.unreadable.length} path${a.unreadable.length === 1 ? "" : "s"}:`);
    for (const u of a.unreadable.slice(0, 20)) out.push(`  ${u.path}: ${u.reason}`);
    if (a.unreadable.length > 20) out.push(`  … and ${a.unreadable.length - 20} more (--output-format json lists them all)`);
  }
  out.push("");
  out.push("findings:");
  out.push(...findingsText(a.findings).trimEnd().split("\n").map((l) => `  ${l}`));
  for (const n of a.notes) out.push(`note: ${n}`);
  return out.join("\n") + "\n";
}

export function renderJson(a: Analysis): string {
  const doc = {
    system: a.system,
    roots: a.roots,
    filesScanned: a.filesScanned,
    nodes: a.stats.map((s) => ({
      id: s.id,
      name: eventName(s.id),
      kind: s.kind,
      declared: s.declared,
      scanned: s.scanned,
      fanIn: s.fanIn,
      fanOut: s.fanOut,
      publishes: s.publishes,
      consumes: s.consumes,
    })),
    edges: sortedEdges(a).map((e) => ({
      from: e.from,
      to: e.to,
      kind: e.kind,
      mode: modeOf(e.kind),
      declared: e.declared,
      discovered: e.discovered,
      evidence: e.evidence.map((x) => ({ file: x.file, line: x.line, column: x.column, form: x.form, text: x.text, ...(x.via ? { via: x.via } : {}) })),
    })),

    findings: a.findings.map((f) => ({ file: f.file, line: f.line, column: f.column, severity: f.severity, rule: f.rule, message: f.message, path: f.path })),
    summary: {
      errors: a.findings.filter((f) => f.severity === "error").length,
      warnings: a.findings.filter((f) => f.severity === "warning").length,
    },
    notes: a.notes,
    datastores: a.datastores.map((d) => ({
      from: d.from,
      store: d.store,
      kind: d.kind,
      evidence: d.evidence.map((x) => ({ file: x.file, line: x.line, column: x.column, form: x.form, text: x.text, ...(x.via ? { via: x.via } : {}) })),
    })),
    unreadable: a.unreadable,
    vendored: a.vendored,
  };
  return JSON.stringify(doc, null, 2) + "\n";
}

/** Node ids safe in both mermaid and dot: n_<name with non-word characters as _> plus a counter on clashes. */
function idMap(nodes: GraphNode[]): Map<string, string> {
  const ids = new Map<string, string>();
  const used = new Set<string>();
  for (const n of nodes) {
    const base = (isEventNode(n.id) ? "e_" : "n_") + eventName(n.id).replace(/[^A-Za-z0-9_]/g, "_");
    let id = base;
    for (let i = 2; used.has(id); i++) id = `${base}_${i}`;
    used.add(id);
    ids.set(n.id, id);
  }
  return ids;
}

const mermaidText = (s: string): string => s.replace(/"/g, "#quot;");

/** A mermaid flowchart: sync edges solid (-->), async dashed (-.->), undeclared ones red. */
export function renderMermaid(a: Analysis): string {
  const nodes = sortedNodes(a);
  const ids = idMap(nodes);
  const lines = ["flowchart LR", "  %% msa analyze-deps: solid = synchronous, dashed = asynchronous (events), red = undeclared"];
  for (const n of nodes) {
    const id = ids.get(n.id)!;
    const text = mermaidText(eventName(n.id));
    lines.push(n.kind === "event" ? `  ${id}{{"${text}"}}` : n.kind === "gateway" ? `  ${id}[["${text}"]]` : `  ${id}["${text}"]`);
  }
  const red: number[] = [];
  sortedEdges(a).forEach((e, i) => {
    const arrow = modeOf(e.kind) === "sync" ? "-->" : "-.->";
    lines.push(`  ${ids.get(e.from)} ${arrow}|${e.kind}| ${ids.get(e.to)}`);
    if (!e.declared && a.system !== null) red.push(i);
  });
  if (red.length) lines.push(`  linkStyle ${red.join(",")} stroke:#d00,stroke-width:2px`);
  return lines.join("\n") + "\n";
}

const dotString = (s: string): string => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/** Graphviz dot: sync edges solid, async dashed, undeclared ones red. */
export function renderDot(a: Analysis): string {
  const nodes = sortedNodes(a);
  const ids = idMap(nodes);
  const lines = ["// msa analyze-deps: solid = synchronous, dashed = asynchronous (events), red = undeclared", "digraph dependencies {", "  rankdir=LR;", "  node [fontname=\"Helvetica\"];"];
  for (const n of nodes) {
    const shape = n.kind === "event" ? "hexagon" : n.kind === "gateway" ? "box3d" : "box";
    lines.push(`  ${ids.get(n.id)} [label=${dotString(eventName(n.id))}, shape=${shape}];`);
  }
  for (const e of sortedEdges(a)) {
    const attrs = [`label=${dotString(e.kind)}`, `style=${modeOf(e.kind) === "sync" ? "solid" : "dashed"}`];
    if (!e.declared && a.system !== null) attrs.push("color=red");
    lines.push(`  ${ids.get(e.from)} -> ${ids.get(e.to)} [${attrs.join(", ")}];`);
  }
  lines.push("}");
  return lines.join("\n") + "\n";
}
