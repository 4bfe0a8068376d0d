// The python-flask RabbitMQ consumer settles finished deliveries in groups and acks the ones below every delivery
// still in hand with ONE basic.ack(multiple) (app/events.py, RabbitMqBroker._consume_on). A multiple ack covers every
// unacked delivery up to its tag, so it must never reach a delivery that is not settled: one whose handler still
// runs, or one whose retry / dead-letter copy the broker did not confirm (that copy is the only other place the event
// lives — acking the original then would lose it). The consumer runs here for real (its own handler threads, its
// settle and ack code) against a scripted stand-in for pika's connection and channels that records every ack and
// lets the test decide the order in which handlers finish.
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writePythonServices } from "../helpers/engine-model.js";

const run = promisify(execFile);
const PYTHON = process.env.MSA_E2E_PYTHON ?? "/usr/bin/python3";

const SYSTEM = `
version: 1
name: pyacks
broker: { kind: rabbitmq }
events:
  order.placed:
    schema: { type: object, required: [n], properties: { n: { type: integer } } }
contexts:
  orders:
    runtime: python-flask
    port: 5000
    database: none
    publishes: [order.placed]
  billing:
    runtime: python-flask
    port: 5001
    database: none
    consumes: [order.placed]
`;

/**
 * Delivers tags 1..6, releases the handlers in `order` (each one returns before the next is released), then lets the
 * connection's thread run the settle callback(s). Tag `dead` ends as a dead letter whose copy the broker refuses when
 * `refuse` is set. Tags in `held` are released only after the settle callbacks ran (still in hand while they run).
 * Prints {acks, nacks, copies, raised}.
 */
const DRIVER = `
import json, sys, threading, time
sys.path.insert(0, sys.argv[1])
import app.events as ev

scenario = json.loads(sys.argv[2])
TAGS = list(range(1, 7))
gates = {t: threading.Event() for t in TAGS}
returned = []
acks, nacks, copies, callbacks = [], [], [], []

class Method:
    def __init__(self, tag):
        self.delivery_tag = tag
        self.routing_key = "order.placed"

class Props:
    headers = None
    type = "order.placed"
    content_type = "application/json"
    message_id = "m"
    correlation_id = "c"
    timestamp = 0

class Refused(Exception):
    pass

class Channel:
    is_open = True
    def basic_qos(self, prefetch_count): pass
    def basic_consume(self, queue, callback):
        self.callback = callback
        return "ctag"
    def basic_ack(self, tag, multiple=False): acks.append([tag, multiple])
    def basic_nack(self, tag, requeue=True): nacks.append(tag)
    def basic_cancel(self, tag): pass

class Out:
    def confirm_delivery(self): pass
    def queue_declare(self, **kwargs): pass
    def basic_publish(self, exchange, routing_key, body, properties=None, mandatory=False):
        n = json.loads(body)["n"]
        copies.append(n)
        if scenario["refuse"] and n == scenario["dead"]:
            raise Refused("the dead-letter copy was not confirmed")

ch = Channel()
stop = threading.Event()

def settle_now():
    while callbacks:
        callbacks.pop(0)()

def release(t):
    gates[t].set()
    deadline = time.time() + 5
    while t not in returned and time.time() < deadline:
        time.sleep(0.005)
    time.sleep(0.05)  # the handler thread appends its outcome for the connection's thread

class Conn:
    is_open = True
    step = 0
    def channel(self): return Out()
    def add_callback_threadsafe(self, cb): callbacks.append(cb)
    def process_data_events(self, time_limit=None):
        self.step += 1
        if self.step == 1:
            for t in TAGS:
                ch.callback(ch, Method(t), Props(), json.dumps({"n": t}).encode())
            for t in scenario["order"]:
                release(t)
            settle_now()
            for t in scenario["held"]:
                release(t)
            settle_now()
        stop.set()

def handler(event_type, body, attempt):
    n = json.loads(body)["n"]
    gates[n].wait(5)
    returned.append(n)
    if n == scenario["dead"]:
        return ev.Outcome("dead", attempt=attempt, reason="handler-failed", error="boom")
    return ev.ACK

pool = ev.HandlerThreads(8)
raised = None
try:
    ev.RabbitMqBroker("amqp://guest:guest@127.0.0.1:1/")._consume_on(Conn(), ch, handler, stop, pool)
except Refused as e:
    raised = str(e)
pool.stop()
print(json.dumps({"acks": acks, "nacks": nacks, "copies": copies, "raised": raised}))
`;

interface Result {
  acks: [number, boolean][];
  nacks: number[];
  copies: number[];
  raised: string | null;
}

/** Every tag of 1..6 an ack reached: a multiple ack covers every delivery up to its tag. */
const acked = (r: Result): number[] => [...new Set(r.acks.flatMap(([tag, multiple]) => (multiple ? Array.from({ length: tag }, (_, i) => i + 1) : [tag])))].sort((a, b) => a - b);

let dir = "";
let service = "";
beforeAll(() => {
  dir = writePythonServices(SYSTEM, "msa-pyacks-");
  service = path.join(dir, "services/billing");
  fs.writeFileSync(path.join(dir, "driver.py"), DRIVER);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function consume(scenario: { order: number[]; held: number[]; dead: number; refuse: boolean }): Promise<Result> {
  const { stdout } = await run(PYTHON, [path.join(dir, "driver.py"), service, JSON.stringify(scenario)], {
    cwd: service,
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "error", BROKER_URL: "amqp://guest:guest@127.0.0.1:1/" },
    timeout: 60_000,
  });
  return JSON.parse(stdout.trim().split("\n").pop()!) as Result;
}

describe("python-flask RabbitMQ consumer: grouped acks", () => {
  it("a dead-letter copy the broker refuses is never covered by an ack: below it one multiple ack, above it one by one", async () => {
    // 3 fails for good; 1, 2, 4, 5 finish before it and 6 after it, all settled in one callback of the connection's thread
    const r = await consume({ order: [1, 2, 4, 5, 3, 6], held: [], dead: 3, refuse: true });
    expect(r.raised).toBe("the dead-letter copy was not confirmed"); // the connection is dropped: the broker redelivers
    expect(r.copies).toEqual([3]);
    expect(r.acks).toEqual([
      [2, true],
      [4, false],
      [5, false],
    ]);
    expect(acked(r)).toEqual([1, 2, 4, 5]); // 3 (its copy unconfirmed) and 6 (not settled yet) stay with the broker
  });

  it("a confirmed dead-letter copy is settled like an ack: every delivery acked by one multiple ack", async () => {
    const r = await consume({ order: [1, 2, 4, 5, 3, 6], held: [], dead: 3, refuse: false });
    expect(r.raised).toBeNull();
    expect(r.copies).toEqual([3]);
    expect(r.acks).toEqual([[6, true]]);
    expect(acked(r)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("a delivery still in hand is never covered: the ones above it are acked one by one, it later on its own", async () => {
    // 2's handler is still running while 1, 3, 4, 5, 6 are settled
    const r = await consume({ order: [1, 3, 4, 5, 6], held: [2], dead: 0, refuse: false });
    expect(r.raised).toBeNull();
    expect(r.acks.slice(0, 5)).toEqual([
      [1, false],
      [3, false],
      [4, false],
      [5, false],
      [6, false],
    ]);
    // once 2 is settled, the only delivery left unacked, a (multiple) ack of 2 covers nothing else unsettled
    expect(r.acks.slice(5).map(([tag]) => tag)).toEqual([2]);
    expect(acked(r)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
