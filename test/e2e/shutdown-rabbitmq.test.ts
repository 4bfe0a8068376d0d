// A RabbitMQ consumer stopped (SIGTERM) in the middle of a burst hands over cleanly: the deliveries it had in hand
// finish and are acked before its connection closes, so the next process gets none of them again. Before, close()
// closed the connection at once: in-flight handlers acked on a dead channel, and amqplib (which multiplexes channels)
// could write connection.close before the last acks — the broker redelivered events already handled, and a context
// without a database handled them twice. (Found by bench/consumer.mjs, whose floor hit the same race.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystemCached, requireBroker, startService, waitFor, type BuiltSystem, type ServiceProcess } from "./harness.js";
import { envelope, rabbitPublisher, type Envelope } from "./dlq-support.js";

const EVENTS = 1500;
const system = `msae2e-shutdown-rabbitmq${process.env.MSA_E2E_SUFFIX ?? ""}`;
const yaml = `
version: 1
name: ${system}
broker: { kind: rabbitmq }
contexts:
  source:
    port: 3001
    publishes: [item.created]
  worker:
    port: 3000
    consumes: [item.created]
events:
  item.created:
    schema:
      type: object
      required: [itemId]
      properties:
        itemId: { type: string }
`;
// a little work per event, so that deliveries are in hand when SIGTERM comes
const consumer = `import type { ConsumerContext, ItemCreatedEvent } from "../generated/events.js";

export async function onItemCreated(event: ItemCreatedEvent, ctx: ConsumerContext): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 2));
  ctx.log.info({ itemId: event.payload.itemId }, "item handled");
}
`;

describe("a RabbitMQ consumer stopped mid-burst", () => {
  let skip: string | null = null;
  let built: BuiltSystem | undefined;
  let url = "";
  const workers: ServiceProcess[] = [];

  beforeAll(async () => {
    skip = await requireBroker("rabbitmq");
    if (skip) return;
    url = process.env.MSA_E2E_RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";
    built = await buildSystemCached(system, yaml, { "services/worker/src/consumers/item.created.ts": consumer }, ["worker"]);
  }, 300_000);

  afterAll(async () => {
    for (const w of workers) await w.stop();
  });

  const start = async (): Promise<ServiceProcess> => {
    const w = await startService(built!.service("worker"), { name: `worker-${workers.length + 1}`, env: { SERVICE_NAME: "worker", BROKER_URL: url } });
    workers.push(w);
    await waitFor(async () => (await fetch(`${w.url}/ready`)).status === 200, 30_000, "worker /ready 200");
    return w;
  };

  it("acks what it handled before closing: nothing is handled twice across the restart", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    // the queue is declared by a first start; the whole burst waits in it before the worker under test starts
    await (await start()).stop();
    const publisher = await rabbitPublisher(url, system);
    const events: Envelope[] = Array.from({ length: EVENTS }, (_, i) => envelope(`item-${i}`));
    try {
      for (const e of events) await publisher.publish(e);
    } finally {
      await publisher.close();
    }
    const first = await start();
    const ours = new Set<unknown>(events.map((e) => e.eventId)); // a queue left over by an earlier run may hold others
    const handledBy = (w: ServiceProcess): unknown[] => w.logs.filter((l) => l.msg === "item handled" && ours.has(l.eventId)).map((l) => l.eventId);
    await waitFor(() => handledBy(first).length >= EVENTS / 5, 60_000, "a fifth of the burst handled");
    expect(await first.stop()).toBe(0); // SIGTERM mid-burst, a graceful exit
    expect(handledBy(first).length).toBeLessThan(EVENTS); // it was stopped with work left
    await start();
    const all = (): unknown[] => workers.flatMap(handledBy);
    await waitFor(() => new Set(all()).size === EVENTS, 90_000, `all ${EVENTS} events handled`);
    await new Promise((r) => setTimeout(r, 1_000)); // a late redelivery would show up now
    const seen = new Map<unknown, number>();
    for (const id of all()) seen.set(id, (seen.get(id) ?? 0) + 1);
    const twice = [...seen].filter(([, n]) => n > 1);
    expect(twice, `${twice.length} events handled twice across the restart`).toEqual([]);
  }, 240_000);
});
