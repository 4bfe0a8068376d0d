// The Idempotency-Key claim's answer is stored in the handler's transaction (python-flask on postgres and on
// MariaDB): `POST /payments` with an Idempotency-Key runs in a request transaction opened by app/idempotency.py;
// the handler's `with transaction() as tx:` joins it, and the stored answer commits with the handler's row.
// MSA_FAILPOINT=idempotency-after-commit SIGKILLs the gunicorn worker right after that commit, before the answer is
// sent: the caller sees the connection drop; gunicorn respawns the worker, and the repeat with the same key gets the
// stored answer (Idempotent-Replayed: true) — the handler does not run again: one row. (Before, the claim and the
// answer were their own statements: the repeat waited for the lease and ran the handler a second time.) A handler that
// wrote its row and then failed (500) leaves nothing: not the row, not the answer; the retry with the key runs it again.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpPost, IN_CI, POSTGRES_URL, requireBroker, sharedRequire, tcpReachable } from "./harness.js";
import { findPython, generatePythonSystem, startGunicorn, type Gunicorn } from "./flask-support.js";

const SUFFIX = (process.env.MSA_E2E_SUFFIX ?? "").toLowerCase().replace(/[^a-z0-9]/g, "_");
const PG_DB = `msae2e_idemtx_pg${SUFFIX}`;
const MY_DB = `msae2e_idemtx_my${SUFFIX}`;
const MYSQL_URL_BASE = process.env.MSA_E2E_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";
const SYSTEM = `
version: 1
name: idemtx${SUFFIX.replace(/_/g, "-")}
broker: { kind: memory }
contexts:
  pgpay:
    runtime: python-flask
    port: 5000
    database: postgres
    api: ["POST /payments"]
  mypay:
    runtime: python-flask
    port: 5001
    database: mysql
    api: ["POST /payments"]
`;

/** The handler as a user writes it: one row per payment in its own transaction block; `fail` fails after the write. */
const HANDLERS = `from flask import jsonify, request

from app.db import transaction


def post_payments():
    body = request.get_json()
    with transaction() as tx:
        tx.execute("INSERT INTO payments (id) VALUES (%s)", (body["id"],))
    if body.get("fail"):
        raise RuntimeError("failed after the write")
    return jsonify({"id": body["id"], "charged": True}), 201
`;

type Rows = (id: string) => Promise<number>;
interface Target {
  name: string;
  url: string;
  count: Rows;
  close: () => Promise<void>;
}

