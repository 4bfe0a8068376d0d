// e2e (docs/ci.md): the generated pull-request pipeline runs, here, on a generated system and passes.
// The runner below reads .github/workflows/pr.yml — it does not copy its commands — and runs every `run:` step of
// every job, matrix entry by matrix entry, in order, with `bash -e` (GitHub's default shell) in the step's working
// directory and `${{ matrix.* }}` substituted; any other expression in a command fails the test. `uses:` steps are
// mapped to what is already here (the checkout is the tree; node and python are the machine's). Two stand-ins,
// because the registries are not reachable: `npm install --global msa-cli@V` installs the msa under test (after
// checking that V is the manifest's version), and `python -m pip install -r F` checks F and installs nothing (the
// Debian-packaged modules serve). Before the pipeline, scripts/lock.sh writes the lockfiles, so the node job takes
// the `npm ci` path. Then a generated file is edited and the msa job must fail at `msa generate --check`.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { REPO_ROOT } from "./harness.js";

const SUFFIX = process.env.MSA_E2E_SUFFIX ?? "";
const NAME = `ci-pipeline${SUFFIX}`.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 40);
const MSA_VERSION = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;

const SYSTEM = `version: 1
name: ${NAME}
broker: { kind: rabbitmq }
gateway: { kind: none }
contexts:
  orders:
    port: 3000
    api: ["GET /orders/{id}", "POST /orders"]
    publishes: [order.created]
  catalog:
    runtime: python-flask
    port: 5000
    api: ["GET /products"]
    consumes: [order.created]
events:
  order.created:
    schema: { type: object, required: [orderId], properties: { orderId: { type: string } } }
`;

type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface StepRun {
  job: string;
  entry: string;
  name: string;
  status: number | null;
  output: string;
}

let root: string;
let shims: string;
let npmLog: string;

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(cmd, args, { cwd, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
}

/** The stand-ins on PATH: npm (msa-cli from the registry → the msa under test) and python (pip → a check). */
function writeShims(dir: string): void {
  const realNpm = sh("bash", ["-c", "command -v npm"], dir).stdout.trim();
  // Debian's interpreter first: the Debian-packaged modules (.ci/run installs them) are there, not in a pyenv python
  const realPython = fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : sh("bash", ["-c", "command -v python3"], dir).stdout.trim();
  fs.writeFileSync(
    path.join(dir, "npm"),
    `#!/usr/bin/env bash
# stand-in: a global install of msa-cli@V installs the msa under test when V is its version; the rest is npm
if [ "$1" = install ] && [ "$2" = --global ]; then
  spec="\${!#}"
  echo "npm $*" >> "${npmLog}"
  [ "$spec" = "msa-cli@${MSA_VERSION}" ] || { echo "stand-in npm: asked for $spec, the msa under test is ${MSA_VERSION}" >&2; exit 1; }
  printf '#!/usr/bin/env bash\\nexec node "%s" "$@"\\n' "${path.join(REPO_ROOT, "bin", "msa.js")}" > "${dir}/msa"
  chmod +x "${dir}/msa"
  exit 0
fi
exec "${realNpm}" "$@"
`,
    { mode: 0o755 },
  );
  fs.writeFileSync(
    path.join(dir, "python"),
    `#!/usr/bin/env bash
# stand-in: pip cannot reach PyPI here; check the requirements file and use the Debian-packaged modules
if [ "$1" = -m ] && [ "$2" = pip ]; then
  file="\${!#}"
  [ -f "$file" ] || { echo "stand-in pip: no $file" >&2; exit 1; }
  echo "pip $*" >> "${npmLog}"
  exit 0
fi
exec "${realPython}" "$@"
`,
    { mode: 0o755 },
  );
}

/**
 * The environment of the steps: the stand-ins first on PATH; npm prefers its cache for registry metadata (the test's
 * speed on a shared machine — the commands themselves are the workflow's).
 */
function testEnv(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: `${shims}:${process.env.PATH}`, npm_config_prefer_offline: "true" };
}

/** `${{ matrix.x }}` → its value; any other expression is an error (the runner does not evaluate them). */
function expand(text: string, matrix: Record<string, string>): string {
  return text.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_m, expr: string) => {
    const key = /^matrix\.([A-Za-z_][\w-]*)$/.exec(expr)?.[1];
    if (key === undefined || matrix[key] === undefined) throw new Error(`pr.yml: the local runner cannot evaluate \${{ ${expr} }}`);
    return matrix[key]!;
  });
}

const KNOWN_ACTIONS = ["actions/checkout@", "actions/setup-node@", "actions/setup-python@"];

