// `msa validate-events` through main() with a captured CliContext in a temp directory.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";

let dir: string;

const SYSTEM = `version: 1
name: shop
contexts:
  orders:
    publishes: [order.created]
  billing:
    consumes: [order.created]
events:
  order.created:
    compatibility: backward
    versions:
      1:
        type: object
        additionalProperties: false
        required: [orderId]
        properties:
          orderId: { type: string }
          email: { type: string, format: email }
      2:
        type: object
        additionalProperties: false
        required: [orderId, total]
        properties:
          orderId: { type: "string" }
          email: { type: string, format: email }
          total: { type: number, minimum: 0, default: 0 }
          placedOn: { type: string, format: date }
`;

const UUID = "3f1c2a4e-8b7d-4c1e-9f2a-1b2c3d4e5f60";
const envelope = (over: Record<string, unknown> = {}, payload: Record<string, unknown> = { orderId: "o-1", total: 3 }) => ({
  eventId: UUID, eventType: "order.created", aggregateId: "o-1", timestamp: "2026-11-22T03:00:00Z", version: 2, payload, ...over,
});

function write(rel: string, text: string): string {
  const abs = path.join(dir, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, text);
  return abs;
}

async function run(args: string[], opts: { stdin?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const ctx: CliContext = {
    cwd: opts.cwd ?? dir, env: opts.env ?? { MSA_NO_CACHE: "1" }, isTTY: false, color: false,
    stdout: (t) => { out += t; }, stderr: (t) => { err += t; },
    stdin: Readable.from([opts.stdin ?? ""]),
  };
  const code = await main(["node", "msa", "validate-events", ...args], ctx);
  return { code, out, err };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-validate-events-"));
  write("system.yaml", SYSTEM);
  write("events/good.json", JSON.stringify(envelope(), null, 2) + "\n");
  write("events/nested/good-v1.json", JSON.stringify(envelope({ version: 1 }, { orderId: "o-2", email: "a@b.example" })));
  write("events/nested/bad.json", JSON.stringify(envelope({ eventId: "nope" }, { orderId: "o-3", total: -1, email: "not-an-email", placedOn: "2026-13-45" }), null, 2) + "\n");
  write("events/ignored.txt", "not an event");
  write("docs/order_created_schema.json", JSON.stringify({ type: "object", required: ["id"], properties: { id: { type: "string", format: "uuid" } } }));
  write("docs/order_created.json", JSON.stringify({ id: UUID }));
  write("docs/order_bad.json", JSON.stringify({ id: "x" }));
  write("docs/not-json.json", "{ nope");
  write("docs/not-a-schema.json", JSON.stringify({ type: 12 }));
  write("docs/schema-2020.json", JSON.stringify({ $schema: "https://json-schema.org/draft/2020-12/schema", type: "object", properties: { id: { type: "string" }, tags: { type: "array", prefixItems: [{ type: "string" }] } }, required: ["id"] }));
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("validate-events: the docs' usage (--event-file with --schema-file)", () => {
  it("a valid event exits 0 and says so", async () => {
    const r = await run(["--event-file", "docs/order_created.json", "--schema-file", "docs/order_created_schema.json"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("1 event checked: 1 valid, 0 invalid\n");
  });
  it("an invalid event exits 1 with the pointer and line:col of the failing value", async () => {
    const r = await run(["--event-file", "docs/order_bad.json", "--schema-file", "docs/order_created_schema.json"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("docs/order_bad.json:1:7  error  event-invalid  /id: must be a valid uuid\n");
  });
  it("does not need a system.yaml", async () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "msa-ve-nosys-"));
    try {
      const r = await run(["--event-file", path.join(dir, "docs/order_created.json"), "--schema-file", path.join(dir, "docs/order_created_schema.json")], { cwd: elsewhere });
      expect(r.code).toBe(0);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });
  it("a missing schema file is a finding and exit 2 (nothing could be checked)", async () => {
    const r = await run(["--event-file", "docs/order_created.json", "--schema-file", "docs/missing.json"]);
    expect(r.code).toBe(2);
    expect(r.out).toContain("docs/missing.json:1:1  error  schema-file-unreadable  cannot read the schema file docs/missing.json: no such file or directory");
  });
  it("a schema file that is not JSON, or not a JSON Schema, exits 2 with a clear finding", async () => {
    const notJson = await run(["--event-file", "docs/order_created.json", "--schema-file", "docs/not-json.json"]);
    expect(notJson.code).toBe(2);
    expect(notJson.out).toMatch(/docs\/not-json\.json:1:3 {2}error {2}schema-file-invalid {2}the schema file is not valid JSON/);
    const notSchema = await run(["--event-file", "docs/order_created.json", "--schema-file", "docs/not-a-schema.json"]);
    expect(notSchema.code).toBe(2);
    expect(notSchema.out).toContain("schema-file-invalid  docs/not-a-schema.json is not a valid JSON Schema: schema is invalid");
  });
  it("lists at most 20 problems of one event, then how many more (last)", async () => {
    const props = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`p${i}`, { type: "string" }]));
    write("docs/many.schema.json", JSON.stringify({ type: "object", required: Object.keys(props), properties: props }));
    write("docs/empty.json", "{}");
    const r = await run(["--event-file", "docs/empty.json", "--schema-file", "docs/many.schema.json"]);
    expect(r.code).toBe(1);
    const lines = r.out.trim().split("\n");
    expect(lines.filter((l) => l.includes("is required but missing"))).toHaveLength(20);
    expect(lines[20]).toBe("docs/empty.json:1:1  error  event-invalid  and 5 more problem(s) in this event");
  });
  it("accepts files and schemas that start with a UTF-8 byte-order mark", async () => {
    write("docs/bom.json", "\uFEFF" + JSON.stringify({ id: "3f1c2a4e-8b7d-4c1e-9f2a-1b2c3d4e5f60" }));
    write("docs/bom.schema.json", "\uFEFF" + JSON.stringify({ type: "object", required: ["id"] }));
    expect((await run(["--event-file", "docs/bom.json", "--schema-file", "docs/bom.schema.json"])).code).toBe(0);
  });
  it("checks properties named like Object.prototype members (toString, constructor) only when the event has them", async () => {
    write("docs/proto.schema.json", JSON.stringify({ type: "object", properties: { toString: { type: "integer" }, constructor: { type: "string" } } }));
    write("docs/proto-absent.json", "{}");
    write("docs/proto-bad.json", JSON.stringify({ toString: "x" }));
    expect((await run(["--event-file", "docs/proto-absent.json", "--schema-file", "docs/proto.schema.json", "--no-cache"])).code).toBe(0);
    const bad = await run(["--event-file", "docs/proto-bad.json", "--schema-file", "docs/proto.schema.json", "--no-cache"]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain("/toString: must be integer");
  });
  it("compiles 2020-12 schemas with the matching draft", async () => {
    expect((await run(["--event-file", "docs/order_created.json", "--schema-file", "docs/schema-2020.json"])).code).toBe(0);
  });
  it("--dry-run lists what it would read and reads nothing", async () => {
    const r = await run(["--event-file", "docs/does-not-exist.json", "--schema-file", "docs/order_created_schema.json", "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("dry run: nothing is validated; would read:\n  schema      docs/order_created_schema.json\n  event-file  docs/does-not-exist.json\n1 input\n");
  });
});

describe("validate-events: against system.yaml", () => {
  it("checks envelope, type/version and payload with formats; names file, line:col and pointer", async () => {
    const r = await run(["--dir", "events"]);
    expect(r.code).toBe(1);
    const lines = r.out.trim().split("\n");
    expect(lines).toEqual([
      "events/nested/bad.json:2:14  error  event-envelope  /eventId: must be a valid uuid",
      "events/nested/bad.json:9:14  error  event-payload  /payload/total: must be >= 0",
      "events/nested/bad.json:10:14  error  event-payload  /payload/email: must be a valid email",
      "events/nested/bad.json:11:17  error  event-payload  /payload/placedOn: must be a valid date",
      "3 events checked: 2 valid, 1 invalid",
      "4 errors, 0 warnings",
    ]);
  });
  it("missing envelope fields, unknown type (did you mean) and unknown version", async () => {
    write("cases/missing.json", JSON.stringify({ eventType: "order.created", version: 2, payload: { orderId: "o", total: 1 } }));
    write("cases/type.json", JSON.stringify(envelope({ eventType: "order.craeted" })));
    write("cases/version.json", JSON.stringify(envelope({ version: 9 })));
    const r = await run(["--event-file", "cases/missing.json", "--event-file", "cases/type.json", "--event-file", "cases/version.json"]);
    expect(r.code).toBe(1);
    expect(r.out).toContain("cases/missing.json:1:1  error  event-envelope  /eventId: is required but missing");
    expect(r.out).toContain("cases/missing.json:1:1  error  event-envelope  /aggregateId: is required but missing");
    expect(r.out).toContain("cases/missing.json:1:1  error  event-envelope  /timestamp: is required but missing");
    expect(r.out).toContain('cases/type.json:1:63  error  event-type-unknown  /eventType: "order.craeted" is not an event of system.yaml; did you mean "order.created"?');
    expect(r.out).toContain("cases/version.json:1:144  error  event-version-unknown  /version: order.created has no version 9; declared: 1, 2");
  });
  it("non-JSON and non-object documents are findings; an unreadable file exits 2 and the run goes on", async () => {
    write("cases/garbage.json", "{ \"a\": }");
    write("cases/echo.json", '{"eventId": oops}\n');
    write("cases/array.json", "[1, 2]");
    const r = await run(["--event-file", "cases/garbage.json", "--event-file", "cases/echo.json", "--event-file", "cases/array.json", "--event-file", "cases/none.json", "--event-file", "events/good.json"]);
    expect(r.code).toBe(2);
    expect(r.out).toContain("cases/garbage.json:1:1  error  event-json  not valid JSON: Unexpected token '}'\n"); // V8's echo of the input is dropped

    expect(r.out).toContain("cases/array.json:1:1  error  event-not-object  the document is an array, not an event object");
    expect(r.out).toContain("cases/none.json:1:1  error  event-file-unreadable  cannot read cases/none.json: no such file or directory");
    expect(r.out).toContain("cases/echo.json:1:1  error  event-json  not valid JSON: Unexpected token 'o'\n");
    expect(r.out).toContain("4 events checked: 1 valid, 3 invalid");
  });
  it("--dir . and a directory outside cwd show paths as msa does elsewhere", async () => {
    const here = await run(["--dir", ".", "--dry-run"], { cwd: path.join(dir, "events") });
    expect(here.out).toContain("  event-file  good.json\n  event-file  nested/bad.json\n");
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "msa-ve-out-"));
    try {
      const r = await run(["--dir", path.join(dir, "events", "nested"), "--schema-file", path.join(dir, "docs/order_created_schema.json"), "--dry-run"], { cwd: elsewhere });
      expect(r.out).toContain(`  event-file  ${path.join(dir, "events", "nested", "bad.json")}\n`);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });
  it("a directory that does not exist is unreadable input (exit 2)", async () => {
    const r = await run(["--dir", "no-such-dir"]);
    expect(r.code).toBe(2);
    expect(r.out).toContain("no-such-dir:1:1  error  event-file-unreadable  cannot read directory no-such-dir: no such file or directory");
    const dry = await run(["--dir", "no-such-dir", "--dir", "events", "--dry-run", "--format", "json"]);
    expect(dry.code).toBe(2);
    const doc = JSON.parse(dry.out) as { reads: { kind: string; path: string }[]; unreadable: string[] };
    expect(doc.unreadable).toEqual(["cannot read directory no-such-dir: no such file or directory"]);
    expect(doc.reads.map((r) => r.path)).toContain("events/nested/bad.json");
  });
  it("NDJSON: findings carry the line number; bad JSON on one line does not stop the run; blank lines are skipped", async () => {
    const good = JSON.stringify(envelope());
    write("stream.ndjson", [good, "{oops", "", JSON.stringify(envelope({}, { orderId: 5, total: 1 })), "null", good].join("\n") + "\n");
    const r = await run(["--ndjson", "stream.ndjson"]);
    expect(r.code).toBe(1);
    expect(r.out.trim().split("\n")).toEqual([
      "stream.ndjson:2:2  error  event-json  not valid JSON: Expected property name or '}'",
      "stream.ndjson:4:167  error  event-payload  /payload/orderId: must be string",
      "stream.ndjson:5:1  error  event-not-object  the document is null, not an event object",
      "5 events checked: 2 valid, 3 invalid",
      "3 errors, 0 warnings",
    ]);
  });
  it("NDJSON from stdin with -, and --format json with stable keys and a summary", async () => {
    const stdin = `${JSON.stringify(envelope())}\r\n${JSON.stringify(envelope({ timestamp: "yesterday" }))}\r\n`;
    const r = await run(["--ndjson", "-", "--format", "json"], { stdin });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out) as { diagnostics: Record<string, unknown>[]; summary: Record<string, number> };
    expect(doc.diagnostics).toEqual([
      { file: "<stdin>", line: 2, column: 111, severity: "error", rule: "event-envelope", message: "/timestamp: must be a valid date-time" },
    ]);
    expect(Object.keys(doc.diagnostics[0] ?? {})).toEqual(["file", "line", "column", "severity", "rule", "message"]);
    expect(doc.summary).toEqual({ errors: 1, warnings: 0, events: 2, valid: 1, invalid: 1, unreadable: 0 });
  });
  it("--format github writes workflow annotations", async () => {
    const r = await run(["--event-file", "events/nested/bad.json", "--format", "github"]);
    expect(r.code).toBe(1);
    expect(r.out.split("\n")[0]).toBe("::error file=events/nested/bad.json,line=2,col=14,title=event-envelope::/eventId: must be a valid uuid");
    expect(r.out).not.toContain("events checked");
  });
  it("a payload schema that is not a valid JSON Schema is reported once, at the schema", async () => {
    const sub = fs.mkdtempSync(path.join(dir, "badschema-"));
    fs.writeFileSync(path.join(sub, "system.yaml"), SYSTEM.replace("total: { type: number, minimum: 0, default: 0 }", "total: { type: numbr }"));
    const e = JSON.stringify(envelope());
    fs.writeFileSync(path.join(sub, "s.ndjson"), `${e}\n${e}\n`);
    const r = await run(["--ndjson", "s.ndjson"], { cwd: sub });
    expect(r.code).toBe(1);
    expect(r.out.match(/event-schema-invalid  the schema of order.created v2/g)).toHaveLength(1);
    expect(r.out).toMatch(/^system\.yaml:20:9 {2}error {2}event-schema-invalid/m);
    expect(r.out.match(/s\.ndjson:\d+:\d+ {2}error {2}event-schema-invalid {2}\/payload: not checked/g)).toHaveLength(2);
  });
});

describe("validate-events --compat", () => {
  it("passes a compatible history and reports an incompatible one at the property's line:col", async () => {
    expect((await run(["--compat"])).code).toBe(0);
    const sub = fs.mkdtempSync(path.join(dir, "compat-"));
    fs.writeFileSync(path.join(sub, "system.yaml"), SYSTEM.replace('orderId: { type: "string" }', 'orderId: { type: "string", maxLength: 10 }'));
    const r = await run(["--compat"], { cwd: sub });
    expect(r.code).toBe(1);
    expect(r.out).toContain("system.yaml:24:49  error  event-compatibility  order.created v1 → v2 is not backward compatible (declared backward): MAX_LENGTH_ADDED");
  });
  it("--transitive also compares non-consecutive versions", async () => {
    const sub = fs.mkdtempSync(path.join(dir, "transitive-"));
    fs.writeFileSync(path.join(sub, "system.yaml"), `version: 1
name: t
contexts:
  a:
    publishes: [x.happened]
events:
  x.happened:
    versions:
      1: { type: object, properties: { v: { type: string } } }
      2: { type: object, properties: { } }
      3: { type: object, properties: { v: { type: string, maxLength: 3 } } }
`);
    const plain = await run(["--compat"], { cwd: sub });
    const transitive = await run(["--compat", "--transitive"], { cwd: sub });
    expect(plain.out).not.toContain("v1 → v3");
    expect(transitive.out).toContain("v1 → v3 is not backward compatible");
    expect(transitive.code).toBe(1);
  });
});

describe("validate-events: compiled-validator cache", () => {
  it("writes a validator on the first run, reuses it on the next (same findings), survives a corrupt entry, and --no-cache bypasses it", async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "msa-ve-cache-"));
    try {
      const env = { MSA_CACHE_DIR: cache };
      const args = ["--dir", "events"];
      const first = await run(args, { env });
      const entries = fs.readdirSync(cache).filter((f) => f.endsWith(".cjs"));
      expect(entries).toHaveLength(2); // order.created v1 and v2 (each the envelope with its payload)
      const second = await run(args, { env });
      expect(second).toEqual(first);
      expect(first.code).toBe(1);
      expect(first.out).toContain("/payload/email: must be a valid email");
      // The cached code is what runs now: it holds the formats by absolute path.
      expect(fs.readFileSync(path.join(cache, entries[0] as string), "utf8")).toMatch(/require\("\/[^"]+ajv-formats[^"]*"\)/);
      // Each entry carries its whole key (the file name is only a fast hash of it).
      const keyLines = new Map(entries.map((f) => [f, /^module\.exports\.msaCacheKey = .*;$/m.exec(fs.readFileSync(path.join(cache, f), "utf8"))?.[0]]));
      for (const line of keyLines.values()) expect(line).toContain("order.created");
      // Proof that the entry is what runs: a planted validator's verdict shows up — when it carries the key.
      const planted = 'module.exports = function v() { v.errors = [{ instancePath: "", keyword: "x", params: {}, message: "planted" }]; return false; };\n';
      for (const f of entries) fs.writeFileSync(path.join(cache, f), `${planted}${keyLines.get(f)}\n`);
      expect((await run(args, { env })).out).toContain("event-envelope  /: planted");
      // Another schema's validator in the slot (its key differs) is never used: recompiled and overwritten.
      for (const f of entries) fs.writeFileSync(path.join(cache, f), `${planted}module.exports.msaCacheKey = "another schema";\n`);
      expect(await run(args, { env })).toEqual(first);
      for (const f of entries) expect(fs.readFileSync(path.join(cache, f), "utf8")).toContain(keyLines.get(f));
      // A corrupt entry is recompiled and overwritten.
      for (const f of entries) fs.writeFileSync(path.join(cache, f), "this is not javascript (");
      expect(await run(args, { env })).toEqual(first);
      expect(await run(args, { env })).toEqual(first);
      const other = fs.mkdtempSync(path.join(os.tmpdir(), "msa-ve-cache-"));
      expect(await run([...args, "--no-cache"], { env: { MSA_CACHE_DIR: other } })).toEqual(first);
      expect(fs.readdirSync(other)).toEqual([]);
      fs.rmSync(other, { recursive: true, force: true });
      // an invalid schema is never cached
      const bad = await run(["--event-file", "docs/order_created.json", "--schema-file", "docs/not-a-schema.json"], { env });
      expect(bad.code).toBe(2);
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});

describe("validate-events: schemas that refer to other schema files", () => {
  it("follows the references, with --schema-file and against system.yaml, and a changed referenced file is seen at once", async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "msa-ve-refs-"));
    const sys = fs.mkdtempSync(path.join(os.tmpdir(), "msa-ve-refs-sys-"));
    const put = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(sys, rel)), { recursive: true });
      fs.writeFileSync(path.join(sys, rel), text);
    };
    try {
      const env = { MSA_CACHE_DIR: cache };
      put("system.yaml", "version: 1\nname: t\ncontexts:\n  a: { publishes: [x.done] }\n  b: { consumes: [x.done] }\nevents:\n  x.done:\n    versions:\n      1: schemas/x.v1.json\n");
      put("schemas/x.v1.json", JSON.stringify({ type: "object", required: ["amount"], properties: { amount: { $ref: "common/money.json#/definitions/money" } } }));
      put("schemas/common/money.json", JSON.stringify({ definitions: { money: { type: "object", required: ["currency"], properties: { currency: { type: "string", pattern: "^[A-Z]{3}$" } } } } }));
      put("ev/a.json", JSON.stringify(envelope({ eventType: "x.done", version: 1 }, { amount: { currency: "EUR" } })));
      put("payload.json", JSON.stringify({ amount: { currency: "eur" } }));
      expect((await run(["--dir", "ev"], { env, cwd: sys })).code).toBe(0);
      expect((await run(["--dir", "ev"], { env, cwd: sys })).code).toBe(0); // from the cached event table
      const explicit = await run(["--event-file", "payload.json", "--schema-file", "schemas/x.v1.json"], { env, cwd: sys });
      expect(explicit.code).toBe(1);
      expect(explicit.out).toContain('/amount/currency: must match pattern "^[A-Z]{3}$"');
      // the referenced file changes: both the cached event table and the cached validator notice
      put("schemas/common/money.json", JSON.stringify({ definitions: { money: { type: "object", required: ["currency", "value"] } } }));
      const after = await run(["--dir", "ev"], { env, cwd: sys });
      expect(after.code).toBe(1);
      expect(after.out).toContain("/payload/amount/value: is required but missing");
      put("schemas/x.v1.json", JSON.stringify({ properties: { amount: { $ref: "common/gone.json" } } }));
      const missing = await run(["--event-file", "payload.json", "--schema-file", "schemas/x.v1.json"], { env, cwd: sys });
      expect(missing.code).toBe(2);
      expect(missing.out).toContain("schema-ref  $ref common/gone.json: cannot read common/gone.json");
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
      fs.rmSync(sys, { recursive: true, force: true });
    }
  });
});