describe("Idempotency-Key: the answer commits with the handler's writes (python-flask)", () => {
  let skip: string | null = null;
  let python = "";
  let dir = "";
  const servers: Gunicorn[] = [];
  const targets: Record<string, Target | undefined> = {};
  let noMysql: string | null = null;

  beforeAll(async () => {
    skip = await requireBroker("postgres");
    const found = await findPython(["flask", "gunicorn", "psycopg2", "pymysql"]);
    skip ??= found.missing ?? null;
    if (skip || !found.python) return;
    python = found.python;
    dir = generatePythonSystem(SYSTEM);
    for (const c of ["pgpay", "mypay"]) fs.writeFileSync(path.join(dir, `services/${c}/app/handlers.py`), HANDLERS);
    const env = { BROKER_URL: "memory://", MSA_FAILPOINT: "idempotency-after-commit", WEB_CONCURRENCY: "1" };

    const pg = await sharedRequire<{ Client: new (o: { connectionString: string }) => { connect(): Promise<void>; query(s: string, v?: unknown[]): Promise<{ rows: { n: string }[] }>; end(): Promise<void> } }>("pg");
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${PG_DB}`);
    await admin.end();
    const pgUrl = POSTGRES_URL.replace(/\/[^/]*$/, `/${PG_DB}`);
    const db = new pg.Client({ connectionString: pgUrl });
    await db.connect();
    await db.query("CREATE TABLE payments (id text NOT NULL)");
    const pgServer = await startGunicorn(python, path.join(dir, "services/pgpay"), { ...env, DATABASE_URL: pgUrl, SERVICE_NAME: "pgpay" });
    servers.push(pgServer);
    targets.postgres = {
      name: "postgres",
      url: pgServer.base,
      count: async (id) => Number((await db.query("SELECT count(*) AS n FROM payments WHERE id = $1", [id])).rows[0]!.n),
      close: () => db.end(),
    };

    noMysql = (await tcpReachable("127.0.0.1", 3306)) ? null : "MariaDB is not reachable on 127.0.0.1:3306";
    if (noMysql && IN_CI) throw new Error(`${noMysql} (CI=true: e2e tests must not skip)`);
    if (noMysql) return;
    type MyConn = { query(s: string, v?: unknown[]): Promise<[unknown, unknown]>; end(): Promise<void> };
    const mysql = await sharedRequire<{ createConnection(u: string): Promise<MyConn> }>("mysql2/promise");
    const myAdmin = await mysql.createConnection(MYSQL_URL_BASE);
    await myAdmin.query(`DROP DATABASE IF EXISTS ${MY_DB}`);
    await myAdmin.query(`CREATE DATABASE ${MY_DB}`);
    await myAdmin.end();
    const my = await mysql.createConnection(`${MYSQL_URL_BASE}/${MY_DB}`);
    await my.query("CREATE TABLE payments (id VARCHAR(64) NOT NULL)");
    const myServer = await startGunicorn(python, path.join(dir, "services/mypay"), { ...env, DATABASE_URL: `${MYSQL_URL_BASE}/${MY_DB}`, SERVICE_NAME: "mypay" });
    servers.push(myServer);
    targets.mysql = {
      name: "mysql",
      url: myServer.base,
      count: async (id) => Number(((await my.query("SELECT count(*) AS n FROM payments WHERE id = ?", [id]))[0] as { n: number }[])[0]!.n),
      close: () => my.end(),
    };
  }, 180_000);

  afterAll(async () => {
    await Promise.all(servers.map((g) => g.stop()));
    for (const t of Object.values(targets)) await t?.close();
    const pg = await sharedRequire<{ Client: new (o: { connectionString: string }) => { connect(): Promise<void>; query(s: string): Promise<unknown>; end(): Promise<void> } }>("pg");
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)`).catch(() => undefined);
    await admin.end().catch(() => undefined);
    if (!noMysql && !skip) {
      const mysql = await sharedRequire<{ createConnection(u: string): Promise<{ query(s: string): Promise<unknown>; end(): Promise<void> }> }>("mysql2/promise");
      const my = await mysql.createConnection(MYSQL_URL_BASE);
      await my.query(`DROP DATABASE IF EXISTS ${MY_DB}`).catch(() => undefined);
      await my.end();
    }
  });

  const healthy = async (url: string): Promise<void> => {
    const end = Date.now() + 20_000;
    while (Date.now() < end) {
      const ok = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.status === 200, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${url} did not come back`);
  };

  for (const engine of ["postgres", "mysql"] as const) {
    it(`${engine}: killed right after the commit, the repeat gets the stored answer; the handler ran once`, async (ctx) => {
      if (skip) ctx.skip(`skipped: ${skip}`);
      if (engine === "mysql" && noMysql) ctx.skip(`skipped: ${noMysql}`);
      const t = targets[engine]!;
      const id = randomUUID();
      const key = `pay-${id}`;
      // the worker dies after COMMIT, before the answer leaves: the caller sees the connection drop
      const first = await httpPost(`${t.url}/payments`, { id }, { "Idempotency-Key": key });
      expect(first.status).toBe(0); // no answer (the harness reports a dropped connection as status 0)
      expect(await t.count(id)).toBe(1);
      await healthy(t.url); // gunicorn respawned the worker
      const again = await httpPost(`${t.url}/payments`, { id }, { "Idempotency-Key": key });
      expect(again.status).toBe(201);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.body).toEqual({ id, charged: true });
      expect(await t.count(id)).toBe(1);
    });

    it(`${engine}: a handler failing after its write (500) leaves neither the row nor the answer; the retry runs it`, async (ctx) => {
      if (skip) ctx.skip(`skipped: ${skip}`);
      if (engine === "mysql" && noMysql) ctx.skip(`skipped: ${noMysql}`);
      const t = targets[engine]!;
      const id = randomUUID();
      const key = `pay-${id}`;
      const failed = await httpPost(`${t.url}/payments`, { id, fail: true }, { "Idempotency-Key": `${key}-f` });
      expect(failed.status).toBe(500);
      expect(await t.count(id)).toBe(0);
      // the key was released: the same request runs the handler again (and fails again, leaving nothing)
      const retried = await httpPost(`${t.url}/payments`, { id, fail: true }, { "Idempotency-Key": `${key}-f` });
      expect(retried.status).toBe(500);
      expect(retried.headers.get("idempotent-replayed")).toBeNull();
      expect(await t.count(id)).toBe(0);
    });
  }
});
