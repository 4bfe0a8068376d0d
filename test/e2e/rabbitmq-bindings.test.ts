// When a context's `consumes` shrinks, its durable RabbitMQ queue must stop collecting the events it gave
// up: the generated service unbinds the system's other event types on connect, and a context that consumes
// nothing any more unbinds its old queue entirely (or it would fill up with nobody reading it). The queues
// are first bound as an older system.yaml would have bound them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystemCached, RABBITMQ_URL, requireBroker, sharedRequire, startService, waitFor, type BuiltSystem, type ServiceProcess } from "./harness.js";

const SYSTEM = `msae2e-bindings${process.env.MSA_E2E_SUFFIX ?? ""}`;
const YAML = `
version: 1
name: ${SYSTEM}
broker: { kind: rabbitmq }
contexts:
  source:
    port: 3000
    api: ["GET /ping"]
    publishes: [thing.kept, thing.dropped]
  keeper:
    port: 3001
    consumes: [thing.kept]
  quitter:
    port: 3002
    api: ["GET /ping"]
events:
  thing.kept: { schema: { type: object } }
  thing.dropped: { schema: { type: object } }
`;

interface Channel {
  assertExchange(name: string, type: string, o: object): Promise<unknown>;
  assertQueue(name: string, o: object): Promise<unknown>;
  bindQueue(q: string, ex: string, key: string): Promise<unknown>;
  publish(ex: string, key: string, body: Buffer): boolean;
  checkQueue(q: string): Promise<{ messageCount: number }>;
  purgeQueue(q: string): Promise<unknown>;
  deleteQueue(q: string): Promise<unknown>;
  close(): Promise<void>;
}
interface Amqp {
  connect(url: string): Promise<{ createChannel(): Promise<Channel>; close(): Promise<void> }>;
}

describe("RabbitMQ: a queue follows a shrunk `consumes`", () => {
  let skip: string | null = null;
  let built: BuiltSystem | undefined;
  const procs: ServiceProcess[] = [];
  const exchange = `${SYSTEM}.events`;
  const queues = { keeper: `${SYSTEM}.keeper`, quitter: `${SYSTEM}.quitter` };

  /** Runs fn on a fresh channel of its own connection. */
  async function withChannel<T>(fn: (ch: Channel) => Promise<T>): Promise<T> {
    const amqp = await sharedRequire<Amqp>("amqplib");
    const conn = await amqp.connect(RABBITMQ_URL);
    try {
      return await fn(await conn.createChannel());
    } finally {
      await conn.close();
    }
  }
  const count = (q: string): Promise<number> => withChannel(async (ch) => (await ch.checkQueue(q)).messageCount);

  beforeAll(async () => {
    skip = await requireBroker("rabbitmq");
    if (skip) return;
    built = await buildSystemCached("bindings", YAML, {}, ["keeper", "quitter"]);
    // what an older system.yaml left: keeper consumed both events, quitter consumed thing.kept
    await withChannel(async (ch) => {
      await ch.assertExchange(exchange, "topic", { durable: true });
      for (const q of Object.values(queues)) {
        await ch.deleteQueue(q);
        await ch.assertQueue(q, { durable: true, arguments: { "x-dead-letter-exchange": `${SYSTEM}.dlx`, "x-dead-letter-routing-key": q.split(".").pop() } });
      }
      await ch.bindQueue(queues.keeper, exchange, "thing.kept");
      await ch.bindQueue(queues.keeper, exchange, "thing.dropped");
      await ch.bindQueue(queues.quitter, exchange, "thing.kept");
    });
    for (const name of ["keeper", "quitter"]) {
      const p = await startService(built.service(name), { name, env: { SERVICE_NAME: name, BROKER_URL: RABBITMQ_URL } });
      procs.push(p);
      await waitFor(async () => (await fetch(`${p.url}/ready`)).status === 200, 20_000, `${name} /ready 200`);
    }
  }, 300_000);

  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop()));
    if (!skip) await withChannel(async (ch) => Promise.all(Object.values(queues).map((q) => ch.deleteQueue(q)))).catch(() => undefined);
  });

  it("unbinds what keeper no longer consumes, keeps what it does, and unbinds quitter's abandoned queue", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    await withChannel(async (ch) => {
      await ch.purgeQueue(queues.quitter);
      ch.publish(exchange, "thing.dropped", Buffer.from("{}"));
      ch.publish(exchange, "thing.kept", Buffer.from("{}"));
      await new Promise((r) => setTimeout(r, 500));
    });
    // keeper's queue got thing.kept only: keeper rejects the raw {} (not an envelope) to its dead-letter queue,
    // and logs it as the event type it arrived as
    const keeper = procs[0]!;
    await keeper.waitForLog((l) => String(l.msg).startsWith("event rejected") && l.eventType === "thing.kept", 10_000, "keeper receives thing.kept");
    await new Promise((r) => setTimeout(r, 500));
    expect(keeper.logs.filter((l) => l.eventType === "thing.dropped")).toEqual([]);
    // quitter consumes nothing now: its old queue no longer collects anything
    expect(await count(queues.quitter)).toBe(0);
  });
});
