// Which folders hold which service's code, for analyze-deps on code msa did not write:
// contexts.<c>.source globs, --services globs, or what docker-compose, Kubernetes manifests and
// package.json workspaces say; and the variables' values compose and k8s give (CART_ADDR: cart:7070).
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import picomatch from "picomatch";
import { fastYamlDocumentsWithAliases } from "../../core/yaml-fast.js";
import type { WalkedFile } from "../../io/scan.js";

/** Folders of deployment and test material: not a service's code (their variables are still read). */
export const DEPLOY_TEST_DIRS = new Set([
  "deploy", "deployment", "deployments", "k8s", "kubernetes", "kubernetes-manifests", "kustomize", "helm", "helm-chart", "charts",
  "manifests", "infra", "infrastructure", "terraform", "ansible", ".github", ".circleci", ".gitlab", "istio-manifests",
  "release", "test", "tests", "__tests__", "e2e", "integration-tests", "spec", "load-gen", "loadgen", "locust", "docs",
]);

/** Generated protobuf/gRPC code: it defines every service's client, so it says nothing about who calls whom. */
export const GENERATED_EXCLUDES = ["*.pb.go", "*_pb2.py", "*_pb2_grpc.py", "*_pb2.pyi", "*_grpc_pb.js", "*_pb.js", "*_pb.d.ts", "*Grpc.java", "*Grpc.cs", "*.pb.cs", "*.pb.h", "*.pb.cc"];

export const isDeployOrTestDir = (dir: string): boolean => !!dir && dir.split("/").some((d) => DEPLOY_TEST_DIRS.has(d));

export interface Deployment {
  /** Variable → value, from compose `environment:` and k8s `env:` (first value wins). */
  env: Map<string, string>;
  /** Compose services with a build context: name → absolute folder. */
  builds: Map<string, string>;
  /** Names of k8s Deployments/StatefulSets/DaemonSets. */
  workloads: Set<string>;
}

const MAX_YAML_BYTES = 512 * 1024;
type Raw = Record<string, unknown>;
const isMap = (v: unknown): v is Raw => !!v && typeof v === "object" && !Array.isArray(v);

/**
 * Whether a YAML text may give anything below (parsing is most of the cost of a tree with many YAML
 * files: CI configs, linters' settings): an `environment` key, an `env` key whose value is a list (block,
 * flow, or through an anchor, alias or tag), `services` with a `build`, or a workload kind. A superset:
 * every text that gives something passes.
 */
