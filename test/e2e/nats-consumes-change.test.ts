// When a context's `consumes` changes, its durable JetStream consumer (named after the context, filtered to
// what it consumed when it was made) must follow on the next start: otherwise newly consumed events never
// arrive. With a private nats-server, inventory's durable consumer is first made as an older system.yaml
// would have made it (consuming order.cancelled only, one message of it acknowledged); then the generated
// inventory starts, consumes order.created, and its consumer follows: filtered to order.created and its replay
// subjects on nats-server 2.10+ (filter_subjects), unfiltered before 2.10 (one filter cannot name both; the
// adapter acks what it does not consume), and in both cases recreated from its ack floor.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toEnvName } from "../../src/core/names.js";
import { httpPost, privateNatsUnavailable, sharedRequire, startNatsServer, type NatsServer } from "./harness.js";
import { buildE2eSystem, startE2eSystem, systemName, type RunningSystem } from "./fixtures/system.js";

interface ConsumerInfo {
  config: { filter_subject?: string; filter_subjects?: string[] };
  ack_floor: { stream_seq: number };
}
interface Jsm {
  streams: { add(c: object): Promise<unknown> };
  consumers: { add(stream: string, c: object): Promise<ConsumerInfo>; info(stream: string, durable: string): Promise<ConsumerInfo> };
}
interface NatsLib {
  connect(o: { servers: string }): Promise<{ info?: { version: string }; jetstreamManager(): Promise<Jsm>; jetstream(): { publish(s: string, d: Uint8Array): Promise<unknown>; consumers: { get(s: string, d: string): Promise<{ next(): Promise<{ ack(): void } | null> }> } }; close(): Promise<void> }>;
  AckPolicy: { Explicit: string };
  DeliverPolicy: { All: string };
}

describe("NATS: a durable consumer follows a changed `consumes`", () => {
  let skip: string | null = null;
  let nats: NatsServer | undefined;
  let sys: RunningSystem | undefined;
  const stream = `${toEnvName(systemName("nats"))}_EVENTS`; // MSA_E2E_SUFFIX is part of the system name
  const prefix = `${systemName("nats")}.events.`;

  beforeAll(async () => {
    skip = await privateNatsUnavailable();
    if (skip) return;
    const built = await buildE2eSystem("nats");
    nats = await startNatsServer();
    // what an older system.yaml left behind: inventory consumed order.cancelled, and acknowledged one of it
    const lib = await sharedRequire<NatsLib>("nats");
    const nc = await lib.connect({ servers: nats.url });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${prefix}>`] });
    await jsm.consumers.add(stream, { durable_name: "inventory", ack_policy: lib.AckPolicy.Explicit, deliver_policy: lib.DeliverPolicy.All, filter_subject: `${prefix}order.cancelled` });
    const js = nc.jetstream();
    await js.publish(`${prefix}order.cancelled`, new TextEncoder().encode("{}"));
    const m = await (await js.consumers.get(stream, "inventory")).next();
    m?.ack();
    await new Promise((r) => setTimeout(r, 200));
    expect((await jsm.consumers.info(stream, "inventory")).ack_floor.stream_seq).toBe(1);
    await nc.close();
    sys = await startE2eSystem(built, nats.url, ["orders", "inventory"]);
  }, 240_000);

  afterAll(async () => {
    await sys?.stopAll();
    await nats?.destroy();
  });

  it("refilters inventory's consumer to order.created, and the event arrives", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const r = await httpPost(`${sys!.procs.orders!.url}/orders`, { orderId: "o-refilter", total: 3 });
    expect(r.status).toBe(201);
    const eventId = (r.body as { eventId: string }).eventId;
    await sys!.procs.inventory!.waitForLog((l) => l.msg === "event processed" && l.eventId === eventId, 20_000, "inventory processes order.created");
    const lib = await sharedRequire<NatsLib>("nats");
    const nc = await lib.connect({ servers: nats!.url });
    const info = await (await nc.jetstreamManager()).consumers.info(stream, "inventory");
    const [major, minor] = (nc.info?.version ?? "0.0").split(".").map(Number);
    await nc.close();
    if (major! > 2 || (major === 2 && minor! >= 10)) {
      expect(info.config.filter_subjects).toEqual([`${prefix}order.created`, `${systemName("nats")}.replay.inventory.>`]);
    } else {
      expect(info.config.filter_subject ?? "").toBe("");
      expect(info.config.filter_subjects ?? []).toEqual([]);
    }
  });
});
