import { describe, expect, it } from "vitest";
import { analyze, findCycles, longestChains, parseFailOn, stronglyConnected, type DiscoveredRef } from "../../src/core/deps/analyze.js";
import { attributeFile } from "../../src/core/deps/attribute.js";
import { declaredGraph, eventNodeId } from "../../src/core/deps/declared.js";
import type { RawMatch } from "../../src/core/deps/scanner.js";
import { loadSystemAt } from "../../src/io/system.js";
import type { SystemModel } from "../../src/core/model.js";

const SYSTEM = `version: 1
name: shop
gateway:
  kind: node
  routes:
    - { path: /api/orders, context: orders }
contexts:
  orders:
    publishes: [order.created]
    consumes: [payment.completed]
    calls:
      inventory: { timeout: 2s }
  inventory:
    consumes: [order.created]
  payment:
    publishes: [payment.completed, payment.failed]
  catalog: {}
events:
  order.created: { schema: { type: object } }
  payment.completed: { schema: { type: object } }
  payment.failed: { schema: { type: object } }
sagas:
  place-order:
    orchestrator: orders
    steps:
      - { context: payment, action: charge, compensation: refund }
`;

function model(text = SYSTEM): SystemModel {
  const loaded = loadSystemAt("/x/system.yaml", "system.yaml", text);
  if (!loaded.model) throw new Error(JSON.stringify(loaded.diagnostics));
  return loaded.model;
}

const m = (form: RawMatch["form"], target: string, line = 1, direction: RawMatch["direction"] = null): RawMatch => ({ form, target, route: false, direction, line, column: 1, text: form === "url" ? `http://${target}` : target });
const ref = (node: string, file: string, match: RawMatch): DiscoveredRef => ({ node, file, match });
const everything = ["gateway", "orders", "inventory", "payment", "catalog"];
/** The code of the declared system, all of it seen. */
const faithful: DiscoveredRef[] = [
  ref("gateway", "gateway/src/config.ts", { ...m("env", "orders", 2), route: true }),
  ref("orders", "services/orders/src/clients.ts", m("env", "inventory", 3)),
  ref("orders", "services/orders/src/events.ts", m("event", "order.created", 4, "publish")),
  ref("orders", "services/orders/src/events.ts", m("event", "payment.completed", 5, "consume")),
  ref("orders", "services/orders/src/saga.ts", m("url", "payment", 9)),
  ref("inventory", "services/inventory/src/events.ts", m("event", "order.created", 2, "consume")),
  ref("payment", "services/payment/src/events.ts", m("event", "payment.completed", 2, "publish")),
  ref("payment", "services/payment/src/events.ts", m("event", "payment.failed", 3, "publish")),
];
const run = (refs: DiscoveredRef[], extra: Partial<Parameters<typeof analyze>[0]> = {}) =>
  analyze({ declared: declaredGraph(model()), system: "system.yaml", roots: ["services", "gateway"], filesScanned: 9, scannedNodes: everything, refs, maxCallees: 5, ...extra });
const rules = (a: ReturnType<typeof run>) => a.findings.map((f) => `${f.severity} ${f.rule} ${f.path.join(">")}`);

describe("declared graph", () => {
  it("has calls, routes, saga steps and publisher → event → consumer edges with their system.yaml lines", () => {
    const g = declaredGraph(model());
    const edges = [...g.edges.values()].map((e) => `${e.kind} ${e.from} ${e.to} @${e.evidence[0]!.line}`).sort();
    expect(edges).toEqual([
      "call orders inventory @12",
      "consume event:order.created inventory @14",
      "consume event:payment.completed orders @10",
      "publish orders event:order.created @9",
      "publish payment event:payment.completed @16",
      "publish payment event:payment.failed @16",
      "route gateway orders @6",
      "saga orders payment @26",
    ]);
    expect(g.nodes.get("catalog")).toMatchObject({ kind: "context", declared: true });
    expect(g.nodes.get(eventNodeId("payment.failed"))).toMatchObject({ kind: "event", declared: true });
  });
});

