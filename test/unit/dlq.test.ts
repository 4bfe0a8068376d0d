// msa events dlq, the pure parts: the topology names both runtimes share (docs/messaging.md), the record a dead
// letter becomes, the headers a replay sends, and Kafka's replay record and cursor (no Kafka broker here).
import { describe, expect, it } from "vitest";
import { kafkaCursorAfterReplay, kafkaDlqId, kafkaReplayMessage } from "../../src/io/dlq/kafka.js";
import { deadLetterRecord, dlqContexts, dlqTopology, DlqUsageError, headerText, redact, replayHeaders, unreachable } from "../../src/core/dlq/types.js";
import { modelFromYaml } from "../helpers/engine-model.js";

const YAML = `version: 1
name: shop-x
broker: { kind: rabbitmq }
contexts:
  orders: { port: 3000, publishes: [order.created] }
  billing: { port: 3001, consumes: [order.created] }
  audit: { port: 3002, api: ["GET /x"] }
events:
  order.created: { schema: { type: object } }
`;

describe("dlq topology", () => {
  it("names the dead letters and replay targets of a context on every broker", () => {
    const t = dlqTopology("shop-x", "billing", "nats");
    expect(t.rabbitmq).toEqual({ deadLetterQueue: "shop-x.billing.dead-letter", queue: "shop-x.billing" });
    expect(t.nats.dlqStream).toBe("SHOP_X_DLQ");
    expect(t.nats.dlqSubjectPrefix).toBe("shop-x.dlq.billing.");
    expect(t.nats.replaySubject("order.created")).toBe("shop-x.replay.billing.order.created");
    expect(t.kafka).toEqual({ deadLetterTopic: "shop-x.billing.dlt", retryTopic: "shop-x.billing.retry" });
  });

  it("covers every consuming context, or the one named (which must exist and consume)", () => {
    const model = modelFromYaml(YAML);
    expect(dlqContexts(model)).toEqual(["billing"]);
    expect(dlqContexts(model, "billing")).toEqual(["billing"]);
    expect(() => dlqContexts(model, "audit")).toThrow(DlqUsageError);
    expect(() => dlqContexts(model, "audit")).toThrow(/consumes no events/);
    expect(() => dlqContexts(model, "nope")).toThrow(/no context named nope/);
  });
});

describe("dead-letter records", () => {
  const body = Buffer.from(JSON.stringify({ eventId: "e-1", eventType: "order.created", payload: {} }));

  it("reads reason, error, attempts and time from the x-msa-* headers", () => {
    const h = headerText({
      "x-msa-reason": "handler-failed",
      "x-msa-error": Buffer.from("boom"),
      "x-msa-attempts": 5,
      "x-msa-context": "billing",
      "x-msa-event-type": "order.created",
      "x-msa-failed-at": "2026-01-01T00:00:00.000Z",
    });
    expect(deadLetterRecord("e-1", "billing", h, body)).toMatchObject({
      id: "e-1",
      eventId: "e-1",
      eventType: "order.created",
      reason: "handler-failed",
      error: "boom",
      attempts: 5,
      failedAt: "2026-01-01T00:00:00.000Z",
      replayed: 0,
    });
  });

  it("fills what a broker-made dead letter lacks, and shows a body that is not JSON as it is", () => {
    const r = deadLetterRecord("7", "billing", {}, Buffer.from("not json"), { eventType: "order.created", reason: "max-deliveries" });
    expect(r).toMatchObject({ eventType: "order.created", reason: "max-deliveries", attempts: null, eventId: null, body: "not json", error: "" });
    expect(deadLetterRecord("8", "billing", {}, body).eventType).toBe("order.created");
  });

  it("replays without the x-msa-* bookkeeping and the broker's history, counting replays", () => {
    const h = replayHeaders({
      "x-msa-reason": "invalid",
      "x-msa-attempt": 3,
      "x-msa-replayed": "1",
      "x-death": [{}],
      "x-first-death-reason": "rejected",
      "Nats-Msg-Id": "x",
      traceparent: "00-abc",
      "x-correlation-id": "c1",
    });
    expect(h).toEqual({ traceparent: "00-abc", "x-correlation-id": "c1", "x-msa-replayed": "2" });
    expect(replayHeaders(undefined)).toEqual({ "x-msa-replayed": "1" });
  });

  it("names the fix when the broker is unreachable, without the password", () => {
    expect(redact("amqp://user:secret@host:5672")).toBe("amqp://user:***@host:5672");
    const e = unreachable("rabbitmq", "amqp://user:secret@host:5672", new Error("ECONNREFUSED"));
    expect(e.message).toContain("amqp://user:***@host:5672");
    expect(e.message).not.toContain("secret");
    expect(e.message).toMatch(/set BROKER_URL or --broker-url/);
  });
});

describe("Kafka dead letters (by design: no Kafka broker here)", () => {
  it("replays to the retry topic at attempt 1, due now, with the key and body kept", () => {
    const r = deadLetterRecord(kafkaDlqId(2, "41"), "billing", { "x-msa-reason": "handler-failed", "x-msa-event-type": "order.created", "x-correlation-id": "c1" }, Buffer.from("{}"));
    expect(r.id).toBe("2:41");
    const m = kafkaReplayMessage(r, "order-7", 1_000);
    expect(m.key).toBe("order-7");
    expect(m.value.toString()).toBe("{}");
    expect(m.headers).toEqual({ "x-correlation-id": "c1", "x-msa-replayed": "1", "x-msa-attempt": "1", "x-msa-not-before": "1000", "x-msa-event-type": "order.created" });
  });

  it("moves the cursor over the leading replayed records of each partition only", () => {
    const listed = [
      { partition: 0, offset: "10" },
      { partition: 0, offset: "11" },
      { partition: 0, offset: "12" },
      { partition: 1, offset: "5" },
      { partition: 1, offset: "6" },
      { partition: 2, offset: "9" },
    ];
    const cursor = kafkaCursorAfterReplay(listed, new Set(["0:10", "0:11", "1:6", "2:9"]));
    // partition 0: past 11 (12 stays); partition 1: 5 stays, so 6 is listed again; partition 2: past 9
    expect(Object.fromEntries(cursor)).toEqual({ 0: "12", 2: "10" });
  });
});
