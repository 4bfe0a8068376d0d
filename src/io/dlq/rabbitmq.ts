// `msa events dlq` on RabbitMQ: <system>.<context>.dead-letter read without consuming (basic.get, unacked,
// returned when the channel closes); a replay publishes to the default exchange → <system>.<context>, waits for
// the confirm, then acks (removes) the dead letter. amqplib is loaded only by this command.
import type { Channel, ChannelModel, GetMessage } from "amqplib";
import { deadLetterRecord, headerText, replayHeaders, unreachable, type DeadLetterRecord, type DlqBroker, type DlqTopology } from "../../core/dlq/types.js";

type Topologies = (context: string) => DlqTopology;

/** A broker-made dead letter (delivery limit reached, or an older msa's reject) has x-death instead of x-msa-*. */
function fallbackOf(msg: GetMessage): { eventType?: string; reason?: string } {
  const h = (msg.properties.headers ?? {}) as Record<string, unknown>;
  const deaths = Array.isArray(h["x-death"]) ? (h["x-death"] as Array<Record<string, unknown>>) : [];
  const keys = deaths[0]?.["routing-keys"];
  const reason = String(h["x-first-death-reason"] ?? deaths[0]?.reason ?? "");
  return {
    eventType: (typeof msg.properties.type === "string" && msg.properties.type) || (Array.isArray(keys) ? String(keys[0]) : undefined),
    reason: reason === "delivery_limit" ? "max-deliveries" : reason || undefined,
  };
}

function recordOf(msg: GetMessage, context: string): DeadLetterRecord {
  const r = deadLetterRecord("", context, headerText(msg.properties.headers as Record<string, unknown>), msg.content, fallbackOf(msg));
  r.id = (typeof msg.properties.messageId === "string" && msg.properties.messageId) || r.eventId || `delivery-${msg.fields.deliveryTag}`;
  return r;
}

export async function openRabbitDlq(url: string, topology: Topologies): Promise<DlqBroker> {
  const amqp = (await import("amqplib")).default;
  let model: ChannelModel;
  try {
    model = await amqp.connect(url, { timeout: 5_000 });
  } catch (e) {
    throw unreachable("rabbitmq", url, e);
  }
  model.on("error", () => undefined);

  /** Every message of the queue, unacknowledged on `ch` (none when the queue does not exist). */
  async function fetchAll(queue: string, ch: Channel): Promise<GetMessage[]> {
    const probe = await model.createChannel();
    probe.on("error", () => undefined); // checkQueue of a missing queue closes this channel: that is the answer
    try {
      await probe.checkQueue(queue);
    } catch {
      return [];
    }
    await probe.close().catch(() => undefined);
    const out: GetMessage[] = [];
    for (;;) {
      const m = await ch.get(queue, { noAck: false });
      if (m === false) return out;
      out.push(m);
    }
  }

  return {
    async list(contexts) {
      const all: DeadLetterRecord[] = [];
      for (const context of contexts) {
        const ch = await model.createChannel();
        try {
          for (const m of await fetchAll(topology(context).rabbitmq.deadLetterQueue, ch)) all.push(recordOf(m, context));
        } finally {
          await ch.close().catch(() => undefined); // returns every fetched message to the queue
        }
      }
      return all;
    },

    async replay(context, select, dryRun) {
      const t = topology(context);
      const ch = await model.createConfirmChannel();
      const done: DeadLetterRecord[] = [];
      try {
        const messages = await fetchAll(t.rabbitmq.deadLetterQueue, ch);
        for (const m of messages) {
          const r = recordOf(m, context);
          if (!select(r)) continue;
          done.push(r);
          if (dryRun) continue;
          const p = m.properties;
          await new Promise<void>((resolve, reject) => {
            ch.publish(
              "",
              t.rabbitmq.queue,
              m.content,
              {
                persistent: true,
                headers: replayHeaders(p.headers as Record<string, unknown>),
                type: (typeof p.type === "string" && p.type) || r.eventType,
                ...(p.contentType ? { contentType: p.contentType } : {}),
                ...(p.messageId ? { messageId: p.messageId } : {}),
                ...(p.correlationId ? { correlationId: p.correlationId } : {}),
                ...(p.timestamp ? { timestamp: p.timestamp } : {}),
              },
              (err: unknown) => (err ? reject(new Error(`the broker did not confirm the replay of ${r.id}: ${String(err)}`)) : resolve()),
            );
          });
          ch.ack(m); // confirmed: now it leaves the dead letters
        }
      } finally {
        await ch.close().catch(() => undefined); // what was not replayed goes back to the queue
      }
      return done;
    },

    async close() {
      await model.close().catch(() => undefined);
    },
  };
}
