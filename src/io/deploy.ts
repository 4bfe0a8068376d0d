// `msa deploy`'s world: git facts, tool discovery, the drift check, rendering the overlay with the real
// `kubectl kustomize`, running one argv (execa, argv arrays only, never a shell) and asking Prometheus.
// The decisions live in src/core/deploy/; the command (src/cli/commands/deploy-run.ts) strings them together.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { CannotRunError, type Diagnostic } from "../core/diagnostics.js";
import type { SystemModel } from "../core/model.js";
import { renderKustomization, type GitFacts, type PreparedDeploy } from "../core/deploy/plan.js";

/** What a canary analysis found: the 5xx ratio, or null when no request reached the canary. */
export async function queryErrorRate(url: string, query: string): Promise<{ ok: true; rate: number | null } | { ok: false; message: string }> {
  try {
    const res = await fetch(`${url.replace(/\/+$/, "")}/api/v1/query?${new URLSearchParams({ query })}`, { signal: AbortSignal.timeout(15_000) });
    if (!res.ok) return { ok: false, message: `Prometheus answered ${res.status}` };
    const body = (await res.json()) as { status?: string; data?: { result?: { value?: [number, string] }[] } };
    if (body.status !== "success") return { ok: false, message: `Prometheus query failed: ${JSON.stringify(body).slice(0, 200)}` };
    const v = body.data?.result?.[0]?.value?.[1];
    const rate = v === undefined ? null : Number(v);
    return { ok: true, rate: rate === null || Number.isNaN(rate) ? null : rate };
  } catch (e) {
    return { ok: false, message: `Prometheus at ${url} unreachable: ${(e as Error).message}` };
  }
}

/** What generate's check mode reports (src/io/generate.ts); drift = any change or conflict. */
export interface DriftReport {
  diagnostics: Diagnostic[];
  changes: unknown[];
  conflicts: unknown[];
}

/** The outside world deploy depends on, replaceable in tests. */
export interface DeployDeps {
  checkDrift: (cwd: string, file: string | undefined) => Promise<DriftReport>;
  gitFacts: (dir: string, env: NodeJS.ProcessEnv) => Promise<GitFacts | null>;
}

export const defaultDeps: DeployDeps = {
  checkDrift: async (cwd, file) => {
    const { generateSystem } = await import("./generate.js");
    return await generateSystem({ cwd, file, mode: "check" });
  },
  gitFacts: async (dir, env) => {
    const git = findExecutable("git", env);
    if (!git) return null;
    const { execa } = await import("execa");
    const head = await execa(git, ["rev-parse", "--short", "HEAD"], { cwd: dir, env, extendEnv: false, reject: false });
    if (head.exitCode !== 0) return null;
    const status = await execa(git, ["status", "--porcelain"], { cwd: dir, env, extendEnv: false, reject: false });
    return { commit: String(head.stdout).trim() || null, dirty: status.exitCode !== 0 || String(status.stdout).trim() !== "" };
  },
};

const INSTALL_HINT: Record<string, string> = {
  docker: "install Docker (https://docs.docker.com/get-docker/), or pass --skip-build --skip-push to use images that are already pushed",
  kubectl: "install kubectl (https://kubernetes.io/docs/tasks/tools/); deploy uses it to render the overlay and to apply it",
};

/** The absolute path of an executable on PATH (as the given environment sets it), or undefined. */
export function findExecutable(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const dirs = (env.PATH ?? env.Path ?? "").split(path.delimiter).filter(Boolean);
  const exts = process.platform === "win32" ? (env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";") : [""];
  for (const dir of dirs)
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      try {
        if (fs.statSync(candidate).isFile()) {
          fs.accessSync(candidate, fs.constants.X_OK);
          return candidate;
        }
      } catch {
        // not here
      }
    }
  return undefined;
}

export function requireTool(name: "docker" | "kubectl", env: NodeJS.ProcessEnv): string {
  const found = findExecutable(name, env);
  if (!found) throw new CannotRunError(`${name} not found on PATH: ${INSTALL_HINT[name]}`);
  return found;
}

export interface Outcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs one argv (argv[0] resolved to `bin`), streaming its output to `echo` when given. */
export async function run(bin: string, argv: readonly string[], o: { cwd: string; env: NodeJS.ProcessEnv; stdin?: string; echo?: (s: string) => void }): Promise<Outcome> {
  const { execa } = await import("execa");
  const child = execa(bin, argv.slice(1), {
    cwd: o.cwd,
    env: o.env,
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    ...(o.stdin !== undefined ? { input: o.stdin } : { stdin: "ignore" as const }),
  });
  if (o.echo) {
    const echo = o.echo;
    child.stdout?.on("data", (d: Buffer) => echo(d.toString()));
    child.stderr?.on("data", (d: Buffer) => echo(d.toString()));
  }
  const r = await child;
  const failed = r.exitCode === undefined ? 127 : r.exitCode;
  return { exitCode: failed, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "") };
}

/** Renders the overlay (or --k8s-manifest) with the images set, in a temporary kustomization. */
export async function renderManifests(model: SystemModel, prepared: PreparedDeploy, kubectl: string, env: NodeJS.ProcessEnv): Promise<{ ok: true; text: string } | { ok: false; message: string }> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "msa-deploy-"));
  try {
    const src = prepared.render.source;
    let resource: string;
    if (src.kind === "manifest") {
      // Copied in so kustomize's load restrictions hold; the images transformer works on any manifest.
      fs.copyFileSync(path.resolve(model.dir, src.path), path.join(tmp, "manifest.yaml"));
      resource = "manifest.yaml";
    } else {
      // kustomize refuses absolute resource paths; a relative one from the temp dir is fine.
      resource = path.relative(tmp, path.resolve(model.dir, src.path)).split(path.sep).join("/");
    }
    fs.writeFileSync(path.join(tmp, "kustomization.yaml"), stringify(renderKustomization(prepared.render, resource)));
    const r = await run(kubectl, ["kubectl", "kustomize", tmp], { cwd: model.dir, env });
    if (r.exitCode !== 0) return { ok: false, message: `kubectl kustomize ${src.path} failed (exit ${r.exitCode}):\n${r.stderr || r.stdout}` };
    return { ok: true, text: r.stdout };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
