// e2e #4: the generated node gateway in front of a real generated node-express context.
// No JWT → 401, a bad signature → 401, a valid token reaches the context through the declared route
// (prefix stripped), an undeclared method → 405, past the route's rate limit → 429 with Retry-After,
// and the correlation id comes back and shows in the context's own log line.
import { execFile } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSystemAt } from "../../src/cli/system.js";
import { parse as parseYaml } from "yaml";
import { planCompose } from "../../src/core/plan/compose.js";
import { planNodeGateway } from "../../src/core/plan/gateway-node.js";
import { kongView } from "../../src/core/plan/kong.js";
import { createRenderer } from "../../src/core/render.js";
import { loadTemplates } from "../../src/io/templates.js";
import { buildService, generateSystem, httpGet, startService, tail, type ServiceProcess } from "./harness.js";

const run = promisify(execFile);
const SECRET = "e2e-gateway-secret-0123456789abcdef";

const SYSTEM = `
version: 1
name: gwe2e
broker: { kind: memory }
gateway:
  kind: node
  auth: jwt
  rateLimit: 1000/minute
  routes:
    - { path: /api/v1/notes, context: notes, methods: [GET, POST] }
    - { path: /api/v1/burst, context: notes, methods: [GET], auth: none, rateLimit: 3/minute }
contexts:
  notes:
    description: Notes behind the gateway
    runtime: node-express
    port: 3000
    database: none
    api: ["GET /notes/{id}", "POST /notes", "GET /burst"]
`;

const b64url = (data: string | Buffer): string => Buffer.from(data).toString("base64url");
/** The iss Kong requires of this system's tokens (its JWT consumer key); set in beforeAll. */
let kongIssuer = "";
/** HS256 JWT signed with node:crypto, independent of the gateway's own JWT library; by default the token a Kong gateway accepts. */
function signJwt(secret: string, claims: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify({ sub: "e2e-user", iss: kongIssuer, iat: now, exp: now + 300, ...claims }));
  const sig = createHmac("sha256", secret).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}

/** The gateway's and the context's dependencies come from the npm registry (or a warm npm cache). */
async function registryMissing(): Promise<string | null> {
  if (process.env.MSA_E2E_OFFLINE_OK === "1") return null;
  try {
    await run("npm", ["ping", "--loglevel=error"], { timeout: 20_000 });
    return null;
  } catch {
    return "the npm registry (npm ping failed; set MSA_E2E_OFFLINE_OK=1 to try the npm cache)";
  }
}
const missing = await registryMissing();
if (missing && process.env.CI === "true") throw new Error(`gateway e2e cannot run: missing ${missing} (CI=true: e2e tests must not skip)`);
if (missing) console.warn(`gateway e2e skipped: missing ${missing}`);

let dir = "";
let gatewayDir = "";
let notes: ServiceProcess | undefined;
let gateway: ServiceProcess | undefined;

