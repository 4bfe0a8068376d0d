// `msa deploy` as a command: load and check system.yaml, gather the facts (src/io/deploy.ts), plan
// (src/core/deploy/), then print the dry run or run the plan's steps, saying what happens.
import fs from "node:fs";
import path from "node:path";
import { CannotRunError, hasErrors } from "../../core/diagnostics.js";
import type { SystemModel } from "../../core/model.js";
import {
  failureReportSteps,
  planDeploy,
  prepareDeploy,
  rollbackStep,
  type DeployPlan,
  type DeployRequest,
  type DeployStep,
} from "../../core/deploy/plan.js";
import { formatDryRun, planJson, shellCommand, stepJson } from "../../core/deploy/format.js";
import { factQueries, factsFrom, parseRolloutStatus, progressiveContexts, rolloutVerdict } from "../../core/deploy/progressive.js";
import { formatMs } from "../../core/plan/docs.js";
import { defaultDeps, findExecutable, queryErrorRate, renderManifests, requireTool, run, type DeployDeps, type Outcome } from "../../io/deploy.js";
import { loadSystem } from "../../io/system.js";
import type { CliContext } from "../context.js";
import { formatText } from "../report.js";

export interface DeployCliOptions extends Omit<DeployRequest, "k8sManifest"> {
  /** --abort / --rollback (default deploy). */
  mode?: "deploy" | "abort" | "rollback";
  file?: string;
  /** As given on the command line (relative to the working directory). */
  k8sManifest?: string;
  dryRun: boolean;
  output: "text" | "json";
}

export interface RunResult {
  exitCode: 0 | 1;
}

function toRequest(model: SystemModel, cwd: string, o: DeployCliOptions): DeployRequest {
  let k8sManifest: string | undefined;
  if (o.k8sManifest !== undefined) {
    const abs = path.resolve(cwd, o.k8sManifest);
    if (!fs.existsSync(abs) || !fs.statSync(abs).isFile()) throw new CannotRunError(`--k8s-manifest ${o.k8sManifest}: no such file`);
    k8sManifest = path.relative(model.dir, abs).split(path.sep).join("/");
  }
  return {
    env: o.env,
    services: o.services,
    imageTag: o.imageTag,
    registry: o.registry,
    namespace: o.namespace,
    k8sManifest,
    skipBuild: o.skipBuild,
    skipPush: o.skipPush,
    timeout: o.timeout,
    rollbackOnFailure: o.rollbackOnFailure,
    mode: o.mode ?? "deploy",
    prometheusUrl: o.prometheusUrl,
    ...(o.pollMs ? { pollMs: o.pollMs } : {}),
  };
}

