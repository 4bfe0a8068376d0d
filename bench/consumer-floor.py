"""The python floor of bench/consumer.mjs (issue 13 item 8): the least a Python consumer with an inbox on PostgreSQL
does per event, hand-written, so that the generated python-flask consumer is measured against Python, not only
against node. The same work as the node floor: a prefetch of --prefetch (16) unacknowledged deliveries handled at
once (a thread each, a psycopg2 connection each: psycopg2 lets the GIL go during a query), JSON parse, one
jsonschema check of the envelope's required fields and the payload's schema (the validator made once), `INSERT …
ON CONFLICT DO NOTHING` into floor_inbox (autocommit: one round trip), ack. RabbitMQ with pika (acks sent on the
connection's thread: add_callback_threadsafe); NATS JetStream over the plain protocol (no Python NATS client is
packaged here), its own durable `floor` on the subject, pulls asking for as many as there are free threads, acks
written by the threads.

Prints `ready` once consuming, `warm <w>` when the --warm deliveries were acked, `all <n>` when --events more were,
then cleans up and exits.
usage: python3 bench/consumer-floor.py --broker rabbitmq|nats --url URL --database URL --source QUEUE|STREAM
       [--subject SUBJECT] --events N [--warm W] [--prefetch 16]
"""
import argparse
import json
import socket
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import jsonschema.validators
import psycopg2

TABLE = ("CREATE TABLE IF NOT EXISTS floor_inbox (event_id varchar(64) PRIMARY KEY, event_type varchar(255) NOT NULL, "
         "processed_at timestamptz NOT NULL DEFAULT now())")
INSERT = "INSERT INTO floor_inbox (event_id, event_type) VALUES (%s, %s) ON CONFLICT (event_id) DO NOTHING"
# the node floor's ajv schema
SCHEMA = {
    "type": "object",
    "required": ["eventId", "eventType", "aggregateId", "timestamp", "version", "payload"],
    "properties": {"eventId": {"type": "string"}, "eventType": {"type": "string"},
                   "payload": {"type": "object", "required": ["orderId"], "properties": {"orderId": {"type": "string"}}}},
}


class Handler:
    """parse, check, insert: True when the event is good (then acked), False when it is not (then dropped)."""

    def __init__(self, database_url):
        cls = jsonschema.validators.validator_for(SCHEMA)
        cls.check_schema(SCHEMA)
        self.validator = cls(SCHEMA)
        self.url = database_url
        self.local = threading.local()
        with self.connection().cursor() as cur:
            cur.execute(TABLE)

    def connection(self):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = self.local.conn = psycopg2.connect(self.url)
            conn.autocommit = True
        return conn

    def __call__(self, body):
        envelope = json.loads(body)
        if not self.validator.is_valid(envelope):
            return False
        with self.connection().cursor() as cur:
            cur.execute(INSERT, (envelope["eventId"], envelope["eventType"]))
        return True


class Counter:
    """Prints `warm W` after the first W acks (the warm-up, before bench/consumer.mjs starts its clock), then
    `all N` after N more."""

    def __init__(self, target, warm=0):
        self.warm, self.target, self.n, self.lock, self.all = warm, warm + target, 0, threading.Lock(), threading.Event()

    def one(self):
        with self.lock:
            self.n += 1
            if self.warm and self.n == self.warm:
                print(f"warm {self.n}", flush=True)
            if self.n == self.target:  # the clock of bench/consumer.mjs stops here, before the floor's cleanup
                print(f"all {self.n - self.warm}", flush=True)
                self.all.set()


def rabbitmq(args, handle, counter, pool):
    import functools

    import pika

    conn = pika.BlockingConnection(pika.URLParameters(args.url))
    ch = conn.channel()
    ch.basic_qos(prefetch_count=args.prefetch)

    def settle(tag, ok):
        (ch.basic_ack(tag) if ok else ch.basic_nack(tag, requeue=False))
        counter.one()

    def work(tag, body):
        ok = handle(body)
        conn.add_callback_threadsafe(functools.partial(settle, tag, ok))

    ch.basic_consume(args.source, lambda _c, method, _p, body: pool.submit(work, method.delivery_tag, body))
    print("ready", flush=True)
    while not counter.all.is_set():
        conn.process_data_events(time_limit=0.5)
    conn.close()  # every ack was written on this thread before the last settle counted


