// Issue #17: the generated event store (node-express, PostgreSQL) against floors of plain INSERTs, in the same run.
// - append: EventStore.append of one event per call (advisory lock, expected-version check, the outbox row, the event
//   row, COMMIT), 8 writers on their own streams, against the floor: BEGIN; one plain INSERT of the same row; COMMIT,
//   with the same 8 writers;
// - rebuild: `rebuild()` of a read model (the generated projections:rebuild: a fresh table, every event through the
//   projection, the swap) against the floor: one transaction that reads the same events and INSERTs one row each
//   into a fresh plain table.
// Interleaved rounds, medians, ratios; the load average is printed with them (the machine is shared).
// usage: node bench/eventstore.mjs [--events 2000] [--rounds 3]
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { arg, generate, median, privateDatabase, progress, sharedModules } from "./messaging.mjs";

const EVENTS = Number(arg("--events", "2000"));
const ROUNDS = Number(arg("--rounds", "3"));
const WRITERS = 8;
const TAG = "eventstore";

const yaml = `version: 1
name: esbench
broker: { kind: rabbitmq }
contexts:
  accounts:
    port: 3000
    database: postgres
    persistence: event-sourced
    publishes: [money.deposited]
    readModels:
      balances: { from: [money.deposited] }
events:
  money.deposited:
    schema: { type: object, required: [amount], properties: { amount: { type: integer } } }
`;

const { shared, pg } = sharedModules();
progress(TAG, "generating and building the service");
const dir = generate(shared, "eventstore", yaml, ["accounts"]);
const gen = (f) => import(pathToFileURL(path.join(dir, "services/accounts/dist/generated", f)).href);
const [{ PostgresDatabase }, { EventStore }, { EventPublisher, EventValidators }, { rebuild }, { createLogger }, { createMetrics }, { ensureMessagingSchema }] = await Promise.all(
  ["database.js", "eventstore.js", "events.js", "projections.js", "logger.js", "metrics.js", "outbox.js"].map(gen),
);

const database = await privateDatabase(pg, `msa_bench_es_${process.pid}`);
const db = new PostgresDatabase(database.url, WRITERS + 2);
const log = createLogger("accounts", "warn");
const metrics = createMetrics("accounts");
// the publisher writes the outbox rows inside the append's transaction; nothing is sent (no relay runs here)
const events = new EventPublisher(null, new EventValidators(), log, metrics);
const store = new EventStore(db, events, () => undefined);
await ensureMessagingSchema(db);
await store.ensureSchema();
const floorClient = new pg.Pool({ connectionString: database.url, max: WRITERS + 2 });
floorClient.on("error", () => undefined); // the database is dropped with FORCE at the end
await floorClient.query(`CREATE TABLE floor_events (position bigserial PRIMARY KEY, stream_id varchar(255) NOT NULL, version integer NOT NULL, event_id varchar(64) NOT NULL UNIQUE,
  event_type varchar(255) NOT NULL, schema_version integer NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL DEFAULT '{}', recorded_at timestamptz NOT NULL DEFAULT now(), UNIQUE (stream_id, version))`);

async function writers(n, fn) {
  const per = Math.ceil(n / WRITERS);
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let i = 0; i < per; i++) await fn(w, i);
    }),
  );
  return (per * WRITERS) / (Number(process.hrtime.bigint() - t0) / 1e9);
}