describe.skipIf(!!missing)("node gateway (e2e)", () => {
  beforeAll(async () => {
    const sys = await generateSystem(SYSTEM, "gateway");
    dir = sys.dir;
    const loaded = loadSystemAt(path.join(dir, "system.yaml"), "system.yaml");
    const render = createRenderer(loadTemplates());
    const planned = planNodeGateway(loaded.model!, render);
    kongIssuer = kongView(loaded.model!).jwtConsumer!.key;
    // the gateway's settings as docker-compose.yml gives them (JWT_ISSUER among them), with the test's secret and upstream
    const composeEnv = (parseYaml(planCompose(loaded.model!, render)[0]!.content) as { services: { gateway: { environment: Record<string, string> } } })
      .services.gateway.environment;
    for (const f of planned) {
      fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
      fs.writeFileSync(path.join(dir, f.path), f.content);
    }
    gatewayDir = path.join(dir, "gateway");
    // The gateway's own pinned dependencies (jose, undici, ...) go into its own node_modules.
    await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefer-offline"], { cwd: gatewayDir, timeout: 240_000 });
    const tsc = path.join(gatewayDir, "node_modules/typescript/bin/tsc");
    await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: gatewayDir, timeout: 120_000 }).catch((e: { stdout?: string }) => {
      throw new Error(`gateway does not typecheck:\n${e.stdout ?? ""}`);
    });
    await run(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: gatewayDir, timeout: 120_000 });
    await buildService(path.join(dir, "services/notes"));
    notes = await startService(path.join(dir, "services/notes"), { name: "notes", env: { BROKER_URL: "memory://" } });
    expect(composeEnv.JWT_ISSUER).toBe(kongIssuer);
    gateway = await startService(gatewayDir, { name: "gateway", env: { JWT_ISSUER: kongIssuer, JWT_SECRET: SECRET, ROUTE_NOTES_URL: notes.url } });
  });

  afterAll(async () => {
    await gateway?.stop();
    await notes?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("in front of a generated node-express context", () => {
    it("passes its own generated test suite", async () => {
      const { stdout, stderr } = await run(process.execPath, [path.join(gatewayDir, "node_modules/vitest/vitest.mjs"), "run", "--reporter=dot"], {
        cwd: gatewayDir,
        timeout: 120_000,
        env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
      });
      expect(stdout + stderr).toMatch(/Tests\s+\d+ passed/);
    });

    it("answers 401 without a JWT", async () => {
      const res = await httpGet(`${gateway!.url}/api/v1/notes/n1`);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    });

    it("answers 401 for a token with a bad signature", async () => {
      const res = await httpGet(`${gateway!.url}/api/v1/notes/n1`, { authorization: `Bearer ${signJwt("not-the-secret-at-all-0123456789")}` });
      expect(res.status).toBe(401);
    });

    it("answers 401 for a token whose iss is not the system's (Kong refuses those too)", async () => {
      for (const iss of ["someone-else", undefined]) {
        const res = await httpGet(`${gateway!.url}/api/v1/notes/n1`, { authorization: `Bearer ${signJwt(SECRET, { iss })}` });
        expect(res.status, String(iss)).toBe(401);
      }
    });

    it("answers 401 for an expired token", async () => {
      const res = await httpGet(`${gateway!.url}/api/v1/notes/n1`, { authorization: `Bearer ${signJwt(SECRET, { exp: 1 })}` });
      expect(res.status).toBe(401);
    });

    it("proxies a valid token to the context, returns the correlation id, and the context logs it", async () => {
      const correlationId = `e2e-${randomUUID()}`;
      const res = await httpGet(`${gateway!.url}/api/v1/notes/n1`, { authorization: `Bearer ${signJwt(SECRET)}`, "x-correlation-id": correlationId });
      // the generated stub handler of GET /notes/{id} answers 501 naming its operation: the request reached it
      expect(res.status, JSON.stringify(res.body)).toBe(501);
      expect(res.body).toMatchObject({ operation: "getNotesById" });
      expect(res.headers.get("x-correlation-id")).toBe(correlationId);
      const line = await notes!.waitForLog((l) => l.correlationId === correlationId, 5_000, `a notes log line with correlationId ${correlationId}`);
      expect(line.service).toBe("notes");
      await gateway!.waitForLog((l) => l.correlationId === correlationId && l.status === 501, 5_000, "the gateway's request line");
    });

    it("creates a correlation id when the caller sends none and forwards it", async () => {
      const res = await httpGet(`${gateway!.url}/api/v1/notes/n2`, { authorization: `Bearer ${signJwt(SECRET)}` });
      const id = res.headers.get("x-correlation-id");
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      await notes!.waitForLog((l) => l.correlationId === id, 5_000, `a notes log line with the created id ${id}`);
    });

    it("answers 405 for a method the route does not declare", async () => {
      const res = await fetch(`${gateway!.url}/api/v1/notes/n1`, { method: "DELETE", headers: { authorization: `Bearer ${signJwt(SECRET)}` } });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toContain("POST");
    });

    it("answers 429 with Retry-After past the route's rate limit", async () => {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 5; i++) {
        const res = await httpGet(`${gateway!.url}/api/v1/burst`);
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get("retry-after");
      }
      expect(statuses.slice(0, 3).every((s) => s !== 429), String(statuses)).toBe(true);
      expect(statuses.slice(3)).toEqual([429, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    });

    it("serves /health, /ready and /metrics", async () => {
      expect((await httpGet(`${gateway!.url}/health`)).status).toBe(200);
      expect((await httpGet(`${gateway!.url}/ready`)).status).toBe(200);
      const metrics = await fetch(`${gateway!.url}/metrics`).then((r) => r.text());
      expect(metrics).toContain('gateway_rate_limited_total{route="/api/v1/burst"}');
    });

    it("drains and exits 0 on SIGTERM", async () => {
      const code = await gateway!.stop();
      expect(code, tail(gateway!)).toBe(0);
      await gateway!.waitForLog((l) => l.msg === "stopped", 1_000, "the gateway's stopped line");
    });
  });
});
