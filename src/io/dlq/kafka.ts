// `msa events dlq` on Kafka. A topic is append-only: the dead letters of a context are the records of
// <system>.<context>.dlt after the offsets committed by the group <context>.dlq (the cursor; from the start
// when it has none). `replay` produces a record to <system>.<context>.retry with x-msa-attempt 1 (due at once),
// waits for the acks of all in-sync replicas, then moves the cursor over every leading record that is replayed:
// a dead letter not replayed stays listed, and so do replayed ones behind it on its partition (replaying those
// again is harmless: the consumer's inbox drops the duplicate).
// No Kafka runs here: the decisions below are unit-tested (test/unit/dlq.test.ts); kafkajs is loaded only by this command.
import type { IHeaders, KafkaMessage } from "kafkajs";
import { deadLetterRecord, headerText, replayHeaders, unreachable, type DeadLetterRecord, type DlqBroker, type DlqTopology } from "../../core/dlq/types.js";

type Topologies = (context: string) => DlqTopology;

export const kafkaCursorGroup = (context: string): string => `${context}.dlq`;

/** The id of a DLT record: partition:offset. */
export const kafkaDlqId = (partition: number, offset: string): string => `${partition}:${offset}`;

/** The record a replay produces to the retry topic: same key and body, attempt 1, due now, the x-msa-* bookkeeping dropped. */
export function kafkaReplayMessage(r: DeadLetterRecord, key: string | null, now: number): { key: string | null; value: Buffer; headers: IHeaders } {
  const headers: IHeaders = {};
  for (const [k, v] of Object.entries(replayHeaders(r.headers))) headers[k] = String(v);
  return { key, value: Buffer.from(r.body, "utf8"), headers: { ...headers, "x-msa-attempt": "1", "x-msa-not-before": String(now), "x-msa-event-type": r.eventType } };
}

/**
 * The cursor after a replay, per partition: past the leading run of records that are replayed (offsets ascending);
 * a partition whose first listed record stays is left where it was (undefined).
 */
export function kafkaCursorAfterReplay(listed: ReadonlyArray<{ partition: number; offset: string }>, replayed: ReadonlySet<string>): Map<number, string> {
  const byPartition = new Map<number, string[]>();
  for (const r of listed) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r.offset]);
  const out = new Map<number, string>();
  for (const [partition, offsets] of byPartition) {
    offsets.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    let next: string | undefined;
    for (const o of offsets) {
      if (!replayed.has(kafkaDlqId(partition, o))) break;
      next = (BigInt(o) + 1n).toString();
    }
    if (next !== undefined) out.set(partition, next);
  }
  return out;
}

export async function openKafkaDlq(url: string, topology: Topologies, env: Record<string, string | undefined> = process.env): Promise<DlqBroker> {
  const kafkajs = (await import("kafkajs")).default;
  const brokers = url.split(",").map((s) => s.trim().replace(/^kafka:\/\//, "")).filter(Boolean);
  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase();
  const kafka = new kafkajs.Kafka({
    clientId: "msa-events-dlq",
    brokers,
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { retries: 2 },
    ...(env.KAFKA_SSL === "true" ? { ssl: true } : {}),
    ...(mechanism ? { sasl: { mechanism, username: env.KAFKA_SASL_USERNAME ?? "", password: env.KAFKA_SASL_PASSWORD ?? "" } as never } : {}),
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (e) {
    throw unreachable("kafka", url, e);
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  let producing = false;

  /** The DLT's records after the cursor, with their key, up to the high watermarks of now. */
  async function read(context: string): Promise<Array<{ record: DeadLetterRecord; partition: number; offset: string; key: string | null }>> {
    const topic = topology(context).kafka.deadLetterTopic;
    if (!(await admin.listTopics()).includes(topic)) return [];
    const high = await admin.fetchTopicOffsets(topic);
    const committed = (await admin.fetchOffsets({ groupId: kafkaCursorGroup(context), topics: [topic] }))[0]?.partitions ?? [];
    const out: Array<{ record: DeadLetterRecord; partition: number; offset: string; key: string | null }> = [];
    const pending = new Map<number, bigint>();
    for (const p of high) {
      const from = committed.find((c) => c.partition === p.partition)?.offset;
      const start = from !== undefined && from !== "-1" ? BigInt(from) : BigInt(p.low);
      if (start < BigInt(p.high)) pending.set(p.partition, BigInt(p.high));
    }
    if (!pending.size) return out;
    // a throwaway group that commits nothing: the cursor moves only on replay
    const consumer = kafka.consumer({ groupId: `msa-dlq-reader-${process.pid}-${Date.now()}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const take = (partition: number, m: KafkaMessage): void => {
          const headers = headerText(m.headers as Record<string, unknown>);
          out.push({ record: deadLetterRecord(kafkaDlqId(partition, m.offset), context, headers, m.value ?? Buffer.alloc(0)), partition, offset: m.offset, key: m.key?.toString() ?? null });
          if (BigInt(m.offset) + 1n >= (pending.get(partition) ?? 0n)) pending.delete(partition);
          if (!pending.size) resolve();
        };
        consumer
          .run({ autoCommit: false, eachMessage: async ({ partition, message }) => take(partition, message) })
          .then(() => {
            for (const p of high) {
              const from = committed.find((c) => c.partition === p.partition)?.offset;
              consumer.seek({ topic, partition: p.partition, offset: from !== undefined && from !== "-1" ? from : p.low });
            }
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
    return out;
  }

  return {
    async list(contexts) {
      const all: DeadLetterRecord[] = [];
      for (const c of contexts) for (const r of await read(c)) all.push(r.record);
      return all;
    },

    async replay(context, select, dryRun) {
      const t = topology(context);
      const listed = await read(context);
      const chosen = listed.filter((r) => select(r.record));
      if (dryRun || !chosen.length) return chosen.map((r) => r.record);
      if (!producing) {
        await producer.connect();
        producing = true;
      }
      const now = Date.now();
      await producer.send({ topic: t.kafka.retryTopic, acks: -1, messages: chosen.map((r) => kafkaReplayMessage(r.record, r.key, now)) });
      const cursor = kafkaCursorAfterReplay(listed, new Set(chosen.map((r) => r.record.id)));
      if (cursor.size) {
        await admin.setOffsets({
          groupId: kafkaCursorGroup(context),
          topic: t.kafka.deadLetterTopic,
          partitions: [...cursor].map(([partition, offset]) => ({ partition, offset })),
        });
      }
      return chosen.map((r) => r.record);
    },

    async close() {
      if (producing) await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    },
  };
}
