// /ready through a broker restart: with a private nats-server of our own (never the shared one), the services
// stay ready while it is down ("ready-degraded", naming the broker: a shared broker's blip must not take every
// replica out; issue #14 item 5), a direct publish answers 503, and once it is back the check is up again — and
// consuming resumes. Runs on the NATS build of the e2e system; postgres stays up (orders checks it too).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpGet, httpPost, privateNatsUnavailable, startNatsServer, waitFor, type NatsServer } from "./harness.js";
import { buildE2eSystem, startE2eSystem, type RunningSystem } from "./fixtures/system.js";

type ReadyBody = { status?: string; checks?: { broker?: { status?: string } } };
const readyBody = async (url: string): Promise<ReadyBody> => ((await httpGet(`${url}/ready`)).body ?? {}) as ReadyBody;

describe("/ready with a broker restart (private nats-server)", () => {
  let skip: string | null = null;
  let nats: NatsServer | undefined;
  let sys: RunningSystem | undefined;

  beforeAll(async () => {
    skip = await privateNatsUnavailable();
    if (skip) return;
    const built = await buildE2eSystem("nats");
    nats = await startNatsServer();
    sys = await startE2eSystem(built, nats.url, ["orders", "inventory"]);
  });

  afterAll(async () => {
    await sys?.stopAll();
    await nats?.destroy();
  });

  it("stays ready naming the broker when it is unreachable, and all up when it returns", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const procs = [sys!.procs.orders!, sys!.procs.inventory!];
    for (const p of procs) expect((await httpGet(`${p.url}/ready`)).status, p.name).toBe(200);

    await nats!.stop();
    for (const p of procs) {
      await waitFor(async () => (await readyBody(p.url)).checks?.broker?.status === "down", 15_000, `${p.name} /ready names the broker down`);
      const r = await httpGet(`${p.url}/ready`);
      expect(r.status, p.name).toBe(200);
      expect(r.body, p.name).toMatchObject({ status: "ready-degraded", checks: { broker: { status: "down", error: expect.any(String) } } });
      expect((await httpGet(`${p.url}/health`)).status, `${p.name} stays alive`).toBe(200);
    }
    expect((await httpGet(`${procs[0]!.url}/ready`)).body).toMatchObject({ checks: { database: { status: "up" } } });
    // publishing while the broker is down fails loudly rather than losing the event
    expect((await httpPost(`${procs[0]!.url}/orders`, { orderId: "o-down", total: 1 })).status).toBe(503);

    await nats!.start();
    for (const p of procs) await waitFor(async () => (await readyBody(p.url)).status === "ready", 20_000, `${p.name} /ready all up again`);

    // and events flow again end to end
    let eventId = "";
    await waitFor(async () => {
      const r = await httpPost(`${procs[0]!.url}/orders`, { orderId: "o-back", total: 2 });
      eventId = (r.body as { eventId?: string }).eventId ?? "";
      return r.status === 201;
    }, 10_000, "orders publishes again");
    await procs[1]!.waitForLog((l) => l.msg === "event processed" && l.eventId === eventId, 20_000, "inventory consumes again");
  });
});