const appendRates = [];
const floorRates = [];
const lockedRates = [];
/** The floor: BEGIN, one plain INSERT, COMMIT; `locked`: the same INSERT after the store's advisory lock (what the lock alone costs). */
const plain = (r, tag, locked) => async (w, i) => {
  const c = await floorClient.connect();
  try {
    await c.query("BEGIN");
    if (locked) await c.query("SELECT pg_advisory_xact_lock(7236961)");
    await c.query("INSERT INTO floor_events (stream_id, version, event_id, event_type, schema_version, data, metadata) VALUES ($1, $2, $3, $4, 1, $5, $6)", [
      `${tag}${r}-s${w}`,
      i + 1,
      `${tag}${r}-${w}-${i}-${process.pid}`,
      "money.deposited",
      JSON.stringify({ amount: i }),
      JSON.stringify({ correlationId: "bench" }),
    ]);
    await c.query("COMMIT");
  } finally {
    c.release();
  }
};
for (let r = 0; r < ROUNDS; r++) {
  appendRates.push(await writers(EVENTS, (w, i) => store.append(`r${r}-s${w}`, i, [{ type: "money.deposited", data: { amount: i } }])));
  floorRates.push(await writers(EVENTS, plain(r, "f", false)));
  lockedRates.push(await writers(EVENTS, plain(r, "l", true)));
  progress(TAG, `round ${r + 1}: append ${appendRates[r].toFixed(0)} events/s, floor ${floorRates[r].toFixed(0)} events/s, floor under the lock ${lockedRates[r].toFixed(0)} events/s`);
}

const rebuildRates = [];
const rebuildFloor = [];
const total = Number((await floorClient.query("SELECT count(*) AS n FROM msa_events")).rows[0].n);
for (let r = 0; r < ROUNDS; r++) {
  const res = await rebuild(db, "balances", log);
  rebuildRates.push(res.events / (Math.max(1, res.ms) / 1000));
  const c = await floorClient.connect();
  const t0 = process.hrtime.bigint();
  try {
    await c.query("BEGIN");
    await c.query("DROP TABLE IF EXISTS floor_rebuild");
    await c.query("CREATE TABLE floor_rebuild (position bigint PRIMARY KEY, stream_id text NOT NULL, data jsonb NOT NULL)");
    const rows = (await c.query("SELECT position, stream_id, data FROM msa_events ORDER BY position")).rows;
    for (const row of rows) await c.query("INSERT INTO floor_rebuild (position, stream_id, data) VALUES ($1, $2, $3)", [row.position, row.stream_id, row.data]);
    await c.query("COMMIT");
  } finally {
    c.release();
  }
  rebuildFloor.push(total / (Number(process.hrtime.bigint() - t0) / 1e9));
  progress(TAG, `rebuild round ${r + 1}: ${rebuildRates[r].toFixed(0)} events/s (${res.events} events), floor ${rebuildFloor[r].toFixed(0)} events/s`);
}

const load = os.loadavg().map((x) => x.toFixed(1)).join(" ");
const a = median(appendRates);
const af = median(floorRates);
const b = median(rebuildRates);
const bf = median(rebuildFloor);
console.log(`    append: rounds ${appendRates.map((x) => x.toFixed(0)).join(", ")} events/s; floor rounds ${floorRates.map((x) => x.toFixed(0)).join(", ")} events/s`);
console.log(`    append (${WRITERS} writers, 1 event per append, ${EVENTS} per round): ${a.toFixed(0)} events/s vs floor ${af.toFixed(0)} events/s = ${(a / af).toFixed(2)}×`);
console.log(`    floor under the append lock: rounds ${lockedRates.map((x) => x.toFixed(0)).join(", ")} events/s; median ${median(lockedRates).toFixed(0)} events/s = ${(median(lockedRates) / af).toFixed(2)}× the floor (what serializing the commits alone costs)`);
console.log(`    rebuild: rounds ${rebuildRates.map((x) => x.toFixed(0)).join(", ")} events/s; floor rounds ${rebuildFloor.map((x) => x.toFixed(0)).join(", ")} events/s`);
console.log(`    rebuild (${total} events): ${b.toFixed(0)} events/s vs floor ${bf.toFixed(0)} events/s = ${(b / bf).toFixed(2)}×`);
console.log(`    load average ${load} (${os.cpus().length} cores)`);

await floorClient.end();
await db.close();
await database.drop();
