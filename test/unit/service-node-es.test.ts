// Event sourcing and read models in the node-express planner (docs/event-sourcing.md): which files a context gets,
// who owns them, and that a plain state context is untouched.
import { describe, expect, it } from "vitest";
import { loadSystemAt } from "../../src/io/system.js";
import { createRenderer } from "../../src/core/render.js";
import { planNodeServices } from "../../src/core/plan/service-node.js";
import { loadTemplates } from "../../src/io/templates.js";

const YAML = `version: 1
name: bank
broker: { kind: rabbitmq }
contexts:
  accounts:
    port: 3000
    database: postgres
    persistence: event-sourced
    api: ["POST /accounts", "GET /accounts/{id}"]
    publishes: [account.opened, money.deposited]
    readModels:
      balances: { from: [account.opened, money.deposited] }
  statements:
    port: 3001
    database: postgres
    consumes: [money.deposited]
    readModels:
      monthly: { from: [money.deposited] }
  ledger:
    port: 3002
    database: postgres
    api: ["POST /entries"]
    publishes: [entry.made]
    consumes: [account.opened]
    readModels:
      entries: { from: [entry.made] }
  plain:
    port: 3003
    database: postgres
    consumes: [entry.made]
events:
  account.opened:
    compatibility: none
    versions:
      1: { type: object, required: [owner], properties: { owner: { type: string } } }
      2: { type: object, required: [owner, currency], properties: { owner: { type: string }, currency: { type: string } } }
      3: { type: object, required: [owner, currency], properties: { owner: { type: string }, currency: { type: string }, branch: { type: string } } }
  money.deposited:
    schema: { type: object, required: [amount], properties: { amount: { type: integer } } }
  entry.made:
    schema: { type: object, properties: { id: { type: string } } }
`;

const loaded = loadSystemAt("/virtual/system.yaml", "system.yaml", YAML);
const files = planNodeServices(loaded.model!, createRenderer(loadTemplates()));
const byPath = new Map(files.map((f) => [f.path, f]));
const content = (p: string): string => {
  const f = byPath.get(p);
  if (!f) throw new Error(`not planned: ${p}`);
  return f.content;
};

describe("event sourcing in the node-express planner", () => {
  it("the system is valid", () => {
    expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  });

  it("an event-sourced context gets the store, the aggregate base, projectors and the rebuild command (generated)", () => {
    for (const f of ["eventstore.ts", "aggregate.ts", "projections.ts", "projections-rebuild.ts"])
      expect(byPath.get(`services/accounts/src/generated/${f}`)?.owner, f).toBe("generated");
    expect(JSON.parse(content("services/accounts/package.json")).scripts["projections:rebuild"]).toBe("node dist/generated/projections-rebuild.js");
    const store = content("services/accounts/src/generated/eventstore.ts");
    expect(store).toContain("UNIQUE (stream_id, version)");
    expect(store).toContain('export type OwnType = "account.opened" | "money.deposited";');
    expect(store).toContain('"account.opened": 3,');
    expect(content("services/accounts/src/generated/routes.ts")).toContain("store: EventStore;");
  });

  it("the aggregate, each read model's projection and each upcaster step are the user's (written once)", () => {
    const user = files.filter((f) => f.owner === "user" && f.context === "accounts").map((f) => f.path.replace("services/accounts/", "")).sort();
    expect(user).toEqual([
      "src/domain/aggregate.ts",
      "src/handlers/getAccountsById.ts",
      "src/handlers/postAccounts.ts",
      "src/projections/balances.ts",
      "src/upcasters/account.opened.v2.ts",
      "src/upcasters/account.opened.v3.ts",
    ]);
    expect(content("services/accounts/src/upcasters/account.opened.v3.ts")).toContain("export function accountOpenedV2ToV3(data: AccountOpenedV2): AccountOpenedV3");
    expect(content("services/accounts/src/generated/eventstore.ts")).toContain('"account.opened": { 1: accountOpenedV1ToV2, 2: accountOpenedV2ToV3 },');
    expect(content("services/accounts/src/handlers/postAccounts.ts")).toContain("load → decide → append");
  });

  it("a context with read models of consumed events records them through the inbox; no aggregate", () => {
    expect(byPath.has("services/statements/src/generated/aggregate.ts")).toBe(false);
    expect(byPath.has("services/statements/src/domain/aggregate.ts")).toBe(false);
    expect(content("services/statements/src/generated/app.ts")).toContain("recordConsumed(");
    expect(content("services/statements/src/generated/projections.ts")).toContain('const RECORDED_CONSUMED: readonly string[] = ["money.deposited"];');
    expect(byPath.get("services/statements/src/projections/monthly.ts")?.owner).toBe("user");
  });

  it("a state context's own published events that feed its read model are recorded with their outbox row", () => {
    const events = content("services/ledger/src/generated/events.ts");
    expect(events).toContain('new Set(["entry.made"])');
    expect(events).toContain("recordEnvelope(");
    // it consumes account.opened, which feeds no read model: not recorded
    expect(content("services/ledger/src/generated/app.ts")).not.toContain("recordConsumed(");
  });

  it("a plain state context gets none of it", () => {
    const plain = files.filter((f) => f.context === "plain").map((f) => f.path);
    expect(plain.some((p) => /eventstore|projection|aggregate|upcaster/.test(p))).toBe(false);
    expect(content("services/plain/src/generated/app.ts")).not.toMatch(/EventStore|Projectors/);
    expect(content("services/plain/package.json")).not.toContain("projections:rebuild");
  });
});
