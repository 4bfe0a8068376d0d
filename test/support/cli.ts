// Runs the built CLI as a user would: a real process, in a temp dir, no TTY.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const BIN = path.join(ROOT, "bin/msa.js");

export interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function msa(args: string[], cwd: string, input?: string): Promise<Run> {
  const r = await execa("node", [BIN, ...args], { cwd, reject: false, input, env: { NO_COLOR: "1", CI: process.env.CI ?? "" } });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

export function tempDir(prefix = "msa-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A temp dir holding a copy of examples/<name>. */
export function exampleDir(name: string): string {
  const dir = tempDir();
  fs.cpSync(path.join(ROOT, "examples", name), dir, { recursive: true });
  return dir;
}

/** Every file below dir (relative, sorted) with its bytes, for "nothing was written" checks. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else out[path.relative(dir, full)] = fs.readFileSync(full, "utf8");
    }
  };
  walk(dir);
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}
