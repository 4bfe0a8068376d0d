// Support for the python-flask e2e tests: find a Python with the service's modules, generate a system's
// python-flask services into a temp dir, run gunicorn with bounded waits and JSON log capture.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { loadSystemAt } from "../../src/io/system.js";
import { hasErrors } from "../../src/core/diagnostics.js";
import { planPythonServices } from "../../src/core/plan/service-python.js";
import { createRenderer } from "../../src/core/render.js";
import { loadTemplates } from "../../src/io/templates.js";

export const run = promisify(execFile);
export const IN_CI = process.env.CI === "true";

export function tcpReachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1_000, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** The first interpreter (MSA_E2E_PYTHON, /usr/bin/python3, python3) that imports every module. */
export async function findPython(modules: string[]): Promise<{ python?: string; missing?: string }> {
  const candidates = [process.env.MSA_E2E_PYTHON, "/usr/bin/python3", "python3"].filter((x): x is string => !!x);
  let last = "";
  for (const python of candidates) {
    try {
      await run(python, ["-c", `import ${modules.join(", ")}`], { timeout: 20_000 });
      return { python };
    } catch (e) {
      last = `${python}: ${((e as { stderr?: string }).stderr ?? String(e)).trim().split("\n").pop()}`;
    }
  }
  return { missing: `python3 with ${modules.join(", ")} (Debian: python3-flask gunicorn python3-pika python3-psycopg2 python3-jsonschema python3-pytest; ${last})` };
}

/** Writes system.yaml into a fresh temp dir and generates its python-flask services there. */
export function generatePythonSystem(yaml: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-e2e-flask-"));
  fs.writeFileSync(path.join(dir, "system.yaml"), yaml);
  const loaded = loadSystemAt(path.join(dir, "system.yaml"), "system.yaml");
  if (!loaded.model || hasErrors(loaded.diagnostics)) throw new Error(loaded.diagnostics.map((d) => d.message).join("\n"));
  for (const f of planPythonServices(loaded.model, createRenderer(loadTemplates()))) {
    fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    fs.writeFileSync(path.join(dir, f.path), f.content);
  }
  return dir;
}

export type LogLine = Record<string, unknown>;

export interface Gunicorn {
  base: string;
  logs: LogLine[];
  raw: string[];
  child: ChildProcess;
  exited: Promise<number | null>;
  /** Polls `probe` every 100 ms until it returns something other than undefined/false. */
  waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T>;
  /** SIGTERM, bounded; SIGKILL after `timeoutMs`. Resolves with the exit code (or "killed"). */
  stop(timeoutMs?: number): Promise<number | null | "killed">;
}

export async function startGunicorn(python: string, serviceDir: string, env: Record<string, string>): Promise<Gunicorn> {
  const port = await freePort();
  const child = spawn(python, ["-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], {
    cwd: serviceDir,
    env: { PATH: process.env.PATH ?? "", PORT: String(port), WEB_CONCURRENCY: "2", LOG_LEVEL: "info", PYTHONDONTWRITEBYTECODE: "1", SHUTDOWN_DELAY_MS: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const logs: LogLine[] = [];
  const raw: string[] = [];
  let buf = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        raw.push(line + "\n");
      }
    }
  });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => raw.push(d));
  const g: Gunicorn = {
    base: `http://127.0.0.1:${port}`,
    logs,
    raw,
    child,
    exited,
    async waitFor(probe, timeoutMs, what) {
      const end = Date.now() + timeoutMs;
      while (Date.now() < end) {
        const v = await Promise.resolve(probe()).catch(() => undefined);
        if (v !== undefined && v !== false) return v as never;
        if (child.exitCode !== null) throw new Error(`gunicorn exited (${child.exitCode}) while waiting for ${what}:\n${raw.slice(-10).join("")}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last log lines:\n${logs.slice(-8).map((l) => JSON.stringify(l)).join("\n")}\n${raw.slice(-5).join("")}`);
    },
    async stop(timeoutMs = 25_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const code = await Promise.race([exited, new Promise<"timeout">((r) => setTimeout(() => r("timeout"), timeoutMs))]);
      if (code !== "timeout") return code;
      child.kill("SIGKILL");
      await exited;
      return "killed";
    },
  };
  await g.waitFor(async () => ((await fetch(`${g.base}/health`, { signal: AbortSignal.timeout(2_000) })).status === 200 ? true : undefined), 20_000, "GET /health = 200");
  return g;
}
