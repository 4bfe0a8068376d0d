// e2e (issue #13, python-flask on NATS JetStream): a message that crashes the consumer process on every delivery
// (the handler SIGKILLs its gunicorn worker) is delivered max_deliver times; the server then publishes the
// MAX_DELIVERIES advisory and the service copies the message into <SYSTEM>_DLQ with reason max-deliveries — once,
// though both workers hear the advisory — while the other events are handled, each once.
// A private nats-server on a free port; the durable is made beforehand with a 1 s ack_wait (the service keeps a
// durable whose max_deliver and filters match), so the five crash-redeliveries take seconds instead of minutes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toEnvName } from "../../src/core/names.js";
import { NATS_SERVER_BIN, privateNatsUnavailable, startNatsServer, type NatsServer } from "./harness.js";
import { envelope, natsConnect, natsPublisher } from "./dlq-support.js";
import { startGunicorn, type Gunicorn } from "./flask-support.js";
import { pyRunId, pythonOrSkip, pyWorkerSystem, twice, type PyWorkerSystem } from "./py-support.js";

const RUN = pyRunId();
const SYSTEM = `pymaxdel${RUN}`;
const STREAM = `${toEnvName(SYSTEM)}_EVENTS`;
const DLQ = `${toEnvName(SYSTEM)}_DLQ`;
const MAX_DELIVER = 5; // attempts (3) + 2

const { python, skip: pySkip } = await pythonOrSkip();
const skip = pySkip ?? (await privateNatsUnavailable());

interface StoredMsg {
  subject: string;
  data: Uint8Array;
  header?: { get(k: string): string; keys(): string[] };
}
interface Jsm {
  streams: {
    add(c: object): Promise<unknown>;
    info(name: string): Promise<{ state: { first_seq: number; last_seq: number; messages: number } }>;
    getMessage(name: string, q: { seq: number }): Promise<StoredMsg>;
  };
  consumers: { add(stream: string, c: object): Promise<unknown>; info(stream: string, name: string): Promise<{ config: { ack_wait: number } }> };
}