class Nats:
    """The plain NATS protocol: what a pull consumer needs."""

    def __init__(self, url):
        host, _, port = url.replace("nats://", "").partition(":")
        self.sock = socket.create_connection((host or "127.0.0.1", int(port or 4222)))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as every NATS client: no Nagle delay on a pull
        self.buf = bytearray()
        self.wlock = threading.Lock()
        self.line()  # INFO
        self.write(b'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true}\r\n')

    def write(self, data):
        with self.wlock:
            self.sock.sendall(data)

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("closed")
        self.buf += data

    def line(self):
        while (end := self.buf.find(b"\r\n")) < 0:
            self.fill()
        line = bytes(self.buf[:end])
        del self.buf[:end + 2]
        return line

    def read(self, n):
        while len(self.buf) < n + 2:
            self.fill()
        data = bytes(self.buf[:n])
        del self.buf[:n + 2]
        return data

    def next(self):
        """(subject, reply, status, body) of the next message (PINGs answered)."""
        while True:
            line = self.line()
            if line.startswith(b"PING"):
                self.write(b"PONG\r\n")
            elif line.startswith(b"MSG ") or line.startswith(b"HMSG "):
                parts = line.decode().split()
                hdr = int(parts[-2]) if parts[0] == "HMSG" else 0
                reply = parts[3] if len(parts) == (6 if hdr else 5) else None
                data = self.read(int(parts[-1]))
                status = int(data[9:12]) if hdr and data[9:12].isdigit() else None
                return parts[1], reply, status, data[hdr:]
            elif line.startswith(b"-ERR"):
                raise ConnectionError(line.decode())

    def request(self, subject, body):
        inbox = f"_INBOX.{uuid.uuid4().hex}"
        self.write(f"SUB {inbox} 1\r\n".encode() + f"PUB {subject} {inbox} {len(body)}\r\n".encode() + body + b"\r\n")
        while True:
            got, _, _, data = self.next()
            if got == inbox:
                self.write(b"UNSUB 1\r\n")
                return json.loads(data)


def nats(args, handle, counter, pool):
    nc = Nats(args.url)
    stream = args.source
    nc.request(f"$JS.API.CONSUMER.DELETE.{stream}.floor", b"")
    created = nc.request(f"$JS.API.CONSUMER.DURABLE.CREATE.{stream}.floor", json.dumps({"stream_name": stream, "config": {
        "durable_name": "floor", "ack_policy": "explicit", "deliver_policy": "new", "filter_subject": args.subject,
        "ack_wait": 30_000_000_000}}).encode())
    if "error" in created:
        raise SystemExit(f"durable not created: {created['error']}")
    inbox = f"_INBOX.{uuid.uuid4().hex}"
    nc.write(f"SUB {inbox} 2\r\n".encode())
    in_hand = [0]  # deliveries handed to the pool and not acked (changed under `cond`)
    cond = threading.Condition()

    def work(reply, body):
        ok = handle(body)
        nc.write(f"PUB {reply} {4 if ok else 5}\r\n".encode() + (b"+ACK" if ok else b"+TERM") + b"\r\n")
        with cond:
            in_hand[0] -= 1
            cond.notify()
        counter.one()

    print("ready", flush=True)
    while not counter.all.is_set():
        with cond:
            while in_hand[0] >= args.prefetch:
                cond.wait()
            want = args.prefetch - in_hand[0]
        pull = json.dumps({"batch": want, "expires": 500_000_000}).encode()
        nc.write(f"PUB $JS.API.CONSUMER.MSG.NEXT.{stream}.floor {inbox} {len(pull)}\r\n".encode() + pull + b"\r\n")
        got = 0
        while got < want:
            subject, reply, status, data = nc.next()
            if status is not None:  # 404 / 408: the pull is over
                if status in (404, 408, 409):
                    break
                continue
            if subject == inbox or reply is None:
                continue
            got += 1
            with cond:
                in_hand[0] += 1
            pool.submit(work, reply, data)
    nc.write(b"PING\r\n")  # the acks were written before the last one counted: the PONG says the server has them
    while nc.line() != b"PONG":
        pass
    nc.request(f"$JS.API.CONSUMER.DELETE.{stream}.floor", b"")
    nc.sock.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--broker", required=True, choices=("rabbitmq", "nats"))
    p.add_argument("--url", required=True)
    p.add_argument("--database", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--subject")
    p.add_argument("--events", type=int, required=True)
    p.add_argument("--warm", type=int, default=0)
    p.add_argument("--prefetch", type=int, default=16)
    args = p.parse_args()
    handle = Handler(args.database)
    counter = Counter(args.events, args.warm)
    pool = ThreadPoolExecutor(max_workers=args.prefetch)
    (rabbitmq if args.broker == "rabbitmq" else nats)(args, handle, counter, pool)
    pool.shutdown(wait=True)


if __name__ == "__main__":
    sys.exit(main())
