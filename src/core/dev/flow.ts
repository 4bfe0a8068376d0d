// The event flow the dashboard shows, read from the services' own JSON log lines (both runtimes): "event published"
// (node and python), "event processed" (node) / "event handled" (python) for a consume, and any line that says it
// dead-lettered an event. Matched by eventId; only the last `windowMs` are kept.
export interface FlowEvent {
  eventId: string;
  eventType: string;
  publishedBy: string | null;
  publishedAt: number | null;
  consumedBy: { context: string; at: number }[];
  deadLettered: { context: string; at: number; reason: string }[];
}

export interface FlowState {
  events: Map<string, FlowEvent>;
  windowMs: number;
}

export const newFlow = (windowMs = 10 * 60_000): FlowState => ({ events: new Map(), windowMs });

type Line = Record<string, unknown>;

/** Fields of a log line: node (pino) puts them at the top level, python under `fields` or at the top level. */
function field(line: Line, key: string): string | null {
  const v = line[key] ?? (line.fields && typeof line.fields === "object" ? (line.fields as Line)[key] : undefined);
  return typeof v === "string" ? v : null;
}

/** Takes one log line of `context`; returns true when it was an event line. */
export function recordFlow(flow: FlowState, context: string, line: Line, now: number): boolean {
  const msg = typeof line.msg === "string" ? line.msg : typeof line.message === "string" ? line.message : "";
  const eventId = field(line, "eventId");
  const eventType = field(line, "eventType") ?? "?";
  const kind = msg === "event published" ? "publish" : msg === "event processed" || msg === "event handled" ? "consume" : /dead-letter/i.test(msg) ? "dead" : null;
  if (!kind) return false;
  const id = eventId ?? `unknown-${now}-${flow.events.size}`;
  let e = flow.events.get(id);
  if (!e) {
    e = { eventId: id, eventType, publishedBy: null, publishedAt: null, consumedBy: [], deadLettered: [] };
    flow.events.set(id, e);
  }
  if (e.eventType === "?" && eventType !== "?") e.eventType = eventType;
  if (kind === "publish") {
    e.publishedBy = context;
    e.publishedAt = now;
  } else if (kind === "consume") e.consumedBy.push({ context, at: now });
  else e.deadLettered.push({ context, at: now, reason: msg });
  prune(flow, now);
  return true;
}

const lastAt = (e: FlowEvent): number => Math.max(e.publishedAt ?? 0, ...e.consumedBy.map((c) => c.at), ...e.deadLettered.map((d) => d.at));

export function prune(flow: FlowState, now: number): void {
  for (const [id, e] of flow.events) if (now - lastAt(e) > flow.windowMs) flow.events.delete(id);
}

/** Newest first. */
export function flowList(flow: FlowState, now: number): FlowEvent[] {
  prune(flow, now);
  return [...flow.events.values()].sort((a, b) => lastAt(b) - lastAt(a));
}
