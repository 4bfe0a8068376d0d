// Recognisers for code msa did not write: URL literals and templates, host variables and their
// defaults, gRPC/OpenAPI/Feign/NestJS/Moleculer clients, broker publish/subscribe calls, string
// constants (to resolve event names held in them) and database connections. Pure, ASCII patterns,
// each pass anchored on a literal so the regex engine skips through text fast.
import type { Direction, RawMatch } from "./scanner.js";

/** A context as the resolver sees it. */
export interface ResolveTarget {
  name: string;
  aliases?: string[];
}

export const normName = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, "");

/** Words a host or client name often carries around the service's own name. */
const NOISE_SUFFIXES = ["addr", "address", "host", "url", "endpoint", "service", "svc", "api", "server", "grpc", "client", "app", "ms", "http", "backend"];

function variants(n: string): string[] {
  const out = [n];
  for (let changed = true; changed; ) {
    changed = false;
    const last = out[out.length - 1] as string;
    for (const s of NOISE_SUFFIXES) {
      if (last.length > s.length + 1 && last.endsWith(s)) {
        out.push(last.slice(0, -s.length));
        changed = true;
        break;
      }
    }
  }
  return out;
}


/** Data stores and brokers: a connection to one is not a call to a service. */
const STORE_WORDS = new Set([
  "mongo", "mongodb", "postgres", "postgresql", "pg", "mysql", "mariadb", "maria", "redis", "database", "db", "sql", "sqlite",
  "amqp", "amqps", "rabbit", "rabbitmq", "kafka", "nats", "elastic", "elasticsearch", "memcache", "memcached", "cassandra",
  "dynamo", "dynamodb", "mqtt", "couchbase", "couchdb", "neo4j", "influx", "influxdb", "broker", "brokers", "mq", "spanner", "minio", "s3",
  "jdbc", "datasource", "dsn", "pdo", "mssql", "oracle", "etcd", "consul", "zookeeper", "jaeger", "zipkin", "otel", "collector", "cache",
]);
const STORE_SCHEMES = new Set([
  "mongodb", "mongodb+srv", "postgres", "postgresql", "mysql", "mariadb", "redis", "rediss", "amqp", "amqps", "nats", "kafka",
  "mqtt", "mqtts", "memcached", "cassandra", "jdbc", "sqlserver", "couchbase", "neo4j", "bolt", "tls", "tcp", "sqlite",
]);
const CALL_SCHEMES = new Set(["http", "https", "grpc", "grpcs", "ws", "wss", "h2c", "dns"]);

/** Infrastructure that is neither a data store nor a broker: where traces go, and where services are looked up. */
const TELEMETRY_WORDS = new Set(["otel", "otlp", "jaeger", "zipkin", "collector"]);
const DISCOVERY_WORDS = new Set(["consul", "etcd", "zookeeper"]);
/** What an infrastructure connection is, from its name's words (OTEL_EXPORTER_OTLP_ENDPOINT: telemetry). */
export type InfraKind = "datastore" | "telemetry" | "discovery";
export function infraKind(raw: string): InfraKind {
  const words = raw.toLowerCase().split(/[^a-z0-9]+/);
  if (words.some((w) => TELEMETRY_WORDS.has(w))) return "telemetry";
  if (words.some((w) => DISCOVERY_WORDS.has(w))) return "discovery";
  return "datastore";
}

/** A host or variable name whose words name a data store: MONGO_URL, catalogue-db, redis. */
export const isStoreName = (raw: string): boolean => raw.toLowerCase().split(/[^a-z0-9]+/).some((w) => STORE_WORDS.has(w));

export interface Resolver {
  /** A host, variable or client name → the context it names, or null. */
  resolve(raw: string): string | null;
  /** A variable name → its value in compose/k8s, if known. */
  envValue(name: string): string | undefined;
}

