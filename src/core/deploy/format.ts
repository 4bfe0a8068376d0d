// How a deploy plan is shown: argv quoted for a POSIX shell, manifests with Secret values
// redacted, and the JSON form of the plan (`--output json`). Pure.
import { parseAllDocuments, stringify } from "yaml";
import type { DeployPlan, DeployStep } from "./plan.js";

export const REDACTED = "<redacted>";

/** One argument as a POSIX shell reads it back unchanged: bare when safe, else single-quoted. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_\/.,:=@%+-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export const shellCommand = (argv: readonly string[]): string => argv.map(shellQuote).join(" ");

/**
 * The manifests as safe to print: every value under `data` and `stringData` of a Secret is
 * replaced by <redacted> (keys stay, so a reader sees what is set). Other objects are unchanged.
 */
export function redactSecrets(text: string): string {
  const docs = parseAllDocuments(text);
  if (!docs.some((d) => isSecret(d.toJS()))) return text;
  const out: string[] = [];
  for (const doc of docs) {
    const data = doc.toJS() as unknown;
    if (data === null || data === undefined) continue;
    if (!isSecret(data)) {
      out.push(doc.toString({ lineWidth: 0 }).replace(/^---\n/, ""));
      continue;
    }
    const secret = { ...(data as Record<string, unknown>) };
    for (const field of ["data", "stringData"]) {
      const values = secret[field];
      if (values && typeof values === "object")
        secret[field] = Object.fromEntries(Object.keys(values as object).map((k) => [k, REDACTED]));
      else if (values !== undefined) secret[field] = REDACTED;
    }
    out.push(stringify(secret, { lineWidth: 0 }));
  }
  return out.map((t) => t.replace(/\n*$/, "\n")).join("---\n");
}

function isSecret(v: unknown): boolean {
  return !!v && typeof v === "object" && (v as { kind?: unknown }).kind === "Secret";
}

/** The plan as `--output json` prints it: stable keys, stdin replaced by a pointer, Secret values redacted. */
export function planJson(plan: DeployPlan, dryRun: boolean): object {
  return {
    dryRun,
    env: plan.env,
    namespace: plan.namespace,
    tag: plan.tag,
    tagSource: plan.tagSource,
    images: plan.images.map((i) => ({ service: i.service, buildDir: i.buildDir, baseName: i.baseName, name: i.name, tag: i.tag, ref: i.ref })),
    render: {
      source: plan.render.source,
      namespace: plan.render.namespace,
      images: plan.render.images,
    },
    secrets: plan.secrets,
    steps: plan.steps.map(stepJson),
    objects: plan.objects,
    manifests: redactSecrets(plan.manifests),
    notes: plan.notes,
  };
}

export function stepJson(s: DeployStep): object {
  return {
    phase: s.phase,
    description: s.description,
    argv: s.argv,
    command: shellCommand(s.argv),
    mutates: s.mutates,
    ...(s.stdin !== undefined ? { stdin: "manifests" } : {}),
    ...(s.workload ? { workload: s.workload } : {}),
    ...(s.context ? { context: s.context } : {}),
    ...(s.waitMs !== undefined ? { waitMs: s.waitMs } : {}),
    ...(s.analysis ? { analysis: s.analysis } : {}),
    ...(s.watch ? { watch: s.watch } : {}),
    ...(s.fallback ? { fallback: { ...s.fallback, command: shellCommand(s.fallback.argv) } } : {}),
  };
}

/** The human dry-run transcript: what was rendered, each command as it would run, then the manifests. */
export function formatDryRun(plan: DeployPlan): string {
  const lines: string[] = [];
  const src = plan.render.source;
  lines.push(`# msa deploy --dry-run: nothing below was run; copy a line to run it yourself.`);
  lines.push(`# env ${plan.env}, namespace ${plan.namespace}, image tag ${plan.tag} (${plan.tagSource === "git" ? "from git" : "--image-tag"})`);
  for (const n of plan.notes) lines.push(`# note: ${n}`);
  lines.push(`#`);
  lines.push(`# rendered ${src.path} with kubectl kustomize and these images (kustomize's images transformer):`);
  for (const i of plan.render.images) lines.push(`#   ${i.name} -> ${i.newName}:${i.newTag}`);
  if (plan.render.namespace) lines.push(`#   namespace: ${plan.render.namespace}`);
  if (plan.secrets.length) {
    lines.push(`#`);
    lines.push(`# Secrets that must exist in ${plan.namespace} (checked before anything runs; docs/secrets.md says how to create them):`);
    for (const x of plan.secrets) lines.push(`#   ${x.name}${x.keys.length ? ` (key${x.keys.length === 1 ? "" : "s"} ${x.keys.join(", ")})` : ""}, read by ${x.readers.join(", ")}`);
  }
  let n = 0;
  for (const s of plan.steps) {
    lines.push("");
    lines.push(`# ${++n}. ${s.description}${s.stdin !== undefined ? (s.phase === "promote" ? " (stdin: the stable Deployment as rendered, with this version)" : " (stdin: the manifests below)") : ""}`);
    lines.push(shellCommand(s.argv));
    if (s.fallback) lines.push(`# if that answers ${s.fallback.ifOutput}: ${s.fallback.description}`, `#   ${shellCommand(s.fallback.argv)}`);
  }
  if (!plan.steps.length) lines.push("", "# nothing to do");
  lines.push("");
  lines.push(`# manifests to apply (${plan.objects.length} object${plan.objects.length === 1 ? "" : "s"}; Secret values redacted):`);
  const text = redactSecrets(plan.manifests).replace(/\n*$/, "\n");
  return lines.join("\n") + "\n" + text;
}
