// msa dev's process supervisor: spawns each planned process (src/core/dev/plan.ts) in its own process group,
// prefixes its log lines, rebuilds and restarts on a change (node: `tsc --watch`, restart after each successful
// compile; python: a change of a .py file), restarts a crashed process with backoff and reports it, polls /ready,
// and stops everything in reverse start order. msa dev restarts itself rather than through `node --watch` or
// gunicorn --reload, whose parent stays up when the service dies: a crash must be seen, counted and reported.
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { DevProcess } from "../../core/dev/plan.js";

export type ProcState = "building" | "build-failed" | "starting" | "ready" | "degraded" | "crashed" | "restarting" | "stopped";

export interface LogEntry {
  at: number;
  stream: "out" | "err" | "msa";
  text: string;
}

export interface Sink {
  /** A line of a process (already without its newline); `json` when it parsed as a JSON object. */
  line(name: string, stream: LogEntry["stream"], text: string, json: Record<string, unknown> | null): void;
}

const RECENT = 200;
const BACKOFF_MS = [500, 1_000, 2_000, 5_000, 10_000, 30_000];
/** A process that ran this long before it crashed starts its backoff over. */
const STABLE_MS = 30_000;

export class Managed {
  state: ProcState = "starting";
  pid: number | null = null;
  restarts = 0;
  reloads = 0;
  lastExit: { at: number; code: number | null; signal: string | null } | null = null;
  startedAt: number | null = null;
  recent: LogEntry[] = [];
  private child: ChildProcess | null = null;
  private tsc: ChildProcess | null = null;
  /** The pid of its `tsc --watch`, while it runs. */
  get buildPid(): number | null {
    return this.tsc?.pid ?? null;
  }
  private watchers: fs.FSWatcher[] = [];
  private timers = new Set<NodeJS.Timeout>();
  private stopping = false;
  private reloading = false;
  private consecutive = 0;
  private compiledOnce = false;
  private readyTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly spec: DevProcess,
    readonly absDir: string,
    private readonly sink: Sink,
    private readonly baseEnv: NodeJS.ProcessEnv,
  ) {}

  private log(stream: LogEntry["stream"], text: string, json: Record<string, unknown> | null = null): void {
    this.recent.push({ at: Date.now(), stream, text });
    if (this.recent.length > RECENT) this.recent.splice(0, this.recent.length - RECENT);
    this.sink.line(this.spec.name, stream, text, json);
  }

  report(text: string): void {
    this.log("msa", text);
  }

  start(): void {
    this.pollReady();
    if (this.spec.tscProject) this.startTsc();
    else {
      this.watchPython();
      this.spawnApp();
    }
  }

  /** node: tsc --watch; the app starts after the first successful compile (at once when dist/ is newer than src/). */
  private startTsc(): void {
    const req = createRequire(path.join(this.absDir, "package.json"));
    let tscBin: string;
    try {
      tscBin = req.resolve("typescript/bin/tsc");
    } catch {
      this.state = "build-failed";
      this.report("typescript is not installed for this service (npm install at the system's root)");
      return;
    }
    // started before tsc's first compile: a source changed meanwhile is reloaded when that compile is done
    let earlyStart: number | null = null;
    if (distFresh(this.absDir)) {
      earlyStart = Date.now();
      this.spawnApp();
    } else this.state = "building";
    const tsc = spawn(process.execPath, [tscBin, "-p", this.spec.tscProject!, "--watch", "--preserveWatchOutput", "--pretty", "false"], {
      cwd: this.absDir,
      env: { ...this.baseEnv, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    this.tsc = tsc;
    const onLine = (text: string): void => {
      const done = /Found (\d+) errors?\. Watching for file changes/.exec(text);
      if (!done) {
        // compile errors and tsc's own lines, quietly unless they are errors
        if (/error TS\d+/.test(text)) this.log("err", `tsc: ${text}`);
        return;
      }
      const errors = Number(done[1]);
      const first = !this.compiledOnce;
      this.compiledOnce = true;
      if (errors > 0) {
        this.report(`tsc: ${errors} error${errors === 1 ? "" : "s"}; ${this.child ? "the running version stays" : "waiting for a fix"}`);
        if (!this.child) this.state = "build-failed";
        return;
      }
      if (this.stopping) return;
      if (!this.child && !this.pendingRestart) this.spawnApp();
      else if (!first) this.reload("rebuilt");
      else if (earlyStart !== null && newestMtime(path.join(this.absDir, "src"), /\.ts$/) > earlyStart) this.reload("rebuilt");
    };
    lines(tsc.stdout!, onLine);
    lines(tsc.stderr!, (t) => this.log("err", `tsc: ${t}`));
    tsc.on("exit", (code) => {
      this.tsc = null;
      if (!this.stopping) this.report(`tsc --watch exited (${code}); changes are no longer rebuilt`);
    });
  }

  private pendingRestart = false;

  private watchPython(): void {
    let timer: NodeJS.Timeout | null = null;
    for (const rel of this.spec.watch) {
      const abs = path.join(this.absDir, rel);
      if (!fs.existsSync(abs)) continue;
      try {
        const w = fs.watch(abs, { recursive: fs.statSync(abs).isDirectory() }, (_ev, file) => {
          if (file && !String(file).endsWith(".py")) return;
          if (timer) clearTimeout(timer);
          timer = setTimeout(() => this.reload(`${rel}${file && fs.statSync(abs).isDirectory() ? `/${String(file)}` : ""} changed`), 300);
        });
        this.watchers.push(w);
      } catch (e) {
        this.report(`cannot watch ${rel}: ${(e as Error).message}`);
      }
    }
  }

  private spawnApp(): void {
    if (this.stopping) return;
    const [cmd, ...args] = this.spec.command;
    const child = spawn(cmd === "node" ? process.execPath : cmd!, args, {
      cwd: this.absDir,
      env: { ...this.baseEnv, ...this.spec.env },
      stdio: ["ignore", "pipe", "pipe"],
      // its own process group: gunicorn's workers stop with it, and Ctrl-C reaches msa dev alone (it stops them in order)
      detached: true,
    });
    this.child = child;
    this.pid = child.pid ?? null;
    this.startedAt = Date.now();
    this.state = "starting";
    const parse = (t: string): Record<string, unknown> | null => {
      if (!t.startsWith("{")) return null;
      try {
        const v = JSON.parse(t) as unknown;
        return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
      } catch {
        return null;
      }
    };
    lines(child.stdout!, (t) => this.log("out", t, parse(t)));
    lines(child.stderr!, (t) => this.log("err", t, parse(t)));
    child.on("error", (e) => this.report(`could not start ${this.spec.command.join(" ")}: ${e.message}`));
    child.on("exit", (code, signal) => this.onExit(child, code, signal));
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = null;
    this.pid = null;
    // what a killed group leader leaves behind (gunicorn's workers) goes too
    if (child.pid) killGroup(child.pid, "SIGKILL");
    this.lastExit = { at: Date.now(), code, signal };
    if (this.stopping) {
      this.state = "stopped";
      return;
    }
    if (this.reloading) {
      this.reloading = false;
      this.spawnApp();
      return;
    }
    const ranMs = Date.now() - (this.startedAt ?? Date.now());
    if (ranMs > STABLE_MS) this.consecutive = 0;
    const delay = BACKOFF_MS[Math.min(this.consecutive, BACKOFF_MS.length - 1)]!;
    this.consecutive++;
    this.restarts++;
    this.state = "crashed";
    this.report(`exited (${signal ?? `code ${code}`}) after ${(ranMs / 1000).toFixed(1)} s; restart #${this.restarts} in ${(delay / 1000).toFixed(1)} s`);
    this.pendingRestart = true;
    this.later(delay, () => {
      this.pendingRestart = false;
      this.state = "restarting";
      this.spawnApp();
    });
  }

  /** A change: stop the running process and start it again (not counted as a crash). */
  reload(why: string): void {
    if (this.stopping) return;
    this.reloads++;
    this.report(`${why}: reloading`);
    if (!this.child) {
      if (!this.pendingRestart) this.spawnApp();
      return;
    }
    this.reloading = true;
    this.state = "restarting";
    const child = this.child;
    if (child.pid) killGroup(child.pid, "SIGTERM");
    this.later(8_000, () => {
      if (this.child === child && child.pid) killGroup(child.pid, "SIGKILL");
    });
  }

  private pollReady(): void {
    const tick = async (): Promise<void> => {
      if (this.stopping) return;
      if (this.child && (this.state === "starting" || this.state === "ready" || this.state === "degraded" || this.state === "restarting")) {
        try {
          const res = await fetch(this.spec.readyUrl, { signal: AbortSignal.timeout(1_500) });
          await res.arrayBuffer();
          if (this.child) this.state = res.status === 200 ? "ready" : "degraded";
        } catch {
          if (this.state !== "restarting") this.state = "starting";
        }
      }
      this.readyTimer = setTimeout(() => void tick(), this.state === "ready" ? 2_000 : 300);
    };
    void tick();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** SIGTERM, then SIGKILL after graceMs; also its tsc watcher. Resolves when nothing of it runs. */
  async stop(graceMs = 8_000): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.readyTimer) clearTimeout(this.readyTimer);
    for (const w of this.watchers) w.close();
    const waits: Promise<void>[] = [];
    for (const c of [this.child, this.tsc]) {
      if (!c || c.exitCode !== null || c.signalCode !== null || !c.pid) continue;
      const pid = c.pid;
      waits.push(
        new Promise<void>((resolve) => {
          const kill = setTimeout(() => killGroup(pid, "SIGKILL"), graceMs);
          c.once("exit", () => {
            clearTimeout(kill);
            killGroup(pid, "SIGKILL");
            resolve();
          });
          killGroup(pid, "SIGTERM");
        }),
      );
    }
    await Promise.all(waits);
    this.state = "stopped";
    this.pid = null;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* gone */
    }
  }
}

function lines(stream: NodeJS.ReadableStream, onLine: (text: string) => void): void {
  let buf = "";
  stream.setEncoding("utf8");
  stream.on("data", (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i).replace(/\r$/, "");
      buf = buf.slice(i + 1);
      if (line.trim()) onLine(line);
    }
  });
  stream.on("end", () => {
    if (buf.trim()) onLine(buf);
    buf = "";
  });
}

/** dist/ of a node project is newer than every file under src/ (then the app can start before tsc's first compile). */
/** The newest mtime of the files under `d` whose names match `ext` (0 when none). */
function newestMtime(d: string, ext: RegExp): number {
  let m = 0;
  if (!fs.existsSync(d)) return 0;
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) m = Math.max(m, newestMtime(p, ext));
    else if (ext.test(e.name)) m = Math.max(m, fs.statSync(p).mtimeMs);
  }
  return m;
}

export function distFresh(dir: string): boolean {
  const newest = newestMtime;
  const dist = newest(path.join(dir, "dist"), /\.js$/);
  if (!dist || !fs.existsSync(path.join(dir, "dist", "main.js"))) return false;
  return newest(path.join(dir, "src"), /\.ts$/) <= dist;
}
