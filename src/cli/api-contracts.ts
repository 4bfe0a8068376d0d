// The previous REST contracts for `msa validate` (src/core/api/compat.ts), read at the edge: each context's
// services/<context>/openapi.yaml beside system.yaml as committed (HEAD; the file on disk outside git), or with
// `--against REF` as it is at that git ref.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { contextOpenApiPath } from "../core/api/openapi.js";
import type { PreviousContract } from "../core/api/compat.js";
import { CannotRunError } from "../core/diagnostics.js";
import { fastYamlData } from "../core/yaml-fast.js";
import type { SystemModel } from "../core/model.js";

const git = (dir: string, args: string[]): string =>
  execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });

/**
 * The previous contract of each context: at `against`; without it, as committed (HEAD) when system.yaml is in a git
 * repository with commits, else the files on disk.
 */
export function previousContracts(model: SystemModel, against?: string): Map<string, PreviousContract> {
  const out = new Map<string, PreviousContract>();
  if (against === undefined) {
    try {
      git(model.dir, ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]);
      against = "HEAD";
    } catch {
      // not a git repository, or no commit yet: the files on disk
    }
  } else {
    try {
      git(model.dir, ["rev-parse", "--verify", "--quiet", `${against}^{commit}`]);
    } catch {
      throw new CannotRunError(`--against ${against}: not a commit of a git repository at ${model.dir} (give a branch, tag or commit, e.g. --against origin/main)`);
    }
  }
  for (const c of model.contexts) {
    const rel = contextOpenApiPath(c.name);
    let text: string;
    try {
      text = against === undefined ? fs.readFileSync(path.join(model.dir, rel), "utf8") : git(model.dir, ["show", `${against}:./${rel}`]);
    } catch {
      continue; // no previous contract: a new context, or not generated yet
    }
    const from = against === undefined ? rel : `${against}:${rel}`;
    try {
      // the fast path reads what parse() reads, or declines (test/unit/yaml-fast.test.ts)
      out.set(c.name, { doc: (fastYamlData(text) ?? { data: parse(text) as unknown }).data, from });
    } catch (e) {
      throw new CannotRunError(`${from} is not YAML (${(e as Error).message.split("\n")[0]}); regenerate it with msa generate`);
    }
  }
  return out;
}
