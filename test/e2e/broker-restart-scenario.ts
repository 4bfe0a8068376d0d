// A PRIVATE broker (its own RabbitMQ node or nats-server on free ports — never the shared one) restarted in the
// middle of a burst: publishers retry every event until the broker confirms it, the worker reconnects by itself,
// and every event is handled (at least once; nothing lost).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateNatsUnavailable, startNatsServer, startService, waitFor, type BuiltSystem, type NatsServer, type ServiceProcess } from "./harness.js";
import {
  buildDlqSystem,
  dlqSystemName,
  envelope,
  privateRabbitUnavailable,
  publisherFor,
  startPrivateRabbit,
  type Envelope,
  type Kind,
  type PrivateRabbit,
} from "./dlq-support.js";

export const EVENTS = 300;
const RESTART_AFTER = 100;

/** A restartable private broker (dlq-support's RabbitMQ node, harness' nats-server). */
export interface RestartableBroker {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * Publishes EVENTS events to `system` on the broker, stopping it after RESTART_AFTER and starting it again in the
 * background while publishing goes on; every event is retried until the broker confirms it. Asserts that all were
 * confirmed and that the burst did hit the outage; returns the events.
 */
export async function publishThroughRestart(kind: Kind, broker: RestartableBroker, system: string): Promise<Envelope[]> {
  const publisher = await publisherFor(kind, broker.url, system);
  const events: Envelope[] = Array.from({ length: EVENTS }, (_, i) => envelope(`item-${i}`));
  let confirmed = 0;
  let restarted: Promise<void> | undefined;
  try {
    for (const e of events) {
      await publisher.publish(e); // retried until the broker confirms it
      confirmed++;
      if (confirmed === RESTART_AFTER) {
        // down now; back in the background while publishing goes on (and fails, and is retried)
        await broker.stop();
        restarted = broker.start();
      }
    }
    await restarted;
  } finally {
    await publisher.close();
  }
  expect(confirmed).toBe(EVENTS);
  expect(publisher.retries).toBeGreaterThan(0); // the burst did hit the outage
  return events;
}

export function describeBrokerRestart(kind: Kind): void {
  describe(`a private ${kind} broker restarted mid-burst`, () => {
    let skip: string | null = null;
    let built: BuiltSystem | undefined;
    let broker: RestartableBroker | undefined;
    let worker: ServiceProcess | undefined;
    const system = dlqSystemName(kind, "dlq"); // the dlq tests' system; on a private broker nothing is shared

    beforeAll(async () => {
      skip = kind === "rabbitmq" ? privateRabbitUnavailable() : await privateNatsUnavailable();
      if (skip) return;
      built = await buildDlqSystem(kind, "dlq");
      broker = kind === "rabbitmq" ? ((await startPrivateRabbit()) as PrivateRabbit) : ((await startNatsServer()) as NatsServer);
      worker = await startService(built.service("worker"), { name: "worker", env: { SERVICE_NAME: "worker", BROKER_URL: broker.url } });
      await waitFor(async () => (await fetch(`${worker!.url}/ready`)).status === 200, 30_000, "worker /ready 200");
    }, 300_000);

    afterAll(async () => {
      await worker?.stop();
      await broker?.destroy();
    });

    it("loses nothing: every confirmed event is handled after the restart", async (ctx) => {
      if (skip) ctx.skip(`skipped: ${skip}`);
      const events = await publishThroughRestart(kind, broker!, system);
      const w = worker!;
      const handledIds = (): Set<unknown> => new Set(w.logs.filter((l) => l.msg === "item handled").map((l) => l.eventId));
      await waitFor(() => events.every((e) => handledIds().has(e.eventId)), 90_000, `all ${EVENTS} events handled`).catch((e: unknown) => {
        const missing = events.filter((ev) => !handledIds().has(ev.eventId)).length;
        throw new Error(`${missing} of ${EVENTS} events never handled: ${String(e)}`);
      });
      // the worker did lose its broker, and came back by itself
      expect(w.logs.some((l) => l.level === "warn" || l.level === 40)).toBe(true);
      expect((await fetch(`${w.url}/ready`)).status).toBe(200);
    }, 170_000);
  });
}
