// The e2e harness: generate systems into temp dirs, install generated services' dependencies ONCE
// (one shared node_modules that every generated service resolves by walking up), build them, and run
// them as real processes. Also: free ports, bounded waits, a private nats-server, broker probes.
//
// API (kept small; other e2e tests may use it read-only):
//   generateSystem(yaml, name?)      → { dir, files }   system.yaml + generated files in a fresh dir under the shared root
//   ensureDependencies()             → root dir with node_modules (installed once, reused across runs)
//   buildService(dir)                → runs tsc (strict) for one generated service
//   runServiceTests(dir)             → runs the service's own vitest tests
//   startService(dir, env)           → ServiceProcess: url, logs, waitForLog, stop (SIGTERM), kill (SIGKILL)
//   startNatsServer()                → private nats-server with JetStream on a free port: stop/start keep its store
//   freePort(), waitFor(cond, ms, what), tcpReachable(host, port), requireBroker(kind)
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { loadSystemAt } from "../../src/cli/system.js";
import { hasErrors } from "../../src/core/diagnostics.js";
import { createRenderer } from "../../src/core/render.js";
import { planNodeServices } from "../../src/core/plan/service-node.js";
import {
  NODE_BROKER_DEPENDENCIES,
  NODE_DATABASE_DEPENDENCIES,
  NODE_DATABASE_DEV_DEPENDENCIES,
  NODE_DEPENDENCIES,
  NODE_DEV_DEPENDENCIES,
} from "../../src/core/plan/service-node-view.js";
import { loadTemplates } from "../../src/io/templates.js";

const run = promisify(execFile);
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const IN_CI = process.env.CI === "true";

// ---------------------------------------------------------------- dependencies, once per machine/run

/** Every dependency any generated node service can have, pinned: one install serves all systems. */
function allDependencies(): Record<string, string> {
  const all: Record<string, string> = { ...NODE_DEPENDENCIES, ...NODE_DEV_DEPENDENCIES };
  for (const m of Object.values(NODE_BROKER_DEPENDENCIES)) Object.assign(all, m);
  for (const m of Object.values(NODE_DATABASE_DEPENDENCIES)) Object.assign(all, m);
  for (const m of Object.values(NODE_DATABASE_DEV_DEPENDENCIES)) Object.assign(all, m);
  return Object.fromEntries(Object.entries(all).sort(([a], [b]) => (a < b ? -1 : 1)));
}

const depsKey = createHash("sha256").update(JSON.stringify(allDependencies())).digest("hex").slice(0, 12);
/** The shared root: node_modules here, generated systems below it in systems/. */
export const SHARED_ROOT = path.join(os.tmpdir(), `msa-e2e-${depsKey}`);

let installing: Promise<string> | undefined;

/** Installs the shared node_modules if missing (cross-process safe via a lock dir). */
export function ensureDependencies(): Promise<string> {
  installing ??= (async () => {
    const marker = path.join(SHARED_ROOT, ".installed");
    if (fs.existsSync(marker)) return SHARED_ROOT;
    fs.mkdirSync(SHARED_ROOT, { recursive: true });
    const lock = path.join(SHARED_ROOT, ".lock");
    const deadline = Date.now() + 300_000;
    for (;;) {
      try {
        fs.mkdirSync(lock);
        break;
      } catch {
        if (fs.existsSync(marker)) return SHARED_ROOT;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    try {
      if (fs.existsSync(marker)) return SHARED_ROOT;
      fs.writeFileSync(
        path.join(SHARED_ROOT, "package.json"),
        JSON.stringify({ name: "msa-e2e-shared", private: true, type: "module", dependencies: allDependencies() }, null, 2) + "\n",
      );
      await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline"], {
        cwd: SHARED_ROOT,
        timeout: 300_000,
        maxBuffer: 16 * 1024 * 1024,
      });
      fs.writeFileSync(marker, new Date().toISOString() + "\n");
      return SHARED_ROOT;
    } finally {
      fs.rmSync(lock, { recursive: true, force: true });
    }
  })();
  return installing;
}

// ---------------------------------------------------------------- generating

export interface GeneratedSystem {
  /** Directory holding system.yaml and the generated tree. */
  dir: string;
  files: string[];
}

/**
 * Writes system.yaml (and `extra` files beside it, e.g. schema files) into a fresh directory under the
 * shared root and generates its node services.
 */
