import { describe, expect, it } from "vitest";
import { createChunkScanner, createMatcher, directionOf, eventAnchors, mayReference, scanText, trieRegexSource } from "../../src/core/deps/scanner.js";
import { literalSet, scanLiterals } from "../../src/core/deps/literals.js";

const matcher = createMatcher({
  services: [
    { name: "inventory", envName: "INVENTORY" },
    { name: "orders", envName: "ORDERS" },
    { name: "order-history", envName: "ORDER_HISTORY" },
    { name: "payment-service", envName: "PAYMENT_SERVICE" },
  ],
  prefixes: [{ prefix: "http://user-service", service: "user-service" }],
  events: ["order.created", "payment.completed"],
  namespace: "shop",
});
const scan = (text: string) => scanText(matcher, text).map((m) => ({ form: m.form, target: m.target, line: m.line, column: m.column, text: m.text }));

describe("scanner: each reference form", () => {
  it("finds http and https URLs with and without port and path", () => {
    expect(scan('fetch("http://inventory/stock")')).toEqual([{ form: "url", target: "inventory", line: 1, column: 8, text: "http://inventory" }]);
    expect(scan("url: http://inventory:3001").map((m) => m.target)).toEqual(["inventory"]);
    expect(scan("axios.get(`https://payment-service/charges/${id}`)").map((m) => [m.form, m.target])).toEqual([["url", "payment-service"]]);
    expect(scan("x = 'http://order-history'").map((m) => m.target)).toEqual(["order-history"]);
  });
  it("needs a host boundary: a longer host is not the service", () => {
    expect(scan("http://inventory-service:80 http://inventoryx http://orders_v2 http://inventory.example.com")).toEqual([]);
  });
  it("accepts cluster DNS names of the service", () => {
    expect(scan("http://inventory.shop.svc.cluster.local:3001 http://orders.svc").map((m) => m.target)).toEqual(["inventory", "orders"]);
  });
  it("finds <CONTEXT>_URL environment variable names, exact case and whole word", () => {
    const found = scanText(matcher, "const a = process.env.INVENTORY_URL;\nb = os.environ['ORDER_HISTORY_URL']\nMY_INVENTORY_URL INVENTORY_URLS inventory_url");
    expect(found.map((m) => [m.form, m.target, m.line, m.route])).toEqual([["env", "inventory", 1, false], ["env", "order-history", 2, false]]);
  });
  it("marks ROUTE_<CONTEXT>_URL (the node gateway's upstreams) as a route", () => {
    const [m] = scanText(matcher, "upstream: process.env.ROUTE_ORDERS_URL");
    expect(m).toMatchObject({ form: "env", target: "orders", route: true });
  });
  it("finds --service-prefix references and names the service", () => {
    expect(scan("requests.get('http://user-service/api/users')")).toEqual([{ form: "prefix", target: "user-service", line: 1, column: 15, text: "http://user-service" }]);
    expect(scan("http://user-service-v2/x")).toEqual([]);
  });
  it("finds quoted event type names and reads publish or consume from the line", () => {
    const found = scanText(matcher, [
      'await events.publish("order.created", 1, payload);',
      "broker.subscribe('payment.completed', handler)",
      '  "order.created": (event) => handleIt(event),',
      'const schema = "order.created";',
      "const notAnEvent = order.created;",
    ].join("\n"));
    expect(found.map((m) => [m.target, m.direction, m.line])).toEqual([
      ["order.created", "publish", 1],
      ["payment.completed", "consume", 2],
      ["order.created", "consume", 3],
      ["order.created", null, 4],
    ]);
  });
  it("takes an entry's direction from the header of its block", () => {
    const found = scanText(matcher, 'export const PUBLISHED_VERSIONS = {\n  "order.created": 2,\n\n  "payment.completed": 1,\n};\nexport const EVENT_SCHEMAS = {\n  "order.created": { 1: "x.json" },\n};\n');
    expect(found.map((m) => [m.target, m.direction, m.line])).toEqual([["order.created", "publish", 2], ["payment.completed", "publish", 4], ["order.created", null, 7]]);
  });
  it("process.env next to an event name is not a consumer", () => {
    expect(directionOf('publish("x", process.env.TOPIC)', 8, 3)).toBe("publish");
    expect(directionOf('const t = "x"; // process it', 10, 3)).toBeNull();
  });
  it("the nearest direction word wins", () => {
    expect(directionOf('onMessage(handle); publish("x")', 27, 3)).toBe("publish");
    expect(directionOf('publish(a); subscribe("x")', 22, 3)).toBe("consume");
  });
});

