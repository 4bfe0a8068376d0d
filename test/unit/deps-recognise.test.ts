// The recognisers for code msa did not write (src/core/deps/recognise.ts), the linear scan of long
// lines, and how analyze-deps reports what it could not read.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { constantsIn, createResolver, hostOf, infraKind, recognise } from "../../src/core/deps/recognise.js";
import { createMatcher, scanText } from "../../src/core/deps/scanner.js";
import { scanFiles } from "../../src/io/scan.js";
import { runCli } from "./deps-helpers.js";

const resolver = createResolver(
  [{ name: "cart" }, { name: "catalogue" }, { name: "productcatalogservice" }, { name: "inventory", aliases: ["stock"] }, { name: "user" }, { name: "mysql" }],
  new Map([["CART_ADDR", "cart:7070"], ["MYSTERY_HOST", "inventory.shop.svc.cluster.local"]]),
);
const found = (text: string) => recognise(text, resolver, true).filter((r) => r.form !== "const").sort((a, b) => a.index - b.index).map((r) => `${r.form} ${r.target}`);

describe("infrastructure kinds", () => {
  it("names a trace backend telemetry and a registry discovery; a database, cache or broker stays a data store", () => {
    expect(["OTEL_EXPORTER_OTLP_ENDPOINT", "otel-collector", "JAEGER_HOST", "zipkin", "otlp_url"].map(infraKind)).toEqual(Array(5).fill("telemetry"));
    expect(["CONSUL_HTTP_ADDR", "etcd", "zookeeper-0"].map(infraKind)).toEqual(Array(3).fill("discovery"));
    expect(["DATABASE_URL", "BROKER_URL", "MONGO_URL", "redis", "catalogue-db"].map(infraKind)).toEqual(Array(5).fill("datastore"));
  });
});

describe("recognisers: hosts", () => {
  it("resolves hosts by normalised name, suffixes, cluster DNS and aliases", () => {
    expect(resolver.resolve("PRODUCT_CATALOG_SERVICE")).toBe("productcatalogservice");
    expect(resolver.resolve("cart-svc")).toBe("cart");
    expect(resolver.resolve(hostOf("http://u:p@stock.shop.svc:80/x"))).toBe("inventory");
    expect(resolver.resolve("payments")).toBeNull();
  });
  it("finds host variables by suffix, their compose/k8s values and their defaults", () => {
    expect(found('os.getenv("CART_HOST", "cart")')).toEqual(["env cart"]);
    expect(found("addr := os.Getenv(\"MYSTERY_HOST\")")).toEqual(["env inventory"]);
    expect(found("const u = process.env.SHOP_BACKEND_URL || 'http://catalogue:8080'")).toEqual(["env catalogue", "url catalogue"]);
    expect(found('mustMapEnv(&svc.productCatalogSvcAddr, "PRODUCT_CATALOG_SERVICE_ADDR")')).toEqual(["env productcatalogservice"]);
    expect(found("x = os.getenv('UNKNOWN_HOST', 'localhost')")).toEqual([]);
  });
  it("finds URL literals and templates: concatenation, format, %s, nginx variables", () => {
    expect(found("request('http://' + catalogueHost + ':8080/product/' + sku)")).toEqual(["url catalogue"]);
    expect(found("requests.get('http://{user}:8080/check/{id}'.format(user=USER))")).toEqual(["url user"]);
    expect(found('String.format("http://%s/add/%s", CART_ADDR, id)')).toEqual(["url cart", "env cart"]);
    expect(found("proxy_pass http://${CATALOGUE_HOST}:8080/;")).toEqual(["url catalogue"]);
    expect(found('fetch("https://example.com/x"); fetch("http://localhost:3000")')).toEqual([]);
  });
  it("keeps data stores apart: store schemes, store variable names, folders named like a store", () => {
    expect(found("mongoURL = process.env.MONGO_URL || 'mongodb://mongodb:27017/catalogue'")).toEqual(["datastore MONGO_URL", "datastore mongodb"]);
    expect(found("getenv('PDO_URL') ?: 'mysql:host=mysql;dbname=ratings'")).toEqual(["datastore PDO_URL"]);
    expect(found("conn = amqp.Dial(\"amqp://guest:guest@\" + amqpHost)")).toEqual(["datastore amqp"]);
    expect(found("url = 'http://mysql:3306'")).toEqual(["datastore mysql"]);
  });
});

