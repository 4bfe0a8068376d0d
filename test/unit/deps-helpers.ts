// Shared by the analyze-deps tests: run the CLI in a directory, and parse its mermaid and dot output.
import { main } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";

export async function runCli(cwd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const ctx: CliContext = { cwd, env: {}, stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), isTTY: false, color: false, stdin: process.stdin };
  const code = await main(["node", "msa", ...args], ctx);
  return { code, stdout, stderr };
}

export interface ParsedGraph {
  nodes: Map<string, { label: string; shape: string }>;
  edges: { from: string; to: string; label: string; style: string; color?: string }[];
}

/** The flowchart subset msa writes; throws on any line it does not understand. Edges are resolved to labels. */
export function parseMermaid(text: string): ParsedGraph {
  const lines = text.split("\n");
  if (lines[0] !== "flowchart LR") throw new Error(`not a flowchart: ${lines[0]}`);
  const nodes = new Map<string, { label: string; shape: string }>();
  const raw: { from: string; to: string; label: string; style: string; color?: string }[] = [];
  for (const [i, line] of lines.slice(1).entries()) {
    const l = line.trim();
    if (!l || l.startsWith("%%")) continue;
    let m: RegExpExecArray | null;
    if ((m = /^([A-Za-z_][\w]*)(\[\["([^"]*)"\]\]|\{\{"([^"]*)"\}\}|\["([^"]*)"\])$/.exec(l))) {
      if (nodes.has(m[1]!)) throw new Error(`node ${m[1]} declared twice`);
      nodes.set(m[1]!, { label: (m[3] ?? m[4] ?? m[5])!, shape: m[3] !== undefined ? "subroutine" : m[4] !== undefined ? "hexagon" : "box" });
    } else if ((m = /^([A-Za-z_]\w*) (-->|-\.->)\|([^|]+)\| ([A-Za-z_]\w*)$/.exec(l))) {
      raw.push({ from: m[1]!, to: m[4]!, label: m[3]!, style: m[2] === "-->" ? "solid" : "dashed" });
    } else if ((m = /^linkStyle ([\d,]+) stroke:(#[0-9a-f]{3,6})(,[\w-]+:[\w#]+)*$/.exec(l))) {
      for (const n of m[1]!.split(",").map(Number)) {
        if (!raw[n]) throw new Error(`linkStyle ${n}: no such link`);
        raw[n]!.color = m[2]!;
      }
    } else throw new Error(`mermaid line ${i + 2} not understood: ${line}`);
  }
  const label = (id: string) => {
    const n = nodes.get(id);
    if (!n) throw new Error(`edge to undeclared node ${id}`);
    return n.label;
  };
  return { nodes, edges: raw.map((e) => ({ ...e, from: label(e.from), to: label(e.to) })) };
}

type Tok = { t: "id" | "str" | "sym"; v: string };
function tokenizeDot(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) i++;
    else if (text.startsWith("//", i)) i = text.indexOf("\n", i) === -1 ? text.length : text.indexOf("\n", i);
    else if (text.startsWith("->", i)) (out.push({ t: "sym", v: "->" }), (i += 2));
    else if ("[]{}=,;".includes(c)) (out.push({ t: "sym", v: c }), i++);
    else if (c === '"') {
      let v = "";
      i++;
      while (text[i] !== '"') {
        if (i >= text.length) throw new Error("unterminated string");
        if (text[i] === "\\") i++;
        v += text[i++];
      }
      i++;
      out.push({ t: "str", v });
    } else {
      const m = /^[A-Za-z_0-9.]+/.exec(text.slice(i));
      if (!m) throw new Error(`dot: unexpected ${c} at ${i}`);
      out.push({ t: "id", v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

/** A small parser for the DOT grammar (digraph, node/edge/attr statements, attribute lists). */
export function parseDot(text: string): ParsedGraph {
  const toks = tokenizeDot(text);
  let p = 0;
  const peek = () => toks[p];
  const take = (v?: string): Tok => {
    const t = toks[p++];
    if (!t || (v !== undefined && t.v !== v)) throw new Error(`dot: expected ${v ?? "token"}, got ${t?.v}`);
    return t;
  };
  const id = (): string => {
    const t = take();
    if (t.t === "sym") throw new Error(`dot: expected an id, got ${t.v}`);
    return t.v;
  };
  const attrs = (): Record<string, string> => {
    const a: Record<string, string> = {};
    if (peek()?.v !== "[") return a;
    take("[");
    while (peek()?.v !== "]") {
      const k = id();
      take("=");
      a[k] = id();
      if (peek()?.v === "," || peek()?.v === ";") take();
    }
    take("]");
    return a;
  };
  if (take().v !== "digraph") throw new Error("dot: not a digraph");
  if (peek()?.v !== "{") id();
  take("{");
  const nodes = new Map<string, { label: string; shape: string }>();
  const raw: { from: string; to: string; a: Record<string, string> }[] = [];
  while (peek()?.v !== "}") {
    const first = id();
    if (peek()?.v === "=") {
      take("=");
      id();
    } else if (peek()?.v === "->") {
      take("->");
      const to = id();
      raw.push({ from: first, to, a: attrs() });
    } else {
      const a = attrs();
      if (first !== "node" && first !== "edge" && first !== "graph") nodes.set(first, { label: a.label ?? first, shape: a.shape ?? "ellipse" });
    }
    if (peek()?.v === ";") take(";");
  }
  take("}");
  if (p !== toks.length) throw new Error("dot: text after the graph");
  const label = (x: string) => {
    const n = nodes.get(x);
    if (!n) throw new Error(`edge to undeclared node ${x}`);
    return n.label;
  };
  return { nodes, edges: raw.map((e) => ({ from: label(e.from), to: label(e.to), label: e.a.label ?? "", style: e.a.style ?? "solid", color: e.a.color })) };
}