/** Strips scheme, credentials, port, path and cluster DNS suffix: http://u:p@cart.shop.svc:80/x → cart. */
export function hostOf(raw: string): string {
  let h = raw.trim().replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//, "");
  h = h.replace(/^[^@/]*@/, "");
  h = h.split(/[:/?#,\s]/)[0] ?? "";
  const dot = h.indexOf(".");
  if (dot > 0 && !/^\d+\.\d+\.\d+\.\d+$/.test(h)) h = h.slice(0, dot);
  return h;
}

export function createResolver(targets: readonly ResolveTarget[], envValues: ReadonlyMap<string, string> = new Map()): Resolver {
  const exact = new Map<string, string>();
  const loose = new Map<string, string | null>();
  for (const t of targets) {
    for (const a of [t.name, ...(t.aliases ?? [])]) exact.set(normName(a), t.name);
  }
  for (const t of targets) {
    for (const a of [t.name, ...(t.aliases ?? [])]) {
      for (const v of variants(normName(a)).slice(1)) {
        if (exact.has(v)) continue;
        const prev = loose.get(v);
        loose.set(v, prev === undefined || prev === t.name ? t.name : null); // null: ambiguous
      }
    }
  }
  const resolve = (raw: string): string | null => {
    const n = normName(raw);
    if (!n) return null;
    for (const v of variants(n)) {
      const hit = exact.get(v) ?? loose.get(v);
      if (hit) return hit;
    }
    return null;
  };
  return { resolve, envValue: (name) => envValues.get(name) };
}

const isWord = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
const isUpperEnv = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c === 95;

function wordBefore(text: string, end: number, ok = isWord): { start: number; word: string } {
  let start = end;
  while (start > 0 && ok(text.charCodeAt(start - 1))) start--;
  return { start, word: text.slice(start, end) };
}
function wordAfter(text: string, start: number): string {
  let end = start;
  while (end < text.length && isWord(text.charCodeAt(end))) end++;
  return text.slice(start, end);
}
// Bounded both ways: on a minified line a search to the line's end at every hit would be quadratic.
const lineEndFrom = (text: string, i: number, max: number): number => {
  const end = Math.min(text.length, i + max);
  const nl = text.slice(i, end).indexOf("\n");
  return nl === -1 ? end : i + nl;
};
const lineStartBefore = (text: string, i: number, max: number): number => {
  const start = Math.max(0, i - max);
  return start + text.slice(start, i).lastIndexOf("\n") + 1;
};

// A variable's default where it is read: getenv("X", "d"), process.env.X || 'd', ${X:-d}, ${X:d},
// environ.get('X', 'd'), getOrDefault("X", "d"), getenv('X') ?: 'd', os.getenv("X") or "d".
const DEFAULT_AFTER = /^['"]?\]?\s*\)?\s*(?:,|\|\||\?\?|\?:|:-|:|\bor\b)\s*(['"]?)([A-Za-z0-9][A-Za-z0-9_.:/@-]*)/;

/** A host from the text of a URL after "://": a literal, or a template's variable. */
const TEMPLATE_HOST = /^(?:\$\{\s*([A-Za-z_][\w.]*)[^}]*\}|\{\{?\s*\.?([A-Za-z_][\w.]*)\s*\}?\}|\{([A-Za-z_]\w*)\}|#\{([A-Za-z_][\w.]*)\}|\$([A-Za-z_]\w*)|%s|%v|%\(([A-Za-z_]\w*)\)s|(['"`])\s*\+\s*([A-Za-z_$][\w$.]*(?:\(\))?)|(['"])\s*\.\s*\$?([A-Za-z_][\w>-]*)|([A-Za-z0-9][A-Za-z0-9_.-]*))/;

const EVENT_NAME = /^[A-Za-z][\w.:/*#>-]{0,120}$/;
const GENERIC_EVENTS = new Set(["error", "data", "close", "end", "message", "connect", "connection", "ready", "open", "change", "finish", "exit", "disconnect", "drain", "timeout", "response", "request", "listening", "click", "submit", "input", "load", "value", "next", "complete"]);

/** Broker APIs: the word, its direction, and whether any string it names is surely an event (no separator needed). */
const BROKER_APIS: Record<string, { dir: Direction; strong: boolean; argIndex?: "amqp" | 1 | 2 }> = {
  publish: { dir: "publish", strong: false, argIndex: "amqp" },
  Publish: { dir: "publish", strong: false, argIndex: "amqp" },
  sendToQueue: { dir: "publish", strong: true },
  basic_publish: { dir: "publish", strong: true },
  convertAndSend: { dir: "publish", strong: true, argIndex: "amqp" },
  emit: { dir: "publish", strong: false },
  produce: { dir: "publish", strong: false },
  send: { dir: "publish", strong: false },
  subscribe: { dir: "consume", strong: false },
  Subscribe: { dir: "consume", strong: false },
  QueueSubscribe: { dir: "consume", strong: false },
  consume: { dir: "consume", strong: false },
  Consume: { dir: "consume", strong: true },
  QueueBind: { dir: "consume", strong: true, argIndex: 1 },
  basic_consume: { dir: "consume", strong: true },
  queue_bind: { dir: "consume", strong: true },
  bindQueue: { dir: "consume", strong: true, argIndex: 2 },
  EventPattern: { dir: "consume", strong: true },
  MessagePattern: { dir: "consume", strong: true },
  KafkaListener: { dir: "consume", strong: true },
  RabbitListener: { dir: "consume", strong: true },
  JmsListener: { dir: "consume", strong: true },
  SqsListener: { dir: "consume", strong: true },
};
/** Keyword arguments and object keys that hold the event name. */
const NAME_KEYS = /(?:^|[\s,({])(routing_key|routingKey|topics?|queues?|subject|destination|channel|pattern|event|value)\s*(?:=|:)\s*[[{]?\s*/y;

/** Which key names the event when a call has several: the routing key over the queue. */
const KEY_RANK = ["routing_key", "routingKey", "topic", "topics", "subject", "pattern", "event", "channel", "destination", "queue", "queues", "value"];

interface Arg {
  kind: "string" | "symbol" | "other";
  value: string;
}

/** The first few arguments of a call whose "(" ends at `open`: literals, identifiers, or other. */
function argsAt(text: string, open: number, max = 4): { args: Arg[]; keyed: Arg | null } {
  const end = Math.min(text.length, open + 400);
  const args: Arg[] = [];
  let keyed: Arg | null = null;
  let keyedRank = Infinity;
  let i = open;
  const skipWs = () => {
    while (i < end && /\s/.test(text[i] as string)) i++;
  };
  while (args.length < max && i < end) {
    skipWs();
    const c = text[i] as string;
    // A keyed argument anywhere wins (pika, kafkajs, Spring annotations).
    NAME_KEYS.lastIndex = i - 1; // the separator before the key: "(" or "," or a space
    const k = NAME_KEYS.exec(text);
    if (k && k.index + k[0].length <= end) {
      i = k.index + k[0].length;
      const a = readArg();
      const rank = KEY_RANK.indexOf(k[1] as string);
      if (a.kind !== "other" && (!keyed || rank < keyedRank)) {
        keyed = a;
        keyedRank = rank;
      }
      args.push(a);
    } else if (c === "{" || c === "[") {
      i++; // an object or list argument: its keys are read on the next round
      continue;
    } else args.push(readArg());
    skipWs();
    // Move to the next top-level comma (strings skipped), or stop at the closing parenthesis.
    let depth = 0;
    while (i < end) {
      const ch = text[i] as string;
      if (ch === "'" || ch === '"' || ch === "`") {
        const close = text.indexOf(ch, i + 1);
        i = close === -1 || close > end ? end : close + 1;
        continue;
      }
      if (ch === "(" || ch === "[" || ch === "{") depth++;
      else if (ch === ")" || ch === "]" || ch === "}") {
        if (depth === 0) return { args, keyed };
        depth--;
      } else if (ch === "," && depth === 0) {
        i++;
        break;
      } else if (ch === "\n" && depth === 0 && args.length > 1) return { args, keyed };
      i++;
    }
  }
  return { args, keyed };

  function readArg(): Arg {
    skipWs();
    const q = text[i] as string;
    if (q === "'" || q === '"' || q === "`") {
      const close = text.indexOf(q, i + 1);
      if (close === -1 || close - i > 200) return { kind: "other", value: "" };
      const value = text.slice(i + 1, close);
      i = close + 1;
      return /[\s${}]/.test(value) ? { kind: "other", value } : { kind: "string", value };
    }
    const m = /^[A-Za-z_$][\w$]*(?:(?:\.|::|->)[A-Za-z_$][\w$]*)*/.exec(text.slice(i, i + 120));
    if (m) {
      i += m[0].length;
      const after = text.slice(i, i + 2).trimStart();
      if (after.startsWith("(")) return { kind: "other", value: m[0] }; // a call: a value computed at run time
      const last = m[0].split(/\.|::|->/).pop() as string;
      return { kind: "symbol", value: last };
    }
    return { kind: "other", value: "" };
  }
}

/**
 * Where a definition `NAME = "value"` / `NAME: 'value'` / `"NAME": "value"` sits: the constant's name (2) and its
 * value (4). A quoted name needs its quote on both sides: in `"… the subject" : "JetStream"` (a ternary's two
 * strings) the end of a string is not a key.
 */
const CONST_DEF = /(?<![\w$.])(['"]?)([A-Za-z_][\w]*)\1\s*(?::=|=|:|=>)\s*(['"])([A-Za-z][\w.:/*#>-]{0,100})\3/g;

/** Last letters of the call words the "(" pass looks for (Client, Stub, Api, Inject, call and the broker APIs). */
const CALL_LAST_CHARS = new Set(["Client", "Stub", "Api", "FeignClient", "Inject", "call", ...Object.keys(BROKER_APIS)].map((w) => w.charCodeAt(w.length - 1)));

/**
 * What a pre-check hit of a literal must have around it for a recogniser to fire there:
 * "call": the literal ends a word followed (after spaces or tabs) by "(" — the "(" pass reads only such words;
 * "call-string": the same, then a quote (Moleculer's ctx.call("svc.action"));
 * "env": a host variable's suffix, with an upper-case name character before it and no name character after.
 * Without a condition, any occurrence counts.
 */
export type PrecheckCondition = "call" | "call-string" | "env";

/** Literals at least one of which every generic reference contains, with the condition of each: the byte-level pre-check's. */
export const GENERIC_PRECHECK: readonly { literal: string; when?: PrecheckCondition }[] = [
  ...["_URL", "_URI", "_HOST", "_HOSTNAME", "_ADDR", "_ADDRESS", "_ENDPOINT"].map((literal) => ({ literal, when: "env" as const })),
  // Shortest endings shared by the call words (subscribe/QueueSubscribe: "ubscribe"); each ends its word.
  ...["Client", "Stub", "Api", "Inject", "ublish", "ubscribe", "onsume", "Queue", "QueueBind", "queue_bind", "Send", "send", "emit", "produce", "Pattern", "Listener"].map((literal) => ({ literal, when: "call" as const })),
  { literal: ".call", when: "call-string" },
  { literal: "credentials.create" },
  { literal: "socket_address" },
];
/** The literals alone. */
export const GENERIC_LITERALS: readonly string[] = GENERIC_PRECHECK.map((p) => p.literal);

const isNameByte = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;

/** Whether the hit of `literal` at `start` in `bytes` meets `when` (see PrecheckCondition). A superset of what the recognisers read. */
export function precheckHolds(when: PrecheckCondition, bytes: Uint8Array, start: number, length: number): boolean {
  let j = start + length;
  if (when === "env") {
    const before = start > 0 ? bytes[start - 1]! : -1;
    return ((before >= 65 && before <= 90) || (before >= 48 && before <= 57) || before === 95) && !(j < bytes.length && isNameByte(bytes[j]!));
  }
  while (j < bytes.length && (bytes[j] === 32 || bytes[j] === 9)) j++;
  if (bytes[j] !== 40) return false;
  if (when === "call") return true;
  j++;
  while (j < bytes.length && (bytes[j] === 32 || (bytes[j]! >= 9 && bytes[j]! <= 13))) j++; // \s: space, \t \n \v \f \r
  return bytes[j] === 34 || bytes[j] === 39;
}

/**
 * Whether the URL pass of recognise() could report something for the "://" at `at` of `window` (latin1
 * text around it, at least 256 characters before and 203 after when the file has them): the same scheme,
 * template and host tests, for the byte pre-check. A licence's http://www.apache.org or a bundle's
 * protocol + "://" is no reference.
 */
/** A scheme (lower case) the URL pass reads as a data store's: mongodb, postgres, jdbc:…, amqp… */
export const isStoreScheme = (scheme: string): boolean => STORE_SCHEMES.has(scheme) || scheme.startsWith("jdbc");
/** A scheme (lower case) the URL pass reads as a call's: http, https, grpc, ws… */
export const isCallScheme = (scheme: string): boolean => CALL_SCHEMES.has(scheme);

export function urlMayBeRecognised(window: string, at: number, resolver: Resolver): boolean {
  const scheme = wordBefore(window, at, (c) => isWord(c) || c === 43 || c === 45).word.toLowerCase();
  if (isStoreScheme(scheme)) return true;
  if (!isCallScheme(scheme)) return false;
  const h = TEMPLATE_HOST.exec(window.slice(at + 3, at + 3 + 200));
  if (!h) return false;
  if (!h[11]) return true; // a template or a format: its variable is resolved later
  const host = hostOf(h[11]);
  return isStoreName(host) || resolver.resolve(host) !== null;
}

export interface Recognised {
  index: number;
  form: RawMatch["form"];
  target: string;
  text: string;
  via: string;
  direction?: Direction | null;
  symbol?: boolean;
  store?: boolean;
}

/**
 * Every generic reference in `text` (latin1). Service targets are resolved here (they need only the
 * context names); event names and constants are resolved after the whole tree is read.
 */
/** Pushes the service a host names (or the data store), if it resolves; whether it did. */
function service(out: Recognised[], resolver: Resolver, index: number, raw: string, text0: string, via: string, form: Recognised["form"]): boolean {
  const target = resolver.resolve(hostOf(raw));
  if (!target) return false;
  // A folder holding a database or broker image (mongo/, mysql/, rabbitmq/) is a data store, not a service.
  if (isStoreName(target)) out.push({ index, form: "datastore", target, text: text0, via, store: true });
  else out.push({ index, form, target, text: text0, via });
  return true;
}
const store = (out: Recognised[], index: number, name: string, text0: string, via: string) => out.push({ index, form: "datastore", target: name, text: text0, via, store: true });

/** A variable that holds a host: by its value in compose/k8s, its own name, or its default. */
function variable(out: Recognised[], text: string, resolver: Resolver, index: number, name: string, after: number, shown: string, via: string, form: Recognised["form"]): void {
  if (isStoreName(name)) {
    store(out, index, name, shown, "variable names a data store");
    return;
  }
  const value = resolver.envValue(name);
  if (value !== undefined) {
    if (/^[a-z]+:\/\//i.test(value) && STORE_SCHEMES.has(value.split(":")[0]!.toLowerCase())) return void store(out, index, name, shown, "its deployed value is a data store URL");
    if (service(out, resolver, index, value, shown, `${via}; its value in compose/k8s is ${value}`, form)) return;
  }
  const base = name.replace(/_(?:URL|URI|HOST|HOSTNAME|ADDR|ADDRESS|ENDPOINT|SERVICE_HOST)$/, "");
  if (service(out, resolver, index, base, shown, `${via} named by the context`, form)) return;
  const d = DEFAULT_AFTER.exec(text.slice(after, lineEndFrom(text, after, 160)));
  if (d?.[2] && (d[1] || !/^\d/.test(d[2]))) {
    const v = d[2];
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(v)?.[1]?.toLowerCase();
    if (scheme && STORE_SCHEMES.has(scheme)) return void store(out, index, name, shown, "its default is a data store URL");
    service(out, resolver, index, v, shown, `${via}, resolved by its default "${v}"`, form);
  }
}

/** Host variables by suffix (CART_HOST, PRODUCT_CATALOG_SERVICE_ADDR, SHIPPING_URL): what the suffix matched at `at` (ENV) gives. */
function envAt(out: Recognised[], text: string, resolver: Resolver, at: number, length: number): void {
  const { start, word } = wordBefore(text, at, isUpperEnv);
  if (!word || (start > 0 && isWord(text.charCodeAt(start - 1)))) return; // lower case around: not an env name
  const name = word + text.slice(at, at + length);
  if (name.startsWith("ROUTE_")) return; // the generated gateway's variables: the msa matcher's
  const before = text.slice(Math.max(0, start - 3), start);
  if (before.endsWith("${") && text.slice(start - 6, start) .includes("://")) return; // inside a URL: seen above
  variable(out, text, resolver, start, name, at + length, name, "variable", "env");
}

/**
 * Calls: what the word before the "(" at `paren` (spaces and tabs between) gives — a generated or
 * injected client, a Moleculer call, a broker API with its event name. The word is known to end in
 * one of CALL_LAST_CHARS.
 */
function callAt(out: Recognised[], text: string, resolver: Resolver, withEvents: boolean, paren: number, end: number): void {
  const { start, word } = wordBefore(text, end);
  if (word === "FeignClient" || word === "Inject") {
    // Spring Feign's service name, a NestJS client's injection token.
    const s = /(['"])([A-Za-z][\w.:/${}-]*)\1/.exec(text.slice(paren + 1, paren + 300));
    if (!s?.[2]) return;
    const v = s[2].replace(/^\$\{([^:}]+).*\}$/, "$1");
    service(out, resolver, start, v, text.slice(start, paren + 1 + s.index + s[0].length), word === "Inject" ? "NestJS client token" : "Feign client", "client");
    return;
  }
  if (word === "call" && text[start - 1] === ".") {
    // Moleculer: ctx.call("catalogue.list")
    const s = /^\s*(['"])([A-Za-z][\w-]*)\.[\w.-]+\1/.exec(text.slice(paren + 1, paren + 120));
    if (s?.[2]) service(out, resolver, start, s[2], text.slice(start, paren + 1 + s[0].length), "Moleculer call", "client");
    return;
  }
  const kind = word.endsWith("Client") ? "Client" : word.endsWith("Stub") ? "Stub" : word.endsWith("Api") ? "Api" : null;
  if (kind) {
    // Generated clients: gRPC (NewCartServiceClient, CartServiceStub, CartServiceGrpc.newBlockingStub,
    // new CartService.CartServiceClient), OpenAPI (new OrdersApi(...)).
    let name = word;
    let via = kind === "Api" ? "generated OpenAPI client" : "gRPC client";
    if (/^new(?:Blocking|Future|Async)?Stub$/.test(word) && text[start - 1] === ".") {
      name = wordBefore(text, start - 1).word.replace(/Grpc$/, "");
      via = "gRPC stub";
    } else {
      name = name.replace(/^New(?=[A-Z])/, "").replace(/(?:Client|Stub|Api)$/, "");
      if (kind === "Api" && !/(?:new\s+|\.|=\s*)$/.test(text.slice(Math.max(0, start - 8), start))) return;
      if (kind === "Client" && !/[A-Z]/.test(name[0] ?? "")) return; // httpClient(), createClient(): not a generated client
    }
    if (!name || name.length < 3) return;
    // A definition (generated code: func NewCartServiceClient(, class CartServiceStub(, def …): not a use.
    if (/(?:\bfunc\s*(?:\([^)]*\)\s*)?|\bclass\s+|\bdef\s+|\bfunction\s+|\binterface\s+|\bpublic\s+|\bstatic\s+|\bvoid\s+)$/.test(text.slice(Math.max(0, start - 60), start))) return;
    service(out, resolver, start, name, text.slice(start, paren + 1), via, "client");
    return;
  }
  const api = withEvents ? BROKER_APIS[word] : undefined;
  if (!api || !Object.hasOwn(BROKER_APIS, word)) return;
  // Broker publish/subscribe APIs; the event name a literal or a constant resolved later.
  const { args, keyed } = argsAt(text, paren + 1);
  let arg: Arg | undefined;
  if (keyed) arg = keyed;
  else if ((word === "send" || word === "produce") && !/(?:[Tt]emplate|[Pp]roducer|[Kk]afka)\s*\.\s*$/.test(text.slice(Math.max(0, start - 40), start))) return; // send({ topic }) or kafkaTemplate.send("topic", …) only
  else if (typeof api.argIndex === "number") arg = args[api.argIndex];
  else if (api.argIndex === "amqp" && args[0]?.kind === "string" && (args[1]?.kind === "string" || (args[1]?.kind === "symbol" && /^[A-Z][A-Za-z0-9_]+$/.test(args[1].value)))) arg = args[1];
  else arg = args[0];
  if (!arg || arg.kind === "other" || !arg.value) return;
  if (arg.kind === "string") {
    if (!EVENT_NAME.test(arg.value) || GENERIC_EVENTS.has(arg.value)) return;
    if (!api.strong && !/[._:/-]/.test(arg.value)) return;
  } else if (!/^[A-Z][A-Za-z0-9_]*$/.test(arg.value) && !/(?:topic|queue|subject|event|channel|pattern|routing)/i.test(arg.value)) return;
  const shown = text.slice(start, lineEndFrom(text, start, 80)).trimEnd();
  out.push({ index: start, form: "broker", target: arg.value, text: shown, via: `${word}(…)`, direction: api.dir, symbol: arg.kind === "symbol" });
}

const ENV_SUFFIX = /_(?:URL|URI|HOST|HOSTNAME|ADDR|ADDRESS|ENDPOINT)(?![A-Za-z0-9_])/g;

/**
 * Every generic reference in `text` (latin1). Service targets are resolved here (they need only the
 * context names); event names and constants are resolved after the whole tree is read.
 */
export function recognise(text: string, resolver: Resolver, withEvents: boolean): Recognised[] {
  const out: Recognised[] = [];

  // 1. URLs: a literal host, or a template's variable (${X}, {x}, %s, ' + x, "." $x).
  for (let i = text.indexOf("://"); i !== -1; i = text.indexOf("://", i + 3)) {
    const scheme = wordBefore(text, i, (c) => isWord(c) || c === 43 || c === 45).word.toLowerCase();
    const start = i - scheme.length;
    if (STORE_SCHEMES.has(scheme) || scheme.startsWith("jdbc")) {
      const rest = text.slice(i + 3, i + 3 + 200);
      const at = /^[^/\s'"`]*@/.exec(rest); // user:password@ first
      const h = TEMPLATE_HOST.exec(at ? rest.slice(at[0].length) : rest);
      const host = at && !h?.[11] ? scheme : h ? (h.slice(1).find((x, k) => x && k !== 6 && k !== 8) ?? "") : "";
      if (host) store(out, start, hostOf(host) || scheme, text.slice(start, i + 3 + (at?.[0].length ?? 0) + (h?.[0].length ?? 0)), `${scheme} URL`);
      continue;
    }
    if (!CALL_SCHEMES.has(scheme)) continue;
    const h = TEMPLATE_HOST.exec(text.slice(i + 3, i + 3 + 200));
    if (!h) continue;
    const shown = text.slice(start, i + 3 + h[0].length);
    if (h[11]) {
      if (isStoreName(hostOf(h[11]))) {
        store(out, start, hostOf(h[11]), shown, "URL of a data store host");
        continue;
      }
      service(out, resolver, start, h[11], shown, "URL", "url");
      continue;
    }
    if (h[0] === "%s" || h[0] === "%v") {
      // The host is an argument: the next identifier or string after the format string closes.
      const rest = text.slice(i + 5, lineEndFrom(text, i, 300));
      const arg = /['"`]\s*(?:\)\s*)?(?:,|%)\s*\(?\s*(?:(['"])([^'"]+)\1|(?:[\w$]+\.)*([A-Za-z_][\w$]*))/.exec(rest);
      if (arg?.[2]) service(out, resolver, start, arg[2], shown, "URL format argument", "url");
      else if (arg?.[3]) variable(out, text, resolver, start, arg[3], i + 5 + arg.index + arg[0].length, shown, "URL format argument", "url");
      continue;
    }
    const v = h[1] ?? h[2] ?? h[3] ?? h[4] ?? h[5] ?? h[6] ?? h[8] ?? h[10];
    if (!v) continue;
    const name = (v.split(".").pop() as string).replace(/\(\)$/, "");
    variable(out, text, resolver, start, name, i + 3 + h[0].length, shown, "URL template variable", "url");
  }

  // 2. Host variables by suffix: CART_HOST, PRODUCT_CATALOG_SERVICE_ADDR, SHIPPING_URL.
  ENV_SUFFIX.lastIndex = 0;
  for (let m = ENV_SUFFIX.exec(text); m; m = ENV_SUFFIX.exec(text)) envAt(out, text, resolver, m.index, m[0].length);

  // 3 and 4. Calls: one pass over the "(" of the text, reading the word before each (one native search
  // instead of one a pattern: a regex alternation of words, or a search a word, is many times slower).
  for (let paren = text.indexOf("("); paren !== -1; paren = text.indexOf("(", paren + 1)) {
    let end = paren;
    while (end > 0 && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
    // Every word looked for ends in one of a few letters: the rest of the "(" cost one comparison.
    if (end === 0 || !CALL_LAST_CHARS.has(text.charCodeAt(end - 1))) continue;
    callAt(out, text, resolver, withEvents, paren, end);
  }
  // grpc-js with a loaded proto: new shop.CartService(addr, grpc.credentials.createInsecure())
  for (let i = text.indexOf("credentials.create"); i !== -1; i = text.indexOf("credentials.create", i + 18)) {
    const ls = lineStartBefore(text, i, 300);
    const m = /new\s+((?:[\w$]+\.)*([A-Za-z_$][\w$]*))\s*\([^()]*$/.exec(text.slice(ls, i));
    if (m?.[2]) service(out, resolver, ls + m.index, m[2], m[0].replace(/\s*\([^()]*$/, "("), "gRPC client (grpc-js)", "client");
  }
  // envoy: socket_address: { address: cart, port_value: 8080 } (YAML, block or flow).
  for (let i = text.indexOf("socket_address"); i !== -1; i = text.indexOf("socket_address", i + 14)) {
    const a = /^[\s\S]{0,40}?\baddress:\s*['"]?([A-Za-z0-9][\w.-]*)/.exec(text.slice(i + 14, i + 14 + 160));
    if (a?.[1]) service(out, resolver, i, a[1], `socket_address: ${a[1]}`, "envoy cluster address", "url");
  }
  return out;
}

/** The words callAt reads, but for those ending in Client, Stub or Api. */
const CALL_WORDS = new Set(["FeignClient", "Inject", "call", ...Object.keys(BROKER_APIS)]);

/**
 * Whether the call pass of recognise() reports something for the "(" at `paren` of `bytes`, whose word ends at
 * `end` (spaces and tabs between): for the byte pre-check, so that a file is decoded and read whole only when it
 * holds a call that counts (a bundle's emit(…) or addEventListener(…) does not). Runs callAt on the text around
 * the call: every character it reads (the words before, 600 after the "(") and no more.
 */
export function callMayBeRecognised(bytes: Buffer, end: number, paren: number, resolver: Resolver): boolean {
  let start = end;
  while (start > 0 && isWord(bytes[start - 1]!)) start--;
  const word = bytes.toString("latin1", start, end);
  if (!CALL_WORDS.has(word) && !word.endsWith("Client") && !word.endsWith("Stub") && !word.endsWith("Api")) return false;
  // callAt reads 60 characters before the word, and the whole word before a "." there; argsAt up to 400
  // after the "(", and a string from there up to 200 more.
  let from = Math.max(0, start - 61);
  while (from > 0 && isWord(bytes[from - 1]!)) from--;
  const text = bytes.toString("latin1", from, Math.min(bytes.length, paren + 604));
  const out: Recognised[] = [];
  callAt(out, text, resolver, true, paren - from, end - from);
  return out.length > 0;
}

/**
 * Whether the variable pass of recognise() reports something for the suffix (_URL, _HOST…) at `at` of `bytes`
 * (its regex matched there: no name character after it): envAt on the text around it, every character it reads.
 */
export function envMayBeRecognised(bytes: Buffer, at: number, length: number, resolver: Resolver): boolean {
  let start = at;
  while (start > 0 && isUpperEnv(bytes[start - 1]!)) start--;
  if (start === at) return false; // no name before the suffix
  // envAt looks 6 characters before the name; a default is read up to 160 after the suffix.
  const from = Math.max(0, start - 7);
  const text = bytes.toString("latin1", from, Math.min(bytes.length, at + length + 162));
  const out: Recognised[] = [];
  envAt(out, text, resolver, at - from, length);
  return out.length > 0;
}

/**
 * String constants that define one of `names` (ORDER_CREATED = "order.created", OrderCreated: 'order.created'):
 * the second, rare pass that resolves event names broker calls hold in constants. Only texts holding one
 * of the names are searched (the caller checks bytes first).
 */
export function constantsIn(text: string, names: ReadonlySet<string>): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  CONST_DEF.lastIndex = 0;
  for (let m = CONST_DEF.exec(text); m; m = CONST_DEF.exec(text)) {
    if (names.has(m[2] as string)) out.push({ name: m[2] as string, value: m[4] as string });
  }
  return out;
}

/** An event name held by a constant: the same file's definition first, then the only value the tree gives it. */
export function resolveConstant(name: string, file: string, byFile: ReadonlyMap<string, ReadonlyMap<string, string>>, global: ReadonlyMap<string, string | null>): string | null {
  return byFile.get(file)?.get(name) ?? global.get(name) ?? null;
}