describe("recognisers: clients", () => {
  it("gRPC clients in Go, Python, Java, C#, grpc-js; definitions are not uses", () => {
    expect(found("pb.NewCartServiceClient(conn)")).toEqual(["client cart"]);
    expect(found("stub = demo_pb2_grpc.ProductCatalogServiceStub(channel)")).toEqual(["client productcatalogservice"]);
    expect(found("stub = CartServiceGrpc.newBlockingStub(channel);")).toEqual(["client cart"]);
    expect(found("var c = new CartService.CartServiceClient(channel);")).toEqual(["client cart"]);
    expect(found("new shop.UserService(addr, grpc.credentials.createInsecure())")).toEqual(["client user"]);
    expect(found("func NewCartServiceClient(cc grpc.ClientConnInterface) CartServiceClient {")).toEqual([]);
    expect(found("class CartServiceStub(object):")).toEqual([]);
    expect(found("const http = createClient(); new HttpClient()")).toEqual([]);
  });
  it("OpenAPI, Feign, NestJS tokens, Moleculer calls", () => {
    expect(found("const api = new StockApi(config)")).toEqual(["client inventory"]);
    expect(found('@FeignClient(name = "cart-service")')).toEqual(["client cart"]);
    expect(found("@Inject('USER_SERVICE') private client: ClientProxy")).toEqual(["client user"]);
    expect(found("await ctx.call('catalogue.list', {})")).toEqual(["client catalogue"]);
  });
});

describe("recognisers: brokers", () => {
  const events = (text: string) => recognise(text, resolver, true).filter((r) => r.form === "broker").map((r) => `${r.direction} ${r.target}${r.symbol ? " (const)" : ""}`);
  it("publish and subscribe APIs, literal or constant names", () => {
    expect(events("channel.basic_publish(exchange='shop', routing_key='orders', body=b)")).toEqual(["publish orders"]);
    expect(events("ch.publish('shop', 'order.created', Buffer.from(x))")).toEqual(["publish order.created"]);
    expect(events("nc.publish('user.signed-up', sc.encode(x))")).toEqual(["publish user.signed-up"]);
    expect(events("await producer.send({ topic: 'order-placed', messages })")).toEqual(["publish order-placed"]);
    expect(events("kafkaTemplate.send(ORDER_PLACED, id)")).toEqual(["publish ORDER_PLACED (const)"]);
    expect(events("@KafkaListener(topics = [\"order-placed\"], groupId = \"x\")")).toEqual(["consume order-placed"]);
    expect(events("@EventPattern(ORDER_CREATED)")).toEqual(["consume ORDER_CREATED (const)"]);
    expect(events('msgs, _ := ch.Consume("orders", "", true, false, false, false, nil)')).toEqual(["consume orders"]);
    expect(events("emitter.emit('error', e); socket.on('data', f); obs.subscribe(x => x)")).toEqual([]);
  });
  it("collects string constants to resolve those names", () => {
    const consts = constantsIn("export const ORDER_CREATED = 'order_created';\nenum E { InvoicePaid = 'invoice.paid' }\nlet x = 'y';", new Set(["ORDER_CREATED", "InvoicePaid"])).map((r) => `${r.name}=${r.value}`);
    expect(consts).toEqual(["ORDER_CREATED=order_created", "InvoicePaid=invoice.paid"]);
  });
  it("a quoted key needs its quote on both sides: the end of a string before a ternary's colon is no definition", () => {
    const names = new Set(["subject", "topic"]);
    const pairs = (text: string): string[] => constantsIn(text, names).map((r) => `${r.name}=${r.value}`);
    // a ternary's two strings (the generated NATS adapter's error text)
    expect(pairs('new Error(`(${code === 503 ? "no stream takes the subject" : "JetStream"})`)')).toEqual([]);
    expect(pairs("x ? 'a topic' : 'orders'")).toEqual([]);
    // JSON, Python dicts and plain definitions still count
    expect(pairs('{"subject": "orders.created", \'topic\': \'invoice.paid\'}')).toEqual(["subject=orders.created", "topic=invoice.paid"]);
    expect(pairs("const subject = 'order.placed'; topic: \"billing.due\"")).toEqual(["subject=order.placed", "topic=billing.due"]);
  });
});

