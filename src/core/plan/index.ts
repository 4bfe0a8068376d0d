// Stage 4 as a whole: every planner's files, checked and sorted. A bad plan is a bug in msa, not the user's problem.
import type { SystemModel } from "../model.js";
import type { Render } from "../render.js";
import { MANIFEST_PATH } from "../tree.js";
import { planAsyncApi } from "./asyncapi.js";
import { planBffs } from "./bff.js";
import { planCi } from "./ci.js";
import { planTsClient } from "./client-ts.js";
import { planCompose } from "./compose.js";
import { planArchitectureDocs } from "./docs.js";
import { planNodeGateway } from "./gateway-node.js";
import { planOpenApi } from "./openapi.js";
import { planObservability } from "./observability.js";
import { planKubernetes } from "./k8s.js";
import { planKong } from "./kong.js";
import { planRoot } from "./root.js";
import { planScripts } from "./scripts.js";
import { planNodeServices } from "./service-node.js";
import { planPythonServices } from "./service-python.js";
import { lazyFile, type PlannedFile, type Planner } from "./types.js";
import { isYamlPath, modelHasYamlNonStrings, resolveMarks } from "../yaml-words.js";

export const PLANNERS: readonly Planner[] = [
  planNodeServices,
  planPythonServices,
  planBffs,
  planNodeGateway,
  planKong,
  planKubernetes,
  planCompose,
  planAsyncApi,
  planOpenApi,
  planTsClient,
  planObservability,
  planArchitectureDocs,
  planScripts,
  planRoot,
  planCi,
];

export interface PlanOptions {
  /** Only the files of these contexts (`generate --only`); system-wide files are left out. */
  only?: readonly string[];
  /** The planners to run (tests); default: all of PLANNERS. */
  planners?: readonly Planner[];
}

/** Runs every planner, checks the whole tree, and returns it sorted by path. */
export function planSystem(model: SystemModel, render: Render, opts: PlanOptions = {}): PlannedFile[] {
  // a name such as `n` or `null` must come out quoted in YAML: render through the guarded templates, then
  // resolve their marks (yaml-words.ts); other systems take the plain path
  const guarded = modelHasYamlNonStrings(model) ? render.guarded : undefined;
  let files = (opts.planners ?? PLANNERS).flatMap((plan) => plan(model, guarded ?? render));
  if (guarded)
    files = files.map((f) => {
      const { path, owner, executable, context } = f;
      return lazyFile({ path, owner, ...(executable ? { executable } : {}), ...(context !== undefined ? { context } : {}) }, () => resolveMarks(f.content, isYamlPath(path)));
    });
  if (opts.only) {
    const only = new Set(opts.only);
    files = files.filter((f) => f.context !== undefined && only.has(f.context));
  }
  checkPlan(files);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Every path is a clean relative POSIX path inside the root, and no two files claim the same path (on any file system). */
export function checkPlan(files: readonly PlannedFile[]): void {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  const filePaths = new Set(files.map((f) => f.path));
  for (const f of files) {
    const reason = badPath(f.path);
    if (reason) problems.push(`${JSON.stringify(f.path)}: ${reason}`);
    if (f.path === MANIFEST_PATH || f.path.startsWith(".msa/")) problems.push(`${f.path}: .msa/ is reserved for the manifest`);
    const key = f.path.toLowerCase();
    const other = seen.get(key);
    if (other !== undefined) problems.push(other === f.path ? `${f.path}: planned twice` : `${f.path} collides with ${other} on case-insensitive file systems`);
    else seen.set(key, f.path);
    // a file cannot also be a directory of another file
    for (let i = f.path.indexOf("/"); i !== -1; i = f.path.indexOf("/", i + 1)) {
      const dir = f.path.slice(0, i);
      if (filePaths.has(dir)) problems.push(`${f.path}: its directory ${dir} is also planned as a file`);
    }
    // a file rendered when it is written (lazyFile) is checked then, by the commit; reading it here would render it
    const own = Object.getOwnPropertyDescriptor(f, "content");
    if (!own || ("value" in own && typeof own.value !== "string")) problems.push(`${f.path}: content is not text`);
  }
  if (problems.length) throw new Error(`internal: the generation plan is invalid:\n  ${problems.join("\n  ")}`);
}

function badPath(p: string): string | undefined {
  if (!p) return "empty path";
  if (p.includes("\\")) return "backslash in path (POSIX paths only)";
  if (p.startsWith("/") || /^[A-Za-z]:/.test(p)) return "absolute path";
  if (p.includes("\0")) return "NUL in path";
  const segs = p.split("/");
  if (segs.some((s) => s === "" || s === "." || s === "..")) return "empty, '.' or '..' segment";
  return undefined;
}
