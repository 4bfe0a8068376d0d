// Idempotency-Key on a real node service with postgres: orders' POST /orders publishes order.created (a new eventId
// each time it runs). The same POST with one key — sent twice in a row, then three times at once — runs the handler
// once: every answer that is not the in-flight 409 is the first answer (same eventId), the repeats say
// Idempotent-Replayed, msa_idempotency holds the answer, and another body under the key is 422.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { httpPost, NATS_URL, POSTGRES_URL, requireBroker, sharedRequire } from "./harness.js";
import { buildE2eSystem, startE2eSystem, type RunningSystem } from "./fixtures/system.js";

interface PgClient {
  connect(): Promise<void>;
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  end(): Promise<void>;
}

describe("Idempotency-Key on node-express with postgres", () => {
  let skip: string | null = null;
  let sys: RunningSystem | undefined;

  beforeAll(async () => {
    skip = (await requireBroker("nats")) ?? (await requireBroker("postgres"));
    if (skip) return;
    sys = await startE2eSystem(await buildE2eSystem("nats"), NATS_URL, ["orders", "inventory"]);
  });
  afterAll(async () => {
    await sys?.stopAll();
  });

  const orders = (ctx: { skip: (note?: string) => void }) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    return sys!.procs.orders!;
  };
  const post = (url: string, key: string, body: unknown) => httpPost(`${url}/orders`, body, { "Idempotency-Key": key });

  it("the same POST sent twice in a row runs once and the repeat gets the same answer", async (ctx) => {
    const { url } = orders(ctx);
    const key = `e2e-seq-${randomUUID()}`;
    const first = await post(url, key, { orderId: "i-1", total: 3 });
    const again = await post(url, key, { orderId: "i-1", total: 3 });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    const pg = await sharedRequire<{ Client: new (o: { connectionString: string }) => PgClient }>("pg");
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const r = await client.query("SELECT route, status, convert_from(body, 'UTF8') AS body FROM msa_idempotency WHERE idempotency_key = $1", [key]);
      expect(r.rows).toEqual([{ route: "POST /orders", status: 201, body: JSON.stringify(first.body) }]);
    } finally {
      await client.end();
    }
    const other = await post(url, key, { orderId: "i-1", total: 4 });
    expect(other.status).toBe(422);
    expect(other.headers.get("content-type")).toContain("application/problem+json");
  });

  it("the same POST sent three times at once runs once: the others get 409 or the same answer", async (ctx) => {
    const { url } = orders(ctx);
    const key = `e2e-conc-${randomUUID()}`;
    const answers = await Promise.all([0, 1, 2].map(() => post(url, key, { orderId: "i-2", total: 5 })));
    const ok = answers.filter((a) => a.status === 201);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(answers.every((a) => a.status === 201 || a.status === 409)).toBe(true);
    expect(new Set(ok.map((a) => (a.body as { eventId: string }).eventId)).size).toBe(1);
    expect(ok.filter((a) => a.headers.get("idempotent-replayed") !== "true")).toHaveLength(1);
    const after = await post(url, key, { orderId: "i-2", total: 5 });
    expect(after.status).toBe(201);
    expect(after.body).toEqual(ok[0]!.body);
  });
});
