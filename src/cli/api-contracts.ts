// The previous REST contracts for `msa validate` (src/core/api/compat.ts), read at the edge: each context's
// services/<context>/openapi.yaml beside system.yaml as committed (HEAD; the file on disk outside git), or with
// `--against REF` as it is at that git ref. They come from `git cat-file --batch`: one `git show` per context
// cost ~1 s of CPU at 500 contexts. The first batch asks for the commit and the folder holding the contexts'
// folders (services/); only the contexts whose folder that tree lists are asked for then, by their folder's
// object id — asking `REF:./services/<c>/openapi.yaml` for each resolved REF, read the commit and walked the
// root tree again per name (~50 ms of git's CPU at 500 contexts), even where no services/ was ever committed.
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { contextOpenApiPath } from "../core/api/openapi.js";
import type { PreviousContract } from "../core/api/compat.js";
import { CannotRunError } from "../core/diagnostics.js";
import { fastYamlData } from "../core/yaml-fast.js";
import { withDefaultTiering } from "../io/tiering.js";
import type { SystemModel } from "../core/model.js";

const require = createRequire(import.meta.url);

/**
 * The answers of `git cat-file --batch` to `names`, in order: the object's type and bytes, or null (missing,
 * ambiguous). undefined when git could not answer at all (not a git repository, no git).
 */
export function gitBatch(dir: string, names: readonly string[]): ({ oid: string; type: string; data: Buffer } | null)[] | undefined {
  if (names.some((n) => /[\n\r]/.test(n))) return names.map(() => null);
  // node:child_process only here, when git is asked (loading it costs ~10 M instructions: issue #24), and
  // under V8's default flags, so that its modules come from Node's code cache (src/io/tiering.ts)
  const { spawnSync } = withDefaultTiering(() => require("node:child_process") as typeof import("node:child_process"));
  const r = spawnSync("git", ["-C", dir, "cat-file", "--batch"], { input: names.map((n) => n + "\n").join(""), stdio: ["pipe", "pipe", "ignore"], maxBuffer: 1024 * 1024 * 1024 });
  if (r.error || r.status !== 0 || !r.stdout) return undefined;
  const out = r.stdout;
  const answers: ({ oid: string; type: string; data: Buffer } | null)[] = [];
  let at = 0;
  for (let i = 0; i < names.length; i++) {
    const eol = out.indexOf(10, at);
    if (eol < 0) return undefined;
    // "<oid> <type> <size>" then the object and a newline, or "<name> missing" / "<name> ambiguous"
    const header = out.subarray(at, eol).toString("utf8");
    const m = /^([0-9a-f]{40}|[0-9a-f]{64}) (\w+) (\d+)$/.exec(header);
    if (!m) {
      answers.push(null);
      at = eol + 1;
      continue;
    }
    const size = Number(m[3]);
    answers.push({ oid: m[1] as string, type: m[2] as string, data: out.subarray(eol + 1, eol + 1 + size) });
    at = eol + 1 + size + 1;
  }
  return answers;
}

/**
 * The sub-folders a git tree object lists (mode 40000), name → object id (hex). Each entry is
 * "<mode> <name>\0" and the raw id, `idBytes` long (20 for SHA-1, 32 for SHA-256 repositories).
 */
export function treeFolders(tree: Buffer, idBytes: number): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  while (at < tree.length) {
    const sp = tree.indexOf(32, at);
    const nul = tree.indexOf(0, sp + 1);
    if (sp < 0 || nul < 0 || nul + 1 + idBytes > tree.length) break;
    if (tree.toString("latin1", at, sp) === "40000") out.set(tree.toString("utf8", sp + 1, nul), tree.toString("hex", nul + 1, nul + 1 + idBytes));
    at = nul + 1 + idBytes;
  }
  return out;
}

/**
 * Could git find a repository from `dir`: a `.git` (folder or file) in it or a folder above, or one of them a bare
 * repository (HEAD, objects/, refs/), or GIT_DIR or GIT_COMMON_DIR set (git then looks nowhere else) — a superset
 * of git's own discovery. When not, `git cat-file` could only fail: issue #24, not starting it saves a process spawn (~5–10 ms
 * of CPU) on every validate of a system outside a repository.
 */
