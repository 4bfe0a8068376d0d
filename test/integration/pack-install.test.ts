// Issue 19's "done when": the packed package, installed into an empty folder as a user installs it, runs the first
// hour — `npx msa init`, `npm create msa` (the create-msa workspace package), add-service, generate --check,
// deploy --dry-run and a generated seed script. Needs a built dist/ (npm test builds first); the install prefers
// the npm cache (offline when the dependencies are there) and falls back to the registry.
import { execa } from "execa";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT, tempDir } from "../support/cli.js";

const env = { ...process.env, NO_COLOR: "1", npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" };
const run = (cmd: string, args: string[], cwd: string) => execa(cmd, args, { cwd, env, reject: false, all: true });

let user: string;
let pack: string;

describe("the packed msa-cli in an empty folder", () => {
  beforeAll(async () => {
    pack = tempDir("msa-pack-");
    // dist/ is built (npm test); --ignore-scripts: prepack would rebuild it for nothing
    const a = await run("npm", ["pack", "--ignore-scripts", "--pack-destination", pack], ROOT);
    expect(a.exitCode, a.all).toBe(0);
    const b = await run("npm", ["pack", "--pack-destination", pack], path.join(ROOT, "packages/create-msa"));
    expect(b.exitCode, b.all).toBe(0);
    const version = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version as string;
    user = path.join(tempDir("msa-user-"), "empty");
    fs.mkdirSync(user);
    const i = await run("npm", ["install", "--prefer-offline", path.join(pack, `msa-cli-${version}.tgz`), path.join(pack, `create-msa-${version}.tgz`)], user);
    expect(i.exitCode, i.all).toBe(0);
  }, 240_000);

  it("ships what it needs and nothing twice: no prepare, no bundled ajv, the docs the README links", () => {
    const pkgDir = path.join(user, "node_modules/msa-cli");
    const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
    expect(pkg.scripts.prepare).toBeUndefined();
    expect(fs.existsSync(path.join(pkgDir, "dist/vendor"))).toBe(false);
    expect(fs.existsSync(path.join(pkgDir, "dist/cli/main.js"))).toBe(true);
    const readme = fs.readFileSync(path.join(pkgDir, "README.md"), "utf8");
    for (const m of readme.matchAll(/\]\(([^)#:]+)(?:#[^)]*)?\)/g)) expect(fs.existsSync(path.join(pkgDir, m[1] as string)), m[1]).toBe(true);
  });

  it("npx msa init app --yes, npm create msa, add-service, generate --check, deploy --dry-run and a seed script", async () => {
    const init = await run("npx", ["--no", "msa", "init", "app", "--yes"], user);
    expect(init.exitCode, init.all).toBe(0);
    expect(init.stdout).toContain("Next steps:");
    const app = path.join(user, "app");
    expect(fs.existsSync(path.join(app, "package.json"))).toBe(true);

    const created = await run("npm", ["create", "msa", "--", "app2", "--yes", "--no-generate"], user);
    expect(created.exitCode, created.all).toBe(0);
    expect(fs.readFileSync(path.join(user, "app2/system.yaml"), "utf8")).toMatch(/^name: app2$/m);

    const add = await run("npx", ["--no", "msa", "add-service", "shipping", "--consumes", "orders.created"], app);
    expect(add.exitCode, add.all).toBe(0);
    const check = await run("npx", ["--no", "msa", "generate", "--check"], app);
    expect(check.exitCode, check.all).toBe(0);

    const missing = await run("npx", ["--no", "msa", "deploy", "--env", "prod", "--dry-run"], app);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("no registry to push to");
    expect(missing.stderr).toContain("no --image-tag given");
    const dry = await run("npx", ["--no", "msa", "deploy", "--env", "dev", "--dry-run", "--skip-push", "--image-tag", "v1"], app);
    expect(dry.exitCode, dry.all).toBe(0);
    expect(dry.stdout).toContain("# msa deploy --dry-run");

    // a seed script finds the msa in node_modules above it: an npx first on PATH that fails proves it is not used
    const fake = tempDir("msa-fake-npx-");
    fs.writeFileSync(path.join(fake, "npx"), "#!/bin/sh\necho 'npx was called' >&2\nexit 99\n", { mode: 0o755 });
    const seed = await execa(path.join(app, "scripts/service-dependency-analyzer.sh"), ["--format", "json"], {
      cwd: app,
      reject: false,
      env: { ...env, PATH: `${fake}:${process.env.PATH}` },
    });
    expect(seed.exitCode, seed.stderr).toBe(0);
    expect(JSON.parse(seed.stdout).system).toBe("system.yaml");
  }, 180_000);
});