describe("attribution", () => {
  const contexts = new Set(["orders", "inventory"]);
  const at = (dirs: string[], rootDepth = 0, strict = true) => attributeFile({ dirs, rootDepth, contexts, strict });
  it("services/<context>/… is the context, gateway/… the gateway, the outermost folder wins", () => {
    expect(at(["services", "orders", "src"])).toBe("orders");
    expect(at(["gateway", "src", "orders"])).toBe("gateway");
    expect(at(["apps", "inventory", "lib"])).toBe("inventory");
    expect(at(["services", "legacy", "src"])).toBe("legacy");
  });
  it("with a system.yaml, files outside a service folder belong to nobody", () => {
    expect(at(["k8s", "base"])).toBeNull();
    expect(at([])).toBeNull();
  });
  it("without one, the first folder under the scan root (the docs' ./services) or the root itself", () => {
    expect(at(["src", "user-service", "app"], 1, false)).toBe("user-service");
    expect(at(["user-service"], 1, false)).toBe("user-service");
    expect(at(["services"], 1, false)).toBe("services");
  });
});

describe("findings", () => {
  it("code that matches system.yaml has only the no-consumer warning", () => {
    const a = run(faithful);
    expect(rules(a)).toEqual(["warning event-unconsumed payment.failed"]);
    expect(a.findings[0]).toMatchObject({ file: "system.yaml", line: 21 });
  });
  it("an undeclared call is an error at the code line; saga steps count as declared", () => {
    const a = run([...faithful, ref("payment", "services/payment/src/x.ts", m("url", "catalog", 7)), ref("payment", "services/payment/src/y.ts", m("env", "catalog", 2))]);
    const f = a.findings.filter((x) => x.rule === "undeclared-dependency");
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ file: "services/payment/src/x.ts", line: 7, severity: "error", path: ["payment", "catalog"] });
    expect(f[0]!.message).toContain("add catalog to contexts.payment.calls");
    expect(f[0]!.message).toContain("and 1 more place");
  });
  it("undeclared publish, consume and gateway route are errors too", () => {
    const a = run([...faithful,
      ref("inventory", "services/inventory/e.ts", m("event", "payment.failed", 3, "consume")),
      ref("catalog", "services/catalog/e.py", m("event", "order.created", 4, "publish")),
      ref("gateway", "gateway/kong.yml", m("url", "catalog", 8))]);
    expect(rules(a).filter((r) => r.includes("undeclared"))).toEqual([
      "error undeclared-dependency gateway>catalog",
      "error undeclared-dependency catalog>order.created",
      "error undeclared-dependency payment.failed>inventory",
    ]);
    expect(rules(a)).not.toContain("warning event-unconsumed payment.failed");
  });
  it("a declared dependency never seen in scanned code is a warning, unless that code was not scanned", () => {
    const code = faithful.filter((r) => !(r.node === "orders" && r.match.target === "inventory"));
    expect(rules(run(code))).toContain("warning unused-dependency orders>inventory");
    const a = run(faithful.filter((r) => r.node !== "orders"), { scannedNodes: ["gateway", "inventory", "payment"] });
    expect(rules(a).filter((r) => r.includes("unused"))).toEqual([]);
    expect(a.notes.join("\n")).toContain("no scanned code for catalog, orders");
  });
  it("a cycle is an error printed as a path from its smallest node", () => {
    const a = run([...faithful, ref("inventory", "services/inventory/src/c.ts", m("url", "orders", 4))]);
    const cycle = a.findings.find((f) => f.rule === "dependency-cycle")!;
    expect(cycle.message).toContain("inventory → orders → inventory");
    expect(cycle).toMatchObject({ severity: "error", path: ["inventory", "orders", "inventory"], file: "services/inventory/src/c.ts", line: 4 });
  });
  it("a chain of more than 3 synchronous calls is a warning; 3 is not", () => {
    const hop = (from: string, to: string) => ref(from, `services/${from}/a.ts`, m("url", to));
    const g = (n: number) => declaredGraphOfChain(n);
    const three = analyze({ declared: null, system: null, roots: ["."], filesScanned: 4, scannedNodes: [], refs: g(3).map(([a, b]) => hop(a, b)), maxCallees: 5 });
    expect(three.findings.filter((f) => f.rule === "sync-chain")).toEqual([]);
    const four = analyze({ declared: null, system: null, roots: ["."], filesScanned: 5, scannedNodes: [], refs: g(4).map(([a, b]) => hop(a, b)), maxCallees: 5 });
    expect(rules(four)).toEqual(["warning sync-chain s0>s1>s2>s3>s4"]);
    expect(four.findings[0]!.message).toContain("chain of 4 synchronous calls s0 → s1 → s2 → s3 → s4");
  });
  it("a context with more than --max-callees sync callees is chatty", () => {
    const refs = ["inventory", "payment", "catalog"].map((t) => ref("orders", "services/orders/c.ts", m("url", t)));
    expect(rules(run([...faithful, ...refs], { maxCallees: 2 }))).toContain("warning chatty-context orders>catalog>inventory>payment");
    expect(rules(run([...faithful, ...refs], { maxCallees: 3 })).some((r) => r.includes("chatty"))).toBe(false);
  });
  it("fan-in and fan-out per node", () => {
    const a = run(faithful);
    const s = (id: string) => a.stats.find((x) => x.id === id)!;
    expect(s("orders")).toMatchObject({ fanIn: 1, fanOut: 2, publishes: 1, consumes: 1 });
    expect(s("inventory")).toMatchObject({ fanIn: 1, fanOut: 0, consumes: 1 });
    expect(s("gateway")).toMatchObject({ fanIn: 0, fanOut: 1 });
  });
  it("without a system.yaml only the discovered graph is checked, and the report says so", () => {
    const a = analyze({ declared: null, system: null, roots: ["services"], filesScanned: 2, scannedNodes: ["a", "b"], refs: [ref("a", "services/a/x.js", m("prefix", "b")), ref("b", "services/b/y.js", m("prefix", "a"))], maxCallees: 5 });
    expect(rules(a)).toEqual(["error dependency-cycle a>b>a"]);
    expect(a.notes.join(" ")).toContain("no system.yaml");
  });
});