function mayBeInGit(dir: string): boolean {
  if (process.env.GIT_DIR !== undefined || process.env.GIT_COMMON_DIR !== undefined) return true;
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, ".git"))) return true;
    if (fs.existsSync(path.join(d, "HEAD")) && fs.existsSync(path.join(d, "objects")) && fs.existsSync(path.join(d, "refs"))) return true;
    if (path.dirname(d) === d) return false;
  }
}

/** Each context's file at `ref` as a blob (undefined: none there), or undefined when `ref` is not a commit of a repository. */
function committedFiles(dir: string, ref: string, rels: readonly string[]): (Buffer | undefined)[] | undefined {
  if (!mayBeInGit(dir)) return undefined;
  // services/<c>/openapi.yaml: the folder holding <c> (services), <c>, the file's name
  const parts = rels.map((rel) => {
    const folder = path.posix.dirname(rel);
    return { parent: path.posix.dirname(folder), folder: path.posix.basename(folder), file: path.posix.basename(rel) };
  });
  const parents = [...new Set(parts.map((p) => p.parent))];
  // `./` makes each path relative to system.yaml's folder, wherever the repository's root is
  const first = gitBatch(dir, [`${ref}^{commit}`, ...parents.map((p) => `${ref}:./${p}`)]);
  const commit = first?.[0];
  if (commit?.type !== "commit") return undefined;
  const folders = new Map(parents.map((p, i) => {
    const tree = first?.[i + 1];
    return [p, tree?.type === "tree" ? treeFolders(tree.data, commit.oid.length / 2) : new Map<string, string>()];
  }));
  const ids = parts.map((p) => folders.get(p.parent)?.get(p.folder));
  const asked = parts.flatMap((p, i) => (ids[i] === undefined ? [] : [`${ids[i]}:${p.file}`]));
  if (!asked.length) return parts.map(() => undefined);
  const blobs = gitBatch(dir, asked);
  if (!blobs) throw new CannotRunError(`git cat-file could not read the committed contracts under ${dir}`);
  let k = 0;
  return ids.map((id) => {
    if (id === undefined) return undefined;
    const blob = blobs[k++];
    return blob?.type === "blob" ? blob.data : undefined;
  });
}

/**
 * The previous contract of each context: at `against`; without it, as committed (HEAD) when system.yaml is in a git
 * repository with commits, else the files on disk.
 */
export function previousContracts(model: SystemModel, against?: string): Map<string, PreviousContract> {
  const out = new Map<string, PreviousContract>();
  const rels = model.contexts.map((c) => contextOpenApiPath(c.name));
  const ref = against ?? "HEAD";
  const committed = committedFiles(model.dir, ref, rels);
  const inGit = committed !== undefined;
  if (against !== undefined && !inGit)
    throw new CannotRunError(`--against ${against}: not a commit of a git repository at ${model.dir} (give a branch, tag or commit, e.g. --against origin/main)`);
  // outside git: read only where the context's folder exists (a failed read per context costs an exception each)
  // listings by the folder's parent as written (services/ for every context): one path.join per parent, not per
  // context (path.join normalises the whole absolute path: ~500 of them at 500 contexts; issue #24)
  const listings = new Map<string, Set<string>>();
  const folderExists = (rel: string): boolean => {
    const folder = path.dirname(rel);
    const parentRel = path.dirname(folder);
    let names = listings.get(parentRel);
    if (!names) {
      try {
        names = new Set(fs.readdirSync(path.join(model.dir, parentRel)));
      } catch {
        names = new Set();
      }
      listings.set(parentRel, names);
    }
    return names.has(path.basename(folder));
  };
  model.contexts.forEach((c, i) => {
    const rel = rels[i] as string;
    let text: string;
    if (inGit) {
      const blob = committed[i];
      if (!blob) return; // no previous contract: a new context, or not generated yet
      text = blob.toString("utf8");
    } else {
      if (!folderExists(rel)) return;
      try {
        text = fs.readFileSync(path.join(model.dir, rel), "utf8");
      } catch {
        return;
      }
    }
    const from = inGit ? `${ref}:${rel}` : rel;
    try {
      // the fast path reads what parse() reads, or declines (test/unit/yaml-fast.test.ts); `yaml` only then
      out.set(c.name, { doc: (fastYamlData(text) ?? { data: (require("yaml") as typeof import("yaml")).parse(text) as unknown }).data, from });
    } catch (e) {
      throw new CannotRunError(`${from} is not YAML (${(e as Error).message.split("\n")[0]}); regenerate it with msa generate`);
    }
  });
  return out;
}
