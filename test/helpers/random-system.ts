// Seeded random, valid system.yaml texts: the generator must be right for any valid system, not only for the
// ones we wrote by hand. Each seed gives the same text every time. What varies: names (short, long, digits,
// hyphens, words YAML reads as booleans or null), runtimes, brokers, gateways and their routes (odd but valid
// path characters), mesh, databases (engines, explicit names), ports (low, high, absent), replicas and
// resources, api paths with parameters, free-text descriptions (quotes, backslashes, newlines, comment ends),
// events with 1-3 versions evolved per their compatibility mode, schemas with formats, patterns, bounds,
// enums with quotes, odd property names, nested objects and arrays, calls (a DAG) and sagas.
import { stringify } from "yaml";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json | undefined };
type Obj = { [k: string]: Json | undefined };

/** mulberry32: a small, well-mixed 32-bit PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DESCRIPTIONS = [
  'handles orders & <stuff> "quoted" \'x\' {{y}}',
  "multi\nline\n  indented",
  "ends with a backslash \\",
  'has """ and */ and ${x} and `tick`',
  "ünïcödé — ✓",
  "# not a comment: really",
];
const YAML_WORDS = ["y", "n", "on", "off", "no", "yes", "null"];

export function randomSystem(seed: number): string {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)] as T;
  const chance = (p: number): boolean => r() < p;
  const int = (a: number, b: number): number => a + Math.floor(r() * (b - a + 1));
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const alnum = letters + "0123456789";
  const word = (min = 2, max = 10): string => {
    let s = pick([...letters]);
    for (let i = int(min - 1, max - 1); i > 0; i--) s += pick([...alnum]);
    return s;
  };
  const label = (max = 63): string => {
    if (chance(0.04)) return pick(YAML_WORDS);
    let s = word(1, 8);
    while (chance(0.4) && s.length < max - 10) s += "-" + word(1, 8);
    if (chance(0.05)) s = (s + "x".repeat(max)).slice(0, max);
    return s.slice(0, max);
  };
  const used = new Set<string>();
  const uniq = (f: () => string): string => {
    for (;;) {
      const v = f();
      if (!used.has(v)) return used.add(v), v;
    }
  };

  const sys: Obj = { version: 1, name: label() };
  if (chance(0.3)) sys.namespace = label();
  if (chance(0.2)) sys.description = pick(DESCRIPTIONS);
  if (chance(0.4)) sys.registry = pick(["ghcr.io/acme/x", "registry.local:5000/team", "docker.io/org", "quay.io/a-b/c_d"]);
  if (chance(0.5)) {
    const d: Obj = {};
    if (chance(0.5)) d.runtime = pick(["node-express", "python-flask"]);
    if (chance(0.5)) d.replicas = int(1, 6);
    if (chance(0.5)) d.resources = pick<Obj>([{ cpu: "100m", memory: "128Mi", cpuLimit: "500m", memoryLimit: "256Mi" }, { cpu: "0.25", memory: "200M" }, { memory: "1Gi" }, { cpu: "2", cpuLimit: "4", memoryLimit: "2Gi" }]);
    if (chance(0.2)) d.database = pick(["postgres", "none", "redis"]);
    sys.defaults = d;
  }
  if (chance(0.9)) sys.broker = { kind: pick(["rabbitmq", "nats", "kafka", "memory"]) };
  const mesh = chance(0.3) ? pick(["none", "istio"]) : undefined;
  if (mesh) sys.mesh = mesh;

  const ctxNames = Array.from({ length: int(1, 6) }, () => uniq(() => (chance(0.1) ? label(40) : chance(0.05) ? pick(YAML_WORDS) : word(2, 12))));
  const contexts: Record<string, Obj> = {};
  const ports = new Set<number>();
  const dbNames = new Set<string>();
  const ISTIO = new Set([15000, 15001, 15004, 15006, 15008, 15009, 15020, 15021, 15053, 15090]);
  for (const c of ctxNames) {
    const ctx: Obj = {};
    if (chance(0.4)) ctx.description = pick(DESCRIPTIONS);
    if (chance(0.4)) ctx.runtime = pick(["node-express", "python-flask"]);
    if (chance(0.7)) {
      let p: number;
      do p = chance(0.15) ? pick([1, 80, 443, 8080, 65535]) : int(1024, 65535);
      while (ports.has(p) || ISTIO.has(p));
      ports.add(p);
      ctx.port = p;
    }
    if (chance(0.3)) ctx.replicas = int(1, 10);
    if (chance(0.2)) ctx.resources = pick<Obj>([{ cpu: "50m", memory: "64Mi" }, { cpuLimit: "1", memoryLimit: "512Mi" }]);
    if (chance(0.7)) {
      const engine = pick(["postgres", "mysql", "mongodb", "redis", "none"]);
      if (engine !== "none" && chance(0.3)) {
        let n: string;
        do n = word(2, 10) + pick(["", "_db", "-store"]);
        while (dbNames.has(engine + n));
        dbNames.add(engine + n);
        ctx.database = { engine, name: n };
      } else ctx.database = engine;
    }
    if (chance(0.7)) {
      const api = new Set<string>();
      for (let j = int(1, 5); j > 0; j--) {
        const segs = Array.from({ length: int(0, 3) }, (_, s) =>
          chance(0.3) ? `{${pick(["id", "sku", "orderId", "item_id", "x"])}${s}}` : pick([word(2, 8), word(2, 5) + "-" + word(2, 5), "v1", "a.b", "x~y"]),
        );
        api.add(`${pick(["GET", "POST", "PUT", "PATCH", "DELETE", "GET", "POST", "HEAD", "OPTIONS"])} /${segs.join("/")}`);
      }
      ctx.api = [...api];
    }
    contexts[c] = ctx;
  }

  const property = (name: string, depth: number): Obj => {
    switch (name) {
      case "id":
      case "orderId":
        return chance(0.5) ? { type: "string", format: "uuid" } : { type: "string", minLength: 1, maxLength: 40 };
      case "amount":
        return { type: "number", minimum: 0, ...(chance(0.3) ? { multipleOf: 0.01 } : {}) };
      case "when":
        return { type: "string", format: pick(["date-time", "date"]) };
      case "email":
        return { type: "string", format: "email" };
      case "tags":
        return { type: "array", items: { type: "string", ...(chance(0.3) ? { pattern: "^[a-z]{2,5}$" } : {}) }, ...(chance(0.3) ? { uniqueItems: true, maxItems: 5 } : {}) };
      case "nested":
        return depth < 2 ? objectSchema(depth + 1) : { type: "object" };
      case "count":
        return { type: "integer", minimum: int(0, 3), maximum: int(10, 100) };
      case "note":
        return chance(0.5) ? { type: ["string", "null"] } : { type: "string", description: pick(DESCRIPTIONS) };
      case "kind":
        return { enum: ["a", "c-d", "it's", 'say "hi"', "back\\slash", "no"] };
      case "ratio":
        return { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 };
      case "sku":
        return { type: "string", pattern: "^[A-Z]{3}-[0-9]{4}$" };
      case "odd":
        return {
          type: "object",
          required: ["my-prop", "a b", "constructor"],
          properties: {
            "my-prop": { type: "string", enum: ["it's", 'say "hi"'] },
            "a b": { type: "integer", default: 3 },
            constructor: { type: "string", description: "*/ closes", title: "T" },
            $weird: { const: 7 },
            toString: { type: ["integer", "null"] },
            on: { type: "boolean" },
          },
        };
      default:
        return { type: "boolean" };
    }
  };
  const objectSchema = (depth = 0): Obj => {
    const properties: Obj = {};
    const required = new Set<string>();
    for (let i = int(1, 5); i > 0; i--) {
      const base = pick(["id", "orderId", "amount", "when", "email", "tags", "nested", "count", "note", "kind", "ratio", "sku", "flag", "odd"]);
      const name = chance(0.2) ? `${base}_${i}` : base;
      properties[name] = property(base, depth);
      if (chance(0.6)) required.add(name);
    }
    const o: Obj = { type: "object", properties };
    if (required.size) o.required = [...required];
    if (chance(0.5)) o.additionalProperties = false;
    return o;
  };

  const events: Record<string, Obj> = {};
  for (let i = int(0, 6); i > 0; i--) {
    const name = uniq(() => (chance(0.05) ? pick(YAML_WORDS) : word(2, 8) + pick([".", "-", "_", "."]) + word(2, 10) + (chance(0.2) ? `.v${int(1, 3)}` : "")));
    const ev: Obj = {};
    const compat = chance(0.5) ? undefined : pick(["backward", "forward", "full", "none"]);
    if (compat) ev.compatibility = compat;
    const count = chance(0.6) ? 1 : int(2, 3);
    if (count === 1 && chance(0.5)) ev.schema = objectSchema();
    else {
      const versions: Obj = {};
      let s = objectSchema();
      for (let v = 1; v <= count; v++) {
        versions[String(v)] = s;
        s = structuredClone(s);
        const props = s.properties as Obj;
        const mode = compat ?? "backward";
        // an evolution each mode accepts: backward — an optional property into a closed model; forward — into an
        // open one; full — documentation only; none — anything
        if (mode === "backward") {
          if (s.additionalProperties === false) props[`added${v}`] = { type: "string" };
          else s.description = `v${v + 1}`;
        } else if (mode === "forward") {
          if (s.additionalProperties !== false) props[`added${v}`] = { type: "string" };
          else s.title = `v${v + 1}`;
        } else if (mode === "full") s.description = `version ${v + 1}`;
        else s = objectSchema();
      }
      ev.versions = versions;
    }
    if (chance(0.3)) ev.description = pick(DESCRIPTIONS);
    events[name] = ev;
  }
  for (const e of Object.keys(events)) {
    const owner = pick(ctxNames);
    const oc = contexts[owner]!;
    oc.publishes = [...((oc.publishes as string[] | undefined) ?? []), e];
    if (chance(0.3)) events[e]!.owner = owner;
    for (let j = int(0, 3); j > 0; j--) {
      const cc = contexts[pick(ctxNames)]!;
      const list = (cc.consumes as string[] | undefined) ?? [];
      if (!list.includes(e)) cc.consumes = [...list, e];
    }
  }
  if (Object.keys(events).length) sys.events = events;

  // calls only go from earlier to later contexts: no cycle
  ctxNames.forEach((from, i) => {
    for (const to of ctxNames.slice(i + 1)) {
      if (!chance(0.25)) continue;
      let call: Obj | null = null;
      if (chance(0.8)) {
        call = {};
        if (chance(0.8)) call.timeout = pick<Json>(["500ms", "2s", "1.5s", 3000, "1m"]);
        if (chance(0.5)) call.retries = int(0, 5);
        if (chance(0.4)) call.circuitBreaker = { errorThresholdPercentage: pick([50, 25, 99.5, 100]), resetTimeout: pick<Json>(["30s", "10s", 5000]) };
      }
      const fc = contexts[from]!;
      fc.calls = { ...((fc.calls as Obj | undefined) ?? {}), [to]: call };
    }
  });

  if (chance(0.8)) {
    const gw: Obj = { kind: pick(["kong", "node", "none"]) };
    if (chance(0.5)) gw.host = pick(["api.example.com", "x.y-z.io", "localhost", "n"]);
    if (chance(0.5)) gw.auth = pick(["jwt", "none"]);
    if (chance(0.5)) gw.rateLimit = pick(["100/minute", "5/second", "1000/hour"]);
    const routes: Obj[] = [];
    for (let i = int(0, 5); i > 0; i--) {
      const path = uniq(() => `/${pick(["api", "v1", "public", "a.b", "x~y", "(p)", "$d", "it's", "a+b", "ü"])}/${word(2, 8)}${chance(0.3) ? "/" + word(2, 5) : ""}`);
      const rt: Obj = { path, context: pick(ctxNames) };
      if (chance(0.4)) rt.methods = [...new Set([pick(["GET", "POST", "PUT", "DELETE", "PATCH"]), pick(["GET", "POST"])])];
      if (chance(0.3)) rt.auth = pick(["jwt", "none"]);
      if (chance(0.3)) rt.rateLimit = pick(["10/second", "60/minute"]);
      routes.push(rt);
    }
    if (routes.length || chance(0.5)) gw.routes = routes;
    sys.gateway = gw;
  }

  if (ctxNames.length >= 2 && chance(0.4)) {
    const sagas: Obj = {};
    for (let i = int(1, 2); i > 0; i--) {
      const orchestrator = pick(ctxNames);
      // a python-flask orchestrator keeps its saga state in postgres or mysql (rule saga-orchestrator-store)
      const oc = contexts[orchestrator]!;
      const defaults = (sys.defaults ?? {}) as Obj;
      const engine = (db: unknown): unknown => (db && typeof db === "object" ? (db as Obj).engine : db);
      if ((oc.runtime ?? defaults.runtime) === "python-flask" && !["postgres", "mysql"].includes(String(engine(oc.database ?? defaults.database)))) {
        if (dbNames.has(`postgres${orchestrator}`)) oc.runtime = "node-express";
        else oc.database = "postgres";
      }
      const others = ctxNames.filter((c) => c !== orchestrator);
      const steps = Array.from({ length: int(1, Math.min(3, others.length)) }, (_, j) => {
        const st: Obj = { context: pick(others), action: `${pick(["reserve", "charge", "ship", "doIt", "step_", "a-b"])}${j}` };
        if (chance(0.7)) st.compensation = `undo${j}`;
        return st;
      });
      sagas[uniq(() => `${word(3, 8)}-${word(3, 8)}`)] = { orchestrator, steps };
    }
    sys.sagas = sagas;
  }
  sys.contexts = contexts;
  return stringify(sys);
}