function declaredGraphOfChain(n: number): [string, string][] {
  return Array.from({ length: n }, (_, i) => [`s${i}`, `s${i + 1}`]);
}

describe("graph algorithms", () => {
  const adj = (edges: string): Map<string, string[]> => {
    const g = new Map<string, string[]>();
    for (const e of edges.split(" ")) {
      const [a, b] = e.split(">") as [string, string];
      g.set(a, [...(g.get(a) ?? []), b].sort());
      if (!g.has(b)) g.set(b, []);
    }
    return g;
  };
  it("finds every elementary cycle once, self-loops included", () => {
    expect(findCycles(adj("a>b b>a b>c c>a d>d c>e"))).toEqual([["a", "b", "a"], ["a", "b", "c", "a"], ["d", "d"]]);
    expect(findCycles(adj("a>b b>c"))).toEqual([]);
  });
  it("strongly connected components", () => {
    expect(stronglyConnected(adj("a>b b>a b>c")).map((c) => c.join("")).sort()).toEqual(["ab", "c"]);
  });
  it("caps the number of cycles of a dense graph", () => {
    const names = "abcdefgh".split("");
    const dense = names.flatMap((x) => names.filter((y) => y !== x).map((y) => `${x}>${y}`)).join(" ");
    expect(findCycles(adj(dense), 50)).toHaveLength(50);
  });
  it("longest chain from each uncalled node", () => {
    expect(longestChains(adj("a>b b>c c>d x>c"))).toEqual([["a", "b", "c", "d"], ["x", "c", "d"]]);
  });
});

describe("--fail-on", () => {
  it("takes severities, rule ids and short names; rejects unknown ones", () => {
    expect([...(parseFailOn("errors") as Set<string>)].sort()).toEqual(["dependency-cycle", "undeclared-dependency"]);
    expect([...(parseFailOn("undeclared,cycle") as Set<string>)].sort()).toEqual(["dependency-cycle", "undeclared-dependency"]);
    expect((parseFailOn("warnings") as Set<string>).size).toBe(6);
    expect((parseFailOn("none") as Set<string>).size).toBe(0);
    expect(parseFailOn("chatty,sync-chain")).toEqual(new Set(["chatty-context", "sync-chain"]));
    expect(parseFailOn("cycles")).toBe("cycles");
  });
});
