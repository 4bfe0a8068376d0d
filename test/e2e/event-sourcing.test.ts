// Event sourcing and CQRS read models (issue #17, docs/event-sourcing.md), node-express on real PostgreSQL and
// RabbitMQ: the built CLI's services run as processes.
// - accounts is event-sourced: its aggregate (load → decide → append) stores account.opened / money.deposited in
//   msa_events and publishes them through the outbox; read model balances is projected from its own store;
// - statements consumes money.deposited: the inbox records each in its store, read model monthly projects them.
// Proven: concurrent appends at one expected version → exactly one 201, the others 409; a v1 event written into the
// store is served as v2 through the upcaster (to the aggregate and to the projector); kill -9 right after an append
// (MSA_FAILPOINT=after-append) → after the restart the read model agrees with the store; projections:rebuild gives
// the incremental result; every stored event is published exactly once (deliveries counted on a tap queue).
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSystemCached, httpGet, httpPost, POSTGRES_URL, RABBITMQ_URL, requireBroker, startService, waitFor, type BuiltSystem, type ServiceProcess, pgClient, type PgClient } from "./harness.js";
import { rabbit } from "./fixtures/system.js";

const SYSTEM = `esbank${process.env.MSA_E2E_SUFFIX ?? ""}`;
const RUN = randomUUID().slice(0, 8);

const yaml = `
version: 1
name: ${SYSTEM}
broker: { kind: rabbitmq }
contexts:
  accounts:
    port: 3000
    database: postgres
    persistence: event-sourced
    api: ["POST /accounts", "POST /accounts/{id}/deposits", "GET /accounts/{id}"]
    publishes: [account.opened, money.deposited]
    readModels:
      balances: { from: [account.opened, money.deposited] }
  statements:
    port: 3001
    database: postgres
    consumes: [money.deposited]
    readModels:
      monthly: { from: [money.deposited] }
events:
  account.opened:
    compatibility: none
    versions:
      1: { type: object, required: [owner], properties: { owner: { type: string } } }
      2: { type: object, required: [owner, currency], properties: { owner: { type: string }, currency: { type: string } } }
  money.deposited:
    schema: { type: object, required: [amount], properties: { amount: { type: integer } } }
`;

