// The previous REST contracts for `msa validate` (src/core/api/compat.ts), read at the edge: each context's
// services/<context>/openapi.yaml beside system.yaml as committed (HEAD; the file on disk outside git), or with
// `--against REF` as it is at that git ref. All of them come from ONE `git cat-file --batch` process (the
// commit check first, then every context's file): one `git show` per context cost ~1 s of CPU at 500 contexts.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { contextOpenApiPath } from "../core/api/openapi.js";
import type { PreviousContract } from "../core/api/compat.js";
import { CannotRunError } from "../core/diagnostics.js";
import { fastYamlData } from "../core/yaml-fast.js";
import type { SystemModel } from "../core/model.js";

const require = createRequire(import.meta.url);

/**
 * The answers of `git cat-file --batch` to `names`, in order: the object's type and bytes, or null (missing,
 * ambiguous). undefined when git could not answer at all (not a git repository, no git).
 */
export function gitBatch(dir: string, names: readonly string[]): ({ type: string; data: Buffer } | null)[] | undefined {
  if (names.some((n) => /[\n\r]/.test(n))) return names.map(() => null);
  const r = spawnSync("git", ["-C", dir, "cat-file", "--batch"], { input: names.map((n) => n + "\n").join(""), stdio: ["pipe", "pipe", "ignore"], maxBuffer: 1024 * 1024 * 1024 });
  if (r.error || r.status !== 0 || !r.stdout) return undefined;
  const out = r.stdout;
  const answers: ({ type: string; data: Buffer } | null)[] = [];
  let at = 0;
  for (let i = 0; i < names.length; i++) {
    const eol = out.indexOf(10, at);
    if (eol < 0) return undefined;
    // "<oid> <type> <size>" then the object and a newline, or "<name> missing" / "<name> ambiguous"
    const header = out.subarray(at, eol).toString("utf8");
    const m = /^[0-9a-f]{40,64} (\w+) (\d+)$/.exec(header);
    if (!m) {
      answers.push(null);
      at = eol + 1;
      continue;
    }
    const size = Number(m[2]);
    answers.push({ type: m[1] as string, data: out.subarray(eol + 1, eol + 1 + size) });
    at = eol + 1 + size + 1;
  }
  return answers;
}

/**
 * The previous contract of each context: at `against`; without it, as committed (HEAD) when system.yaml is in a git
 * repository with commits, else the files on disk.
 */
export function previousContracts(model: SystemModel, against?: string): Map<string, PreviousContract> {
  const out = new Map<string, PreviousContract>();
  const rels = model.contexts.map((c) => contextOpenApiPath(c.name));
  const ref = against ?? "HEAD";
  // `./` makes each path relative to system.yaml's folder, wherever the repository's root is
  const answers = gitBatch(model.dir, [`${ref}^{commit}`, ...rels.map((rel) => `${ref}:./${rel}`)]);
  const inGit = answers?.[0]?.type === "commit";
  if (against !== undefined && !inGit)
    throw new CannotRunError(`--against ${against}: not a commit of a git repository at ${model.dir} (give a branch, tag or commit, e.g. --against origin/main)`);
  // outside git: read only where the context's folder exists (a failed read per context costs an exception each)
  const listings = new Map<string, Set<string>>();
  const folderExists = (rel: string): boolean => {
    const folder = path.dirname(rel);
    const parent = path.join(model.dir, path.dirname(folder));
    let names = listings.get(parent);
    if (!names) {
      try {
        names = new Set(fs.readdirSync(parent));
      } catch {
        names = new Set();
      }
      listings.set(parent, names);
    }
    return names.has(path.basename(folder));
  };
  model.contexts.forEach((c, i) => {
    const rel = rels[i] as string;
    let text: string;
    if (inGit) {
      const blob = answers?.[i + 1];
      if (blob?.type !== "blob") return; // no previous contract: a new context, or not generated yet
      text = blob.data.toString("utf8");
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
