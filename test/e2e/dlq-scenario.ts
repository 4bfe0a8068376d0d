// The dead-letter scenario both dlq-rabbitmq.test.ts and dlq-nats.test.ts run against the shared broker: a handler
// that always throws for one event (while a marker file exists) is retried with growing delays and then
// dead-lettered with the x-msa-* headers, while other events are handled; a schema-invalid event is dead-lettered
// at once; `msa events dlq list/show` show both; after the fix (the marker removed) `msa events dlq replay` puts
// the event back and it is handled.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NATS_URL, RABBITMQ_URL, requireBroker, startService, waitFor, type BuiltSystem, type ServiceProcess } from "./harness.js";
import type { DeadLetterRecord } from "../../src/core/dlq/types.js";
import { buildDlqSystem, cleanTopology, dlqSystemName, envelope, handled, msa, publisherFor, type Kind, type Publisher } from "./dlq-support.js";

/** What `msa events dlq list --format json` prints of each dead letter: the command's record without the body. */
type Listed = Omit<DeadLetterRecord, "body">;

export function describeDlq(kind: Kind): void {
  describe(`dead letters on ${kind}: retries with backoff, msa events dlq list/show/replay`, () => {
    const url = kind === "rabbitmq" ? RABBITMQ_URL : NATS_URL;
    const system = dlqSystemName(kind, "dlq");
    let skip: string | null = null;
    let built: BuiltSystem | undefined;
    let worker: ServiceProcess | undefined;
    let publisher: Publisher | undefined;
    const marker = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "msa-e2e-dlq-")), "fail");
    const cli = (...args: string[]) => msa(["events", "dlq", ...args], built!.dir, { BROKER_URL: url });
    const list = async (): Promise<Listed[]> => {
      const r = await cli("list", "--context", "worker", "--format", "json");
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as Listed[];
    };

    beforeAll(async () => {
      skip = await requireBroker(kind);
      if (skip) return;
      built = await buildDlqSystem(kind, "dlq");
      await cleanTopology(kind, url, system);
      fs.writeFileSync(marker, "fail\n");
      worker = await startService(built.service("worker"), { name: "worker", env: { SERVICE_NAME: "worker", BROKER_URL: url, FAIL_MARKER: marker } });
      await waitFor(async () => (await fetch(`${worker!.url}/ready`)).status === 200, 20_000, "worker /ready 200");
      publisher = await publisherFor(kind, url, system);
    }, 240_000);

    afterAll(async () => {
      await worker?.stop();
      await publisher?.close();
      if (!skip) await cleanTopology(kind, url, system).catch(() => undefined);
      fs.rmSync(path.dirname(marker), { recursive: true, force: true });
    });

    it("retries a failing handler with growing delays, dead-letters it, dead-letters an invalid event at once, and keeps handling the rest; list, show and replay", async (ctx) => {
      if (skip) ctx.skip(`skipped: ${skip}`);
      const w = worker!;
      const poison = envelope("poison-1");
      const invalid = { ...envelope("x"), payload: { itemId: 42 } };
      const good = Array.from({ length: 5 }, (_, i) => envelope(`good-${i}`));
      await publisher!.publish(poison);
      await publisher!.publish(invalid);
      for (const g of good) await publisher!.publish(g);

      // the invalid one: dead-lettered on its first delivery
      await w.waitForLog((l) => l.msg === "event rejected: schema validation failed (dead-lettered)" && l.eventId === invalid.eventId, 15_000, "invalid event dead-lettered");
      // the poison one: attempts 1, 2, 3, then dead letters
      const last = await w.waitForLog((l) => l.msg === "event handler failed on its last attempt (dead-lettered)" && l.eventId === poison.eventId, 30_000, "poison dead-lettered");
      expect(last.attempt).toBe(3);
      const runs = w.logs.filter((l) => l.msg === "failing on purpose" && l.eventId === poison.eventId).map((l) => Date.parse(String(l.time)));
      expect(runs).toHaveLength(3);
      const gaps = [runs[1]! - runs[0]!, runs[2]! - runs[1]!];
      // backoff: at least 200 ms, then at least 400 ms (a little scheduling slack below). The lower bounds are what
      // shows the delays growing; a comparison of the two gaps would fail whenever a loaded machine delays the first
      // redelivery by more than 200 ms, which says nothing of the backoff.
      expect(gaps[0]).toBeGreaterThanOrEqual(180);
      expect(gaps[1]).toBeGreaterThanOrEqual(380);
      // meanwhile the others were handled, each once, before the poison event gave up
      for (const g of good) {
        await w.waitForLog((l) => l.msg === "item handled" && l.eventId === g.eventId, 15_000, `good event ${g.payload.itemId} handled`);
        expect(Date.parse(String(handled(w, g.eventId)[0]!.time))).toBeLessThan(Date.parse(String(last.time)));
      }

      // msa events dlq list: both, with reason, error and attempts
      let listed: Listed[] = [];
      await waitFor(async () => (listed = await list()).length >= 2, 10_000, "two dead letters listed");
      const p = listed.find((r) => r.eventId === poison.eventId);
      const inv = listed.find((r) => r.eventId === invalid.eventId);
      expect(p).toMatchObject({ context: "worker", eventType: "item.created", reason: "handler-failed", attempts: 3 });
      expect(p!.error).toContain("failing on purpose");
      expect(new Date(p!.failedAt!).getTime()).toBeGreaterThan(0);
      expect(inv).toMatchObject({ reason: "invalid", attempts: 1, eventType: "item.created" });
      expect(inv!.error).toMatch(/itemId|string/);
      expect(listed).toHaveLength(2);
      // list consumed nothing
      expect(await list()).toHaveLength(2);

      const text = await cli("list");
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/handler-failed/);
      expect(text.stdout).toMatch(/2 dead letters/);

      const shown = await cli("show", p!.id, "--context", "worker");
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toContain("x-msa-reason: handler-failed");
      expect(shown.stdout).toContain("x-msa-attempts: 3");
      expect(shown.stdout).toContain(`"eventId":"${poison.eventId}"`);
      expect((await cli("show", "no-such-id", "--context", "worker")).code).toBe(1);

      // the fix: the handler stops throwing; replay puts the event back, only to worker, and it is handled
      const dry = await cli("replay", p!.id, "--context", "worker", "--dry-run");
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain("would replay 1 dead letter");
      expect(await list()).toHaveLength(2);
      fs.rmSync(marker);
      const replay = await cli("replay", p!.id, "--context", "worker");
      expect(replay.code, replay.stderr).toBe(0);
      expect(replay.stdout).toContain("replayed 1 dead letter to worker");
      await w.waitForLog((l) => l.msg === "item handled" && l.eventId === poison.eventId, 15_000, "the replayed event is handled");
      const left = await list();
      expect(left.map((r) => r.eventId)).toEqual([invalid.eventId]);
      expect(handled(w, poison.eventId)).toHaveLength(1);
    }, 120_000);
  });
}