export async function generateSystem(yaml: string, name = "system", extra: Record<string, string> = {}): Promise<GeneratedSystem> {
  const root = await ensureDependencies();
  const dir = path.join(root, "systems", `${name}-${randomUUID().slice(0, 8)}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, text] of Object.entries(extra)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  const file = path.join(dir, "system.yaml");
  fs.writeFileSync(file, yaml);
  const loaded = loadSystemAt(file, "system.yaml");
  if (!loaded.model || hasErrors(loaded.diagnostics)) {
    throw new Error(`system.yaml is invalid:\n${loaded.diagnostics.map((d) => `${d.line}:${d.column} ${d.message}`).join("\n")}`);
  }
  const planned = planNodeServices(loaded.model, createRenderer(loadTemplates()));
  for (const f of planned) {
    const abs = path.join(dir, f.path);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, f.content);
  }
  return { dir, files: planned.map((f) => f.path) };
}

/** Replaces a user-owned file of a generated service (as a user implementing a handler would). */
export function writeUserFile(serviceDir: string, rel: string, content: string): void {
  fs.writeFileSync(path.join(serviceDir, rel), content);
}

const bin = (pkg: string, rel: string): string => path.join(SHARED_ROOT, "node_modules", pkg, rel);

/**
 * Strict typecheck of sources and tests (tsconfig.json), then, unless `emit` is false, the build to
 * dist/ (tsconfig.build.json). Rejects with the compiler output.
 */
export async function buildService(serviceDir: string, opts: { emit?: boolean } = {}): Promise<void> {
  const tsc = bin("typescript", "bin/tsc");
  try {
    await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: serviceDir, timeout: 180_000 });
    if (opts.emit !== false) await run(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: serviceDir, timeout: 180_000 });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`tsc failed in ${serviceDir}:\n${err.stdout ?? ""}${err.stderr ?? ""}`);
  }
}

/** Runs the generated service's own tests; resolves with vitest's output, rejects with it when they fail. */
export async function runServiceTests(serviceDir: string): Promise<string> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin("vitest", "vitest.mjs"), "run", "--reporter=dot"], {
      cwd: serviceDir,
      timeout: 180_000,
      env: { ...process.env, CI: "true", NO_COLOR: "1", FORCE_COLOR: "0" },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`service tests failed in ${serviceDir}:\n${err.stdout ?? ""}${err.stderr ?? ""}`);
  }
}

// ---------------------------------------------------------------- processes

const children = new Set<ChildProcess>();
function killAll(): void {
  for (const c of children) if (c.pid && c.exitCode === null) c.kill("SIGKILL");
}
process.once("exit", killAll);

export type LogLine = Record<string, unknown> & { msg?: string };

export interface ServiceProcess {
  name: string;
  pid: number;
  port: number;
  url: string;
  /** Parsed JSON log lines so far (stdout). */
  logs: LogLine[];
  /** Non-JSON output (stderr and anything else). */
  raw: string[];
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs: number, what: string): Promise<LogLine>;
  /** SIGTERM, waits for the exit (bounded), SIGKILL if needed. */
  stop(): Promise<number | null>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  name: string;
  env: Record<string, string>;
  port?: number;
  /** Wait for /health 200 (default true). */
  waitHealthy?: boolean;
}

export async function startService(serviceDir: string, opts: StartOptions): Promise<ServiceProcess> {
  const port = opts.port ?? (await freePort());
  const child = spawn(process.execPath, ["dist/main.js"], {
    cwd: serviceDir,
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", PORT: String(port), SHUTDOWN_TIMEOUT_MS: "5000", ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  const logs: LogLine[] = [];
  const raw: string[] = [];
  const waiters = new Set<() => void>();
  const onLine = (line: string): void => {
    if (!line.trim()) return;
    try {
      logs.push(JSON.parse(line) as LogLine);
    } catch {
      raw.push(line);
    }
    for (const w of waiters) w();
  };
  let buf = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => raw.push(d));
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  const proc: ServiceProcess = {
    name: opts.name,
    pid: child.pid ?? -1,
    port,
    url: `http://127.0.0.1:${port}`,
    logs,
    raw,
    exited,
    waitForLog(pred, timeoutMs, what) {
      return new Promise<LogLine>((resolve, reject) => {
        const check = (): boolean => {
          const hit = logs.find(pred);
          if (hit) {
            clearTimeout(timer);
            waiters.delete(w);
            resolve(hit);
          }
          return !!hit;
        };
        const w = (): void => void check();
        const timer = setTimeout(() => {
          waiters.delete(w);
          reject(new Error(`${opts.name}: no log line "${what}" within ${timeoutMs} ms; last lines:\n${tail(proc)}`));
        }, timeoutMs);
        waiters.add(w);
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 8_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
    async kill() {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
  if (opts.waitHealthy !== false) {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${opts.name} exited with ${child.exitCode}:\n${tail(proc)}`);
        return (await httpGet(`${proc.url}/health`)).status === 200;
      },
      20_000,
      `${opts.name} /health`,
    );
  }
  return proc;
}

export function tail(p: ServiceProcess, n = 15): string {
  return [...p.logs.slice(-n).map((l) => JSON.stringify(l)), ...p.raw.slice(-5)].join("\n");
}

// ---------------------------------------------------------------- http, ports, waits

export interface HttpResult {
  status: number;
  headers: Headers;
  body: unknown;
}

async function request(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  try {
    const res = await fetch(url, {
      method,
      headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* text */
    }
    return { status: res.status, headers: res.headers, body: parsed };
  } catch (e) {
    return { status: 0, headers: new Headers(), body: String(e) };
  }
}
export const httpGet = (url: string, headers?: Record<string, string>): Promise<HttpResult> => request("GET", url, undefined, headers);
export const httpPost = (url: string, body: unknown, headers?: Record<string, string>): Promise<HttpResult> => request("POST", url, body, headers);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls cond every 100 ms until it is true; throws naming `what` after timeoutMs. */
export async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      if (await cond()) return;
    } catch (e) {
      last = e;
      if (e instanceof Error && /exited with/.test(e.message)) throw e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

export function tcpReachable(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

export const RABBITMQ_URL = process.env.MSA_E2E_RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";
export const NATS_URL = process.env.MSA_E2E_NATS_URL ?? "nats://127.0.0.1:4222";
export const POSTGRES_URL = process.env.MSA_E2E_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * Whether the shared local service is there. In CI a missing one is an error (every e2e test must run);
 * outside CI the caller skips with the returned message.
 */
export async function requireBroker(kind: "rabbitmq" | "nats" | "postgres"): Promise<string | null> {
  const where = { rabbitmq: ["127.0.0.1", 5672], nats: ["127.0.0.1", 4222], postgres: ["127.0.0.1", 5432] } as const;
  const [host, port] = where[kind];
  if (await tcpReachable(host, port)) return null;
  const message = `${kind} is not reachable on ${host}:${port}`;
  if (IN_CI) throw new Error(`${message} (CI=true: e2e tests must not skip)`);
  return message;
}

// ---------------------------------------------------------------- private nats-server

export interface NatsServer {
  port: number;
  url: string;
  pid(): number | undefined;
  /** Stops it (SIGTERM, then SIGKILL); the JetStream store stays for start(). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its store. */
  destroy(): Promise<void>;
}

export const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? "/usr/sbin/nats-server";

export async function startNatsServer(): Promise<NatsServer> {
  if (!fs.existsSync(NATS_SERVER_BIN)) throw new Error(`nats-server not found at ${NATS_SERVER_BIN} (set NATS_SERVER_BIN)`);
  const port = await freePort();
  const store = fs.mkdtempSync(path.join(os.tmpdir(), "msa-e2e-nats-"));
  let child: ChildProcess | undefined;
  const server: NatsServer = {
    port,
    url: `nats://127.0.0.1:${port}`,
    pid: () => child?.pid,
    async start() {
      const c = spawn(NATS_SERVER_BIN, ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", store], { stdio: "ignore" });
      children.add(c);
      c.once("exit", () => children.delete(c));
      child = c;
      await waitFor(() => tcpReachable("127.0.0.1", port, 300), 10_000, `nats-server on ${port}`);
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise<void>((r) => c.once("exit", () => r()));
      c.kill("SIGTERM");
      const t = setTimeout(() => c.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(t);
    },
    async destroy() {
      await server.stop();
      fs.rmSync(store, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}

// ---------------------------------------------------------------- built systems, cached on disk

export interface BuiltSystem {
  dir: string;
  service(name: string): string;
}

/**
 * Generates a system, writes the given user-owned files (path relative to the system dir → content),
 * and builds the listed services. Cached under the shared root by a hash of everything that shapes the
 * output (system.yaml, user files, msa's templates and node planner sources), so test files that need
 * the same system build it once.
 */
export async function buildSystemCached(
  name: string,
  yaml: string,
  userFiles: Record<string, string>,
  services: string[],
): Promise<BuiltSystem> {
  const root = await ensureDependencies();
  const h = createHash("sha256");
  h.update(yaml).update(JSON.stringify(Object.entries(userFiles).sort())).update(JSON.stringify(services));
  for (const [k, v] of loadTemplates()) if (k.startsWith("services/node-express/")) h.update(k).update(v);
  for (const f of fs.readdirSync(path.join(REPO_ROOT, "src/core/plan")).filter((f) => f.startsWith("service-node")).sort())
    h.update(fs.readFileSync(path.join(REPO_ROOT, "src/core/plan", f)));
  const dir = path.join(root, "built", `${name}-${h.digest("hex").slice(0, 12)}`);
  const marker = path.join(dir, ".built");
  const built: BuiltSystem = { dir, service: (s) => path.join(dir, "services", s) };
  if (fs.existsSync(marker)) return built;
  const sys = await generateSystem(yaml, name);
  for (const [rel, text] of Object.entries(userFiles)) fs.writeFileSync(path.join(sys.dir, rel), text);
  for (const s of services) await buildService(path.join(sys.dir, "services", s));
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.rmSync(dir, { recursive: true, force: true });
  try {
    fs.renameSync(sys.dir, dir);
  } catch {
    if (!fs.existsSync(marker)) throw new Error(`could not move ${sys.dir} to ${dir}`);
    return built; // another process won the race
  }
  fs.writeFileSync(marker, "ok\n");
  return built;
}

/** Loads a package from the shared node_modules (amqplib, nats, pg) for tests that talk to brokers directly. */
export async function sharedRequire<T>(pkg: string): Promise<T> {
  const { createRequire } = await import("node:module");
  await ensureDependencies();
  return createRequire(path.join(SHARED_ROOT, "package.json"))(pkg) as T;
}
