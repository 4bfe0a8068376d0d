// Random valid systems (test/helpers/random-system.ts), end to end: the generated node services of two seeds
// install, typecheck under strict TS and pass their own tests, and the python services of a third pass their
// pytest suites. The seeds were picked for breadth: 1003 (memory broker, 5 events, 2 sagas, kong), 1013 (NATS,
// five node contexts, one named `off`, 4 events, 2 sagas, kong), 1015 (NATS, two python contexts); and a
// python system with OPTIONS endpoints beside other methods on the same paths.
// Unit-level checks of 24 seeds (parse, YAML 1.1, kustomize) are in test/unit/random-systems.test.ts.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { randomSystem } from "../helpers/random-system.js";
import { findPython, generatePythonSystem, IN_CI, run } from "./flask-support.js";
import { buildService, generateSystem, runServiceTests } from "./harness.js";

type Doc = { defaults?: { runtime?: string }; contexts: Record<string, { runtime?: string }> };
const contextsOf = (text: string, runtime: string): string[] => {
  const doc = parse(text) as Doc;
  return Object.entries(doc.contexts)
    .filter(([, c]) => (c.runtime ?? doc.defaults?.runtime ?? "node-express") === runtime)
    .map(([n]) => n);
};

describe("random systems: generated node services build and pass their own tests", () => {
  for (const seed of [1003, 1013]) {
    it(`seed ${seed}`, async () => {
      const text = randomSystem(seed);
      const services = contextsOf(text, "node-express");
      expect(services.length).toBeGreaterThan(1);
      const sys = await generateSystem(text, `random-${seed}`);
      for (const s of services) {
        const dir = path.join(sys.dir, "services", s);
        await buildService(dir, { emit: false });
        const out = await runServiceTests(dir);
        expect(out, s).toMatch(/Tests\s+\d+ passed/);
        expect(out, s).not.toMatch(/failed|skipped/);
      }
    }, 600_000);
  }
});

// found by the sweep: Flask answered OPTIONS /x1 itself (200, from POST /<item_id>'s automatic OPTIONS)
// instead of routing it to the declared OPTIONS /{sku} handler
const OPTIONS_SYSTEM = `
version: 1
name: opts
broker: { kind: memory }
contexts:
  catalog:
    runtime: python-flask
    port: 5000
    api: ["POST /{item_id}", "OPTIONS /{sku}", "GET /items", "OPTIONS /items", "HEAD /items"]
  stock:
    runtime: python-flask
    port: 5001
    api: ["GET /stock/{id}"]
`;

describe("random systems: generated python services pass their own pytest suites", () => {
  const cases: [string, string][] = [
    ["seed 1015", randomSystem(1015)],
    ["OPTIONS endpoints beside other methods on the same paths", OPTIONS_SYSTEM],
  ];
  for (const [name, text] of cases) {
    it(name, async (ctx) => {
      const { python, missing } = await findPython(["flask", "jsonschema", "pytest", "pika", "psycopg2", "pymysql", "pymongo", "redis"]);
      if (!python) {
        if (IN_CI) throw new Error(`CI must run the python services' tests, but ${missing}`);
        return ctx.skip();
      }
      const services = contextsOf(text, "python-flask");
      expect(services.length).toBeGreaterThan(1);
      const dir = generatePythonSystem(text);
      for (const s of services) {
        const { stdout } = await run(python, ["-m", "pytest", "-p", "no:cacheprovider"], { cwd: path.join(dir, "services", s), timeout: 120_000 }).catch(
          (e: { stdout?: string; stderr?: string }) => {
            throw new Error(`pytest failed in ${s}:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
          },
        );
        expect(stdout, s).toMatch(/\d+ passed/);
        expect(stdout, s).not.toMatch(/failed|error/);
      }
    }, 300_000);
  }
});
