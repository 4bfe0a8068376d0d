// Shared by dlq-*.test.ts and broker-restart-*.test.ts: a one-service system (worker consumes item.created)
// with small retry delays, a consumer that throws for "poison" items while a marker file exists, direct
// publishers that retry until the broker confirms, the built CLI, and clean-up of the system's topology.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { toEnvName } from "../../src/core/names.js";
import { buildSystemCached, freePort, REPO_ROOT, sharedRequire, tcpReachable, waitFor, type BuiltSystem, type LogLine, type ServiceProcess } from "./harness.js";

const run = promisify(execFile);

export type Kind = "rabbitmq" | "nats";

/** Unique per checkout (MSA_E2E_SUFFIX) and per purpose, so concurrent runs never share queues or streams. */
export const dlqSystemName = (kind: Kind, purpose: string): string => `msae2e-${purpose}-${kind}${process.env.MSA_E2E_SUFFIX ?? ""}`;

export const dlqYaml = (kind: Kind, name: string): string => `
version: 1
name: ${name}
broker: { kind: ${kind}, retry: { attempts: 3, initialDelay: 200ms, maxDelay: 2s } }
contexts:
  source:
    port: 3001
    publishes: [item.created]
  worker:
    port: 3000
    consumes: [item.created]
events:
  item.created:
    schema:
      type: object
      required: [itemId]
      properties:
        itemId: { type: string }
`;

/** Throws for items named poison-* while $FAIL_MARKER exists; logs "item handled" otherwise. */
const consumer = `import fs from "node:fs";
import type { ConsumerContext, ItemCreatedEvent } from "../generated/events.js";

export async function onItemCreated(event: ItemCreatedEvent, ctx: ConsumerContext): Promise<void> {
  const marker = process.env.FAIL_MARKER;
  if (marker && fs.existsSync(marker) && event.payload.itemId.startsWith("poison")) {
    ctx.log.warn({ itemId: event.payload.itemId }, "failing on purpose");
    throw new Error("failing on purpose while " + marker + " exists");
  }
  ctx.log.info({ itemId: event.payload.itemId }, "item handled");
}
`;

export function buildDlqSystem(kind: Kind, purpose: string): Promise<BuiltSystem> {
  const name = dlqSystemName(kind, purpose);
  return buildSystemCached(name, dlqYaml(kind, name), { "services/worker/src/consumers/item.created.ts": consumer }, ["worker"]);
}

export interface Envelope {
  eventId: string;
  eventType: string;
  aggregateId: string;
  timestamp: string;
  version: number;
  correlationId: string;
  payload: Record<string, unknown>;
}

export const envelope = (itemId: unknown): Envelope => ({
  eventId: randomUUID(),
  eventType: "item.created",
  aggregateId: String(itemId),
  timestamp: new Date().toISOString(),
  version: 1,
  correlationId: `corr-${randomUUID().slice(0, 8)}`,
  payload: { itemId },
});

export const handled = (p: ServiceProcess, eventId: string): LogLine[] => p.logs.filter((l) => l.msg === "item handled" && l.eventId === eventId);

/** A publisher that retries each event until the broker confirms it (reconnecting as needed). */
export interface Publisher {
  publish(e: Envelope): Promise<void>;
  /** Publishes that failed and were tried again. */
  readonly retries: number;
  close(): Promise<void>;
}

