// msa dev's edges to the outside: is the infrastructure reachable, create missing databases, are dependencies
// installed (node: resolvable from each workload; python: the modules import), read `.env`.
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import type { DevDatabase } from "../../core/dev/plan.js";

const run = promisify(execFile);

export function tcpReachable(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

/** KEY=VALUE lines of `.env` (quotes stripped, # comments); {} when there is no file. */
export function readDotenv(dir: string): Record<string, string> {
  const file = path.join(dir, ".env");
  if (!fs.existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const raw of fs.readFileSync(file, "utf8").split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!m || raw.trim().startsWith("#")) continue;
    let v = m[2]!;
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    out[m[1]!] = v;
  }
  return out;
}

// ---------------------------------------------------------------- databases

/** Creates the database of `db.url` when missing; returns what it did. Uses the system's own `pg`/`mysql2`, else psql/mysql. */
export async function ensureDatabase(systemDir: string, db: DevDatabase): Promise<"exists" | "created"> {
  const u = new URL(db.url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ""));
  if (!name) return "exists";
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`database name ${JSON.stringify(name)} is not one msa dev creates (letters, digits, _ and -)`);
  const req = createRequire(path.join(systemDir, "services", db.context, "package.json"));
  if (db.engine === "postgres") {
    const admin = new URL(db.url);
    admin.pathname = "/postgres";
    type Pg = { Client: new (o: { connectionString: string }) => PgClient };
    let pg: Pg | null;
    try {
      pg = req("pg") as Pg;
    } catch {
      pg = null;
    }
    if (pg) {
      const c = new pg.Client({ connectionString: admin.toString() });
      await c.connect();
      try {
        const r = await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
        if (r.rows.length) return "exists";
        await c.query(`CREATE DATABASE "${name}"`);
        return "created";
      } finally {
        await c.end();
      }
    }
    const { stdout } = await run("psql", [admin.toString(), "-tAc", `SELECT 1 FROM pg_database WHERE datname = '${name}'`], { timeout: 15_000 });
    if (stdout.trim() === "1") return "exists";
    await run("psql", [admin.toString(), "-c", `CREATE DATABASE "${name}"`], { timeout: 15_000 });
    return "created";
  }
  // mysql
  const admin = new URL(db.url);
  admin.pathname = "/";
  type Mysql = { createConnection(url: string): Promise<MysqlConn> };
  let mysql: Mysql | null;
  try {
    mysql = req("mysql2/promise") as Mysql;
  } catch {
    mysql = null;
  }
  if (mysql) {
    const c = await mysql.createConnection(admin.toString());
    try {
      const [rows] = await c.query("SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", [name]);
      if (Array.isArray(rows) && rows.length) return "exists";
      await c.query(`CREATE DATABASE \`${name}\``);
      return "created";
    } finally {
      await c.end();
    }
  }
  const args = ["-h", u.hostname, "-P", u.port || "3306", "-u", decodeURIComponent(u.username || "root"), ...(u.password ? [`-p${decodeURIComponent(u.password)}`] : [])];
  const { stdout } = await run("mysql", [...args, "-N", "-e", `SHOW DATABASES LIKE '${name}'`], { timeout: 15_000 });
  if (stdout.trim() === name) return "exists";
  await run("mysql", [...args, "-e", `CREATE DATABASE \`${name}\``], { timeout: 15_000 });
  return "created";
}

interface PgClient {
  connect(): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>;
  end(): Promise<void>;
}
interface MysqlConn {
  query(sql: string, params?: unknown[]): Promise<[unknown, unknown]>;
  end(): Promise<void>;
}

// ---------------------------------------------------------------- dependencies

/** The dependencies of a node workload's package.json that node cannot resolve from its folder (walking up). */
export function missingNodeDependencies(absDir: string): string[] {
  const pkgFile = path.join(absDir, "package.json");
  if (!fs.existsSync(pkgFile)) return ["(no package.json)"];
  const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8")) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const names = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];
  return names.filter((n) => !resolvable(absDir, n)).sort();
}

function resolvable(from: string, name: string): boolean {
  for (let d = from; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, "node_modules", name, "package.json"))) return true;
    if (path.dirname(d) === d) return false;
  }
}

/** `npm install` in `cwd`, its output through `onLine`. */
export function npmInstall(cwd: string, onLine: (t: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const child = spawn(npm, ["install", "--no-audit", "--no-fund"], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    for (const s of [child.stdout, child.stderr])
      s.setEncoding("utf8").on("data", (d: string) => d.split("\n").filter((l) => l.trim()).forEach(onLine));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`npm install in ${cwd} exited with ${code}`))));
  });
}

/** The modules `python` cannot import (one probe per module). */
export async function missingPythonModules(python: string, modules: string[]): Promise<string[] | { error: string }> {
  if (!modules.length) return [];
  const code = `import importlib, json\nmissing = []\nfor m in ${JSON.stringify(modules)}:\n    try:\n        importlib.import_module(m)\n    except Exception:\n        missing.append(m)\nprint(json.dumps(missing))\n`;
  try {
    const { stdout } = await run(python, ["-c", code], { timeout: 60_000 });
    return JSON.parse(stdout.trim().split("\n").pop() ?? "[]") as string[];
  } catch (e) {
    return { error: `${python} did not run: ${(e as Error).message.split("\n")[0]}` };
  }
}
