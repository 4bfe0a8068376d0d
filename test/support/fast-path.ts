// What the fast-path tests of validate, validate-events and analyze-deps share (test/cli/fast-*.test.ts): the
// commander path run in-process through main(), and the built CLI run with probes that say what it loaded.
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { execa } from "execa";
import { main } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";
import { BIN, type Run } from "./cli.js";

/** `msa <command> …args` through main() in this process (the commander path), in `dir`. */
export async function viaMain(dir: string, command: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const ctx: CliContext = {
    cwd: dir, env, isTTY: false, color: false,
    stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), stdin: Readable.from([]),
  };
  const exitCode = await main(["node", "msa", command, ...args], ctx);
  return { exitCode, stdout, stderr };
}

/** The built CLI's last stderr words: "commander loaded" or "commander not loaded" (a require hook says at exit). */
export async function commanderLoaded(dir: string, command: string, args: string[]): Promise<string> {
  const probe = path.join(dir, "probe.cjs");
  fs.writeFileSync(probe, 'process.on("exit", () => process.stderr.write(Object.keys(require.cache).some((k) => k.includes("/commander/")) ? "commander loaded" : "commander not loaded"));\n');
  return (await execa("node", ["-r", probe, BIN, command, ...args], { cwd: dir, reject: false })).stderr;
}

/**
 * The modules of msa the built CLI loads for `msa <command> …args` (bin/… and dist/…, in load order), and its exit
 * code; packages under node_modules are left out of the list when `packages` is "ignored".
 */
export async function loadedModules(dir: string, command: string, args: string[], packages: "listed" | "ignored" = "listed"): Promise<{ exitCode: number | undefined; loaded: string[] }> {
  const hook = path.join(dir, "loads.mjs");
  fs.writeFileSync(hook, `import { register } from "node:module";\nregister("data:text/javascript," + encodeURIComponent('export async function load(u, c, next) { if (u.startsWith("file:")) process.stderr.write("LOADED " + u + "\\\\n"); return next(u, c); }'));\n`);
  const r = await execa("node", ["--import", hook, BIN, command, ...args], { cwd: dir, reject: false });
  const loaded = r.stderr
    .split("\n")
    .filter((l) => l.startsWith("LOADED ") && (packages === "listed" || !l.includes("/node_modules/")))
    .map((l) => l.slice(7).replace(/^.*\/(bin|dist)\//, "$1/"));
  return { exitCode: r.exitCode, loaded };
}