function mayHoldDeployment(text: string): boolean {
  return /\benvironment["']?\s*:/.test(text)
    || /\benv["']?\s*:[ \t]*(?:#[^\n]*)?(?:\r?\n[ \t]*(?:#[^\n]*)?)*[ \t]*[-[*&!]/.test(text)
    || (/\bbuild["']?\s*:/.test(text) && /\bservices["']?\s*:/.test(text))
    || /\b(?:Deployment|StatefulSet|DaemonSet)\b/.test(text);
}

const require = createRequire(import.meta.url);

export function harvestDeployment(files: readonly WalkedFile[]): Deployment {
  const out: Deployment = { env: new Map(), builds: new Map(), workloads: new Set() };
  const setEnv = (k: unknown, v: unknown) => {
    if (typeof k === "string" && (typeof v === "string" || typeof v === "number") && !out.env.has(k)) out.env.set(k, String(v));
  };
  for (const f of files) {
    if (!/\.ya?ml$/i.test(f.rel)) continue;
    let text: string;
    try {
      if (fs.statSync(f.abs).size > MAX_YAML_BYTES) continue;
      text = fs.readFileSync(f.abs, "utf8");
    } catch {
      continue; // reported by the scan, which reads every file
    }
    if (!/\b(?:env|environment|services|kind):/.test(text) || text.includes("{{") || !mayHoldDeployment(text)) continue; // Helm templates are not YAML
    let docs: unknown[];
    try {
      // the fast path (src/core/yaml-fast.ts) reads most manifests, and compose files with anchors and `<<`
      // keys; the precise parser the rest (loading it cost more than reading every other file of a real tree)
      docs = fastYamlDocumentsWithAliases(text) ?? (require("yaml") as typeof import("yaml")).parseAllDocuments(text, { logLevel: "silent" }).map((d) => d.toJS({ maxAliasCount: 100 }) as unknown);
    } catch {
      continue; // a Helm template or another non-YAML: nothing to learn from it
    }
    const visit = (node: unknown, depth: number): void => {
      if (depth > 40) return;
      if (Array.isArray(node)) {
        for (const x of node) visit(x, depth + 1);
        return;
      }
      if (!isMap(node)) return;
      const env = node.env;
      if (Array.isArray(env)) for (const e of env) if (isMap(e)) setEnv(e.name, e.value);
      const environment = node.environment;
      if (isMap(environment)) for (const [k, v] of Object.entries(environment)) setEnv(k, v);
      else if (Array.isArray(environment)) {
        for (const e of environment) if (typeof e === "string" && e.includes("=")) setEnv(e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1));
      }
      for (const v of Object.values(node)) if (typeof v === "object") visit(v, depth + 1);
    };
    for (const doc of docs) {
      if (!isMap(doc)) continue;
      visit(doc, 0);
      if (isMap(doc.services)) {
        for (const [name, svc] of Object.entries(doc.services)) {
          if (!isMap(svc)) continue;
          const build = typeof svc.build === "string" ? svc.build : isMap(svc.build) && typeof svc.build.context === "string" ? svc.build.context : null;
          if (build && !/[${}]/.test(build)) {
            const abs = path.resolve(path.dirname(f.abs), build);
            if (!out.builds.has(name) && fs.existsSync(abs)) out.builds.set(name, abs);
          }
        }
      }
      const meta = doc.metadata;
      if (typeof doc.kind === "string" && /^(?:Deployment|StatefulSet|DaemonSet)$/.test(doc.kind) && isMap(meta) && typeof meta.name === "string") out.workloads.add(meta.name);
    }
  }
  return out;
}

const GLOB = /[*?[\]{}!]/;

/** Folders matching globs like apps/* or services/{a,b} (relative to base), each named by its folder. */
export function serviceFolders(base: string, globs: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const g of globs) {
    const segs = g.replace(/^\.\//, "").replace(/\/+$/, "").split("/");
    let dirs = [path.resolve(base)];
    for (const seg of segs) {
      if (!GLOB.test(seg)) {
        dirs = dirs.map((d) => path.join(d, seg)).filter((d) => fs.existsSync(d));
        continue;
      }
      const isMatch = picomatch(seg, { dot: false });
      dirs = dirs.flatMap((d) => {
        try {
          return fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory() && isMatch(e.name)).map((e) => path.join(d, e.name)).sort();
        } catch {
          return [];
        }
      });
    }
    for (const d of dirs) if (fs.statSync(d).isDirectory() && !out.has(path.basename(d))) out.set(path.basename(d), d);
  }
  return out;
}

/**
 * Services without a system.yaml or --services: compose build contexts, else folders named like a
 * k8s workload, else package.json workspaces. Empty when none says anything.
 */
export function autodetectServices(roots: readonly string[], deployment: Deployment, dirs?: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, abs] of [...deployment.builds].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (path.resolve(abs) === path.resolve(roots[0] ?? abs)) continue; // the whole repository is no one service
    if (![...out.values()].includes(abs)) out.set(name, abs);
  }
  if (out.size) return out;
  if (deployment.workloads.size && dirs) {
    const byName = new Map<string, string[]>();
    for (const d of dirs) {
      const b = path.basename(d);
      const root = roots.find((r) => d.startsWith(r + path.sep));
      if (!root || !deployment.workloads.has(b) || isDeployOrTestDir(path.relative(root, d).split(path.sep).join("/"))) continue;
      byName.set(b, [...(byName.get(b) ?? []), d]);
    }
    for (const [name, list] of byName) if (list.length === 1) out.set(name, list[0] as string);
    if (out.size) return out;
  }
  for (const root of roots) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { workspaces?: unknown };
      const ws = Array.isArray(pkg.workspaces) ? pkg.workspaces : isMap(pkg.workspaces) && Array.isArray(pkg.workspaces.packages) ? pkg.workspaces.packages : [];
      for (const [n, d] of serviceFolders(root, ws.filter((x): x is string => typeof x === "string"))) if (!out.has(n)) out.set(n, d);
    } catch {
      // no package.json, or no workspaces
    }
  }
  return out;
}

/** A folder path picomatch would match only by itself: name characters and single slashes. */
const PLAIN_FOLDER = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;

interface CompiledSources {
  /** Globs without glob characters (the default services/<c>): folder → the first service naming it. O(1) per folder. */
  literal: Map<string, { name: string; order: number }>;
  /** The others, in the order given. */
  globs: { name: string; order: number; isMatch: (p: string) => boolean }[];
}

const matchers = new WeakMap<object, CompiledSources>();

/**
 * The service whose source globs hold the folder `absDir` (globs relative to `base`): the deepest
 * folder that matches wins, so apps/* and apps/legacy/billing can coexist; at the same depth, the
 * service listed first.
 */
export function sourceOwner(base: string, absDir: string, sources: readonly { name: string; globs: string[] }[]): string | null {
  let compiled = matchers.get(sources);
  if (!compiled) {
    compiled = { literal: new Map(), globs: [] };
    sources.forEach((s, order) => {
      const patterns = s.globs.map((g) => (path.isAbsolute(g) ? path.relative(base, g).split(path.sep).join("/") : g.replace(/^\.\//, "").replace(/\/+$/, "")));
      const globbed = patterns.filter((p) => !PLAIN_FOLDER.test(p) || p.split("/").some((seg) => seg === "." || seg === ".."));
      for (const p of patterns) if (!globbed.includes(p) && !compiled!.literal.has(p)) compiled!.literal.set(p, { name: s.name, order });
      if (globbed.length) compiled!.globs.push({ name: s.name, order, isMatch: picomatch(globbed, { dot: true }) });
    });
    matchers.set(sources, compiled);
  }
  const rel = path.relative(base, absDir).split(path.sep).join("/");
  if (rel.startsWith("..")) return null;
  const segs = rel ? rel.split("/") : [];
  for (let n = segs.length; n >= 1; n--) {
    const prefix = segs.slice(0, n).join("/");
    const lit = compiled.literal.get(prefix);
    for (const c of compiled.globs) {
      if (lit && lit.order < c.order) break;
      if (c.isMatch(prefix)) return c.name;
    }
    if (lit) return lit.name;
  }
  return null;
}