describe("scanner: long lines", () => {
  it("a 1 MB minified line with 20,000 references is scanned in linear time, with exact columns", () => {
    const m = createMatcher({ services: [{ name: "catalogue", envName: "CATALOGUE" }], prefixes: [], events: [], generic: true });
    const unit = 'f("http://catalogue/x");var é=1;'; // é: two bytes in UTF-8, one column
    const latin1 = Buffer.from(unit.repeat(20_000), "utf8").toString("latin1");
    expect(latin1.length).toBeGreaterThan(600_000);
    const t0 = process.hrtime.bigint();
    const hits = scanText(m, latin1);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    expect(hits.length).toBe(20_000);
    expect(hits[19_999]!.column).toBe(19_999 * unit.length + 4);
    // Recomputing each column from the line start is ~10^10 character steps here (minutes); linear is well under a second.
    expect(ms).toBeLessThan(5_000);
  });

  it("a 1 MB minified file goes through the file scan whole (pre-check, then one scan) in linear time", () => {
    const m = createMatcher({ services: [{ name: "catalogue", envName: "CATALOGUE" }], prefixes: [], events: ["order.created"], generic: true });
    // Every few bytes a pre-check literal that is no reference (send, emit, Client, _HOST, ://), and 5,000 that are.
    const noise = 'a.send(b);c.emit(d);new XClient();e._HOSTx="ftp://q";';
    const ref = 'f("http://catalogue/x");';
    let line = "";
    for (let i = 0; line.length < 1_000_000; i++) line += i % 4 === 0 ? ref : noise;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-deps-min-"));
    try {
      fs.writeFileSync(path.join(dir, "bundle.min.js"), line);
      expect(fs.statSync(path.join(dir, "bundle.min.js")).size).toBeLessThanOrEqual(1024 * 1024);
      const t0 = process.hrtime.bigint();
      const { results, stats } = scanFiles([{ abs: path.join(dir, "bundle.min.js"), root: dir, rel: "bundle.min.js", dir: "" }], m);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      expect(stats.scanned).toBe(1);
      const hits = results[0]!.matches.filter((x) => x.target === "catalogue");
      expect(hits.length).toBe(Math.ceil(line.split(ref).length - 1));
      const last = line.lastIndexOf(ref);
      expect(hits.at(-1)!.column).toBe(last + 4); // 1-based, at "http" after f("
      expect(hits.every((h) => h.line === 1)).toBe(true);
      // Quadratic work on this line (each hit or literal searched to the line's end) is minutes; linear is well under a second.
      expect(ms).toBeLessThan(5_000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("analyze-deps: what could not be read is reported", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "msa-deps-unread-"));
  // rm walks relative to each folder, so it removes paths longer than the system allows (fs.rmSync cannot).
  afterAll(() => execFileSync("rm", ["-rf", tmp]));

  it("a file that cannot be opened is listed with its reason", () => {
    const m = createMatcher({ services: [], prefixes: [], events: [] });
    const gone = path.join(tmp, "gone.js");
    const { problems, stats } = scanFiles([{ abs: gone, root: tmp, rel: "gone.js", dir: "" }], m);
    expect(stats.unreadable).toBe(1);
    expect(problems.map((p) => p.reason)).toEqual(["file vanished during the scan"]);
  });

  it("a folder whose path is longer than the system allows is listed, and its service is not called unused", async () => {
    const repo = path.join(tmp, "repo");
    fs.mkdirSync(path.join(repo, "services", "orders"), { recursive: true });
    fs.mkdirSync(path.join(repo, "services", "inventory"), { recursive: true });
    fs.writeFileSync(path.join(repo, "services", "inventory", "index.js"), "module.exports = 1;\n");
    fs.writeFileSync(path.join(repo, "system.yaml"), "version: 1\nname: unread\ncontexts:\n  orders:\n    calls: { inventory: {} }\n  inventory: {}\n");
    // orders' code sits below a path over PATH_MAX (4096): built one chdir at a time, as no single call may name it.
    execFileSync("python3", ["-c", "import os,sys\nos.chdir(sys.argv[1])\nfor i in range(24):\n    os.mkdir('d'*200); os.chdir('d'*200)\nopen('client.js','w').write('fetch(\"http://inventory/x\")\\n')\n", path.join(repo, "services", "orders")]);
    const r = await runCli(repo, ["analyze-deps", "--output-format", "json"]);
    const doc = JSON.parse(r.stdout) as { unreadable: { path: string; reason: string }[]; findings: { rule: string }[]; notes: string[] };
    expect(doc.unreadable.map((u) => u.reason)).toEqual(["path longer than the system allows"]);
    expect(doc.findings.filter((f) => f.rule === "unused-dependency")).toEqual([]);
    expect(doc.notes.join("\n")).toMatch(/part of the code of orders could not be read/);
  });

  it("exit 2 when nothing could be scanned", async () => {
    const empty = path.join(tmp, "empty");
    fs.mkdirSync(path.join(empty, "services", "a"), { recursive: true });
    const r = await runCli(empty, ["analyze-deps", "services"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nothing could be scanned under services/);
  });

  it("--services names one service a folder", async () => {
    const mono = path.join(tmp, "mono");
    fs.mkdirSync(path.join(mono, "apps", "web"), { recursive: true });
    fs.mkdirSync(path.join(mono, "apps", "api"), { recursive: true });
    fs.mkdirSync(path.join(mono, "tools"), { recursive: true });
    fs.writeFileSync(path.join(mono, "apps", "web", "main.ts"), "const API_URL = process.env.API_URL ?? 'http://api:3000';\n");
    fs.writeFileSync(path.join(mono, "apps", "api", "main.ts"), "export {};\n");
    fs.writeFileSync(path.join(mono, "tools", "smoke.ts"), "fetch('http://web/'); fetch('http://api/');\n");
    const r = await runCli(mono, ["analyze-deps", ".", "--services", "apps/*", "--output-format", "json"]);
    const doc = JSON.parse(r.stdout) as { edges: { from: string; to: string; kind: string }[] };
    expect(doc.edges.map((e) => `${e.kind} ${e.from} ${e.to}`)).toEqual(["call web api"]);
  });
});

describe("pre-check", () => {
  it("every broker and client word the recognisers read contains one of the pre-check's literals", async () => {
    const { GENERIC_LITERALS } = await import("../../src/core/deps/recognise.js");
    const words = ["publish", "Publish", "sendToQueue", "basic_publish", "convertAndSend", "emit", "produce", "send", "subscribe", "Subscribe", "QueueSubscribe", "consume", "Consume", "QueueBind", "basic_consume", "queue_bind", "bindQueue", "EventPattern", "MessagePattern", "KafkaListener", "RabbitListener", "JmsListener", "SqsListener", "FeignClient", "Inject", "NewCartServiceClient", "CartServiceStub", "OrdersApi", "ctx.call", "CART_URL", "CART_URI", "CART_HOST", "CART_ADDR", "CART_ENDPOINT"];
    for (const w of words) expect(GENERIC_LITERALS.some((l) => w.includes(l)), w).toBe(true);
  });
});