/** Runs the jobs of the workflow in order (its matrix entries in order); stops a job at its first failing step. */
function runWorkflow(workflow: Yaml, jobs: string[]): StepRun[] {
  const runs: StepRun[] = [];
  const env0 = { ...testEnv(), CI: "true", GITHUB_ACTIONS: "true", GITHUB_WORKSPACE: root };
  for (const jobName of jobs) {
    const job = workflow.jobs[jobName] as Yaml;
    const entries: Array<Record<string, string>> = job.strategy?.matrix?.include ?? [{}];
    for (const matrix of entries) {
      for (const step of job.steps as Yaml[]) {
        if (step.uses) {
          if (!KNOWN_ACTIONS.some((a) => String(step.uses).startsWith(a))) throw new Error(`pr.yml: no local stand-in for ${step.uses}`);
          continue;
        }
        const wd = step["working-directory"] ?? job.defaults?.run?.["working-directory"];
        const cwd = wd ? path.join(root, expand(String(wd), matrix)) : root;
        const env = { ...env0, ...workflow.env, ...job.env, ...step.env };
        for (const k of Object.keys(env)) if (typeof env[k] === "string") env[k] = expand(env[k] as string, matrix);
        const r = sh("bash", ["-e", "-c", expand(String(step.run), matrix)], cwd, env);
        const output = (r.stdout + r.stderr).replace(/\x1b\[[0-9;]*m/g, "");
        runs.push({ job: jobName, entry: matrix.service ?? "", name: String(step.name ?? step.run), status: r.status, output });
        if (r.status !== 0) break;
      }
    }
  }
  return runs;
}

const failed = (runs: StepRun[]) => runs.filter((r) => r.status !== 0).map((r) => `${r.job}[${r.entry}] ${r.name}: exit ${r.status}\n${r.output.slice(-3000)}`);

describe("the generated pr.yml, run locally", () => {
  let workflow: Yaml;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), "msa-ci-pipeline-"));
    shims = path.join(root, ".shims");
    npmLog = path.join(root, ".shims.log");
    fs.mkdirSync(shims);
    writeShims(shims);
    fs.writeFileSync(path.join(root, "system.yaml"), SYSTEM);
    const gen = sh(process.execPath, [path.join(REPO_ROOT, "bin", "msa.js"), "generate"], root);
    if (gen.status !== 0) throw new Error(`msa generate failed: ${gen.stdout}${gen.stderr}`);
    workflow = parseYaml(fs.readFileSync(path.join(root, ".github/workflows/pr.yml"), "utf8")) as Yaml;
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it("scripts/lock.sh writes a lockfile for the node service (the documented first-run step)", () => {
    const r = sh(path.join(root, "scripts/lock.sh"), [], root, testEnv());
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const lock = JSON.parse(fs.readFileSync(path.join(root, "services/orders/package-lock.json"), "utf8")) as Yaml;
    expect(lock.name).toBe(`${NAME}-orders`);
    expect(lock.packages["node_modules/express"]?.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(fs.existsSync(path.join(root, "package-lock.json"))).toBe(false);
  }, 180_000);

  it("every job's shell steps pass, in order: msa checks, node (npm ci, typecheck, tests, build), python (pytest)", () => {
    expect(Object.keys(workflow.jobs)).toEqual(["msa", "node", "python"]);
    const runs = runWorkflow(workflow, ["msa", "node", "python"]);
    expect(failed(runs)).toEqual([]);
    expect(runs.map((r) => `${r.job}[${r.entry}] ${r.name}`)).toEqual([
      "msa[] Install msa-cli at the version that generated this tree (.msa/manifest.json)",
      "msa[] msa validate (annotations on the pull request)",
      "msa[] msa generate --check (generated files match system.yaml and are unedited)",
      "msa[] msa validate-events --compat (event schema versions)",
      "msa[] msa analyze-deps (cycles, undeclared and unused dependencies)",
      "node[orders] Install dependencies (npm ci with the lockfile)",
      "node[orders] Typecheck (tsc --noEmit)",
      "node[orders] Unit tests",
      "node[orders] Build",
      "python[catalog] Install dependencies (pinned requirements)",
      "python[catalog] Unit tests (pytest)",
    ]);
    // npm ci took the lockfile path (no warning), the services' own tests ran
    const install = runs.find((r) => r.name.startsWith("Install dependencies (npm ci"))!;
    expect(install.output).not.toContain("::warning");
    expect(runs.find((r) => r.job === "node" && r.name === "Unit tests")!.output).toMatch(/Tests\s+\d+ passed/);
    expect(runs.find((r) => r.job === "python" && r.name.startsWith("Unit tests"))!.output).toMatch(/\d+ passed/);
    expect(fs.existsSync(path.join(root, "services/orders/dist/main.js"))).toBe(true);
    const log = fs.readFileSync(npmLog, "utf8");
    expect(log).toContain(`msa-cli@${MSA_VERSION}`);
    expect(log).toContain("pip -m pip install --disable-pip-version-check -r requirements-dev.txt");
  }, 600_000);

  it("an edited generated file fails the msa job at msa generate --check, with the diff", () => {
    const file = path.join(root, "services/orders/src/generated/config.ts");
    const before = fs.readFileSync(file, "utf8");
    fs.appendFileSync(file, "// a hand edit\n");
    try {
      const runs = runWorkflow(workflow, ["msa"]);
      const last = runs.at(-1)!;
      expect(last.name).toBe("msa generate --check (generated files match system.yaml and are unedited)");
      expect(last.status).toBe(1);
      expect(last.output).toContain("services/orders/src/generated/config.ts");
      expect(last.output).toContain("// a hand edit");
    } finally {
      fs.writeFileSync(file, before);
    }
  }, 120_000);
});
