// Idempotency-Key on real services with postgres.
// node-express: orders' POST /orders publishes order.created (a new eventId each time it runs). The same POST with one
// key — sent twice in a row, then three times at once — runs the handler once: every answer that is not the
// in-flight 409 is the first answer (same eventId), the repeats say Idempotent-Replayed, msa_idempotency holds the
// answer, and another body under the key is 422.
// python-flask (gunicorn, 2 workers): POST /entries inserts a row; the same POST twice in a row and four times at
// once (across the workers) leaves one row and one answer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { httpPost, NATS_URL, POSTGRES_URL, requireBroker, sharedRequire } from "./harness.js";
import { findPython, generatePythonSystem, startGunicorn, type Gunicorn } from "./flask-support.js";
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
    const client = new pg.Client({ connectionString: sys!.databaseUrl });
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

const suffix = (process.env.MSA_E2E_SUFFIX ?? "").replace(/[^a-z0-9]/gi, "_").toLowerCase();
const TABLE = `idem_entries${suffix}`;
const pySystem = `
version: 1
name: msae2e-idem-py${(process.env.MSA_E2E_SUFFIX ?? "").toLowerCase()}
broker: { kind: nats }
contexts:
  ledger:
    runtime: python-flask
    port: 5000
    database: postgres
    api: ["POST /entries"]
`;
/** The user's handler: one row per run, in a transaction, slow enough for the concurrent repeats to meet it. */
const pyHandlers = `import time

from flask import jsonify, request

from app.db import transaction


def post_entries():
    ref = (request.get_json(silent=True) or {}).get("ref")
    with transaction() as tx:
        row = tx.execute("INSERT INTO ${TABLE} (ref) VALUES (%s) RETURNING id", (ref,)).fetchone()
    time.sleep(0.3)
    return jsonify({"id": row[0], "ref": ref}), 201
`;

async function pg(): Promise<PgClient> {
  const lib = await sharedRequire<{ Client: new (o: { connectionString: string }) => PgClient }>("pg");
  const client = new lib.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  return client;
}

describe("Idempotency-Key on python-flask with postgres", () => {
  let skip: string | null = null;
  let gunicorn: Gunicorn | undefined;
  let dir = "";

  beforeAll(async () => {
    skip = (await requireBroker("postgres")) ?? null;
    const { python, missing } = await findPython(["flask", "gunicorn", "psycopg2", "jsonschema"]);
    skip ??= missing ?? null;
    if (skip || !python) return;
    dir = generatePythonSystem(pySystem);
    fs.writeFileSync(path.join(dir, "services/ledger/app/handlers.py"), pyHandlers);
    const client = await pg();
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (id bigserial PRIMARY KEY, ref text NOT NULL)`);
    } finally {
      await client.end();
    }
    gunicorn = await startGunicorn(python, path.join(dir, "services/ledger"), { DATABASE_URL: POSTGRES_URL, BROKER_URL: "memory://", SERVICE_NAME: "ledger" });
  }, 60_000);
  afterAll(async () => {
    await gunicorn?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const rows = async (ref: string): Promise<number> => {
    const client = await pg();
    try {
      return (await client.query(`SELECT id FROM ${TABLE} WHERE ref = $1`, [ref])).rows.length;
    } finally {
      await client.end();
    }
  };

  it("the same POST twice in a row: one row, the same answer replayed", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const ref = `py-seq-${randomUUID()}`;
    const first = await httpPost(`${gunicorn!.base}/entries`, { ref }, { "Idempotency-Key": ref });
    const again = await httpPost(`${gunicorn!.base}/entries`, { ref }, { "Idempotency-Key": ref });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await rows(ref)).toBe(1);
    expect((await httpPost(`${gunicorn!.base}/entries`, { ref, other: 1 }, { "Idempotency-Key": ref })).status).toBe(422);
  });

  it("the same POST four times at once, across two workers: one row; the others 409 or the same answer", async (ctx) => {
    if (skip) ctx.skip(`skipped: ${skip}`);
    const ref = `py-conc-${randomUUID()}`;
    const answers = await Promise.all([0, 1, 2, 3].map(() => httpPost(`${gunicorn!.base}/entries`, { ref }, { "Idempotency-Key": ref })));
    expect(answers.every((a) => a.status === 201 || a.status === 409)).toBe(true);
    expect(answers.some((a) => a.status === 409)).toBe(true); // the handler takes 300 ms: the repeats met it in flight
    const ok = answers.filter((a) => a.status === 201);
    expect(new Set(ok.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(await rows(ref)).toBe(1);
    const after = await httpPost(`${gunicorn!.base}/entries`, { ref }, { "Idempotency-Key": ref });
    expect(after.status).toBe(201);
    expect(after.headers.get("idempotent-replayed")).toBe("true");
    expect(await rows(ref)).toBe(1);
  });
});