export async function runDeploy(ctx: CliContext, o: DeployCliOptions, deps: DeployDeps = defaultDeps): Promise<RunResult> {
  const json = o.output === "json";
  const loaded = loadSystem(ctx.cwd, o.file);
  if (!loaded.model || hasErrors(loaded.diagnostics)) {
    ctx.stderr(formatText(loaded.diagnostics));
    ctx.stderr(`msa deploy: ${path.basename(loaded.path)} has errors; fix them (\`msa validate\`) before deploying. Nothing was deployed.\n`);
    return { exitCode: 1 };
  }
  const model = loaded.model;
  const req = toRequest(model, ctx.cwd, o);

  // Facts first (cheap, read-only), so every usage problem is reported before anything runs.
  const git = req.imageTag === undefined ? await deps.gitFacts(model.dir, ctx.env) : null;
  const prepared = prepareDeploy(model, req, git);
  const kubectl = requireTool("kubectl", ctx.env);
  const needDocker = !o.dryRun && !(req.skipBuild && req.skipPush);
  const docker = needDocker ? requireTool("docker", ctx.env) : findExecutable("docker", ctx.env);
  if (prepared.render.source.kind === "overlay") {
    const overlay = path.join(model.dir, prepared.render.source.path, "kustomization.yaml");
    if (!fs.existsSync(overlay)) throw new CannotRunError(`${prepared.render.source.path}/kustomization.yaml not found: run \`msa generate\` first`);
  }
  if (!req.skipBuild)
    for (const img of prepared.images)
      if (!fs.existsSync(path.join(model.dir, img.buildDir, "Dockerfile"))) {
        const missing = `${img.buildDir}/Dockerfile not found: run \`msa generate\` first`;
        if (!o.dryRun) throw new CannotRunError(missing);
        prepared.notes.push(`${missing} (building ${img.service} would fail)`);
      }

  // 1. The generated output must be what system.yaml says: never deploy drifted manifests.
  // (--abort and --rollback undo what runs: they must work even when system.yaml moved on)
  const drift = req.mode === "abort" || req.mode === "rollback" ? { diagnostics: [], changes: [], conflicts: [] } : await deps.checkDrift(ctx.cwd, o.file);
  if (hasErrors(drift.diagnostics) || drift.changes.length || drift.conflicts.length) {
    if (drift.diagnostics.length) ctx.stderr(formatText(drift.diagnostics));
    const list = [...drift.changes, ...drift.conflicts].map(describeChange);
    for (const l of list.slice(0, 20)) ctx.stderr(`  ${l}\n`);
    if (list.length > 20) ctx.stderr(`  … and ${list.length - 20} more\n`);
    ctx.stderr(
      `msa deploy: the generated output is stale (${list.length} file${list.length === 1 ? "" : "s"} differ from system.yaml); run \`msa generate\` and commit, then deploy. Nothing was deployed.\n`,
    );
    return { exitCode: 1 };
  }

  // 2. Render (read-only, also in --dry-run: proves the overlay builds with these images).
  const rendered = await renderManifests(model, prepared, kubectl, ctx.env);
  if (!rendered.ok) {
    ctx.stderr(`msa deploy: ${rendered.message.replace(/\n*$/, "\n")}Nothing was deployed.\n`);
    return { exitCode: 1 };
  }
  // blue-green / canary: ask the cluster which colour runs and whether a stable version exists (read-only gets)
  const undo = req.mode === "abort" || req.mode === "rollback";
  const firstPlan = planDeploy(model, { ...req, mode: "deploy" }, prepared, rendered.text);
  const progressive = progressiveContexts(model, prepared.images.map((i) => i.service));
  const queries = factQueries(progressive, firstPlan.namespace, req.mode ?? "deploy");
  const answers = [];
  for (const q of queries) {
    const r = await run(kubectl, q.argv, { cwd: model.dir, env: ctx.env });
    answers.push({ context: q.context, kind: q.kind, exitCode: r.exitCode, stdout: r.stdout });
  }
  const plan = queries.length || undo ? planDeploy(model, req, prepared, rendered.text, factsFrom(answers)) : firstPlan;

  if (o.dryRun) {
    ctx.stdout(json ? JSON.stringify(planJson(plan, true), null, 2) + "\n" : formatDryRun(plan));
    return { exitCode: 0 };
  }
  for (const n of plan.notes) ctx.stderr(`msa deploy: note: ${n}\n`);
  return executePlan(ctx, model, req, plan, { docker, kubectl, json });
}

function describeChange(c: unknown): string {
  if (typeof c === "string") return c;
  const o = c as { path?: unknown; kind?: unknown; action?: unknown; reason?: unknown };
  const what = typeof o.kind === "string" ? o.kind : typeof o.action === "string" ? o.action : "";
  return `${what ? what + " " : ""}${typeof o.path === "string" ? o.path : JSON.stringify(c)}`;
}

interface Tools {
  docker: string | undefined;
  kubectl: string;
  json: boolean;
}