const userFiles: Record<string, string> = {
  "services/accounts/src/domain/aggregate.ts": `import type { Aggregate } from "../generated/aggregate.js";

export interface State { opened: boolean; balance: number }
export type Command = { type: "open"; owner: string; currency: string } | { type: "deposit"; amount: number };

const refuse = (status: number, message: string): Error => Object.assign(new Error(message), { status });

export const aggregate: Aggregate<State, Command> = {
  snapshotEvery: 3,
  initial: () => ({ opened: false, balance: 0 }),
  apply(state, event) {
    switch (event.type) {
      case "account.opened":
        return { ...state, opened: event.data.currency.length === 3 };
      case "money.deposited":
        return { ...state, balance: state.balance + event.data.amount };
    }
    return state;
  },
  decide(state, command) {
    if (command.type === "open") {
      if (state.opened) throw refuse(409, "already open");
      return [{ type: "account.opened", data: { owner: command.owner, currency: command.currency } }];
    }
    if (!state.opened) throw refuse(404, "no such account");
    return [{ type: "money.deposited", data: { amount: command.amount } }];
  },
};
`,
  "services/accounts/src/handlers/postAccounts.ts": `import type { Request, Response } from "express";
import { execute } from "../generated/aggregate.js";
import type { HandlerContext } from "../generated/routes.js";
import { aggregate } from "../domain/aggregate.js";

export async function postAccounts(req: Request, res: Response, ctx: HandlerContext): Promise<void> {
  const body = req.body as { id: string; owner: string; currency: string };
  const r = await execute(ctx.store, aggregate, body.id, { type: "open", owner: body.owner, currency: body.currency });
  res.status(201).json({ id: body.id, version: r.version });
}
`,
  "services/accounts/src/handlers/postAccountsByIdDeposits.ts": `import type { Request, Response } from "express";
import { execute } from "../generated/aggregate.js";
import type { HandlerContext } from "../generated/routes.js";
import { aggregate } from "../domain/aggregate.js";

export async function postAccountsByIdDeposits(req: Request<{ id: string }>, res: Response, ctx: HandlerContext): Promise<void> {
  const ifMatch = req.get("if-match");
  const r = await execute(ctx.store, aggregate, req.params.id, { type: "deposit", amount: Number((req.body as { amount: unknown }).amount) }, ifMatch ? { expectedVersion: Number(ifMatch) } : {});
  res.status(201).json({ version: r.version, balance: r.state.balance });
}
`,
  "services/accounts/src/handlers/getAccountsById.ts": `import type { Request, Response } from "express";
import type { HandlerContext } from "../generated/routes.js";

export async function getAccountsById(req: Request<{ id: string }>, res: Response, ctx: HandlerContext): Promise<void> {
  const r = await ctx.db.query("SELECT id, owner, currency, balance::int AS balance, deposits FROM rm_balances WHERE id = $1", [req.params.id]);
  if (!r.rows[0]) res.status(404).json({ error: "not found" });
  else res.json(r.rows[0]);
}
`,
  "services/accounts/src/projections/balances.ts": `import type { BalancesEvents, Projection } from "../generated/projections.js";

export const balances: Projection<BalancesEvents> = {
  schema: (table) => [
    \`CREATE TABLE IF NOT EXISTS \${table} (id text PRIMARY KEY, owner text NOT NULL, currency text NOT NULL, balance bigint NOT NULL DEFAULT 0, deposits integer NOT NULL DEFAULT 0)\`,
  ],
  async apply(event, ctx) {
    if (event.type === "account.opened")
      await ctx.query(\`INSERT INTO \${ctx.table} (id, owner, currency) VALUES ($1, $2, $3)\`, [event.streamId, event.data.owner, event.data.currency]);
    else await ctx.query(\`UPDATE \${ctx.table} SET balance = balance + $2, deposits = deposits + 1 WHERE id = $1\`, [event.streamId, event.data.amount]);
  },
};
`,
  "services/accounts/src/upcasters/account.opened.v2.ts": `import type { AccountOpenedV1, AccountOpenedV2 } from "../generated/events.js";

export function accountOpenedV1ToV2(data: AccountOpenedV1): AccountOpenedV2 {
  return { ...data, currency: "EUR" };
}
`,
  "services/statements/src/projections/monthly.ts": `import type { MonthlyEvents, Projection } from "../generated/projections.js";

export const monthly: Projection<MonthlyEvents> = {
  schema: (table) => [
    \`CREATE TABLE IF NOT EXISTS \${table} (account text NOT NULL, month text NOT NULL, total bigint NOT NULL, deposits integer NOT NULL, PRIMARY KEY (account, month))\`,
  ],
  async apply(event, ctx) {
    await ctx.query(
      \`INSERT INTO \${ctx.table} (account, month, total, deposits) VALUES ($1, $2, $3, 1)
       ON CONFLICT (account, month) DO UPDATE SET total = \${ctx.table}.total + EXCLUDED.total, deposits = \${ctx.table}.deposits + 1\`,
      [String(event.metadata.aggregateId), String(event.metadata.publishedAt).slice(0, 7), event.data.amount],
    );
  },
};
`,
};

const dbUrl = (db: string): string => POSTGRES_URL.replace(/\/[^/]*$/, `/${db}`);
const run = promisify(execFile);

const skip = (await requireBroker("rabbitmq")) ?? (await requireBroker("postgres"));

