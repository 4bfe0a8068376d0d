// e2e #6: a generated python-flask service runs under gunicorn (2 workers) against the local PostgreSQL
// and a broker: /health, /ready (database and broker up), its api stubs, correlation ids in its JSON
// logs, its own pytest suite, an event delivered twice handled once, an event published by a user's
// handler with the request's correlation id, and a graceful stop on SIGTERM.
// Once with RabbitMQ (the shared one on 5672), once with NATS JetStream (a private nats-server).
// Needs python3 with flask, gunicorn, pika, psycopg2, jsonschema, pytest (Debian: python3-flask gunicorn
// python3-pika python3-psycopg2 python3-jsonschema python3-pytest); MSA_E2E_PYTHON picks the interpreter.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findPython, freePort, generatePythonSystem, IN_CI, run, startGunicorn, tcpReachable, type Gunicorn } from "./flask-support.js";

const RABBITMQ_URL = process.env.MSA_E2E_RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672/";
const POSTGRES_URL = process.env.MSA_E2E_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? "/usr/sbin/nats-server";
const MODULES = ["flask", "gunicorn", "pika", "psycopg2", "jsonschema", "prometheus_client", "pytest"];

const systemYaml = (name: string, broker: string): string => `
version: 1
name: ${name}
broker: { kind: ${broker} }
contexts:
  catalog:
    runtime: python-flask
    description: Product catalog
    port: 5000
    database: postgres
    api: ["GET /products", "GET /products/{id}", "POST /products"]
    publishes: [product.created]
    consumes: [order.created]
  orders:
    port: 3000
    api: ["GET /orders/{id}"]
    publishes: [order.created]
    consumes: [product.created]
events:
  product.created:
    schema: { type: object, required: [productId], properties: { productId: { type: string } } }
  order.created:
    schema: { type: object, required: [orderId], properties: { orderId: { type: string } } }
`;

/** A user's implementation of POST /products: publishes product.created (what handlers.py is for). */
const USER_HANDLERS = `from flask import jsonify, request

from app.events import publish
from app.http import not_implemented


def get_products():
    return not_implemented("getProducts")


def get_products_by_id(id):
    return not_implemented("getProductsById", id=id)


def post_products():
    body = request.get_json(force=True)
    envelope = publish("product.created", body["productId"], {"productId": body["productId"]})
    return jsonify({"eventId": envelope["eventId"]}), 201
`;

/**
 * Test-side broker and database helper, run with the same Python: a private PostgreSQL database;
 * publish / watch (a throw-away queue, or a core NATS subscription) / cleanup of the topology.
 * NATS goes through the generated service's own app/nats_client.py.
 */
const HELPER = `import json, sys
url, cmd = sys.argv[1], sys.argv[2]
if cmd in ("createdb", "dropdb"):
    import psycopg2
    pg = psycopg2.connect(url)
    pg.autocommit = True
    pg.cursor().execute(("CREATE DATABASE " if cmd == "createdb" else "DROP DATABASE IF EXISTS ") + sys.argv[3])
    pg.close()
elif url.startswith("nats://"):
    sys.path.insert(0, sys.argv[3])
    from app.nats_client import NatsConnection, SUBJECT_PREFIX
    conn = NatsConnection(url)
    if cmd == "publish":
        print(conn.request(SUBJECT_PREFIX + sys.argv[4], sys.argv[5].encode()).data.decode(), flush=True)
    elif cmd == "watch":
        conn.subscribe(SUBJECT_PREFIX + sys.argv[4])
        conn.ping()
        print("READY", flush=True)
        import time
        msg = conn._next(time.monotonic() + float(sys.argv[5]))
        print(msg.data.decode() if msg not in (None, "PONG") else "TIMEOUT", flush=True)
else:
    import pika
    conn = pika.BlockingConnection(pika.URLParameters(url))
    ch = conn.channel()
    exchange = sys.argv[3] + ".events"
    if cmd == "publish":
        ch.basic_publish(exchange, sys.argv[4], sys.argv[5].encode(), pika.BasicProperties(content_type="application/json"))
    elif cmd == "watch":
        ch.exchange_declare(exchange=exchange, exchange_type="topic", durable=True)
        q = ch.queue_declare(queue="", exclusive=True).method.queue
        ch.queue_bind(queue=q, exchange=exchange, routing_key=sys.argv[4])
        print("READY", flush=True)
        for method, props, body in ch.consume(q, inactivity_timeout=float(sys.argv[5])):
            print(body.decode() if body else "TIMEOUT", flush=True)
            break
    elif cmd == "cleanup":
        system, context = sys.argv[3], sys.argv[4]
        for q in (f"{system}.{context}", f"{system}.{context}.dead-letter"):
            ch.queue_delete(queue=q)
        for x in (f"{system}.events", f"{system}.dlx"):
            ch.exchange_delete(exchange=x)
    conn.close()
`;

