// e2e (issue #13, python-flask): a PRIVATE broker (its own RabbitMQ node, its own nats-server, on free ports —
// never the shared ones) restarted in the middle of a burst. The publisher retries each event until the broker
// confirms it; the python worker (gunicorn, 2 workers) reconnects by itself; every confirmed event is handled,
// and none twice (one row per run of the handler, written in the inbox's transaction).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateNatsUnavailable, startNatsServer, waitFor } from "./harness.js";
import { EVENTS, publishThroughRestart, type RestartableBroker } from "./broker-restart-scenario.js";
import { privateRabbitUnavailable, startPrivateRabbit, type Kind } from "./dlq-support.js";
import { startGunicorn, type Gunicorn } from "./flask-support.js";
import { pyRunId, pythonOrSkip, pyWorkerSystem, twice, type PyWorkerSystem } from "./py-support.js";

const { python, skip: pySkip } = await pythonOrSkip();

function describePyBrokerRestart(kind: Kind): void {
  describe(`python-flask: a private ${kind} broker restarted mid-burst`, () => {
    const run = pyRunId();
    const system = `pyrestart-${kind}${run}`;
    let skip: string | null = pySkip;
    let sys: PyWorkerSystem | undefined;
    let broker: RestartableBroker | undefined;
    let svc: Gunicorn | undefined;

    beforeAll(async () => {
      skip ??= kind === "rabbitmq" ? privateRabbitUnavailable() : await privateNatsUnavailable();
      if (skip) return;
      sys = await pyWorkerSystem(kind, system, `msa_pyrestart_${kind}_${run.replace(/-/g, "_")}`);
      broker = kind === "rabbitmq" ? await startPrivateRabbit() : await startNatsServer();
      svc = await startGunicorn(python, sys.serviceDir, { DATABASE_URL: sys.databaseUrl, BROKER_URL: broker.url, WEB_CONCURRENCY: "2" });
      await svc.waitFor(() => (svc!.logs.filter((l) => l.msg === "consuming").length >= 2 ? true : undefined), 60_000, "both workers consuming");
    }, 300_000);

    afterAll(async () => {
      if (svc && svc.child.exitCode === null) await svc.stop(10_000);
      await broker?.destroy();
      await sys?.cleanup();
    });

    it("loses nothing and handles nothing twice: every confirmed event is handled once after the restart", async (ctx) => {
      if (skip) ctx.skip(`skipped: ${skip}`);
      const events = await publishThroughRestart(kind, broker!, system);
      await waitFor(async () => new Set(await sys!.handled()).size >= EVENTS, 120_000, `all ${EVENTS} events handled`).catch(async (e: unknown) => {
        const got = new Set(await sys!.handled());
        throw new Error(`${events.filter((ev) => !got.has(String(ev.payload.itemId))).length} of ${EVENTS} events never handled: ${String(e)}`);
      });
      const ids = await sys!.handled();
      expect(new Set(ids)).toEqual(new Set(events.map((e) => e.payload.itemId)));
      expect(twice(ids)).toEqual([]);
      // the workers did lose their broker, and came back by themselves
      const w = svc!;
      expect(w.logs.some((l) => l.msg === "consumer connection lost")).toBe(true);
      await w.waitFor(async () => ((await fetch(`${w.base}/ready`)).status === 200 ? true : undefined), 30_000, "/ready 200 after the restart");
      expect(await w.stop()).toBe(0);
    }, 240_000);
  });
}

describePyBrokerRestart("rabbitmq");
describePyBrokerRestart("nats");
