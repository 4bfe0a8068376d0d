// `msa events dlq` on NATS JetStream: the stream <SYSTEM>_DLQ read by sequence (nothing consumed); a replay
// publishes to <system>.replay.<context>.<eventType> in the event stream, waits for the ack, then deletes the
// dead letter by its sequence. nats is loaded only by this command.
import type { JetStreamManager, NatsConnection } from "nats";
import { deadLetterRecord, headerText, replayHeaders, unreachable, type DeadLetterRecord, type DlqBroker, type DlqTopology } from "../../core/dlq/types.js";

type Topologies = (context: string) => DlqTopology;

export async function openNatsDlq(url: string, topology: Topologies): Promise<DlqBroker> {
  const nats = (await import("nats")).default;
  let nc: NatsConnection;
  try {
    nc = await nats.connect({ servers: url.replace(/^nats:\/\//, ""), timeout: 5_000, reconnect: false, name: "msa events dlq" });
  } catch (e) {
    throw unreachable("nats", url, e);
  }
  const jsm: JetStreamManager = await nc.jetstreamManager({ timeout: 5_000 });
  const js = nc.jetstream({ timeout: 5_000 });

  async function read(contexts: readonly string[]): Promise<DeadLetterRecord[]> {
    if (!contexts.length) return [];
    const stream = topology(contexts[0]!).nats.dlqStream;
    const info = await jsm.streams.info(stream).catch(() => undefined);
    if (!info || info.state.messages === 0) return [];
    const prefixes = new Map(contexts.map((c) => [topology(c).nats.dlqSubjectPrefix, c]));
    const out: DeadLetterRecord[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined); // deleted (replayed) sequences are gaps
      if (!m) continue;
      const prefix = [...prefixes.keys()].find((p) => m.subject.startsWith(p));
      if (prefix === undefined) continue;
      const headers: Record<string, unknown> = {};
      if (m.header) for (const [k, vs] of m.header) headers[k] = vs[0];
      out.push(deadLetterRecord(String(seq), prefixes.get(prefix)!, headerText(headers), Buffer.from(m.data), { eventType: m.subject.slice(prefix.length) }));
    }
    return out;
  }

  return {
    list: read,

    async replay(context, select, dryRun) {
      const t = topology(context);
      const done: DeadLetterRecord[] = [];
      for (const r of await read([context])) {
        if (!select(r)) continue;
        done.push(r);
        if (dryRun) continue;
        const h = nats.headers();
        for (const [k, v] of Object.entries(replayHeaders(r.headers))) h.set(k, String(v));
        const m = await jsm.streams.getMessage(t.nats.dlqStream, { seq: Number(r.id) });
        await js.publish(t.nats.replaySubject(r.eventType), m.data, { headers: h }); // resolves on the stream's ack
        await jsm.streams.deleteMessage(t.nats.dlqStream, Number(r.id));
      }
      return done;
    },

    async close() {
      await nc.close().catch(() => undefined);
    },
  };
}
