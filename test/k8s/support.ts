// Test support for the Kubernetes and Kong planners: plan a system in memory, write it to a temp
// dir, render each overlay with the real `kubectl kustomize` and check it with the acceptance checker.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { planSystem } from "../../src/core/plan/index.js";
import { planKong } from "../../src/core/plan/kong.js";
import { planKubernetes } from "../../src/core/plan/k8s.js";
import type { PlannedFile } from "../../src/core/plan/types.js";
import type { SystemModel } from "../../src/core/model.js";
import { createRenderer } from "../../src/core/render.js";
import { loadTemplates } from "../../src/io/templates.js";
import { loadSystemAt } from "../../src/io/system.js";

export const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..", "..");
export const fixturesDir = path.join(repoRoot, "test", "k8s", "fixtures");
// the shared acceptance kit beside the clone (../shared), as .ci/run expects it
const acceptanceTools = path.join(repoRoot, "..", "shared", "acceptance", "tools");
export const toolsCache =
  process.env.MSA_ACCEPTANCE_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "msa-acceptance-tools");

const render = createRenderer(loadTemplates());

/** Loads a system.yaml from a file, or from text (written next to `dir` so schema paths resolve). */
export function modelFromText(text: string, name = "inline"): SystemModel {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `msa-k8s-${name}-`));
  const file = path.join(dir, "system.yaml");
  fs.writeFileSync(file, text);
  return modelAt(file);
}

export function modelAt(file: string): SystemModel {
  const res = loadSystemAt(file, "system.yaml");
  const errors = res.diagnostics.filter((d) => d.severity === "error");
  if (!res.model || errors.length) throw new Error(`fixture ${file} is invalid: ${JSON.stringify(errors, null, 1)}`);
  return res.model;
}

/** The Kubernetes and Kong files, through planSystem (which also quotes names such as `n` in YAML). */
export function plan(model: SystemModel): PlannedFile[] {
  return planSystem(model, render, { planners: [planKubernetes, planKong] });
}

export function writePlan(files: PlannedFile[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-k8s-out-"));
  for (const f of files) {
    const abs = path.join(dir, f.path);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, f.content);
  }
  return dir;
}

/** The acceptance checker, installed like acceptance/run does when missing. Undefined when it cannot be. */
export async function ensureChecker(): Promise<string | undefined> {
  const checker = path.join(toolsCache, "k8s-check.mjs");
  const lock = path.join(acceptanceTools, "package-lock.json");
  const installed = path.join(toolsCache, "package-lock.json");
  const same = fs.existsSync(installed) && fs.existsSync(lock) && fs.readFileSync(installed, "utf8") === fs.readFileSync(lock, "utf8");
  if (!same || !fs.existsSync(path.join(toolsCache, "node_modules"))) {
    if (!fs.existsSync(lock)) return undefined;
    fs.mkdirSync(toolsCache, { recursive: true });
    for (const f of ["package.json", "package-lock.json"]) fs.copyFileSync(path.join(acceptanceTools, f), path.join(toolsCache, f));
    const r = await execa("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: toolsCache, reject: false });
    if (r.exitCode !== 0) return undefined;
  }
  if (fs.existsSync(path.join(acceptanceTools, "k8s-check.mjs"))) fs.copyFileSync(path.join(acceptanceTools, "k8s-check.mjs"), checker);
  return fs.existsSync(checker) ? checker : undefined;
}

export async function hasKubectl(): Promise<boolean> {
  const r = await execa("kubectl", ["version", "--client"], { reject: false });
  return r.exitCode === 0;
}

export interface OverlayCheck {
  env: string;
  kustomize: { exitCode: number; stderr: string };
  rendered: string;
  check?: { exitCode: number; output: string };
}

export async function checkOverlay(dir: string, env: string, checker: string): Promise<OverlayCheck> {
  const k = await execa("kubectl", ["kustomize", path.join(dir, "k8s", "overlays", env)], { reject: false });
  const result: OverlayCheck = { env, kustomize: { exitCode: k.exitCode ?? 1, stderr: String(k.stderr) }, rendered: String(k.stdout) };
  if (k.exitCode !== 0) return result;
  const c = await execa("node", [checker], { input: String(k.stdout), reject: false });
  result.check = { exitCode: c.exitCode ?? 1, output: String(c.stdout) + String(c.stderr) };
  return result;
}
