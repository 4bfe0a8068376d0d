// Idempotency-Key inside the handler's transaction (issue #14, docs/idempotency.md "Decision"): on postgres and
// MySQL/MariaDB the claim, the handler's ctx.db writes (its ctx.db.transaction joins the request's transaction, its
// outbox rows included) and the stored answer commit together. Proof, for node-express and python-flask on both
// engines (the shared servers, a database of this run's own per service):
// - MSA_FAILPOINT=idempotency-before-answer kills the process (kill -9) after the handler's writes and the answer's
//   row, before COMMIT: the caller gets no answer, and nothing of the request is in the database (no row, no outbox
//   row, no stored answer, no lock left behind). The retry with the same key after a restart runs the handler and
//   answers 201 with a real answer; its row and its outbox row exist once; a repeat then gets the stored answer.
// - the handler's ctx.db.query sees its own uncommitted insert (it runs in the request's transaction, n = 1).
// - two requests with one key at once: one runs, the other is told 409 in flight at once (no waiting on the lock).
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystemCached, freePort, httpPost, IN_CI, POSTGRES_URL, requireBroker, sharedRequire, startService, tcpReachable, type BuiltSystem, type ServiceProcess } from "./harness.js";
import { findPython, generatePythonSystem, startGunicorn, type Gunicorn } from "./flask-support.js";

const SUFFIX = (process.env.MSA_E2E_SUFFIX ?? "").toLowerCase().replace(/[^a-z0-9]/g, "");
const RUN = `${SUFFIX}${randomUUID().slice(0, 6)}`;
const MYSQL_URL_BASE = process.env.MSA_E2E_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";
const NAME = `idemcrash${SUFFIX}`;

const yaml = `
version: 1
name: ${NAME}
broker: { kind: rabbitmq }
contexts:
  pgnode:
    port: 3000
    database: postgres
    api: ["POST /orders"]
    publishes: [pgnode.placed]
  mynode:
    port: 3001
    database: mysql
    api: ["POST /orders"]
    publishes: [mynode.placed]
  pgpy:
    runtime: python-flask
    port: 5000
    database: postgres
    api: ["POST /orders"]
    publishes: [pgpy.placed]
  mypy:
    runtime: python-flask
    port: 5001
    database: mysql
    api: ["POST /orders"]
    publishes: [mypy.placed]
events:
${["pgnode", "mynode", "pgpy", "mypy"].map((c) => `  ${c}.placed:\n    schema: { type: object, required: [orderId], properties: { orderId: { type: string } } }\n`).join("")}`;

/** The node handler: logs that it ran, inserts its row and its event in ctx.db.transaction, counts with ctx.db.query. */
const nodeHandler = (engine: "postgres" | "mysql", publisher: string): string => {
  const p = engine === "postgres" ? ["$1", "$1"] : ["?", "?"];
  return `import type { Request, Response } from "express";
import type { HandlerContext } from "../generated/routes.js";

export async function postOrders(req: Request, res: Response, ctx: HandlerContext): Promise<void> {
  const body = req.body as { orderId?: unknown; slowMs?: unknown };
  const orderId = String(body.orderId);
  ctx.log.info({ orderId }, "handler ran");
  await ctx.db.transaction(async (tx) => {
    await tx.query("INSERT INTO placed (order_id) VALUES (${p[0]})", [orderId]);
    await tx.events.${publisher}({ orderId }, { aggregateId: orderId });
  });
  if (typeof body.slowMs === "number") await new Promise((r) => setTimeout(r, body.slowMs as number));
  // outside the transaction block, still inside the request's transaction: sees the uncommitted row
${
  engine === "postgres"
    ? `  const n = (await ctx.db.query<{ n: number }>("SELECT count(*)::int AS n FROM placed WHERE order_id = ${p[1]}", [orderId])).rows[0]!.n;`
    : `  const [rows] = await ctx.db.query("SELECT COUNT(*) AS n FROM placed WHERE order_id = ${p[1]}", [orderId]);
  const n = Number((rows as unknown as { n: number }[])[0]!.n);`
}
  res.status(201).json({ orderId, n });
}
`;
};

const PY_HANDLER = `import os
import time

from flask import jsonify, request

from app.db import transaction
from app.logs import get_logger

log = get_logger("orders")


def post_orders():
    body = request.get_json(silent=True) or {}
    order_id = str(body.get("orderId"))
    log.info("handler ran", extra={"fields": {"orderId": order_id}})
    with transaction() as tx:
        tx.execute("INSERT INTO placed (order_id) VALUES (%s)", (order_id,))
        tx.publish(os.environ["SERVICE_NAME"] + ".placed", order_id, {"orderId": order_id})
    if isinstance(body.get("slowMs"), (int, float)):
        time.sleep(body["slowMs"] / 1000)
    # a second block: joins the request's transaction too, and sees the first block's uncommitted row
    with transaction() as tx:
        n = tx.execute("SELECT COUNT(*) FROM placed WHERE order_id = %s", (order_id,)).fetchone()[0]
    return jsonify({"orderId": order_id, "n": n}), 201
`;

