// Random valid systems (seeded, test/helpers/random-system.ts): for each, validate finds no error, the plan is
// the same bytes twice, every JSON file parses, every YAML file parses and reads the same as YAML 1.1 and 1.2,
// every TypeScript file parses, every Python file compiles and asyncapi.yaml passes @asyncapi/parser; for some, each Kubernetes overlay builds with
// `kubectl kustomize` and passes the acceptance checker. (e2e services-build builds and tests the services of
// two of them.) This sweep found: names such as `n`/`null` breaking kustomize, descriptions with quotes
// breaking package.json, samples for exclusive bounds, and 404 tests caught by `GET /{id}`.
import { Parser } from "@asyncapi/parser";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { planSystem } from "../../src/core/plan/index.js";
import type { PlannedFile } from "../../src/core/plan/types.js";
import { randomSystem } from "../helpers/random-system.js";
import { loadSystemAt } from "../../src/io/system.js";
import { checkOverlay, ensureChecker, hasKubectl, writePlan } from "../k8s/support.js";
import { renderer } from "../helpers/engine-model.js";
import os from "node:os";
import path from "node:path";

const SEEDS = Array.from({ length: 24 }, (_, i) => 1000 + i);
const KUBE_SEEDS = SEEDS.slice(0, 6);

function load(seed: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `msa-random-${seed}-`));
  const file = path.join(dir, "system.yaml");
  const text = randomSystem(seed);
  fs.writeFileSync(file, text);
  const r = loadSystemAt(file, "system.yaml", text);
  fs.rmSync(dir, { recursive: true, force: true });
  return { text, ...r };
}

const readAs = (text: string, version: "1.1" | "1.2"): unknown[] =>
  parseAllDocuments(text, { version }).map((d) => {
    if (d.errors.length) throw new Error(d.errors.map((e) => e.message).join("; "));
    return d.toJS();
  });

/** Compiles Python sources in one interpreter run; returns "path: error" lines. */
function pythonErrors(files: PlannedFile[]): string[] {
  if (!files.length) return [];
  const script = "import json,sys\nfor p,src in json.load(sys.stdin):\n  try: compile(src,p,'exec')\n  except SyntaxError as e: print(p+': '+str(e))";
  const out = execFileSync("python3", ["-c", script], { input: JSON.stringify(files.map((f) => [f.path, f.content])), encoding: "utf8" });
  return out.split("\n").filter(Boolean);
}

describe("random valid systems", () => {
  it("the generator is deterministic and varied", () => {
    expect(randomSystem(7)).toBe(randomSystem(7));
    expect(new Set(SEEDS.map(randomSystem)).size).toBe(SEEDS.length);
  });

  for (const seed of SEEDS) {
    it(`seed ${seed}: valid; plan stable; JSON, YAML (1.1 = 1.2), TypeScript, Python and AsyncAPI all parse`, async () => {
      const { text, model, diagnostics } = load(seed);
      const errors = diagnostics.filter((d) => d.severity === "error");
      expect(errors, text).toEqual([]);
      const files = planSystem(model!, renderer());
      expect(planSystem(model!, renderer())).toEqual(files);
      const problems: string[] = [];
      for (const f of files) {
        try {
          if (f.path.endsWith(".json")) JSON.parse(f.content);
          else if (/\.ya?ml$/.test(f.path)) {
            if (JSON.stringify(readAs(f.content, "1.1")) !== JSON.stringify(readAs(f.content, "1.2"))) problems.push(`${f.path}: YAML 1.1 reads it differently`);
          } else if (f.path.endsWith(".ts")) {
            const out = ts.transpileModule(f.content, { fileName: f.path, reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.NodeNext, target: ts.ScriptTarget.ES2022 } });
            for (const d of out.diagnostics ?? []) problems.push(`${f.path}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`);
          }
        } catch (e) {
          problems.push(`${f.path}: ${(e as Error).message}`);
        }
      }
      problems.push(...pythonErrors(files.filter((f) => f.path.endsWith(".py"))));
      // the AsyncAPI document passes the official parser (references resolved, schema valid)
      const asyncapi = files.find((f) => f.path === "asyncapi.yaml");
      if (asyncapi) {
        const { diagnostics: found } = await new Parser().parse(asyncapi.content);
        problems.push(...found.filter((d) => d.severity === 0).map((d) => `asyncapi.yaml ${d.path.join(".")}: ${d.message}`));
      }
      expect(problems, text).toEqual([]);
    });
  }
});

describe("random valid systems: kubectl kustomize + k8s-check", () => {
  let checker: string | undefined;
  let missing = "";
  const dirs: string[] = [];
  beforeAll(async () => {
    if (!(await hasKubectl())) missing = "kubectl";
    else if (!(checker = await ensureChecker())) missing = "the acceptance checking tools";
    if (missing && process.env.CI === "true") throw new Error(`CI must run the kustomize checks, but ${missing} is missing`);
  });
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  for (const seed of KUBE_SEEDS) {
    it(`seed ${seed}: every overlay builds and passes with zero problems`, async (ctx) => {
      if (missing) return ctx.skip();
      const { model } = load(seed);
      const dir = writePlan(planSystem(model!, renderer()));
      dirs.push(dir);
      for (const env of ["dev", "staging", "prod"]) {
        const r = await checkOverlay(dir, env, checker!);
        expect(r.kustomize.stderr, `${seed}/${env}`).toBe("");
        expect(r.check!.output, `${seed}/${env}`).toMatch(/k8s-check: \d+ objects, 0 problems/);
      }
    });
  }
});
