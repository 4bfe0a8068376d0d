// Shared by the py-*.test.ts fault tests (issue #13, python-flask): a system whose python-flask context `worker`
// consumes item.created into its PostgreSQL (a database of the test's own on the shared server, dropped after),
// with a handler that SIGKILLs its own process for items named crash-*, and the SQL the tests check with.
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { POSTGRES_URL, sharedRequire, tcpReachable } from "./harness.js";
import { findPython, generatePythonSystem, IN_CI } from "./flask-support.js";

export const PY_MODULES = ["flask", "gunicorn", "pika", "psycopg2", "jsonschema"];

/** The interpreter to run the services with, or why the test cannot run (CI=true: an error, not a skip). */
export async function pythonOrSkip(): Promise<{ python: string; skip: string | null }> {
  const py = await findPython(PY_MODULES);
  let skip = py.missing ?? null;
  if (!skip && !(await tcpReachable("127.0.0.1", 5432))) skip = "PostgreSQL on 127.0.0.1:5432";
  if (skip && IN_CI) throw new Error(`python fault e2e cannot run: missing ${skip} (CI=true: e2e tests must not skip)`);
  return { python: py.python ?? "python3", skip };
}

/** Unique per checkout (MSA_E2E_SUFFIX) and per run. */
export const pyRunId = (): string => `${process.env.MSA_E2E_SUFFIX ?? ""}${randomUUID().slice(0, 6)}`.replace(/[^a-z0-9-]/gi, "").toLowerCase();

export const pyWorkerYaml = (kind: "rabbitmq" | "nats", name: string): string => `
version: 1
name: ${name}
broker: { kind: ${kind}, retry: { attempts: 3, initialDelay: 200ms, maxDelay: 2s } }
contexts:
  source:
    port: 3001
    publishes: [item.created]
  worker:
    runtime: python-flask
    port: 5000
    database: postgres
    consumes: [item.created]
events:
  item.created:
    schema:
      type: object
      required: [itemId]
      properties:
        itemId: { type: string }
`;

/** The user's handler: one row per run in the delivery's transaction; crash-* kills its own worker process
 * (a message that crashes the consumer every time, as an out-of-memory kill would). */
export const PY_WORKER_HANDLERS = `import os
import signal


def on_item_created(event, ctx):
    item_id = event["payload"]["itemId"]
    if item_id.startswith("crash"):
        ctx.log.error("crashing on purpose", extra={"fields": {"itemId": item_id}})
        os.kill(os.getpid(), signal.SIGKILL)
    ctx.db.execute("INSERT INTO handled (event_id, item_id) VALUES (%s, %s)", (event["eventId"], item_id))
`;

export interface Pg {
  query<R = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
}

export async function pg(url: string): Promise<Pg> {
  const lib = await sharedRequire<{ Client: new (o: { connectionString: string }) => Pg & { connect(): Promise<void> } }>("pg");
  const c = new lib.Client({ connectionString: url });
  await c.connect();
  return c;
}

export interface PyWorkerSystem {
  dir: string;
  serviceDir: string;
  databaseUrl: string;
  db: Pg;
  /** item ids handled (one entry per committed run) */
  handled(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/** Generates the system, writes the handler, creates the worker's database with its `handled` table. */
export async function pyWorkerSystem(kind: "rabbitmq" | "nats", name: string, database: string): Promise<PyWorkerSystem> {
  const dir = generatePythonSystem(pyWorkerYaml(kind, name));
  const serviceDir = path.join(dir, "services/worker");
  fs.writeFileSync(path.join(serviceDir, "app/event_handlers.py"), PY_WORKER_HANDLERS);
  const admin = await pg(POSTGRES_URL);
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${database}`);
  const databaseUrl = POSTGRES_URL.replace(/\/[^/?]*(\?|$)/, `/${database}$1`);
  const db = await pg(databaseUrl);
  await db.query("CREATE TABLE handled (event_id text NOT NULL, item_id text NOT NULL)");
  return {
    dir,
    serviceDir,
    databaseUrl,
    db,
    async handled() {
      return (await db.query<{ item_id: string }>("SELECT item_id FROM handled")).rows.map((r) => r.item_id);
    },
    async cleanup() {
      await db.end().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
      await admin.end().catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Item ids that appear more than once. */
export const twice = (ids: string[]): string[] => [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
