// Adds a context to system.yaml text. Pure: text in, text out. The new entries are rendered by the
// yaml Document API and spliced in after the last existing entry, so every untouched byte — comments,
// key order, alignment, flow maps — stays exactly as the user wrote it.
import { Document, isMap, isScalar, parseDocument, type Node, type YAMLMap } from "yaml";
import { UsageError } from "./diagnostics.js";
import type { Runtime } from "./model.js";

/** New entries are written as YAML 1.1 would need them: a name such as `off` or `yes` comes out quoted. */
const YAML_11 = { version: "1.1" } as const;

export interface AddContextRequest {
  name: string;
  runtime?: Runtime;
  port?: number;
  database?: string;
  description?: string;
  api: string[];
  publishes: string[];
  consumes: string[];
  calls: string[];
}

export interface AddContextResult {
  text: string;
  /** Events that did not exist and were declared with an open object schema to be filled in. */
  declaredEvents: string[];
  port: number;
}

/** The lowest port from `from` that no context declares. */
export function nextFreePort(ports: Iterable<number>, from: number): number {
  const taken = new Set(ports);
  let p = from;
  while (taken.has(p)) p++;
  return p;
}

export function addContext(text: string, req: AddContextRequest): AddContextResult {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new UsageError(`system.yaml does not parse: ${doc.errors[0]?.message.split("\n")[0]}; run msa validate`);
  const contexts = doc.get("contexts", true);
  if (!isMap(contexts)) throw new UsageError("system.yaml has no contexts: mapping to add to; run msa validate");
  const existing = contexts.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key));
  if (existing.includes(req.name)) throw new UsageError(`context ${req.name} already exists in system.yaml; choose another name or edit it there`);

  const ports = contexts.items
    .map((p) => (isMap(p.value) ? p.value.get("port") : undefined))
    .filter((p): p is number => typeof p === "number");
  const runtime = req.runtime;
  const port = req.port ?? nextFreePort(ports, runtime === "python-flask" ? 5000 : 3000);

  const entry: Record<string, unknown> = {};
  if (req.description) entry.description = req.description;
  if (runtime) entry.runtime = runtime;
  entry.port = port;
  if (req.database) entry.database = req.database;
  if (req.api.length) entry.api = req.api;
  if (req.publishes.length) entry.publishes = req.publishes;
  if (req.consumes.length) entry.consumes = req.consumes;
  if (req.calls.length) entry.calls = Object.fromEntries(req.calls.map((c) => [c, { timeout: "2s", retries: 2 }]));

  let out = spliceEntry(text, contexts, req.name, entry);

  const events = doc.get("events", true);
  const declaredEventNames = new Set(isMap(events) ? events.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key)) : []);
  const newEvents = req.publishes.filter((e) => !declaredEventNames.has(e));
  if (newEvents.length) {
    const schema = { type: "object", properties: {} };
    const reparsed = parseDocument(out);
    const ev = reparsed.get("events", true);
    if (isMap(ev)) {
      for (const e of newEvents) out = spliceEntry(out, parseDocument(out).get("events", true) as YAMLMap, e, { schema });
    } else {
      const block = new Document({ events: Object.fromEntries(newEvents.map((e) => [e, { schema }])) }, YAML_11);
      flowLeaves(block.contents as Node);
      out = out.replace(/\n*$/, "\n") + "\n" + block.toString({ lineWidth: 0, flowCollectionPadding: false });
    }
  }
  return { text: out, declaredEvents: newEvents, port };
}

/** Renders `key: value` at the map's indentation and inserts it after the map's last entry. */
function spliceEntry(text: string, map: YAMLMap, key: string, value: unknown): string {
  const last = map.items[map.items.length - 1];
  if (map.flow || !last || !(last.key as Node | null)?.range) {
    // A flow or empty mapping: there is no layout to keep; let the Document API write it.
    const doc = parseDocument(text);
    const target = doc.getIn(pathOf(doc, map), true) as YAMLMap;
    target.set(key, doc.createNode(value));
    return doc.toString({ lineWidth: 0 });
  }
  const keyStart = (last.key as Node).range![0];
  const lineStart = text.lastIndexOf("\n", keyStart - 1) + 1;
  const indent = keyStart - lineStart;
  const valueEnd = ((last.value as Node | null)?.range ?? (last.key as Node).range!)[1];
  // Insert after the line holding the end of the last entry's value (keeping its trailing comment).
  let insertAt = text.indexOf("\n", Math.max(valueEnd - 1, 0));
  insertAt = insertAt === -1 ? text.length : insertAt + 1;
  const block = new Document({ [key]: value }, YAML_11);
  flowLeaves(block.contents as Node);
  const rendered = block
    .toString({ lineWidth: 0, indent: 2, flowCollectionPadding: false })
    .replace(/\n$/, "")
    .split("\n")
    .map((l) => " ".repeat(indent) + l)
    .join("\n");
  const before = text.slice(0, insertAt);
  const sep = before.endsWith("\n") || before === "" ? "" : "\n";
  return before + sep + rendered + "\n" + text.slice(insertAt);
}

/** Lists of scalars and small leaf maps are written in flow style, as the spec's examples are. */
function flowLeaves(node: Node): void {
  const n = node as unknown as { items?: unknown[]; flow?: boolean };
  if (!n.items) return;
  const leafy = n.items.every((it) => {
    const v = (it as { value?: unknown }).value !== undefined && !isScalar(it) ? (it as { value: unknown }).value : it;
    return isScalar(v) || v === null;
  });
  const isSeqNode = !isMap(node);
  if (leafy && (isSeqNode || (n.items.length <= 3 && isMapOfScalars(node)))) n.flow = true;
  for (const it of n.items) {
    const v = isScalar(it) ? it : ((it as { value?: unknown }).value ?? it);
    if (v && typeof v === "object" && "items" in (v as object)) flowLeaves(v as Node);
  }
}

function isMapOfScalars(node: Node): boolean {
  return isMap(node) && node.items.every((p) => isScalar(p.value));
}

function pathOf(doc: Document, target: YAMLMap): string[] {
  const contents = doc.contents;
  if (isMap(contents)) {
    for (const p of contents.items) {
      const v = p.value as Node | null;
      if (v && target.range && v.range && v.range[0] === target.range[0]) return [String(isScalar(p.key) ? p.key.value : p.key)];
    }
  }
  return ["contexts"];
}