describe("validate-events: cached event table of system.yaml", () => {
  it("is reused while system.yaml and its schema files are unchanged, and never goes stale", async () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), "msa-ve-table-"));
    const sys = fs.mkdtempSync(path.join(os.tmpdir(), "msa-ve-sys-"));
    const put = (rel: string, text: string) => fs.writeFileSync(path.join(sys, rel), text);
    try {
      const env = { MSA_CACHE_DIR: cache };
      put("system.yaml", "version: 1\nname: t\ncontexts:\n  a: { publishes: [x.done] }\n  b: { consumes: [x.done] }\nevents:\n  x.done:\n    versions:\n      1: x.v1.json\n      2: { type: object, required: [id], properties: { id: { type: integer, minimum: 'nope' } } }\n");
      put("x.v1.json", JSON.stringify({ type: "object", required: ["id"], properties: { id: { type: "string" } } }));
      fs.mkdirSync(path.join(sys, "ev"));
      put("ev/a.json", JSON.stringify(envelope({ eventType: "x.done", version: 1 }, { id: "i-1" })));
      put("ev/b.json", JSON.stringify(envelope({ eventType: "x.done", version: 2 }, { id: 1 })));
      const args = ["--dir", "ev"];
      const first = await run(args, { env, cwd: sys });
      const tables = () => fs.readdirSync(cache).filter((f) => f.startsWith("events-"));
      expect(tables()).toHaveLength(1);
      // v2's schema does not compile: reported at its node in system.yaml, the same from the cache
      expect(first.out).toMatch(/^system\.yaml:10:10  error  event-schema-invalid  the schema of x\.done v2/m);
      const second = await run(args, { env, cwd: sys });
      expect(second).toEqual(first);
      // The table is what answers: planted into it, a different schema decides the verdict.
      const file = path.join(cache, tables()[0] as string);
      const stored = JSON.parse(fs.readFileSync(file, "utf8"));
      stored.events[0].versions[0].schema = { type: "object", required: ["planted"] };
      fs.writeFileSync(file, JSON.stringify(stored));
      expect((await run(args, { env, cwd: sys })).out).toContain("planted");
      // An entry for another system.yaml text in this slot (its name is a fast hash) is not used.
      fs.writeFileSync(file, JSON.stringify({ ...stored, system: { ...stored.system, text: "name: another" } }));
      expect(await run(args, { env, cwd: sys })).toEqual(first);
      expect(JSON.parse(fs.readFileSync(file, "utf8")).events[0].versions[0].schema.required).toEqual(["id"]); // rewritten
      // A changed schema file is seen at once (the table re-hashes it), and so is a changed system.yaml.
      put("x.v1.json", JSON.stringify({ type: "object", required: ["id", "extra"], properties: { id: { type: "string" } } }));
      expect((await run(args, { env, cwd: sys })).out).toContain("ev/a.json:1:149  error  event-payload  /payload/extra: is required but missing");
      put("system.yaml", fs.readFileSync(path.join(sys, "system.yaml"), "utf8").replace("name: t", "name: u"));
      const afterEdit = await run(args, { env, cwd: sys });
      expect(afterEdit.out).toContain("ev/a.json:1:149  error  event-payload  /payload/extra: is required but missing");
      expect(afterEdit.out).toMatch(/^system\.yaml:10:10  error  event-schema-invalid/m);
      // --no-cache neither reads nor writes it
      const other = fs.mkdtempSync(path.join(os.tmpdir(), "msa-ve-table-"));
      await run([...args, "--no-cache"], { env: { MSA_CACHE_DIR: other }, cwd: sys });
      expect(fs.readdirSync(other)).toEqual([]);
      fs.rmSync(other, { recursive: true, force: true });
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
      fs.rmSync(sys, { recursive: true, force: true });
    }
  });
});

describe("validate-events: usage", () => {
  it("nothing to do is a usage error (exit 2, no stack)", async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("msa: nothing to validate: pass --event-file F, --dir D or --ndjson F (- for stdin), or --compat\n");
  });
  it("--transitive without --compat is a usage error", async () => {
    expect((await run(["--transitive", "--dir", "events"])).code).toBe(2);
  });
  it("no system.yaml and no --schema-file cannot run (exit 2)", async () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "msa-ve-nosys-"));
    try {
      const r = await run(["--event-file", "x.json"], { cwd: elsewhere });
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/no system\.yaml/);
    } finally {
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