describe("scanner: lines, columns and chunks", () => {
  it("counts lines and columns (UTF-8 characters before the match count once)", () => {
    const latin1 = Buffer.from("a\nbé x http://orders\n", "utf8").toString("latin1");
    expect(scanText(matcher, latin1).map((m) => [m.line, m.column])).toEqual([[2, 6]]);
  });
  it("gives the same matches when the text arrives in chunks cut anywhere", () => {
    const text = Array.from({ length: 50 }, (_, i) => (i % 7 === 0 ? `line ${i} calls http://inventory:3001/x and INVENTORY_URL` : `line ${i} nothing`)).join("\n") + "\n";
    const whole = scanText(matcher, text);
    for (const size of [1, 5, 17, 64, 1000]) {
      const s = createChunkScanner(matcher);
      for (let i = 0; i < text.length; i += size) s.push(text.slice(i, i + size));
      expect(s.end()).toEqual(whole);
    }
    expect(whole).toHaveLength(16);
    expect(whole[2]).toMatchObject({ line: 8, target: "inventory", form: "url" });
  });
  it("a matcher with nothing to look for finds nothing", () => {
    expect(scanText(createMatcher({ services: [], prefixes: [], events: [] }), "http://inventory")).toEqual([]);
  });
});

describe("scanner: the fast paths agree with the full scan", () => {
  it("eventAnchors groups names under a long shared literal, else one literal a name", () => {
    expect(eventAnchors(["order.created", "order.cancelled", "inventory.reserved"])).toEqual([
      { anchor: "inventory.reserved", names: ["inventory.reserved"], suffix: false },
      { anchor: "order.c", names: ["order.cancelled", "order.created"], suffix: false },
    ]);
    expect(eventAnchors(["order.created", "payment.created", "user.created"])).toEqual([
      { anchor: ".created", names: ["payment.created", "order.created", "user.created"], suffix: true },
    ]);
  });
  it("trieRegexSource matches exactly the words", () => {
    const words = ["order.created", "order.cancelled", "orders", "inventory.reserved"];
    const re = new RegExp(`^(?:${trieRegexSource(words)})$`);
    expect(words.every((w) => re.test(w))).toBe(true);
    expect(["order", "order.c", "inventory", "orders.x"].some((w) => re.test(w))).toBe(false);
  });
  it("mayReference says no only when the full scan finds nothing", () => {
    const samples = [
      "nothing here at all\n",
      "see https://docs.example.com/x and ftp://inventoryx\n",
      "fetch('http://inventory:3001')\n",
      "process.env.ORDERS_URL\n",
      "FOO_URL is not ours\n",
      'publish("order.created")\n',
      "order.created without quotes\n",
      "get http://user-service/a\n",
    ];
    for (const text of samples) {
      const full = scanText(matcher, text).length > 0;
      const maybe = mayReference(matcher, Buffer.from(text, "latin1"));
      if (full) expect(maybe, text).toBe(true);
    }
    expect(mayReference(matcher, Buffer.from(samples[0]!))).toBe(false);
    expect(mayReference(matcher, Buffer.from(samples[1]!))).toBe(false);
    expect(mayReference(matcher, Buffer.from(samples[2]!))).toBe(true);
  });
});