interface Sql {
  /** rows of a statement (`?` placeholders on MySQL, `$n` on postgres) */
  rows(text: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

async function postgresDb(name: string): Promise<{ url: string; sql: Sql }> {
  const pg = await sharedRequire<{ Client: new (o: { connectionString: string }) => { connect(): Promise<void>; query(t: string, v?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>; end(): Promise<void> } }>("pg");
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = POSTGRES_URL.replace(/\/[^/?]*(\?|$)/, `/${name}$1`);
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query("CREATE TABLE placed (order_id text NOT NULL)");
  return {
    url,
    sql: {
      rows: async (t, v) => (await c.query(t, v)).rows,
      close: async () => {
        await c.end().catch(() => undefined);
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
        await admin.end().catch(() => undefined);
      },
    },
  };
}

async function mysqlDb(name: string): Promise<{ url: string; sql: Sql }> {
  const mysql = await sharedRequire<{ createConnection(uri: string): Promise<{ query(t: string, v?: unknown[]): Promise<[unknown, unknown]>; end(): Promise<void> }> }>("mysql2/promise");
  const admin = await mysql.createConnection(MYSQL_URL_BASE);
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  const url = `${MYSQL_URL_BASE}/${name}`;
  const c = await mysql.createConnection(url);
  await c.query("CREATE TABLE placed (order_id VARCHAR(100) NOT NULL)");
  return {
    url,
    sql: {
      rows: async (t, v) => (await c.query(t.replace(/\$\d+/g, "?"), v))[0] as Record<string, unknown>[],
      close: async () => {
        await c.end().catch(() => undefined);
        await admin.query(`DROP DATABASE IF EXISTS ${name}`).catch(() => undefined);
        await admin.end().catch(() => undefined);
      },
    },
  };
}

/** A service of the test that can be started with or without the failpoint. */
interface Target {
  url(): string;
  start(env: Record<string, string>): Promise<void>;
  /** resolves when the process that met the failpoint is gone (node: the process; python: the gunicorn master, stopped) */
  afterCrash(): Promise<void>;
  logged(msg: string, orderId: string): boolean;
  stop(): Promise<void>;
}

const skipPg = await requireBroker("postgres");
const skipMy = (await tcpReachable("127.0.0.1", 3306)) ? null : "MySQL/MariaDB on 127.0.0.1:3306";
const py = await findPython(["flask", "gunicorn", "psycopg2", "pymysql", "jsonschema"]);
if ((skipPg || skipMy || py.missing) && IN_CI) throw new Error(`idempotency crash e2e cannot run: ${skipPg ?? skipMy ?? py.missing}`);

const CASES = [
  { ctx: "pgnode", runtime: "node", engine: "postgres", skip: skipPg },
  { ctx: "mynode", runtime: "node", engine: "mysql", skip: skipMy },
  { ctx: "pgpy", runtime: "python", engine: "postgres", skip: skipPg ?? py.missing ?? null },
  { ctx: "mypy", runtime: "python", engine: "mysql", skip: skipMy ?? py.missing ?? null },
] as const;

let built: BuiltSystem | undefined;
let pyDir = "";
beforeAll(async () => {
  if (CASES.every((c) => c.skip)) return;
  built = await buildSystemCached(NAME, yaml, { "services/pgnode/src/handlers/postOrders.ts": nodeHandler("postgres", "publishPgnodePlaced"), "services/mynode/src/handlers/postOrders.ts": nodeHandler("mysql", "publishMynodePlaced") }, ["pgnode", "mynode"]);
  pyDir = generatePythonSystem(yaml);
  for (const c of ["pgpy", "mypy"]) fs.writeFileSync(path.join(pyDir, `services/${c}/app/handlers.py`), PY_HANDLER);
}, 600_000);
afterAll(() => {
  if (pyDir) fs.rmSync(pyDir, { recursive: true, force: true });
});

for (const c of CASES) {
  describe.skipIf(!!c.skip)(`Idempotency-Key in the handler's transaction: ${c.runtime} on ${c.engine}`, () => {
    let db: { url: string; sql: Sql };
    let target: Target;

    beforeAll(async () => {
      db = c.engine === "postgres" ? await postgresDb(`msa_${c.ctx}_${RUN}`) : await mysqlDb(`msa_${c.ctx}_${RUN}`);
      const env = { SERVICE_NAME: c.ctx, DATABASE_URL: db.url, BROKER_URL: "memory://" };
      if (c.runtime === "node") {
        let proc: ServiceProcess | undefined;
        const port = await freePort();
        target = {
          url: () => proc!.url,
          // every log line written at once: "handler ran", logged just before the failpoint's SIGKILL, is evidence
          // (a buffered line would die with the process)
          start: async (extra) => void (proc = await startService(built!.service(c.ctx), { name: c.ctx, port, env: { ...env, LOG_BUFFER_BYTES: "0", ...extra } })),
          afterCrash: async () => {
            const code = await proc!.exited;
            expect(code, "killed by the failpoint (SIGKILL)").not.toBe(0);
          },
          logged: (msg, orderId) => proc!.logs.some((l) => l.msg === msg && l.orderId === orderId),
          stop: async () => void (await proc?.stop()),
        };
      } else {
        let g: Gunicorn | undefined;
        const python = py.python!;
        target = {
          url: () => g!.base,
          start: async (extra) => void (g = await startGunicorn(python, path.join(pyDir, `services/${c.ctx}`), { ...env, ...extra })),
          // the worker killed itself; gunicorn would start another with the same failpoint: stop the server
          afterCrash: async () => {
            await g!.waitFor(() => g!.logs.some((l) => l.msg === "failpoint reached: SIGKILL") || undefined, 10_000, "the failpoint");
            await g!.stop();
          },
          logged: (msg, orderId) => !!g?.logs.some((l) => l.msg === msg && l.orderId === orderId),
          stop: async () => void (await g?.stop()),
        };
      }
    }, 120_000);

    afterAll(async () => {
      await target?.stop();
      await db?.sql.close();
    });

    const count = async (table: string, column: string, value: string): Promise<number> =>
      Number((await db.sql.rows(`SELECT COUNT(*) AS n FROM ${table} WHERE ${column} = $1`, [value]))[0]!.n);

    it("killed after the handler's writes, before COMMIT: nothing kept; the retry after a restart runs once and answers", async () => {
      const orderId = `crash-${RUN}`;
      const key = `key-${orderId}`;
      const post = (): ReturnType<typeof httpPost> => httpPost(`${target.url()}/orders`, { orderId }, { "Idempotency-Key": key });

      await target.start({ MSA_FAILPOINT: "idempotency-before-answer" });
      const lost = await post();
      expect(lost.status, "no answer: the process died before COMMIT").toBe(0);
      expect(target.logged("handler ran", orderId), "the handler ran before the kill").toBe(true);
      await target.afterCrash();
      // nothing of the request: its row, its outbox row and the answer were one transaction
      expect(await count("placed", "order_id", orderId)).toBe(0);
      expect(await count("msa_outbox", "aggregate_id", orderId)).toBe(0);
      expect(await count("msa_idempotency", "idempotency_key", key)).toBe(0);

      await target.start({});
      const first = await post();
      expect(first.status, JSON.stringify(first.body)).toBe(201);
      expect(first.headers.get("idempotent-replayed")).toBeNull();
      expect(first.body).toEqual({ orderId, n: 1 }); // ctx.db.query saw the row of the request's own transaction
      expect(await count("placed", "order_id", orderId)).toBe(1);
      expect(await count("msa_outbox", "aggregate_id", orderId)).toBe(1);
      const stored = await db.sql.rows("SELECT status, route FROM msa_idempotency WHERE idempotency_key = $1", [key]);
      expect(stored.map((r) => [Number(r.status), r.route])).toEqual([[201, "POST /orders"]]);

      const again = await post();
      expect(again.status).toBe(201);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.body).toEqual(first.body);
      expect(await count("placed", "order_id", orderId)).toBe(1);
    }, 120_000);

    it("a second request with the key while the first runs: 409 at once, and the handler's row exists once", async () => {
      const orderId = `slow-${RUN}`;
      const key = `key-${orderId}`;
      const slow = httpPost(`${target.url()}/orders`, { orderId, slowMs: 1500 }, { "Idempotency-Key": key });
      await new Promise((r) => setTimeout(r, 500));
      const started = Date.now();
      const second = await httpPost(`${target.url()}/orders`, { orderId, slowMs: 1500 }, { "Idempotency-Key": key });
      expect(Date.now() - started, "not blocked on the first request's lock").toBeLessThan(1_000);
      expect(second.status).toBe(409);
      expect((second.body as { type?: string }).type).toBe("urn:msa:problem:idempotency-key-in-flight");
      const first = await slow;
      expect(first.status).toBe(201);
      expect(first.body).toEqual({ orderId, n: 1 });
      expect(await count("placed", "order_id", orderId)).toBe(1);
    }, 60_000);
  });
}
