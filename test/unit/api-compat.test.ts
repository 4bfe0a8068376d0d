// Breaking changes of the REST contracts (src/core/api/compat.ts): the previous contract is the OpenAPI document
// msa rendered for the old system.yaml (rendered and parsed back, as `msa validate` reads it), the new one the model.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { checkApiContracts, type PreviousContract } from "../../src/core/api/compat.js";
import { planOpenApi } from "../../src/core/plan/openapi.js";
import type { Diagnostic } from "../../src/core/diagnostics.js";
import { modelFromYaml, renderer, repoRoot } from "../helpers/engine-model.js";

const system = (api: string): string => `version: 1
name: shop
contexts:
  orders:
    port: 3000
    api:
${api}`;

const BASE = `      - route: POST /orders
        request:
          type: object
          additionalProperties: false
          required: [sku]
          properties:
            sku: { type: string }
            note: { type: string }
        responses:
          201:
            type: object
            required: [id]
            properties:
              id: { type: string }
              status: { enum: [pending, done] }
      - route: GET /orders/{id}
        query: { type: object, properties: { limit: { type: integer } } }
        responses: { 200: { type: object } }
      - GET /legacy
`;

function previous(yaml: string): Map<string, PreviousContract> {
  const file = planOpenApi(modelFromYaml(yaml), renderer()).find((f) => f.path === "services/orders/openapi.yaml")!;
  return new Map([["orders", { doc: parse(file.content), from: "services/orders/openapi.yaml" }]]);
}
const check = (oldYaml: string, newYaml: string): Diagnostic[] => checkApiContracts(modelFromYaml(newYaml), previous(oldYaml));

describe("REST contract compatibility", () => {
  it("the same contract, and changes old clients do not notice, are clean", () => {
    expect(check(system(BASE), system(BASE))).toEqual([]);
    // a new optional request property (the model is closed: old clients sent no "gift"), a narrower response, a new endpoint, a new response status
    const compatible = BASE.replace("note: { type: string }", "note: { type: string }\n            gift: { type: boolean }")
      .replace("status: { enum: [pending, done] }", "status: { enum: [pending] }")
      .replace("      - GET /legacy\n", "      - GET /legacy\n      - POST /refunds\n")
      .replace("responses: { 200: { type: object } }", "responses: { 200: { type: object }, 404: { type: object } }");
    expect(check(system(BASE), system(compatible))).toEqual([]);
  });

  it("a required request property added: error at the request, naming the change, the property and the previous contract", () => {
    const found = check(system(BASE), system(BASE.replace("required: [sku]", "required: [sku, note]")));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ rule: "api-compatibility", severity: "error", line: 8, column: 9 });
    expect(found[0]!.message).toContain("orders POST /orders: the request body at note breaks what old clients send");
    expect(found[0]!.message).toContain("services/orders/openapi.yaml");
    expect(found[0]!.message).toMatch(/REQUIRED|MADE_REQUIRED/);
  });

  it("a request property's type narrowed, and a query parameter's: errors", () => {
    const found = check(system(BASE), system(BASE.replace("sku: { type: string }", "sku: { type: string, maxLength: 8 }").replace("limit: { type: integer }", "limit: { type: integer, maximum: 100 }")));
    expect(found.map((d) => d.message.split(":")[0] + ":" + d.message.split(":")[1])).toEqual([
      "orders POST /orders: the request body at sku breaks what old clients send (MAX_LENGTH_ADDED, declared backward; previous contract services/orders/openapi.yaml)",
      "orders GET /orders/{id}: the query at limit breaks what old clients send (MAXIMUM_ADDED, declared backward; previous contract services/orders/openapi.yaml)",
    ].map((m) => m.split(":")[0] + ":" + m.split(":")[1]));
  });

  it("a response widened (a new enum value old clients do not know) is an error at the response", () => {
    const found = check(system(BASE), system(BASE.replace("status: { enum: [pending, done] }", "status: { enum: [pending, done, lost] }")));
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toContain("the response 201 at status breaks what old clients accept");
    expect([found[0]!.line, found[0]!.column]).toEqual([16, 11]);
  });

  it("an endpoint removed, and a 2xx response removed, are errors; compatibility: none opts an endpoint out", () => {
    const removed = check(system(BASE), system(BASE.replace("      - GET /legacy\n", "")));
    expect(removed.map((d) => d.message)).toEqual([expect.stringContaining("orders GET /legacy was removed (ENDPOINT_REMOVED")]);
    const noStatus = check(system(BASE), system(BASE.replace("responses: { 200: { type: object } }", "responses: { 202: { type: object } }")));
    expect(noStatus.map((d) => d.message)).toEqual([expect.stringContaining("response 200 was removed (RESPONSE_STATUS_REMOVED")]);
    const optedOut = BASE.replace("required: [sku]", "required: [sku, note]").replace("      - route: POST /orders\n", "      - route: POST /orders\n        compatibility: none\n");
    expect(check(system(BASE), system(optedOut))).toEqual([]);
  });

  it("forward: the request may not widen (new clients must work against the old service)", () => {
    const fwd = BASE.replace("      - route: POST /orders\n", "      - route: POST /orders\n        compatibility: forward\n");
    expect(check(system(fwd), system(fwd.replace("required: [sku]", "required: [sku, note]")))).toEqual([]);
    expect(check(system(fwd), system(fwd.replace("required: [sku]", "required: []"))).map((d) => d.message)).toEqual([expect.stringContaining("request body")]);
  });

  it("an endpoint that had no contract (the short form) gets its first one without findings", () => {
    const first = BASE.replace("      - GET /legacy\n", "      - route: GET /legacy\n        query: { type: object, required: [q], properties: { q: { type: string } } }\n");
    expect(check(system(BASE), system(first))).toEqual([]);
  });
});

describe("msa validate with the previous contract in git", () => {
  it("reports a breaking request change against HEAD and against --against REF with exit 1; exit 2 for a bad ref", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-rest26-compat-"));
    const msa = (...args: string[]) => {
      try {
        return { code: 0, out: execFileSync(process.execPath, [path.join(repoRoot, "bin", "msa.js"), ...args], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } }) };
      } catch (e) {
        const err = e as { status: number; stdout: string; stderr: string };
        return { code: err.status, out: err.stdout + err.stderr };
      }
    };
    const g = (...args: string[]) => execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: dir, stdio: "ignore" });
    try {
      fs.writeFileSync(path.join(dir, "system.yaml"), system(BASE));
      expect(msa("generate").code).toBe(0);
      g("init", "-q");
      g("add", "-A");
      g("commit", "-qm", "v1");
      g("tag", "v1");
      fs.writeFileSync(path.join(dir, "system.yaml"), system(BASE.replace("required: [sku]", "required: [sku, note]")));
      const head = msa("validate");
      expect(head.code, head.out).toBe(1);
      expect(head.out).toContain("HEAD:services/orders/openapi.yaml");
      expect(msa("generate").code).toBe(0);
      g("commit", "-qam", "v2");
      expect(msa("validate").code).toBe(0); // committed: HEAD is the new contract
      const tag = msa("validate", "--against", "v1");
      expect(tag.code, tag.out).toBe(1);
      expect(tag.out).toMatch(/system\.yaml:8:9 .*api-compatibility.*POST \/orders: the request body at note/);
      expect(msa("validate", "--against", "no-such-ref").code).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
