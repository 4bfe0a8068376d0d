// Planner: asyncapi.yaml — AsyncAPI 3.0 of every event type: channels per the broker topology of
// docs/internals.md, one message per schema version (the envelope with the version's payload schema),
// a send operation for the owner and a receive operation per consumer.
import type { EventType, EventVersion, SystemModel } from "../model.js";
import { toCamel, toEnvName, toPascal } from "../names.js";
import { mapRefs, pointerToken } from "../events/bundle.js";
import { lazyFile, type Planner } from "./types.js";

interface MessageView {
  id: string;
  name: string;
  title: string;
  version: number;
  payload: Record<string, unknown>;
}

interface OperationView {
  id: string;
  action: "send" | "receive";
  context: string;
  summary: string;
  queue: string | null;
}

interface ChannelView {
  id: string;
  address: string;
  event: string;
  description: string;
  messages: MessageView[];
  operations: OperationView[];
}

/** The address of an event type's channel on each broker (docs/internals.md, "Events on the wire"). */
export function channelAddress(model: SystemModel, event: string): string {
  switch (model.broker.kind) {
    case "nats":
      return `${model.name}.events.${event}`;
    case "kafka":
      return `${model.name}.${event}`;
    case "rabbitmq":
    case "memory":
      return event;
  }
}

/**
 * A copy of `schema` whose local references (`#/definitions/x`, and the `$defs` of bundled files) point where
 * the schema sits in the AsyncAPI document (`at`, a JSON pointer): there `#` is the document's root.
 */
const relocateRefs = (schema: unknown, at: string): unknown => mapRefs(schema, (ref) => (ref.startsWith("#") ? `#${at}${ref.slice(1)}` : ref));

/**
 * The envelope of system-yaml.md, with `payload` being the version's schema; `at` is the JSON pointer of this
 * envelope schema in the document it is written into (its payload's local references are rewritten to match).
 */
export function envelopeSchema(event: EventType, v: EventVersion, at = ""): Record<string, unknown> {
  return {
    type: "object",
    required: ["eventId", "eventType", "aggregateId", "timestamp", "version", "payload"],
    properties: {
      eventId: { type: "string", format: "uuid", description: "unique; consumers drop duplicates by it" },
      eventType: { type: "string", const: event.name },
      aggregateId: { type: "string", description: "the entity the event is about" },
      timestamp: { type: "string", format: "date-time" },
      version: { type: "integer", const: v.version },
      correlationId: { type: "string", description: "carried from the request that caused the event" },
      traceparent: { type: "string", maxLength: 256, description: "W3C Trace Context of the producer's span (00-<trace-id>-<span-id>-<flags>); the consumer's span is its child" },
      tracestate: { type: "string", maxLength: 512, description: "W3C tracestate that goes with traceparent" },
      payload: relocateRefs(stripMeta(v.schema), `${at}/properties/payload`),
    },
  };
}

/** `$schema`/`$id` of a standalone schema file mean nothing once embedded. */
function stripMeta(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

function serverView(model: SystemModel): { id: string; host: string; protocol: string; description: string } | null {
  switch (model.broker.kind) {
    case "rabbitmq":
      return { id: "rabbitmq", host: "rabbitmq:5672", protocol: "amqp", description: `topic exchange ${model.name}.events` };
    case "nats":
      return { id: "nats", host: "nats:4222", protocol: "nats", description: `JetStream stream ${toEnvName(model.name)}_EVENTS` };
    case "kafka":
      return { id: "kafka", host: "kafka:9092", protocol: "kafka", description: "one topic per event type" };
    case "memory":
      return null;
  }
}

/** Distinct ids for distinct names that would map to the same one (order.created / order-created). */
export function uniqueIds(names: readonly string[], toId: (name: string) => string): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const n of names) {
    const base = toId(n);
    let id = base;
    for (let i = 2; used.has(id); i++) id = `${base}${i}`;
    used.add(id);
    out.set(n, id);
  }
  return out;
}

export const planAsyncApi: Planner = (model, render) => {
  if (!model.events.length) return [];
  const ids = uniqueIds(model.events.map((e) => e.name), toCamel);
  const channels: ChannelView[] = model.events.map((e) => {
    const id = ids.get(e.name) ?? toCamel(e.name);
    const pascal = id.charAt(0).toUpperCase() + id.slice(1);
    const messages = e.versions.map((v) => ({
      id: `${id}V${v.version}`,
      name: e.name,
      title: `${e.name} v${v.version}`,
      version: v.version,
      payload: envelopeSchema(e, v, `/channels/${pointerToken(id)}/messages/${pointerToken(`${id}V${v.version}`)}/payload`),
    }));
    const operations: OperationView[] = [];
    if (e.owner)
      operations.push({ id: `send${pascal}`, action: "send", context: e.owner, summary: `${e.owner} publishes ${e.name}`, queue: null });
    for (const c of e.consumers)
      operations.push({
        id: `receive${pascal}In${toPascal(c)}`,
        action: "receive",
        context: c,
        summary: `${c} consumes ${e.name}`,
        queue: model.broker.kind === "rabbitmq" ? `${model.name}.${c}` : model.broker.kind === "memory" ? null : c,
      });
    return {
      id,
      address: channelAddress(model, e.name),
      event: e.name,
      description: e.description || `${e.name} events (compatibility: ${e.compatibility})`,
      messages,
      operations,
    };
  });
  const view = {
    system: model.name,
    server: serverView(model),
    rabbitmq: model.broker.kind === "rabbitmq",
    exchange: `${model.name}.events`,
    channels,
    operations: channels.flatMap((c) =>
      c.operations.map((o) => ({
        id: o.id,
        action: o.action,
        summary: o.summary,
        description: o.queue ? `${o.context} consumes through ${o.queue}` : null,
        channelRef: `#/channels/${c.id}`,
        messageRefs: c.messages.map((m) => `#/channels/${c.id}/messages/${m.id}`),
      })),
    ),
  };
  return [lazyFile({ path: "asyncapi.yaml", owner: "generated" }, () => render("asyncapi/asyncapi.yaml", view))];
};
