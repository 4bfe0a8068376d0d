// `msa docs`, the disk side: write the site's files into its folder (only those whose bytes changed), remove the
// files of the previous site that are gone, refuse a folder that holds files msa docs did not write; and serve
// a folder over HTTP on loopback for --serve.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { CannotRunError, UsageError } from "../core/diagnostics.js";
import type { SiteFile } from "../core/site/plan.js";
import { writeFileAtomic } from "./atomic.js";
import { packageRoot } from "./templates.js";

/** Lists the files of the last site written into a folder: the next run removes the ones that are gone. */
export const SITE_INDEX = ".msa-site.json";

export interface SiteWriteResult {
  written: string[];
  unchanged: number;
  removed: string[];
}

/** What the folder holds against what the site would be: in check mode nothing is written. */
export function writeSite(outDir: string, files: readonly SiteFile[], mode: "write" | "check"): SiteWriteResult {
  const previous = readIndex(outDir);
  if (previous === null && fs.existsSync(outDir) && fs.readdirSync(outDir).length > 0)
    throw new UsageError(`${outDir} holds files that msa docs did not write; choose another --out or empty that folder first`);
  const result: SiteWriteResult = { written: [], unchanged: 0, removed: [] };
  const wanted = new Set(files.map((f) => f.path));
  // a first run reads nothing (the folder is new); later runs compare each file with what is there
  const fresh = previous === null;
  const madeDirs = new Set<string>();
  for (const f of files) {
    const abs = path.join(outDir, ...f.path.split("/"));
    if (!fresh && readText(abs) === f.content) {
      result.unchanged++;
      continue;
    }
    result.written.push(f.path);
    if (mode !== "write") continue;
    const dir = path.dirname(abs);
    if (!madeDirs.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      madeDirs.add(dir);
    }
    // a plain write, not temp + rename: a page is regenerable, and a run killed mid-write leaves a page whose bytes
    // differ from what it should be, which the next run rewrites (it compares contents); a third fewer system calls
    fs.writeFileSync(abs, f.content);
  }
  for (const p of previous ?? []) {
    if (wanted.has(p) || !fs.existsSync(path.join(outDir, ...p.split("/")))) continue;
    result.removed.push(p);
    if (mode === "write") removeWithEmptyParents(outDir, p);
  }
  const indexText = JSON.stringify({ generator: "msa docs", files: [...wanted].sort() }, null, 2) + "\n";
  if (mode === "write" && readText(path.join(outDir, SITE_INDEX)) !== indexText) writeFileAtomic(path.join(outDir, SITE_INDEX), indexText);
  return result;
}

function readText(abs: string): string | null {
  try {
    return fs.readFileSync(abs, "utf8");
  } catch {
    return null;
  }
}

function readIndex(outDir: string): string[] | null {
  const text = readText(path.join(outDir, SITE_INDEX));
  if (text === null) return null;
  try {
    const files = (JSON.parse(text) as { files?: unknown }).files;
    // only plain relative paths: a hand-edited index cannot make msa delete outside the folder
    return Array.isArray(files) ? files.filter((f): f is string => typeof f === "string" && !f.split("/").some((s) => s === ".." || s === "") && !path.isAbsolute(f)) : [];
  } catch {
    return [];
  }
}

function removeWithEmptyParents(outDir: string, rel: string): void {
  fs.rmSync(path.join(outDir, ...rel.split("/")), { force: true });
  const parts = rel.split("/").slice(0, -1);
  while (parts.length) {
    const dir = path.join(outDir, ...parts);
    try {
      if (fs.readdirSync(dir).length) return;
      fs.rmdirSync(dir);
    } catch {
      return;
    }
    parts.pop();
  }
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".md": "text/markdown; charset=utf-8",
  ".yaml": "text/yaml; charset=utf-8",
  ".ts": "text/plain; charset=utf-8",
  ".py": "text/plain; charset=utf-8",
};

/**
 * A static server for `msa docs --serve`: GET/HEAD of files under `root` (the system's folder, so the site's
 * links to generated files work too), on 127.0.0.1 only; nothing outside root, no directory listings.
 */
export function serveFolder(root: string, port: number): Promise<http.Server> {
  const top = fs.realpathSync(root);
  const server = http.createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    let file = path.join(top, rel);
    try {
      file = fs.realpathSync(file);
      if (fs.statSync(file).isDirectory()) file = fs.realpathSync(path.join(file, "index.html"));
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    if (file !== top && !file.startsWith(top + path.sep)) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    const body = fs.readFileSync(file);
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "content-length": body.length, "cache-control": "no-cache" });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(e.code === "EADDRINUSE" ? new UsageError(`port ${port} is in use; choose another with --port`) : e),
    );
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

/** The site's client (cytoscape + search), bundled when msa is built (scripts/bundle-site.mjs). */
export function loadSiteScript(): string {
  const file = path.join(packageRoot, "dist", "site", "site.js");
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    throw new CannotRunError(`msa's site script is missing (${file}); this msa was not built: run npm run build in its folder`);
  }
}