interface AmqpConfirmChannel {
  publish(ex: string, key: string, body: Buffer, o: object, cb: (err: unknown) => void): boolean;
  on(ev: string, f: (e: unknown) => void): void;
  deleteQueue(q: string): Promise<unknown>;
  deleteExchange(e: string): Promise<unknown>;
  assertExchange(e: string, type: string, o: object): Promise<unknown>;
  close(): Promise<void>;
}
interface AmqpConn {
  createConfirmChannel(): Promise<AmqpConfirmChannel>;
  on(ev: string, f: (e: unknown) => void): void;
  close(): Promise<void>;
}
interface Amqp {
  connect(url: string, o?: object): Promise<AmqpConn>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function rabbitPublisher(url: string, system: string): Promise<Publisher> {
  const amqp = await sharedRequire<Amqp>("amqplib");
  let conn: AmqpConn | undefined;
  let ch: AmqpConfirmChannel | undefined;
  let retries = 0;
  const channel = async (): Promise<AmqpConfirmChannel> => {
    if (ch) return ch;
    const c = await amqp.connect(url, { timeout: 2_000 });
    c.on("error", () => undefined);
    c.on("close", () => {
      if (conn === c) {
        conn = undefined;
        ch = undefined;
      }
    });
    const channelNow = await c.createConfirmChannel();
    channelNow.on("error", () => undefined);
    conn = c;
    ch = channelNow;
    return channelNow;
  };
  return {
    get retries() {
      return retries;
    },
    async publish(e) {
      for (let i = 0; ; i++) {
        try {
          const c = await channel();
          await new Promise<void>((resolve, reject) => {
            const t = setTimeout(() => reject(new Error("no confirm within 5 s")), 5_000);
            c.publish(`${system}.events`, e.eventType, Buffer.from(JSON.stringify(e)), { persistent: true, messageId: e.eventId, type: e.eventType, contentType: "application/json" }, (err) => {
              clearTimeout(t);
              if (err) reject(err instanceof Error ? err : new Error(String(err)));
              else resolve();
            });
          });
          return;
        } catch (err) {
          if (i > 600) throw err;
          retries++;
          const old = conn;
          conn = undefined;
          ch = undefined;
          await old?.close().catch(() => undefined);
          await sleep(100);
        }
      }
    },
    async close() {
      await conn?.close().catch(() => undefined);
    },
  };
}

interface NatsConn {
  jetstream(o?: object): { publish(subject: string, data: Uint8Array, o?: object): Promise<unknown> };
  jetstreamManager(): Promise<{ streams: { delete(name: string): Promise<boolean> } }>;
  close(): Promise<void>;
}
interface NatsLib {
  connect(o: object): Promise<NatsConn>;
}

export async function natsConnect(url: string): Promise<NatsConn> {
  const nats = await sharedRequire<NatsLib>("nats");
  return nats.connect({ servers: url.replace(/^nats:\/\//, ""), reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
}

export async function natsPublisher(url: string, system: string): Promise<Publisher> {
  const nc = await natsConnect(url);
  const js = nc.jetstream({ timeout: 2_000 });
  let retries = 0;
  return {
    get retries() {
      return retries;
    },
    async publish(e) {
      for (let i = 0; ; i++) {
        try {
          // the message id makes a retried publish that did reach the stream a no-op (the stream's duplicate window)
          await js.publish(`${system}.events.${e.eventType}`, new TextEncoder().encode(JSON.stringify(e)), { msgID: e.eventId });
          return;
        } catch (err) {
          if (i > 600) throw err;
          retries++;
          await sleep(100);
        }
      }
    },
    async close() {
      await nc.close().catch(() => undefined);
    },
  };
}

export const publisherFor = (kind: Kind, url: string, system: string): Promise<Publisher> => (kind === "rabbitmq" ? rabbitPublisher(url, system) : natsPublisher(url, system));

/** Deletes what the system made on the broker: queues (retry queues of the test's delays included) and exchanges, or streams. */
export async function cleanTopology(kind: Kind, url: string, system: string): Promise<void> {
  if (kind === "nats") {
    const nc = await natsConnect(url);
    const jsm = await nc.jetstreamManager();
    for (const s of ["EVENTS", "DLQ"]) await jsm.streams.delete(`${toEnvName(system)}_${s}`).catch(() => false);
    await nc.close();
    return;
  }
  const amqp = await sharedRequire<Amqp>("amqplib");
  const conn = await amqp.connect(url);
  conn.on("error", () => undefined);
  try {
    for (const q of ["worker", "worker.dead-letter", ...[200, 400, 800, 1600, 2000].map((d) => `worker.retry.${d}`)]) {
      const ch = await conn.createConfirmChannel();
      ch.on("error", () => undefined);
      await ch.deleteQueue(`${system}.${q}`).catch(() => undefined);
      await ch.close().catch(() => undefined);
    }
    const ch = await conn.createConfirmChannel();
    ch.on("error", () => undefined);
    await ch.deleteExchange(`${system}.events`).catch(() => undefined);
    await ch.deleteExchange(`${system}.dlx`).catch(() => undefined);
  } finally {
    await conn.close().catch(() => undefined);
  }
}

/** Runs the built CLI in the system's directory. */
export async function msa(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(REPO_ROOT, "bin", "msa.js"), ...args], { cwd, env: { ...process.env, ...env }, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof err.code === "number" ? err.code : 2, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
  }
}

// ---------------------------------------------------------------- a private RabbitMQ node (never the shared one)

export const RABBITMQ_BIN = process.env.RABBITMQ_BIN_DIR ?? "/usr/lib/rabbitmq/bin";

export interface PrivateRabbit {
  url: string;
  node: string;
  start(): Promise<void>;
  /** rabbitmqctl -n NODE stop: this node only; its data stays for start(). */
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

/** Why a private RabbitMQ node cannot run here, or null. With CI=true that is an error, not a skip. */
export function privateRabbitUnavailable(): string | null {
  if (fs.existsSync(path.join(RABBITMQ_BIN, "rabbitmq-server"))) return null;
  const why = `rabbitmq-server is not installed in ${RABBITMQ_BIN}`;
  if (process.env.CI === "true") throw new Error(`${why} (CI=true: e2e tests must not skip)`);
  return why;
}

export async function startPrivateRabbit(): Promise<PrivateRabbit> {
  const port = await freePort();
  const distPort = await freePort();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), "msa-e2e-rabbit-"));
  fs.writeFileSync(path.join(base, "enabled_plugins"), "");
  const node = `msae2e${port}@localhost`;
  const env = {
    ...process.env,
    HOME: base, // its own Erlang cookie
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: path.join(base, "mnesia"),
    RABBITMQ_LOG_BASE: path.join(base, "log"),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(base, "enabled_plugins"),
    RABBITMQ_CONFIG_FILE: path.join(base, "none"),
  };
  let child: ChildProcess | undefined;
  const rabbit: PrivateRabbit = {
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    node,
    async start() {
      const c = spawn(path.join(RABBITMQ_BIN, "rabbitmq-server"), [], { env, stdio: "ignore" });
      child = c;
      await waitFor(() => tcpReachable("127.0.0.1", port, 300), 90_000, `private RabbitMQ on ${port}`);
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise<void>((r) => c.once("exit", () => r()));
      await run(path.join(RABBITMQ_BIN, "rabbitmqctl"), ["-n", node, "stop"], { env, timeout: 60_000 }).catch(() => c.kill("SIGKILL"));
      const t = setTimeout(() => c.kill("SIGKILL"), 30_000);
      await exited;
      clearTimeout(t);
    },
    async destroy() {
      await rabbit.stop();
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
  await rabbit.start();
  return rabbit;
}
