// The Idempotency-Key claim's answer is stored in the handler's transaction (node-express on postgres and on
// MariaDB): `POST /payments` with an Idempotency-Key runs in a request transaction opened by
// src/generated/idempotency.ts; the handler's ctx.db.transaction block (a savepoint) and its ctx.db.query join it,
// and the stored answer commits with the handler's rows. MSA_FAILPOINT=idempotency-after-commit SIGKILLs the process right after that
// commit, before the answer is sent: the caller sees the connection drop; the restarted service answers the repeat
// with the stored answer (Idempotent-Replayed: true) without running the handler again: one row. A handler that
// wrote its rows and then failed (500) leaves neither the rows nor the answer.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystemCached, httpPost, IN_CI, POSTGRES_URL, requireBroker, sharedRequire, startService, tcpReachable, type BuiltSystem, type ServiceProcess } from "./harness.js";

const SUFFIX = (process.env.MSA_E2E_SUFFIX ?? "").toLowerCase().replace(/[^a-z0-9]/g, "_");
const PG_DB = `msae2e_idemtxn_pg${SUFFIX}`;
const MY_DB = `msae2e_idemtxn_my${SUFFIX}`;
const MYSQL_URL_BASE = process.env.MSA_E2E_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";
const NAME = `idemtxn${SUFFIX.replace(/_/g, "-")}`;
const SYSTEM = `
version: 1
name: ${NAME}
broker: { kind: memory }
contexts:
  pgpay:
    port: 3000
    database: postgres
    api: ["POST /payments"]
  mypay:
    port: 3001
    database: mysql
    api: ["POST /payments"]
`;

/** The handler as a user writes it: a row in a ctx.db.transaction block, another by ctx.db.query; `fail` fails after both. */
const handler = (placeholder: string): string => `import type { Request, Response } from "express";
import type { HandlerContext } from "../generated/routes.js";

export async function postPayments(req: Request, res: Response, ctx: HandlerContext): Promise<void> {
  const body = req.body as { id: string; fail?: boolean };
  await ctx.db.transaction(async (tx) => {
    await tx.query("INSERT INTO payments (id) VALUES (${placeholder})", [body.id]);
  });
  // a write outside any block: ctx.db.query runs in the request transaction too
  await ctx.db.query("INSERT INTO payments (id) VALUES (${placeholder})", [body.id + ":q"]);
  if (body.fail) throw new Error("failed after the write");
  res.status(201).json({ id: body.id, charged: true });
}
`;

interface Target {
  start(): Promise<ServiceProcess>;
  proc?: ServiceProcess;
  count(id: string): Promise<number>;
  close(): Promise<void>;
}

