// `msa events dlq`: the dead letters of a context, read from the topology both runtimes share
// (docs/messaging.md). Pure: names, the record a dead letter becomes, the headers a replay sends.
import type { BrokerKind, SystemModel } from "../model.js";
import { toEnvName } from "../names.js";

/** Where one context's dead letters live and where a replay goes, per broker. */
export interface DlqTopology {
  system: string;
  context: string;
  broker: BrokerKind;
  rabbitmq: { deadLetterQueue: string; queue: string };
  nats: { dlqStream: string; dlqSubjectPrefix: string; replaySubject: (eventType: string) => string };
  kafka: { deadLetterTopic: string; retryTopic: string };
}

export function dlqTopology(system: string, context: string, broker: BrokerKind): DlqTopology {
  return {
    system,
    context,
    broker,
    rabbitmq: { deadLetterQueue: `${system}.${context}.dead-letter`, queue: `${system}.${context}` },
    nats: {
      dlqStream: `${toEnvName(system)}_DLQ`,
      dlqSubjectPrefix: `${system}.dlq.${context}.`,
      replaySubject: (eventType) => `${system}.replay.${context}.${eventType}`,
    },
    kafka: { deadLetterTopic: `${system}.${context}.dlt`, retryTopic: `${system}.${context}.retry` },
  };
}

/** The contexts a command covers: the one named (it must consume something), or every consuming context. */
export function dlqContexts(model: SystemModel, named?: string): string[] {
  const consuming = model.contexts.filter((c) => c.consumes.length > 0).map((c) => c.name);
  if (named === undefined) return consuming;
  if (!model.contexts.some((c) => c.name === named)) {
    throw new DlqUsageError(`no context named ${named} in system.yaml (contexts: ${model.contexts.map((c) => c.name).join(", ")})`);
  }
  if (!consuming.includes(named)) throw new DlqUsageError(`context ${named} consumes no events: it has no dead letters`);
  return [named];
}

export class DlqUsageError extends Error {}

/** One dead letter as `list` and `show` print it. */
export interface DeadLetterRecord {
  /** RabbitMQ: the message id (the eventId); NATS: the DLQ stream sequence; Kafka: partition:offset of the DLT. */
  id: string;
  context: string;
  eventType: string;
  eventId: string | null;
  reason: string;
  error: string;
  attempts: number | null;
  failedAt: string | null;
  /** How often it was replayed before (x-msa-replayed). */
  replayed: number;
  /** The body as it went on the wire (UTF-8). */
  body: string;
  headers: Record<string, string>;
}

/** Header values as text (amqplib gives numbers and Buffers; nats strings; kafkajs Buffers). */
export function headerText(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    const one = Array.isArray(v) && k !== "x-death" ? v[0] : v;
    if (one === undefined || one === null) continue;
    out[k] = Buffer.isBuffer(one) ? one.toString("utf8") : typeof one === "object" ? JSON.stringify(one) : String(one);
  }
  return out;
}

/** A dead letter's record from its headers and body; `fallback` fills what a broker-made dead letter lacks. */
export function deadLetterRecord(
  id: string,
  context: string,
  headers: Record<string, string>,
  body: Buffer,
  fallback: { eventType?: string; reason?: string } = {},
): DeadLetterRecord {
  const text = body.toString("utf8");
  let envelope: { eventId?: unknown; eventType?: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object") envelope = parsed as typeof envelope;
  } catch {
    // not JSON: an invalid event, shown as it is
  }
  const attempts = Number(headers["x-msa-attempts"]);
  return {
    id,
    context,
    eventType: headers["x-msa-event-type"] || fallback.eventType || (typeof envelope.eventType === "string" ? envelope.eventType : "") || "?",
    eventId: typeof envelope.eventId === "string" ? envelope.eventId : null,
    reason: headers["x-msa-reason"] || fallback.reason || "unknown",
    error: headers["x-msa-error"] ?? "",
    attempts: Number.isInteger(attempts) ? attempts : null,
    failedAt: headers["x-msa-failed-at"] ?? null,
    replayed: Number(headers["x-msa-replayed"]) || 0,
    body: text,
    headers,
  };
}

/** Headers the broker adds when it dead-letters by itself (RabbitMQ), not to be sent again. */
const BROKER_HISTORY = /^(x-death|x-first-death-|x-last-death-|x-delivery-count$|Nats-)/;

/**
 * The headers a replay sends: the original's, without the x-msa-* bookkeeping and the broker's dead-letter
 * history, with x-msa-replayed counting replays (the replayed event starts again at attempt 1).
 */
export function replayHeaders(headers: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let replayed = 0;
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k === "x-msa-replayed") replayed = Number(Buffer.isBuffer(v) ? v.toString() : v) || 0;
    else if (!k.startsWith("x-msa-") && !BROKER_HISTORY.test(k)) out[k] = v;
  }
  out["x-msa-replayed"] = String(replayed + 1);
  return out;
}

/** What a broker module offers the command. */
export interface DlqBroker {
  list(contexts: readonly string[]): Promise<DeadLetterRecord[]>;
  /** Sends each selected dead letter back to its context and removes it; returns what was replayed. */
  replay(context: string, select: (r: DeadLetterRecord) => boolean, dryRun: boolean): Promise<DeadLetterRecord[]>;
  close(): Promise<void>;
}

/** The broker is unreachable: one line naming the fix. */
export class BrokerUnreachableError extends Error {}

export function unreachable(kind: string, url: string, cause: unknown): BrokerUnreachableError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new BrokerUnreachableError(
    `cannot reach the ${kind} broker at ${redact(url)} (${why}): set BROKER_URL or --broker-url to the broker the services use ` +
      `(e.g. kubectl port-forward svc/${kind} and ${kind === "rabbitmq" ? "amqp://user:pass@127.0.0.1:5672" : kind === "nats" ? "nats://127.0.0.1:4222" : "127.0.0.1:9092"})`,
  );
}

/** A URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@/]*@/, "//$1:***@");
}
