// The python-flask consumer's inbox claim on PostgreSQL is a prepared statement of each handler thread's session
// (app/db.py: PREPARE msa_inbox_claim once per connection, then `BEGIN; EXECUTE msa_inbox_claim (…)` with each
// delivery — the node services' named statement `msa_inbox_claim` too). On a real PostgreSQL: the claim still tells a
// first delivery from a duplicate; the statement survives a handler's ROLLBACK (not prepared again); a handler that
// drops it (DEALLOCATE ALL) costs nothing: the claim that meets the loss goes unprepared in its own transaction, the
// loss is logged once (warning), and every later claim is sent unprepared — as node does: behind a pooler in
// transaction mode every session would lose it again; a claim rolled back with its handler leaves no inbox row.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPython, generatePythonSystem, IN_CI } from "./flask-support.js";
import { POSTGRES_URL, pgClient, type PgClient } from "./harness.js";

const run = promisify(execFile);
const RUN = randomUUID().slice(0, 8);
const DATABASE = `msa_pyprepared_${RUN}`;
const dbUrl = (base: string, db: string): string => base.replace(/\/[^/]*$/, `/${db}`);

const SYSTEM = `
version: 1
name: pyprepared${process.env.MSA_E2E_SUFFIX ?? ""}
broker: { kind: nats }
events:
  thing.made:
    schema: { type: object, required: [n], properties: { n: { type: integer } } }
contexts:
  maker:
    runtime: python-flask
    port: 5000
    database: none
    publishes: [thing.made]
  keeper:
    runtime: python-flask
    port: 5001
    database: postgres
    consumes: [thing.made]
`;

/** Runs the steps on a handler thread (as app/events.py HandlerThreads does) and prints what it saw as JSON. */
const DRIVER = `
import json, sys, threading
from app.config import Config
from app.db import Database, mark_handler_thread
from app.logs import configure_logging

configure_logging(Config.from_env())  # the service's JSON lines on stdout, as under gunicorn

db = Database(sys.argv[1])
seen = {}

def statements(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT name, prepare_time::text FROM pg_prepared_statements ORDER BY name")
        rows = cur.fetchall()
    conn.rollback() if not conn.autocommit else None
    return rows

def claim(event_id, then=None):
    try:
        with db.transaction() as tx:
            first = tx.claim_inbox(event_id, "thing.made")
            if then == "raise":
                raise RuntimeError("handler failed")
            if then == "deallocate":
                tx.execute("DEALLOCATE ALL")
            return first
    except RuntimeError:
        return "rolled back"

def steps():
    mark_handler_thread()
    seen["first"] = claim("e-1")
    seen["duplicate"] = claim("e-1")
    conn = db.connection()
    seen["prepared"] = statements(conn)
    seen["rolled"] = claim("e-2", then="raise")
    seen["after_rollback"] = statements(conn)
    seen["deallocated_claim"] = claim("e-3", then="deallocate")
    seen["after_deallocate"] = statements(conn)
    seen["unprepared_claim"] = claim("e-4")
    seen["unprepared_duplicate"] = claim("e-3")
    seen["still_unprepared"] = statements(conn)
    seen["claims_prepared"] = db.claims_prepared
    seen["next_claim"] = claim("e-5")
    seen["same_connection"] = db.connection() is conn

t = threading.Thread(target=steps)
t.start()
t.join()
print(json.dumps(seen))
`;

const { python, missing } = await findPython(["psycopg2", "flask", "jsonschema"]);
if (missing && IN_CI) throw new Error(`py-inbox-prepared e2e cannot run: ${missing} (CI=true: e2e tests must not skip)`);

describe.skipIf(!python)("python-flask inbox claim as a prepared statement (real PostgreSQL)", () => {
  let dir = "";
  let admin: PgClient | undefined;
  let db: PgClient | undefined;

  beforeAll(async () => {
    dir = generatePythonSystem(SYSTEM);
    fs.writeFileSync(path.join(dir, "driver.py"), DRIVER);
    admin = await pgClient(POSTGRES_URL);
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    db = await pgClient(dbUrl(POSTGRES_URL, DATABASE));
  }, 60_000);

  afterAll(async () => {
    await db?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("claims once per eventId, keeps the statement through a ROLLBACK, and goes on unprepared (said once) when a handler drops it", async () => {
    const service = path.join(dir, "services/keeper");
    const { stdout } = await run(python!, [path.join(dir, "driver.py"), dbUrl(POSTGRES_URL, DATABASE)], {
      cwd: service,
      env: { PATH: process.env.PATH ?? "", PYTHONPATH: service, LOG_LEVEL: "warning", BROKER_URL: "memory://", PYTHONDONTWRITEBYTECODE: "1" },
      timeout: 60_000,
    });
    const lines = stdout.trim().split("\n");
    const seen = JSON.parse(lines.find((l) => l.startsWith('{"first"'))!) as Record<string, unknown>;
    const warnings = lines.filter((l) => l.includes("prepared statement msa_inbox_claim vanished from a database session"));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!).level).toBe("warning");
    const names = (rows: unknown): string[] => (rows as [string, string][]).map(([name]) => name);
    expect(seen.first).toBe(true);
    expect(seen.duplicate).toBe(false);
    expect(names(seen.prepared)).toEqual(["msa_inbox_claim"]);
    // a handler that raised: its transaction (and claim) rolled back, the session's statement kept, not prepared again
    expect(seen.rolled).toBe("rolled back");
    expect(seen.after_rollback).toEqual(seen.prepared);
    // the handler dropped it inside its transaction, which committed (the claim of e-3 with it)
    expect(seen.deallocated_claim).toBe(true);
    expect(names(seen.after_deallocate)).toEqual([]);
    // the next delivery's claim finds it gone: sent unprepared in its own transaction, right; e-3 is still a duplicate
    expect(seen.unprepared_claim).toBe(true);
    expect(seen.unprepared_duplicate).toBe(false);
    // and the later ones stay unprepared (nothing prepared again), on the same connection
    expect(names(seen.still_unprepared)).toEqual([]);
    expect(seen.claims_prepared).toBe(false);
    expect(seen.next_claim).toBe(true);
    expect(seen.same_connection).toBe(true);
    const rows = await db!.query("SELECT event_id FROM msa_inbox ORDER BY event_id");
    expect(rows.rows.map((r) => r.event_id)).toEqual(["e-1", "e-3", "e-4", "e-5"]);
  }, 90_000);
});