async function whatIsMissing(): Promise<{ python?: string; missing?: string }> {
  const py = await findPython(MODULES);
  if (py.missing) return py;
  if (!(await tcpReachable("127.0.0.1", 5432))) return { missing: "PostgreSQL on 127.0.0.1:5432" };
  return py;
}
const env = await whatIsMissing();
const rabbitMissing = env.missing ?? ((await tcpReachable("127.0.0.1", 5672)) ? undefined : "RabbitMQ on 127.0.0.1:5672");
const natsMissing = env.missing ?? (fs.existsSync(NATS_SERVER_BIN) ? undefined : `nats-server at ${NATS_SERVER_BIN} (set NATS_SERVER_BIN)`);
for (const [what, missing] of [["rabbitmq", rabbitMissing], ["nats", natsMissing]] as const) {
  if (missing && IN_CI) throw new Error(`flask e2e (${what}) cannot run: missing ${missing} (CI=true: e2e tests must not skip)`);
  if (missing) console.warn(`flask e2e (${what}) skipped: missing ${missing}`);
}
const python = env.python ?? "python3";

function suite(broker: "rabbitmq" | "nats", missing: string | undefined): void {
  describe.skipIf(!!missing)(`python-flask service under gunicorn with ${broker} (e2e)`, () => {
    const suffix = randomUUID().slice(0, 8);
    const systemName = `fe2e-${broker}-${suffix}`;
    const database = `fe2e_${suffix}`;
    const databaseUrl = POSTGRES_URL.replace(/\/[^/?]*(\?|$)/, `/${database}$1`);
    let dir = "";
    let serviceDir = "";
    let helper = "";
    let brokerUrl = RABBITMQ_URL;
    let nats: ChildProcess | undefined;
    let svc: Gunicorn | undefined;
    const helperArgs = (cmd: string, ...rest: string[]): string[] =>
      broker === "nats" ? [helper, brokerUrl, cmd, serviceDir, ...rest] : [helper, brokerUrl, cmd, systemName, ...rest];

    beforeAll(async () => {
      dir = generatePythonSystem(systemYaml(systemName, broker));
      serviceDir = path.join(dir, "services/catalog");
      helper = path.join(dir, "e2e_helper.py");
      fs.writeFileSync(helper, HELPER);
      await run(python, [helper, POSTGRES_URL, "createdb", database], { timeout: 15_000 });
      if (broker === "nats") {
        const port = await freePort();
        const store = fs.mkdtempSync(path.join(dir, "nats-"));
        nats = spawn(NATS_SERVER_BIN, ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", store], { stdio: "ignore" });
        brokerUrl = `nats://127.0.0.1:${port}`;
        const end = Date.now() + 10_000;
        while (!(await tcpReachable("127.0.0.1", port))) {
          if (Date.now() > end) throw new Error("private nats-server did not start within 10 s");
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    });

    afterAll(async () => {
      if (svc && svc.child.exitCode === null) {
        svc.child.kill("SIGKILL");
        await svc.exited;
      }
      if (broker === "rabbitmq" && helper) await run(python, [helper, brokerUrl, "cleanup", systemName, "catalog"], { timeout: 15_000 }).catch(() => undefined);
      if (nats && nats.exitCode === null) {
        const gone = new Promise((r) => nats!.once("exit", r));
        nats.kill("SIGTERM");
        await Promise.race([gone, new Promise((r) => setTimeout(r, 5_000))]);
        if (nats.exitCode === null) nats.kill("SIGKILL");
      }
      if (helper) await run(python, [helper, POSTGRES_URL, "dropdb", database], { timeout: 15_000 }).catch(() => undefined);
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it("passes its own generated pytest suite", async () => {
      const { stdout } = await run(python, ["-m", "pytest", "-p", "no:cacheprovider"], { cwd: serviceDir, timeout: 60_000 }).catch((e: { stdout?: string; stderr?: string }) => {
        throw new Error(`pytest failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
      });
      expect(stdout).toMatch(/\d+ passed/);
      expect(stdout).not.toMatch(/failed|error/);
    });

    it("starts under gunicorn and answers /health", async () => {
      // the user implements POST /products (handlers.py is theirs) before starting
      fs.writeFileSync(path.join(serviceDir, "app/handlers.py"), USER_HANDLERS);
      svc = await startGunicorn(python, serviceDir, { DATABASE_URL: databaseUrl, BROKER_URL: brokerUrl });
      expect(svc.raw.join("")).toMatch(/gunicorn/i);
      expect(await (await fetch(`${svc.base}/health`)).json()).toEqual({ status: "ok" });
    });

    it(`is ready: PostgreSQL and ${broker} are up`, async () => {
      const res = await fetch(`${svc!.base}/ready`);
      const body = (await res.json()) as unknown;
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body).toEqual({ status: "ready", checks: { database: { status: "up" }, broker: { status: "up" } } });
    });

    it("answers its api stubs with 501 and logs the correlation id", async () => {
      const correlationId = `flask-e2e-${suffix}`;
      const one = await fetch(`${svc!.base}/products/p-9`, { headers: { "X-Correlation-ID": correlationId } });
      expect(one.status).toBe(501);
      expect(await one.json()).toMatchObject({ operationId: "getProductsById", params: { id: "p-9" } });
      expect(one.headers.get("x-correlation-id")).toBe(correlationId);
      const all = await fetch(`${svc!.base}/products`);
      expect(all.status).toBe(501);
      expect(((await all.json()) as { operationId: string }).operationId).toBe("getProducts");
      const line = await svc!.waitFor(() => svc!.logs.find((l) => l.correlationId === correlationId && l.msg === "request"), 5_000, "the request log line");
      expect(line).toMatchObject({ service: "catalog", status: 501, route: "/products/<id>", level: "info" });
    });

    it("counts requests over both gunicorn workers in /metrics, whichever worker answers the scrape", async () => {
      // a new connection per request, 20 at once: the kernel hands them to both workers (one kept-alive
      // connection would stay with one worker and prove nothing)
      const get = (p: string): Promise<{ status: number; body: string }> =>
        new Promise((resolve, reject) => {
          http.get(`${svc!.base}${p}`, { agent: false }, (res) => {
            let body = "";
            res.setEncoding("utf8").on("data", (c: string) => (body += c)).on("end", () => resolve({ status: res.statusCode ?? 0, body }));
          }).on("error", reject);
        });
      const series = 'http_requests_total{method="GET",route="/products",status="501"}';
      const count = async (): Promise<number> => {
        const line = (await get("/metrics")).body.split("\n").find((l) => l.startsWith(`${series} `));
        return line ? Number(line.slice(series.length + 1)) : 0;
      };
      await new Promise((r) => setTimeout(r, 1_500)); // earlier requests written by their workers
      const before = await count();
      const answers = await Promise.all(Array.from({ length: 20 }, () => get("/products")));
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(501));
      // each worker writes its counters at most once a second; then every scrape, on either worker, sees the sum
      let last: number[] = [];
      await svc!.waitFor(async () => {
        last = await Promise.all(Array.from({ length: 12 }, () => count()));
        return last.every((c) => c === before + 20) ? true : undefined;
      }, 10_000, "the sum over both workers in every scrape");
      expect(last).toEqual(Array(12).fill(before + 20));
    });

    it("handles order.created once, though it is delivered twice to two workers", async () => {
      await svc!.waitFor(() => svc!.logs.filter((l) => l.msg === "consuming").length >= 1 || undefined, 10_000, "a worker consuming");
      const envelope = {
        eventId: randomUUID(),
        eventType: "order.created",
        aggregateId: "o-1",
        timestamp: new Date().toISOString(),
        version: 1,
        correlationId: `consume-${suffix}`,
        payload: { orderId: "o-1" },
      };
      for (let i = 0; i < 2; i++) await run(python, helperArgs("publish", "order.created", JSON.stringify(envelope)), { timeout: 15_000 });
      await svc!.waitFor(() => svc!.logs.find((l) => l.msg === "event handled" && l.eventId === envelope.eventId), 10_000, "order.created handled");
      // the copy either finds the event done, or in progress elsewhere (retried, then done)
      await svc!.waitFor(() => svc!.logs.find((l) => l.msg === "duplicate event skipped" && l.eventId === envelope.eventId), 15_000, "the duplicate skipped");
      expect(svc!.logs.filter((l) => l.msg === "received order.created" && l.correlationId === envelope.correlationId)).toHaveLength(1);
    });

    it("publishes product.created from a handler, with the request's correlation id", async () => {
      const watcher = spawn(python, helperArgs("watch", "product.created", "10"), { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      watcher.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      const done = new Promise<void>((resolve) => watcher.once("exit", () => resolve()));
      try {
        await svc!.waitFor(() => out.includes("READY") || undefined, 10_000, "the watcher's subscription");
        const correlationId = `publish-${suffix}`;
        const res = await fetch(`${svc!.base}/products`, {
          method: "POST",
          headers: { "content-type": "application/json", "X-Correlation-ID": correlationId },
          body: JSON.stringify({ productId: "p-1" }),
          signal: AbortSignal.timeout(10_000),
        });
        expect(res.status, await res.clone().text()).toBe(201);
        const { eventId } = (await res.json()) as { eventId: string };
        await done;
        const event = JSON.parse(out.split("\n")[1] ?? "null") as Record<string, unknown>;
        expect(event).toMatchObject({ eventId, eventType: "product.created", aggregateId: "p-1", version: 1, correlationId, payload: { productId: "p-1" } });
      } finally {
        if (watcher.exitCode === null) watcher.kill("SIGKILL");
      }
    });

    it("stops gracefully on SIGTERM", async () => {
      expect(await svc!.stop()).toBe(0);
    });
  });
}

suite("rabbitmq", rabbitMissing);
suite("nats", natsMissing);