describe.skipIf(!!skip)(`python-flask on NATS: a message that crashes the consumer every time ends in the dead letters (max-deliveries)${skip ? ` — skipped: ${skip}` : ""}`, () => {
  let nats: NatsServer | undefined;
  let sys: PyWorkerSystem | undefined;
  let svc: Gunicorn | undefined;

  beforeAll(async () => {
    nats = await startNatsServer();
    sys = await pyWorkerSystem("nats", SYSTEM, `msa_pymaxdel_${RUN.replace(/-/g, "_")}`);
    // the stream and the durable as the service would make them, but with a 1 s ack_wait
    const nc = (await natsConnect(nats.url)) as unknown as { jetstreamManager(): Promise<Jsm>; info?: { version: string }; close(): Promise<void> };
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: STREAM, subjects: [`${SYSTEM}.events.>`, `${SYSTEM}.replay.>`], storage: "file" });
    const [major, minor] = (nc.info?.version ?? "0.0").split(".").map(Number);
    const filters = major! > 2 || (major === 2 && minor! >= 10) ? { filter_subjects: [`${SYSTEM}.events.item.created`, `${SYSTEM}.replay.worker.>`] } : {};
    await jsm.consumers.add(STREAM, { durable_name: "worker", ack_policy: "explicit", deliver_policy: "all", max_deliver: MAX_DELIVER, ack_wait: 1_000_000_000, ...filters });
    await nc.close();
  }, 120_000);

  afterAll(async () => {
    if (svc && svc.child.exitCode === null) await svc.stop(10_000);
    await nats?.destroy();
    await sys?.cleanup();
  });

  it("copies it into <SYSTEM>_DLQ once, with reason max-deliveries and the x-msa-* headers; the others are handled once", async () => {
    svc = await startGunicorn(python, sys!.serviceDir, { DATABASE_URL: sys!.databaseUrl, BROKER_URL: nats!.url, WEB_CONCURRENCY: "2" });
    await svc.waitFor(() => (svc!.logs.filter((l) => l.msg === "consuming").length >= 2 ? true : undefined), 30_000, "both workers consuming");
    const nc = (await natsConnect(nats!.url)) as unknown as { jetstreamManager(): Promise<Jsm>; close(): Promise<void> };
    const jsm = await nc.jetstreamManager();
    try {
      // the service kept the durable as it found it (max_deliver and filters match): 1 s ack_wait
      expect((await jsm.consumers.info(STREAM, "worker")).config.ack_wait).toBe(1_000_000_000);
      const publisher = await natsPublisher(nats!.url, SYSTEM);
      // warm-up: past their start both workers pull 16 at a time
      const warmUp = Array.from({ length: 60 }, (_, i) => envelope(`warm-${i}`));
      for (const e of warmUp) await publisher.publish(e);
      await svc.waitFor(async () => ((await sys!.handled()).length >= warmUp.length ? true : undefined), 30_000, "the warm-up handled");
      // the crashing message in the middle of a burst: the deliveries in flight with it on its first crash come
      // back one at a time, so they are handled, not dragged to max_deliver with it
      const crash = envelope("crash-1");
      const others = Array.from({ length: 30 }, (_, i) => envelope(`ok-${i}`));
      for (const e of others.slice(0, 15)) await publisher.publish(e);
      await publisher.publish(crash);
      for (const e of others.slice(15)) await publisher.publish(e);
      await publisher.close();

      const dlq = async (): Promise<StoredMsg[]> => {
        const info = await jsm.streams.info(DLQ).catch(() => undefined);
        if (!info || info.state.messages === 0) return [];
        const out: StoredMsg[] = [];
        for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) out.push(await jsm.streams.getMessage(DLQ, { seq }));
        return out;
      };
      const dead = await svc.waitFor(async () => {
        const got = await dlq();
        return got.length ? got : undefined;
      }, 90_000, "the crashing message in the dead letters");
      // the advisory reached both workers (or their successors): give the second copy the time to be refused
      await new Promise((r) => setTimeout(r, 2_000));
      const all = await dlq();
      const itemOf = (x: StoredMsg): string => (JSON.parse(new TextDecoder().decode(x.data)) as { aggregateId: string }).aggregateId;
      expect(all.map((x) => `${x.header?.get("x-msa-reason")} ${itemOf(x)}`)).toEqual(["max-deliveries crash-1"]);
      const m = dead[0]!;
      expect(m.subject).toBe(`${SYSTEM}.dlq.worker.item.created`);
      expect(JSON.parse(new TextDecoder().decode(m.data))).toEqual(crash); // the body as published
      const h = (k: string): string => m.header!.get(k);
      expect(h("x-msa-reason")).toBe("max-deliveries");
      expect(h("x-msa-attempts")).toBe(String(MAX_DELIVER));
      expect(h("x-msa-error")).toBe(`delivered ${MAX_DELIVER} times without an ack`);
      expect(h("x-msa-context")).toBe("worker");
      expect(h("x-msa-event-type")).toBe("item.created");
      expect(h("x-msa-failed-at")).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
      expect(h("Nats-Msg-Id")).toMatch(new RegExp(`^${STREAM}-\\d+-max-deliveries$`));
      // the process really crashed on each delivery, and one worker logged the copy
      expect(svc.logs.filter((l) => l.msg === "crashing on purpose").length).toBe(MAX_DELIVER);
      expect(svc.logs.filter((l) => l.msg === "event reached max_deliver: copied into the dead letters")).toHaveLength(1);
      // the others: each handled once (deliveries lost with a crashed worker came back and the inbox held)
      const everyone = [...warmUp, ...others];
      await svc.waitFor(async () => ((await sys!.handled()).length >= everyone.length ? true : undefined), 30_000, "the other events handled");
      const ids = await sys!.handled();
      expect(new Set(ids)).toEqual(new Set(everyone.map((e) => e.payload.itemId)));
      expect(twice(ids)).toEqual([]);
      expect(ids).not.toContain("crash-1");
      expect(await svc.stop()).toBe(0);
    } finally {
      await nc.close();
    }
  }, 180_000);
});
