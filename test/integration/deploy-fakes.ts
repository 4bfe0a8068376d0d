// Recording stand-ins for docker and kubectl: scripts on PATH that append their argv (and stdin)
// to a log and exit with codes chosen by FAKE_FAIL (with FAKE_FAIL_STDERR added to the error output). `kubectl kustomize` is delegated to the real
// kubectl, found before PATH is changed, so the overlay is rendered for real.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { CliContext } from "../../src/cli/context.js";
import { findExecutable } from "../../src/io/deploy.js";

export interface Call {
  tool: string;
  args: string[];
  stdin?: string;
}

export const REAL_KUBECTL = findExecutable("kubectl", process.env);

const script = (tool: string): string => `#!${process.execPath}
const fs = require("fs");
const { spawnSync } = require("child_process");
const tool = ${JSON.stringify(tool)};
const args = process.argv.slice(2);
const log = (entry) => fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify(entry) + "\\n");
if (tool === "kubectl" && args[0] === "kustomize") {
  log({ tool, args: ["kustomize"] });
  const r = spawnSync(${JSON.stringify(REAL_KUBECTL ?? "kubectl")}, args, { stdio: "inherit" });
  process.exit(r.status === null ? 1 : r.status);
}
const stdin = args.includes("-") ? fs.readFileSync(0, "utf8") : undefined;
log(stdin === undefined ? { tool, args } : { tool, args, stdin });
const line = [tool, ...args].join(" ");
for (const pattern of JSON.parse(process.env.FAKE_FAIL || "[]")) {
  if (line.includes(pattern)) {
    process.stderr.write("fake " + tool + ": simulated failure of: " + line + "\\n" + (process.env.FAKE_FAIL_STDERR || ""));
    process.exit(3);
  }
}
// FAKE_ANSWER: { "<substring of the command line>": "<stdout>" } — what a read-only get answers (first match wins);
// a list of answers is answered in turn, one per call, its last one repeated (a status that changes while polled)
for (const [pattern, answer] of Object.entries(JSON.parse(process.env.FAKE_ANSWER || "{}"))) {
  if (line.includes(pattern)) {
    if (Array.isArray(answer)) {
      const counter = process.env.FAKE_LOG + ".turn." + Buffer.from(pattern).toString("hex");
      const turn = fs.existsSync(counter) ? Number(fs.readFileSync(counter, "utf8")) : 0;
      fs.writeFileSync(counter, String(turn + 1));
      process.stdout.write(answer[Math.min(turn, answer.length - 1)]);
    } else process.stdout.write(answer);
    process.exit(0);
  }
}
if (tool === "kubectl" && args[0] === "describe") process.stdout.write("Events:\\n  Warning  BackOff  pod/orders-abc  Back-off restarting failed container\\n");
process.stdout.write("fake " + tool + " ok\\n");
`;

export interface Fakes {
  bin: string;
  logFile: string;
  calls: () => Call[];
  /** Calls that are not the read-only `kubectl kustomize` render. */
  mutatingOrWaiting: () => Call[];
}

/** A directory holding fake `docker` and/or `kubectl`, and the log they write. */
export function makeFakes(tools: ("docker" | "kubectl")[] = ["docker", "kubectl"]): Fakes {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-deploy-fakes-"));
  const bin = path.join(dir, "bin");
  fs.mkdirSync(bin);
  for (const t of tools) fs.writeFileSync(path.join(bin, t), script(t), { mode: 0o755 });
  const logFile = path.join(dir, "calls.log");
  fs.writeFileSync(logFile, "");
  const calls = (): Call[] =>
    fs
      .readFileSync(logFile, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Call);
  return { bin, logFile, calls, mutatingOrWaiting: () => calls().filter((c) => c.args[0] !== "kustomize") };
}

export interface Captured {
  ctx: CliContext;
  out: () => string;
  err: () => string;
}

/** A CLI context whose PATH is only `pathDirs` and whose output is captured. */
export function captureContext(cwd: string, fakes: Fakes, extraEnv: Record<string, string> = {}, pathDirs: string[] = [fakes.bin]): Captured {
  let out = "";
  let err = "";
  return {
    ctx: {
      cwd,
      env: { PATH: pathDirs.join(path.delimiter), FAKE_LOG: fakes.logFile, HOME: os.tmpdir(), NO_COLOR: "1", ...extraEnv },
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      isTTY: false,
      color: false,
      stdin: process.stdin,
    },
    out: () => out,
    err: () => err,
  };
}

/** Writes files (path → content) under dir. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [p, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    fs.writeFileSync(path.join(dir, p), content);
  }
}