describe("the pre-check's one-pass literal search (literals.ts)", () => {
  // A deterministic PRNG, so a failure names a reproducible text.
  const rng = (seed: number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  it.each([
    ["several sharing a key pair", ["://", "_UR", "_URL", "send", "Send", "ublish", "ubscribe", "order.created", "order.cancelled", "ab", "aab", "queue_bind"]],
    ["other short ones", ["://", "_UR", "ab", "ba", "aab", "Api", "_URL", "send", "ublish", "order.created"]],
    ["none shorter than three bytes (keyed by three)", ["://", "_UR", "aab", "Api", "_URL", "send", "Send", "ublish", "ubscribe", "order.created", "order.cancelled", "queue_bind", "rde", "der"]],
    // Literals whose trigrams repeat or overlap each other, at every offset, and three-byte ones among them.
    ["repeated and overlapping trigrams, a few three-byte literals", ["://", "Api", "_URL", "send", "Send", "ublish", "ubscribe", "order.created", "order.cancelled", "queue_bind", "aaaa", "abab", "ababab", "baba", "Queue", "QueueBind"]],
    ["repeated and overlapping trigrams, four bytes or more", ["_URL", "_URI", "aaaa", "aaaaa", "abab", "bab_", "send", "Send", "nd.s", "order.created"]],
  ])("finds every occurrence Buffer#indexOf finds, for literals sharing pairs, prefixes and suffixes: %s", (_, literals) => {
    const set = literalSet(literals);
    const r = rng(7);
    const alphabet = "abdeilnorsuy_:/.LRUSQ \n";
    for (let round = 0; round < 300; round++) {
      let text = "";
      const n = Math.floor(r() * 400);
      while (text.length < n) text += r() < 0.1 ? literals[Math.floor(r() * literals.length)] : alphabet[Math.floor(r() * alphabet.length)];
      const bytes = Buffer.from(text, "latin1");
      const expected: string[] = [];
      literals.forEach((lit, id) => {
        for (let i = bytes.indexOf(lit); i !== -1; i = bytes.indexOf(lit, i + 1)) expected.push(`${i}:${id}`);
      });
      const found: string[] = [];
      scanLiterals(set, bytes, (id, start) => void found.push(`${start}:${id}`) as unknown as boolean);
      expect(found.sort(), JSON.stringify(text)).toEqual(expected.sort());
    }
  });

  it("a literal too short to key (one byte, or none) makes every text a candidate", () => {
    expect(literalSet(["abc", "x"]).matchesAll).toBe(true);
    expect(literalSet(["abc", ""]).matchesAll).toBe(true);
    expect(literalSet(["abc", "xy"]).matchesAll).toBe(false);
  });

  it("mayReference never says no where the full scan finds something, with many event groups (400 contexts)", () => {
    const nouns = ["order", "payment", "invoice", "cart", "user", "shipment", "stock", "price", "review", "coupon", "ticket", "refund", "zone", "quote"];
    const events = Array.from({ length: 400 }, (_, i) => `${nouns[i % nouns.length]}${i}.${["created", "failed", "shipped"][i % 3]}`);
    const services = Array.from({ length: 400 }, (_, i) => ({ name: `svc-${i}`, envName: `SVC_${i}` }));
    const big = createMatcher({ services, prefixes: [], events, generic: true });
    expect(eventAnchors(events).length).toBe(1); // too many groups: one alternation, no shared literal
    const r = rng(11);
    const pieces = ["fetch(", "'http://svc-12/x'", "process.env.SVC_7_URL", `publish("${events[42]}")`, `"${events[399]}"`, "emit(", "words ", "more words\n", "https://example.com ", "x = 1;\n"];
    let positives = 0;
    for (let round = 0; round < 400; round++) {
      let text = "";
      for (let k = Math.floor(r() * 12); k > 0; k--) text += pieces[Math.floor(r() * pieces.length)];
      const full = scanText(big, text).length > 0;
      if (full) positives++;
      if (full) expect(mayReference(big, Buffer.from(text, "latin1")), text).toBe(true);
    }
    expect(positives).toBeGreaterThan(50);
    expect(mayReference(big, Buffer.from("plain words and https://example.com only\n"))).toBe(false);
  });

  it("the recognisers' words count only where a recogniser reads them: a call word before \"(\", a host variable's suffix at a name's end", () => {
    const generic = createMatcher({ services: [{ name: "cart" }, { name: "orders" }], prefixes: [], events: [], generic: true });
    const may = (text: string) => mayReference(generic, Buffer.from(text, "latin1"));
    // Passing: what the recognisers read.
    for (const text of ["bus.emit ( 'order.created' )", "ch.publish\t('ex', 'order.created')", "channel.bindQueue(q, 'ex', 'order.created')", "ch.QueueBind(q, \"order.created\", ex)", "pb.NewCartServiceClient(conn)", "new OrdersApi(cfg)", "@Inject('ORDERS')", "ctx.call(\n  'orders.get')", "process.env.CART_HOST", "CART_ADDRESS=cart:7070", "os.getenv('CART_URL')", "grpc.credentials.createInsecure()"]) expect(may(text), text).toBe(true);
    // Failing: the same words elsewhere (library code is full of them).
    for (const text of ["emitter.emit", "const send = 1; sendToQueueLater()", "fn.call(this, x)", "class HttpClientFactory {}", "cart_host = 1", "MY_HOSTS", "xCART_HOSTNAMEx", "the Api docs", "producer.produced(x)", "ch.publish('ex', 'key')", "el.addEventListener('click', f)", "bus.emit('data', x)", "new HttpApi(cfg)", "pb.NewShopClient(conn)", "process.env.NODE_URL"]) expect(may(text), text).toBe(false);
    // And never no where the full scan finds something: random texts of these pieces.
    const r = rng(23);
    const pieces = ["emit", "send", "publish", ".call", "Client", "Api", "Inject", "Queue", "QueueBind", "CART_HOST", "ORDERS_URL", "_ADDRESS", " ", "\t", "\n", "(", "'order.created'", "\"orders.get\"", "cart", "new ", "pb.NewCart", "x", ",", ")", "ch.", "'ex'", "topic: ", "ORDER_CREATED", "Kafka", "Listener", "Feign", "= ", "${", "://", "mongo", "_URL", "|| 'cart'", "Grpc.newStub", "kafkaTemplate."];
    let positives = 0;
    for (let round = 0; round < 3000; round++) {
      let text = "";
      for (let k = 1 + Math.floor(r() * 10); k > 0; k--) text += pieces[Math.floor(r() * pieces.length)];
      const full = scanText(generic, text).length > 0;
      if (full) positives++;
      if (full) expect(may(text), JSON.stringify(text)).toBe(true);
    }
    expect(positives).toBeGreaterThan(100);
  });

  it("a \"://\" counts only where the URL pass reads one: a call or store scheme, then a template or a host naming a context or a store", () => {
    const generic = createMatcher({ services: [{ name: "cart" }, { name: "orders", aliases: ["order-svc"] }], prefixes: [], events: [], generic: true });
    const may = (text: string) => mayReference(generic, Buffer.from(text, "latin1"));
    for (const text of ["fetch('http://cart:8080/x')", "'https://' + cartHost", "`http://${CART_ADDR}/`", "http://order-svc.shop.svc/", "see https://kafka.apache.org/doc", "mongodb://db:27017", "jdbc:mysql://h/x", "'http://%s/x' % host", "grpc://orders:50051"]) expect(may(text), text).toBe(true);
    for (const text of ["// http://www.apache.org/licenses/LICENSE-2.0", 't=r.protocol+"://"+r.host', 'N("http://",!0)', "ftp://files/x", "http://cartography.example/", "https://github.com/x", "http://10.0.0.1/", "https://262.ecma-international.org/6.0/"]) expect(may(text), text).toBe(false);
    const r = rng(31);
    const pick = (xs: string[]) => xs[Math.floor(r() * xs.length)]!;
    const before = ["", " ", "'", '"', "x", "+", "r.protocol+"];
    const schemes = ["http", "https", "ftp", "mongodb", "grpc", "", "jdbc:mysql"];
    const hosts = ["cart", "orders", "order-svc", "www", "kafka", "cartx", "_cart", "-cart", "10.0.0.1", "262.ecma", "1.2.3.4.5", "10.0.0", "' + host", '"', "${X}", "{x}", "%s", "$h", "#{h}", "{{ .h }}", ""];
    const after = ["", ".shop", ":80", "/x", "'", ".svc", "-v2", "\n"];
    let positives = 0;
    for (let round = 0; round < 3000; round++) {
      let text = "";
      for (let k = 1 + Math.floor(r() * 3); k > 0; k--) text += pick(before) + pick(schemes) + "://" + pick(hosts) + pick(after);
      const full = scanText(generic, text).length > 0;
      if (full) positives++;
      if (full) expect(may(text), JSON.stringify(text)).toBe(true);
    }
    expect(positives).toBeGreaterThan(100);
  });

  it("msa's own _URL counts only after a context's variable name (or ROUTE_ and one), with no name character after it", () => {
    for (const generic of [false, true]) {
      const m = createMatcher({ services: [{ name: "cart", envName: "CART" }, { name: "order-svc", envName: "ORDER_SVC" }], prefixes: [], events: [], generic });
      const may = (text: string) => mayReference(m, Buffer.from(text, "latin1"));
      for (const text of ["process.env.CART_URL", "ROUTE_ORDER_SVC_URL=x", "CART_URL"]) expect(may(text), text).toBe(true);
      if (!generic) for (const text of ["process.env.NODE_URL", "CART_URLS", "xCART_URL", "_URL"]) expect(may(text), text).toBe(false);
      const r = rng(41);
      const pieces = ["CART", "ORDER_SVC", "ROUTE_", "_URL", "_URL", "CART_URL", "x", "_", " ", " ", "MONGO_", "S", "\n", "ORDER", "_SVC"];
      let positives = 0;
      for (let round = 0; round < 3000; round++) {
        let text = "";
        for (let k = 1 + Math.floor(r() * 6); k > 0; k--) text += pieces[Math.floor(r() * pieces.length)];
        const full = scanText(m, text).length > 0;
        if (full) positives++;
        if (full) expect(may(text), JSON.stringify(text)).toBe(true);
      }
      expect(positives).toBeGreaterThan(100);
    }
  });
});