describe("Idempotency-Key: the answer commits with the handler's writes (node-express)", () => {
  let skip: string | null = null;
  let noMysql: string | null = null;
  let built: BuiltSystem;
  const targets: Record<string, Target | undefined> = {};

  beforeAll(async () => {
    skip = await requireBroker("postgres");
    if (skip) return;
    noMysql = (await tcpReachable("127.0.0.1", 3306)) ? null : "MariaDB is not reachable on 127.0.0.1:3306";
    if (noMysql && IN_CI) throw new Error(`${noMysql} (CI=true: e2e tests must not skip)`);
    built = await buildSystemCached(NAME, SYSTEM, { "services/pgpay/src/handlers/postPayments.ts": handler("$1"), "services/mypay/src/handlers/postPayments.ts": handler("?") }, noMysql ? ["pgpay"] : ["pgpay", "mypay"]);
    const env = { BROKER_URL: "memory://", MSA_FAILPOINT: "idempotency-after-commit" };

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
    const pgTarget: Target = {
      start: async () => (pgTarget.proc = await startService(built.service("pgpay"), { name: "pgpay", env: { ...env, DATABASE_URL: pgUrl, SERVICE_NAME: "pgpay" } })),
      count: async (id) => Number((await db.query("SELECT count(*) AS n FROM payments WHERE id = $1", [id])).rows[0]!.n),
      close: () => db.end(),
    };
    targets.postgres = pgTarget;
    await pgTarget.start();

    if (noMysql) return;
    type MyConn = { query(s: string, v?: unknown[]): Promise<[unknown, unknown]>; end(): Promise<void> };
    const mysql = await sharedRequire<{ createConnection(u: string): Promise<MyConn> }>("mysql2/promise");
    const myAdmin = await mysql.createConnection(MYSQL_URL_BASE);
    await myAdmin.query(`DROP DATABASE IF EXISTS ${MY_DB}`);
    await myAdmin.query(`CREATE DATABASE ${MY_DB}`);
    await myAdmin.end();
    const my = await mysql.createConnection(`${MYSQL_URL_BASE}/${MY_DB}`);
    await my.query("CREATE TABLE payments (id VARCHAR(64) NOT NULL)");
    const myTarget: Target = {
      start: async () => (myTarget.proc = await startService(built.service("mypay"), { name: "mypay", env: { ...env, DATABASE_URL: `${MYSQL_URL_BASE}/${MY_DB}`, SERVICE_NAME: "mypay" } })),
      count: async (id) => Number(((await my.query("SELECT count(*) AS n FROM payments WHERE id = ?", [id]))[0] as { n: number }[])[0]!.n),
      close: () => my.end(),
    };
    targets.mysql = myTarget;
    await myTarget.start();
  }, 300_000);

  afterAll(async () => {
    for (const t of Object.values(targets)) {
      await t?.proc?.stop();
      await t?.close();
    }
    if (skip) return;
    const pg = await sharedRequire<{ Client: new (o: { connectionString: string }) => { connect(): Promise<void>; query(s: string): Promise<unknown>; end(): Promise<void> } }>("pg");
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    if (!noMysql) {
      const mysql = await sharedRequire<{ createConnection(u: string): Promise<{ query(s: string): Promise<unknown>; end(): Promise<void> }> }>("mysql2/promise");
      const my = await mysql.createConnection(MYSQL_URL_BASE);
      await my.query(`DROP DATABASE IF EXISTS ${MY_DB}`).catch(() => undefined);
      await my.end();
    }
  });

  for (const engine of ["postgres", "mysql"] as const) {
    it(`${engine}: killed right after the commit, the restarted service replays the stored answer; the handler ran once`, async (ctx) => {
      if (skip) ctx.skip(`skipped: ${skip}`);
      if (engine === "mysql" && noMysql) ctx.skip(`skipped: ${noMysql}`);
      const t = targets[engine]!;
      const id = randomUUID();
      const key = `pay-${id}`;
      const first = await httpPost(`${t.proc!.url}/payments`, { id }, { "Idempotency-Key": key });
      expect(first.status).toBe(0); // no answer: the process died after COMMIT (the harness reports a dropped connection as 0)
      await t.proc!.exited;
      expect(await t.count(id)).toBe(1);
      expect(await t.count(`${id}:q`)).toBe(1);
      await t.start();
      const again = await httpPost(`${t.proc!.url}/payments`, { id }, { "Idempotency-Key": key });
      expect(again.status).toBe(201);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(again.body).toEqual({ id, charged: true });
      expect(await t.count(id)).toBe(1);
      expect(await t.count(`${id}:q`)).toBe(1);
    });

    it(`${engine}: a handler failing after its write (500) leaves neither the row nor the answer; the retry runs it`, async (ctx) => {
      if (skip) ctx.skip(`skipped: ${skip}`);
      if (engine === "mysql" && noMysql) ctx.skip(`skipped: ${noMysql}`);
      const t = targets[engine]!;
      const id = randomUUID();
      const failed = await httpPost(`${t.proc!.url}/payments`, { id, fail: true }, { "Idempotency-Key": `f-${id}` });
      expect(failed.status).toBe(500);
      expect(await t.count(id)).toBe(0);
      const retried = await httpPost(`${t.proc!.url}/payments`, { id, fail: true }, { "Idempotency-Key": `f-${id}` });
      expect(retried.status).toBe(500);
      expect(retried.headers.get("idempotent-replayed")).toBeNull();
      expect(await t.count(id)).toBe(0);
      expect(await t.count(`${id}:q`)).toBe(0);
    });
  }
});