async function executePlan(ctx: CliContext, model: SystemModel, req: DeployRequest, plan: DeployPlan, tools: Tools): Promise<RunResult> {
  const say = tools.json ? ctx.stderr : ctx.stdout;
  const results: { step: DeployStep; exitCode: number }[] = [];
  const bin = (argv0: string): string => (argv0 === "docker" ? (tools.docker as string) : tools.kubectl);
  const exec = async (step: DeployStep, capture = false): Promise<Outcome> => {
    say(`$ ${shellCommand(step.argv)}${step.stdin !== undefined ? "   # manifests on stdin" : ""}\n`);
    const r = await run(bin(step.argv[0] as string), step.argv, {
      cwd: model.dir,
      env: ctx.env,
      ...(step.stdin !== undefined ? { stdin: step.stdin } : {}),
      ...(capture ? {} : { echo: ctx.stderr }),
    });
    results.push({ step, exitCode: r.exitCode });
    return r;
  };
  /** exec, then the step's fallback when it failed with the fallback's text in its output (the abort of an old Rollout CRD). */
  const execOrFallback = async (step: DeployStep): Promise<Outcome> => {
    const r = await exec(step);
    if (r.exitCode === 0 || !step.fallback || !(r.stdout + r.stderr).includes(step.fallback.ifOutput)) return r;
    say(`# ${step.fallback.description}\n`);
    return exec({ ...step, argv: step.fallback.argv, fallback: undefined });
  };
  const finish = (exitCode: 0 | 1, message: string): RunResult => {
    if (tools.json)
      ctx.stdout(
        JSON.stringify(
          { ...planJson(plan, false), ok: exitCode === 0, message, results: results.map((r) => ({ ...stepJson(r.step), exitCode: r.exitCode })) },
          null,
          2,
        ) + "\n",
      );
    else (exitCode === 0 ? ctx.stdout : ctx.stderr)(`msa deploy: ${message}\n`);
    return { exitCode };
  };

  const PROGRESSIVE = new Set(["traffic", "pause", "analysis", "promote", "switch", "watch"]);
  const firstProgressive = plan.steps.findIndex((s) => PROGRESSIVE.has(s.phase));
  const main = firstProgressive < 0 ? plan.steps : plan.steps.slice(0, firstProgressive);
  const after = firstProgressive < 0 ? [] : plan.steps.slice(firstProgressive);
  const undo = req.mode === "abort" || req.mode === "rollback";
  // --abort / --rollback: every step in order (a rollback's readiness wait comes before its switch)
  if (undo) return runProgressive(plan.steps, true);

  // Builds, pushes, apply: the first failure stops everything after it.
  for (const step of main.filter((s) => s.phase !== "rollout")) {
    const r = await exec(step);
    if (r.exitCode !== 0) {
      if (step.phase === "secrets")
        return finish(1, `a Secret the workloads read is missing in namespace ${plan.namespace} (see above); create it as docs/secrets.md says, then deploy again. Nothing was built, pushed or applied`);
      const after = step.phase === "build" ? "nothing was pushed or applied" : step.phase === "push" ? "nothing was applied" : "the cluster may be partly updated";
      return finish(1, `${step.description} failed (exit ${r.exitCode}); ${after}`);
    }
  }

  // Rollouts: wait on every workload, then report each failure with its events.
  const failed: string[] = [];
  for (const step of main.filter((s) => s.phase === "rollout")) {
    const r = await exec(step);
    if (r.exitCode !== 0) failed.push(step.workload as string);
  }
  const rolledBack: string[] = [];
  for (const workload of failed) {
    ctx.stderr(`\nmsa deploy: ${workload} did not roll out within ${req.timeout}; what the cluster says:\n`);
    for (const s of failureReportSteps(workload, plan.namespace)) {
      const r = await exec(s, true);
      ctx.stderr((r.stdout + r.stderr).replace(/\n*$/, "\n"));
    }
    if (req.rollbackOnFailure) {
      const r = await exec(rollbackStep(workload, plan.namespace));
      if (r.exitCode !== 0) ctx.stderr(`msa deploy: rolling back ${workload} failed (exit ${r.exitCode})\n`);
      else rolledBack.push(workload);
    }
  }
  if (failed.length)
    return finish(
      1,
      `${failed.join(", ")} failed to roll out` +
        (req.rollbackOnFailure ? (rolledBack.length ? `; rolled back ${rolledBack.join(", ")}` : "; nothing could be rolled back") : "; pass --rollback-on-failure to undo automatically"),
    );
  return runProgressive(after, false);

  /** Blue-green switches, canary weights, pauses, analyses and promotions, in order; a failed analysis aborts its canary. */
  async function runProgressive(steps: DeployStep[], undoing: boolean): Promise<RunResult> {
    // argo-rollouts: the Deployment generation each Rollout must have observed before its phase counts
    const generation: Record<string, string> = {};
    for (const step of steps) {
      if (step.phase === "watch" && step.watch?.kind === "generation") {
        const r = await exec(step, true);
        if (r.exitCode !== 0) return finish(1, `${step.description} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}`);
        generation[step.context ?? ""] = r.stdout.trim();
        continue;
      }
      if (step.phase === "watch" && step.watch?.kind === "status") {
        const w = step.watch;
        const c = step.context ?? "";
        say(`# ${step.description}\n$ ${shellCommand(step.argv)}\n`);
        const deadline = Date.now() + w.timeoutMs;
        let last = "";
        for (;;) {
          const r = await run(bin("kubectl"), step.argv, { cwd: model.dir, env: ctx.env });
          if (r.exitCode !== 0) {
            results.push({ step, exitCode: r.exitCode });
            return finish(1, `reading the Rollout ${c} failed (exit ${r.exitCode}): ${(r.stderr || r.stdout).trim()}; is Argo Rollouts installed (its CRDs)?`);
          }
          const st = parseRolloutStatus(r.stdout);
          const verdict = rolloutVerdict(st, generation[c] ?? null);
          const seen = verdict === "waiting" && generation[c] && st.observedGeneration !== generation[c] ? "waiting for Argo to observe the new template" : `${st.phase || "no status yet"}, step ${st.step ?? "-"}/${w.steps}${st.message ? ` (${st.message})` : ""}`;
          if (seen !== last) ctx.stderr(`msa deploy: rollout/${c}: ${seen}\n`);
          last = seen;
          if (verdict === "healthy") {
            results.push({ step, exitCode: 0 });
            break;
          }
          if (verdict === "degraded") {
            results.push({ step, exitCode: 1 });
            return finish(
              1,
              undoing
                ? `the Rollout ${c} is Degraded after the rollback: ${st.message || "no message"}`
                : `the Rollout ${c} is Degraded: ${st.message || "no message"}; Argo Rollouts aborted the canary (a failed analysis or the progress deadline: traffic back on stable, the stable version unchanged)`,
            );
          }
          if (Date.now() >= deadline) {
            results.push({ step, exitCode: 1 });
            if (!undoing)
              for (const s of plan.abortSteps?.[c] ?? []) {
                const a = await execOrFallback(s);
                if (a.exitCode !== 0) return finish(1, `the Rollout ${c} was not Healthy within ${formatMs(w.timeoutMs)} and aborting it failed too (exit ${a.exitCode}); run msa deploy --abort`);
              }
            return finish(1, `the Rollout ${c} was not Healthy within ${formatMs(w.timeoutMs)} (last: ${seen})${undoing ? "" : "; aborted it (status.abort): traffic back on stable"}`);
          }
          await new Promise((res) => setTimeout(res, w.intervalMs));
        }
        continue;
      }
      if (step.phase === "pause") {
        say(`# ${step.description}\n$ ${shellCommand(step.argv)}\n`);
        await new Promise((r) => setTimeout(r, step.waitMs ?? 0));
        results.push({ step, exitCode: 0 });
        continue;
      }
      if (step.phase === "analysis" && step.analysis) {
        say(`# ${step.description}\n$ ${shellCommand(step.argv)}\n`);
        const a = await queryErrorRate(step.analysis.url, step.analysis.query);
        const failed = !a.ok || (a.rate !== null && a.rate > step.analysis.maxErrorRate);
        results.push({ step, exitCode: failed ? 1 : 0 });
        if (a.ok) ctx.stderr(a.rate === null ? `msa deploy: no request reached the canary of ${step.context} during the pause; counted as passing\n` : `msa deploy: ${step.context} canary 5xx ratio ${(a.rate * 100).toFixed(3)} % (at most ${(step.analysis.maxErrorRate * 100).toFixed(3)} %)\n`);
        if (failed) {
          const why = a.ok ? `the canary's 5xx ratio ${(a.rate! * 100).toFixed(3)} % is above ${(step.analysis.maxErrorRate * 100).toFixed(3)} %` : a.message;
          for (const s of plan.abortSteps?.[step.context ?? ""] ?? []) {
            const r = await exec(s);
            if (r.exitCode !== 0) return finish(1, `canary ${step.context} failed its analysis (${why}) and setting the traffic back on stable failed too (exit ${r.exitCode}); run msa deploy --abort`);
          }
          return finish(1, `canary ${step.context} failed its analysis: ${why}; traffic is back on stable (100 %), the stable version was not changed`);
        }
        continue;
      }
      const r = await execOrFallback(step);
      if (r.exitCode !== 0) {
        // a failed weight change mid-canary: traffic back on stable (a failed promote leaves the weights to the operator)
        if (!undoing && step.phase === "traffic" && step.context && plan.abortSteps?.[step.context])
          for (const s of plan.abortSteps[step.context] ?? []) await exec(s);
        return finish(1, `${step.description} failed (exit ${r.exitCode})${step.phase === "switch" ? "; the Service still selects the previous colour" : ""}`);
      }
    }
    if (undoing) return finish(0, steps.length ? `${req.mode === "abort" ? "aborted" : "rolled back"} in namespace ${plan.namespace}` : `nothing to ${req.mode === "abort" ? "abort" : "roll back"}`);
    const images = plan.images.map((i) => i.ref).join(", ");
    return finish(0, `deployed ${plan.env} to namespace ${plan.namespace}${images ? ` (${images})` : ""}`);
  }
}

