// bin/msa.js answers a plain `msa --help` on a pipe from the record `npm run build` made (scripts/compile-help.mjs),
// without loading the CLI — but only a record made by exactly the CLI code beside it.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const built = fs.existsSync(path.join(repoRoot, "dist/cli/help.json"));
if (!built && process.env.CI === "true") throw new Error("dist/cli/help.json is missing; run npm run build");
if (!built) console.warn("skipping the recorded --help checks: dist/cli/help.json is missing (npm run build)");
const env = (extra: Record<string, string> = {}) => {
  const e: Record<string, string> = { ...(process.env as Record<string, string>), ...extra };
  for (const k of ["FORCE_COLOR", "CLICOLOR_FORCE", "NO_COLOR"]) if (!(k in extra)) delete e[k];
  return e;
};
const run = (root: string, args: string[], extra?: Record<string, string>) =>
  spawnSync(process.execPath, [path.join(root, "bin/msa.js"), ...args], { encoding: "utf8", env: env(extra) });

// a private copy of the built package, so the record can be tampered with
const copy = fs.mkdtempSync(path.join(os.tmpdir(), "msa-help-"));
afterAll(() => fs.rmSync(copy, { recursive: true, force: true }));
if (built) {
  for (const p of ["bin", "dist", "package.json"]) fs.cpSync(path.join(repoRoot, p), path.join(copy, p), { recursive: true });
  fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(copy, "node_modules"));
}

describe.skipIf(!built)("recorded msa --help", () => {
  it("prints exactly what the CLI itself prints", () => {
    const fast = run(repoRoot, ["--help"]);
    const real = run(repoRoot, ["--help"], { FORCE_COLOR: "0" }); // FORCE_COLOR set: the fast path stands aside
    expect(fast.status).toBe(0);
    expect(real.status).toBe(0);
    expect(fast.stdout).toContain("Usage: msa");
    expect(fast.stdout).toBe(real.stdout);
    expect(run(repoRoot, ["-h"]).stdout).toBe(real.stdout);
  });

  it("uses the record only for the code it was made by", () => {
    const record = path.join(copy, "dist/cli/help.json");
    const r = JSON.parse(fs.readFileSync(record, "utf8"));
    fs.writeFileSync(record, JSON.stringify({ ...r, text: "RECORDED\n" }));
    expect(run(copy, ["--help"]).stdout).toBe("RECORDED\n"); // the record answers
    fs.appendFileSync(path.join(copy, "dist/cli/commands/init.js"), "\n// changed\n");
    const after = run(copy, ["--help"]);
    expect(after.status).toBe(0);
    expect(after.stdout).toContain("Usage: msa"); // the real CLI answers: the key no longer matches
    fs.rmSync(record);
    expect(run(copy, ["--help"]).stdout).toContain("Usage: msa");
  });
});