describe.skipIf(!!skip)("event sourcing and read models: node-express on PostgreSQL + RabbitMQ", () => {
  let built: BuiltSystem;
  let admin: PgClient;
  let acc: PgClient;
  let st: PgClient;
  const accDb = `msa_es_acc_${RUN}`;
  const stDb = `msa_es_st_${RUN}`;
  let accounts: ServiceProcess;
  let statements: ServiceProcess;
  let tapClose: () => Promise<void> = async () => undefined;
  /** eventId → deliveries of accounts' events seen on the tap queue. */
  const published = new Map<string, number>();
  let drainTap: () => Promise<void> = async () => undefined;
  const startAccounts = (extra: Record<string, string> = {}): Promise<ServiceProcess> =>
    startService(built.service("accounts"), { name: "accounts", env: { BROKER_URL: RABBITMQ_URL, DATABASE_URL: dbUrl(accDb), ...extra } });
  const balance = async (id: string): Promise<Record<string, unknown> | undefined> => (await acc.query("SELECT owner, currency, balance::int AS balance, deposits FROM rm_balances WHERE id = $1", [id])).rows[0];
  const storedOwn = async (): Promise<string[]> => (await acc.query<{ event_id: string }>("SELECT event_id FROM msa_events ORDER BY position")).rows.map((r) => r.event_id);

  beforeAll(async () => {
    built = await buildSystemCached("esbank", yaml, userFiles, ["accounts", "statements"]);
    const { ch, close } = await rabbit(RABBITMQ_URL);
    for (const q of [`${SYSTEM}.statements`, `${SYSTEM}.statements.dead-letter`]) await ch.deleteQueue(q);
    // a tap on every event of accounts, bound before anything is published
    const tap = `${SYSTEM}.e2e-tap-${RUN}`;
    await ch.assertExchange(`${SYSTEM}.events`, "topic", { durable: true });
    await ch.assertQueue(tap, { exclusive: true });
    for (const k of ["account.opened", "money.deposited"]) await ch.bindQueue(tap, `${SYSTEM}.events`, k);
    tapClose = close;
    drainTap = async () => {
      for (let m = await ch.get(tap, { noAck: true }); m; m = await ch.get(tap, { noAck: true })) {
        const id = (JSON.parse(m.content.toString("utf8")) as { eventId: string }).eventId;
        published.set(id, (published.get(id) ?? 0) + 1);
      }
    };
    admin = await pgClient(POSTGRES_URL);
    await admin.query(`CREATE DATABASE ${accDb}`);
    await admin.query(`CREATE DATABASE ${stDb}`);
    acc = await pgClient(dbUrl(accDb));
    st = await pgClient(dbUrl(stDb));
    accounts = await startAccounts();
    statements = await startService(built.service("statements"), { name: "statements", env: { BROKER_URL: RABBITMQ_URL, DATABASE_URL: dbUrl(stDb) } });
    await statements.waitForLog((l) => l.msg === "listening", 20_000, "statements listening");
  }, 300_000);

  afterAll(async () => {
    await Promise.all([accounts?.stop(), statements?.stop()]);
    await tapClose();
    await acc?.end();
    await st?.end();
    for (const d of [accDb, stDb]) await admin?.query(`DROP DATABASE IF EXISTS ${d} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
  });

  it("concurrent appends at one expected version: exactly one wins, the others get 409; the read model follows", async () => {
    expect((await httpPost(`${accounts.url}/accounts`, { id: "a1", owner: "ann", currency: "EUR" })).status).toBe(201);
    const racing = await Promise.all(Array.from({ length: 5 }, () => httpPost(`${accounts.url}/accounts/a1/deposits`, { amount: 10 }, { "if-match": "1" })));
    const statuses = racing.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409]);
    // more deposits, each at the version it read (no If-Match: the version loaded)
    for (const amount of [5, 7, 11]) expect((await httpPost(`${accounts.url}/accounts/a1/deposits`, { amount })).status).toBe(201);
    await waitFor(async () => (await balance("a1"))?.balance === 33, 20_000, "rm_balances to reach 33");
    expect(await balance("a1")).toEqual({ owner: "ann", currency: "EUR", balance: 33, deposits: 4 });
    expect((await httpGet(`${accounts.url}/accounts/a1`)).body).toMatchObject({ id: "a1", balance: 33 });
    // stored: 1 + 4 events in stream a1, versions 1..5, the metadata carrying the correlation id
    const rows = (await acc.query<{ version: number; metadata: { correlationId?: string } }>("SELECT version, metadata FROM msa_events WHERE stream_id = 'a1' ORDER BY version")).rows;
    expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4, 5]);
    expect(rows.every((r) => typeof r.metadata.correlationId === "string")).toBe(true);
    // snapshotEvery: 3 → a snapshot at version 3 (the state as JSON)
    expect((await acc.query("SELECT version, state FROM msa_snapshots WHERE stream_id = 'a1'")).rows[0]).toEqual({ version: 3, state: { opened: true, balance: 15 } });
    // the append-only trigger
    await expect(acc.query("DELETE FROM msa_events WHERE stream_id = 'a1'")).rejects.toThrow(/append-only/);
    // statements projects the consumed deposits (recorded by its inbox)
    await waitFor(async () => Number((await st.query<{ t: string }>("SELECT coalesce(sum(total), 0) AS t FROM rm_monthly WHERE account = 'a1'")).rows[0]?.t) === 33, 20_000, "rm_monthly of statements to reach 33");
  });

  it("a v1 event in the store is served as v2 through the upcaster, to the aggregate and to the projector", async () => {
    // written the way an older version of the service stored it
    await acc.query("INSERT INTO msa_events (stream_id, version, event_id, event_type, schema_version, data) VALUES ('a2', 1, $1, 'account.opened', 1, $2)", [randomUUID(), JSON.stringify({ owner: "old" })]);
    // the aggregate opens the account only when the v2 currency is there (apply reads event.data.currency)
    const r = await httpPost(`${accounts.url}/accounts/a2/deposits`, { amount: 3 });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    await waitFor(async () => (await balance("a2"))?.balance === 3, 20_000, "rm_balances of a2");
    expect(await balance("a2")).toEqual({ owner: "old", currency: "EUR", balance: 3, deposits: 1 });
  });

  it("kill -9 between the append and the projection: after the restart the read model agrees with the store", async () => {
    await accounts.stop();
    const crashing = await startAccounts({ MSA_FAILPOINT: "after-append" });
    await httpPost(`${crashing.url}/accounts/a1/deposits`, { amount: 100 }).catch(() => undefined); // dies mid-request
    expect(await crashing.exited).toBe(null); // killed by a signal
    // stored, not yet projected
    expect((await acc.query("SELECT count(*)::int AS n FROM msa_events WHERE stream_id = 'a1'")).rows[0]).toEqual({ n: 6 });
    expect((await balance("a1"))?.balance).toBe(33);
    accounts = await startAccounts();
    await waitFor(async () => (await balance("a1"))?.balance === 133, 20_000, "rm_balances to catch up after the restart");
    const cp = (await acc.query<{ position: string; max: string }>("SELECT position, (SELECT max(position) FROM msa_events) AS max FROM msa_projections WHERE name = 'balances'")).rows[0];
    expect(cp?.position).toBe(cp?.max);
    expect((await balance("a1"))?.deposits).toBe(5);
  });

  it("projections:rebuild from position 0 gives the incremental result, and every stored event was published exactly once", async () => {
    const dump = async (c: PgClient, sql: string): Promise<unknown[]> => (await c.query(sql)).rows;
    const balancesSql = "SELECT id, owner, currency, balance::int AS balance, deposits FROM rm_balances ORDER BY id";
    const monthlySql = "SELECT account, month, total::int AS total, deposits FROM rm_monthly ORDER BY account, month";
    await waitFor(async () => Number((await st.query<{ t: string }>("SELECT coalesce(sum(total), 0) AS t FROM rm_monthly")).rows[0]?.t) === 136, 20_000, "rm_monthly to see every deposit");
    const before = { balances: await dump(acc, balancesSql), monthly: await dump(st, monthlySql) };
    const a = await run("npm", ["run", "--silent", "projections:rebuild", "--", "balances"], { cwd: built.service("accounts"), env: { ...process.env, DATABASE_URL: dbUrl(accDb) } });
    expect(a.stdout).toMatch(/rebuilt balances: 8 events/);
    const s = await run("npm", ["run", "--silent", "projections:rebuild", "--", "monthly"], { cwd: built.service("statements"), env: { ...process.env, DATABASE_URL: dbUrl(stDb) } });
    expect(s.stdout).toMatch(/rebuilt monthly: 6 events/);
    expect({ balances: await dump(acc, balancesSql), monthly: await dump(st, monthlySql) }).toEqual(before);
    // the live projector goes on from the swapped checkpoint: one more deposit lands once
    expect((await httpPost(`${accounts.url}/accounts/a2/deposits`, { amount: 1 })).status).toBe(201);
    await waitFor(async () => (await balance("a2"))?.balance === 4, 20_000, "rm_balances after the rebuild");
    expect((await acc.query("SELECT count(*)::int AS n FROM rm_balances")).rows[0]).toEqual({ n: 2 });
    // published once per stored event (the v1 row written by hand above was never published)
    const stored = await storedOwn();
    const injected = (await acc.query<{ event_id: string }>("SELECT event_id FROM msa_events WHERE schema_version = 1 AND event_type = 'account.opened'")).rows.map((r) => r.event_id);
    const expected = stored.filter((id) => !injected.includes(id)).sort();
    await waitFor(
      async () => {
        await drainTap();
        return published.size >= expected.length;
      },
      20_000,
      "every stored event on the tap queue",
    );
    await new Promise((r) => setTimeout(r, 500));
    await drainTap();
    expect([...published.keys()].sort()).toEqual(expected);
    expect([...published.values()].every((n) => n === 1)).toBe(true);
    // and the consumer stored each consumed deposit once
    await waitFor(async () => Number((await st.query<{ n: number }>("SELECT count(*)::int AS n FROM msa_events WHERE event_type = 'money.deposited'")).rows[0]?.n) === 7, 20_000, "statements to store the last deposit");
    expect((await st.query("SELECT count(*)::int AS n FROM msa_inbox")).rows[0]).toEqual({ n: 7 });
  });
});
