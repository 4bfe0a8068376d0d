// `msa validate-events`: event documents (files, directories, NDJSON streams) against system.yaml
// or one explicit schema, and `--compat` over every event's version history. Findings are written
// as they are found (NDJSON of any size runs in constant memory); the exit code says the worst.
import fs from "node:fs";
import path from "node:path";
import { CannotRunError, UsageError, diagnostic, type Diagnostic, type Position } from "../../core/diagnostics.js";
import { jsonPointerPosition } from "../../core/events/json-position.js";
import { splitLines } from "../../core/events/ndjson.js";
import { EVENT_RULES, compileWithAjv, explicitSchemaChecker, pointerPath, systemChecker, type Compile, type EventChecker, type EventProblem, type EventSchemas } from "../../core/events/validator.js";
import { MAX_SYSTEM_FILE_BYTES } from "../../core/limits.js";
import { cacheDir, cachingCompile } from "./validate-events-cache.js";
import { readEventTable, tableOf, writeEventTable, type SchemaLocation, type StoredEvent } from "./validate-events-table.js";
import type { SystemModel } from "../../core/model.js";
import type { CliContext } from "../context.js";
import { displayPath, locateSystemFile } from "../../io/locate.js";
import { formatGithub, painter, plural, type Painter } from "../report.js";

export interface ValidateEventsOptions {
  file?: string;
  format: "text" | "json" | "github";
  eventFile?: string[];
  schemaFile?: string;
  dir?: string[];
  ndjson?: string[];
  compat?: boolean;
  transitive?: boolean;
  dryRun?: boolean;
  /** --no-cache sets false. */
  cache?: boolean;
}

type Input = { kind: "file"; abs: string; shown: string } | { kind: "ndjson"; abs: string | null; shown: string };

const STREAM_EXTENSIONS = [".ndjson", ".jsonl"];

export async function runValidateEvents(opts: ValidateEventsOptions, ctx: CliContext): Promise<0 | 1 | 2> {
  const eventFiles = opts.eventFile ?? [];
  const dirs = opts.dir ?? [];
  const streams = opts.ndjson ?? [];
  if (!eventFiles.length && !dirs.length && !streams.length && !opts.compat)
    throw new UsageError("nothing to validate: pass --event-file F, --dir D or --ndjson F (- for stdin), or --compat");
  if (opts.transitive && !opts.compat) throw new UsageError("--transitive applies to --compat; add --compat");
  if (streams.filter((s) => s === "-").length > 1) throw new UsageError("--ndjson - (stdin) can be given once");
  const needsSystem = !opts.schemaFile || !!opts.compat;

  const out = new Output(ctx, opts.format, await painter(ctx.color && opts.format === "text"));
  const shown = (abs: string): string => displayPath(ctx.cwd, abs);

  // Inputs, in the order given; directories are walked and sorted.
  const inputs: Input[] = [];
  const unreadableDirs: string[] = [];
  for (const f of eventFiles) {
    const abs = path.resolve(ctx.cwd, f);
    inputs.push(STREAM_EXTENSIONS.includes(path.extname(abs)) ? { kind: "ndjson", abs, shown: shown(abs) } : { kind: "file", abs, shown: shown(abs) });
  }
  for (const d of dirs) {
    const abs = path.resolve(ctx.cwd, d);
    let listing: string[];
    try {
      listing = walkDir(abs);
    } catch (e) {
      const message = `cannot read directory ${shown(abs)}: ${reason(e)}`;
      unreadableDirs.push(message);
      out.emit(diagnostic(shown(abs), undefined, "error", EVENT_RULES.unreadable, message), "unreadable");
      continue;
    }
    // Joined as strings: path.join/relative per file cost more than reading small files.
    const shownDir = shown(abs);
    const outside = shownDir === abs && abs !== path.resolve(ctx.cwd); // shown absolute
    const prefix = abs === path.resolve(ctx.cwd) ? "" : `${shownDir}/`;
    for (const rel of listing) {
      const fileAbs = abs + path.sep + (path.sep === "/" ? rel : rel.split("/").join(path.sep));
      const fileShown = outside ? fileAbs : prefix + rel;
      inputs.push(STREAM_EXTENSIONS.some((x) => rel.endsWith(x)) ? { kind: "ndjson", abs: fileAbs, shown: fileShown } : { kind: "file", abs: fileAbs, shown: fileShown });
    }
  }
  for (const s of streams) {
    if (s === "-") inputs.push({ kind: "ndjson", abs: null, shown: "<stdin>" });
    else {
      const abs = path.resolve(ctx.cwd, s);
      inputs.push({ kind: "ndjson", abs, shown: shown(abs) });
    }
  }

  if (opts.dryRun) {
    const reads: { kind: string; path: string; as?: string }[] = [];
    if (needsSystem) reads.push({ kind: "system", path: shown(locateSystemFile(ctx.cwd, opts.file)) });
    if (opts.schemaFile) reads.push({ kind: "schema", path: shown(path.resolve(ctx.cwd, opts.schemaFile)) });
    for (const i of inputs) reads.push({ kind: i.kind === "file" ? "event-file" : "ndjson", path: i.shown });
    if (opts.format === "json") {
      ctx.stdout(JSON.stringify({ dryRun: true, compat: !!opts.compat, transitive: !!opts.transitive, reads, unreadable: unreadableDirs }, null, 2) + "\n");
    } else {
      ctx.stdout("dry run: nothing is validated; would read:\n");
      for (const r of reads) ctx.stdout(`  ${r.kind.padEnd(10)}  ${r.path}\n`);
      for (const u of unreadableDirs) ctx.stdout(`  ${u}\n`);
      if (opts.compat) ctx.stdout(`and check every event's version history (${opts.transitive ? "all earlier versions" : "consecutive versions"}) against its compatibility\n`);
      ctx.stdout(`${plural(inputs.length, "input")}\n`);
    }
    out.discard();
    return unreadableDirs.length ? 2 : 0;
  }

  const dirForCache = opts.cache === false ? undefined : cacheDir(ctx.env);
  const compile: Compile = dirForCache ? cachingCompile(dirForCache) : compileWithAjv;

  // The checker: an explicit schema, or system.yaml's events — from the cached table when system.yaml and
  // its schema files are unchanged, else through the yaml and model stages (loaded only then).
  let model: SystemModel | undefined;
  let schemas: EventSchemas | undefined;
  let locate: (event: string, version: number) => SchemaLocation | undefined = () => undefined;
  if (needsSystem) {
    const abs = locateSystemFile(ctx.cwd, opts.file);
    const text = readSystemText(abs, shown(abs));
    const cached = dirForCache && !opts.compat && text !== null ? readEventTable(dirForCache, abs, text) : undefined;
    if (cached) {
      schemas = cached;
      locate = cached.locate;
    } else {
      const [load, { loadModelOnly }] = await Promise.all([import("../../core/load.js"), import("../../io/system.js")]);
      const loaded = loadModelOnly(abs, shown(abs), text);
      for (const d of loaded.diagnostics) out.emit(d);
      if (!loaded.model) {
        out.finish();
        return 1;
      }
      model = schemas = loaded.model;
      const table = tableOf(eventsWithLocations(loaded.model, abs, load.positionOf));
      locate = table.locate;
      if (dirForCache && text !== null && !loaded.diagnostics.length) {
        const files = loaded.model.events.flatMap((e) => e.versions.flatMap((v) => [...(v.schemaFile ? [path.resolve(loaded.model!.dir, v.schemaFile)] : []), ...v.refFiles]));
        writeEventTable(dirForCache, abs, text, files, table.events);
      }
    }
  }
  let checker: EventChecker | undefined;
  if (opts.schemaFile) {
    const abs = path.resolve(ctx.cwd, opts.schemaFile);
    const result = await loadExplicitSchema(abs, shown(abs), compile);
    if ("problem" in result) {
      // Without its schema nothing can be checked: the run could not happen (exit 2), said as a finding.
      out.emit(result.problem, "unreadable");
      out.finish();
      return 2;
    }
    checker = result.checker;
  } else if (schemas && inputs.length) {
    checker = systemChecker(schemas, compile);
  }

  if (opts.compat && model) {
    const { checkEventHistory } = await import("../../core/events/history.js"); // the compatibility code: only for --compat
    for (const e of model.events) for (const d of checkEventHistory(e, { transitive: opts.transitive })) out.emit(d);
  }

  if (checker) {
    const run = new EventRun(checker, out, (event, version) => {
      const at = locate(event, version);
      return at ? { file: shown(at.file), position: at.position } : undefined;
    });
    for (const input of inputs) {
      if (input.kind === "file") run.file(input.abs, input.shown);
      else await run.stream(input, ctx);
    }
    out.events = run.events;
    out.invalid = run.invalid;
  }
  out.finish();
  return out.unreadable ? 2 : out.errors ? 1 : 0;
}


function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "ENOENT") return "no such file or directory";
  if (err?.code === "EACCES") return "permission denied";
  if (err?.code === "EISDIR") return "it is a directory";
  if (err?.code === "ENOTDIR") return "not a directory";
  return err?.message ?? String(e);
}

/** system.yaml's text, or null when it is over the size limit (the load reports that). */
function readSystemText(abs: string, shownPath: string): string | null {
  try {
    if (fs.statSync(abs).size > MAX_SYSTEM_FILE_BYTES) return null;
    return fs.readFileSync(abs, "utf8");
  } catch (e) {
    throw new CannotRunError(`cannot read ${shownPath}: ${reason(e)}`);
  }
}

/** Each event version's schema with where it is written (absolute file, schema node position). */
function eventsWithLocations(model: SystemModel, systemAbs: string, positionOf: typeof import("../../core/load.js").positionOf): StoredEvent[] {
  return model.events.map((e) => ({
    name: e.name,
    versions: e.versions.map((v) => ({
      version: v.version,
      schema: v.schema,
      at: {
        file: v.schemaFile ? path.resolve(model.dir, v.schemaFile) : systemAbs,
        position: positionOf(v.source.loaded, v.source.path),
      },
    })),
  }));
}

/** *.json (single events) and *.ndjson/*.jsonl (streams) under a directory, recursively, sorted. */
function walkDir(abs: string): string[] {
  if (!fs.statSync(abs).isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
  const out: string[] = [];
  // Dirents carry the type: no stat per file (symlinks are followed with one).
  for (const d of fs.readdirSync(abs, { recursive: true, withFileTypes: true })) {
    if (!/\.(json|ndjson|jsonl)$/.test(d.name)) continue;
    const parent = (d as { parentPath?: string }).parentPath ?? d.path;
    const full = parent + path.sep + d.name;
    if (d.isFile() || (d.isSymbolicLink() && fs.statSync(full, { throwIfNoEntry: false })?.isFile())) {
      const rel = parent === abs ? d.name : path.relative(abs, full);
      out.push(path.sep === "/" ? rel : rel.split(path.sep).join("/"));
    }
  }
  return out.sort();
}

async function loadExplicitSchema(abs: string, shown: string, compile: Compile): Promise<{ checker: EventChecker } | { problem: Diagnostic }> {
  let text: string;
  try {
    text = fs.readFileSync(abs, "utf8");
  } catch (e) {
    return { problem: diagnostic(shown, undefined, "error", "schema-file-unreadable", `cannot read the schema file ${shown}: ${reason(e)}`) };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (e) {
    if (/\.ya?ml$/i.test(abs)) {
      const { loadYamlText } = await import("../../core/load.js");
      const res = loadYamlText(text, shown);
      if (!res.loaded) return { problem: { ...(res.diagnostics[0] ?? diagnostic(shown, undefined, "error", "schema-file-invalid", "not YAML")), rule: "schema-file-invalid" } };
      schema = res.loaded.data;
    } else {
      const { pos, message } = jsonErrorAt(text, e);
      return { problem: diagnostic(shown, pos, "error", "schema-file-invalid", `the schema file is not valid JSON: ${message}`) };
    }
  }
  // other schema files its $refs name are embedded (bundle.ts): one self-contained schema for ajv
  const { bundleRefs, hasExternalRef } = await import("../../core/events/bundle.js");
  if (schema && typeof schema === "object" && !Array.isArray(schema) && hasExternalRef(schema)) {
    const { schemaFileData } = await import("../../core/load.js");
    const b = bundleRefs(schema as Record<string, unknown>, abs, (file) => schemaFileData(fs.readFileSync(file, "utf8"), file));
    if (b.problems.length) return { problem: diagnostic(shown, undefined, "error", "schema-ref", b.problems[0]!) };
    schema = b.schema;
  }
  try {
    return { checker: explicitSchemaChecker(schema, compile) };
  } catch (e) {
    return { problem: diagnostic(shown, undefined, "error", "schema-file-invalid", `${shown} is not a valid JSON Schema: ${e instanceof Error ? e.message : String(e)}`) };
  }
}

/** JSON.parse's message without the echoed input, and where it failed when V8 says. */
function jsonErrorAt(text: string, e: unknown): { pos: Position; message: string } {
  const raw = e instanceof Error ? e.message : String(e);
  const m = /at position (\d+)/.exec(raw);
  // V8 echoes the input as it was, quotes and newlines included: keep only the message (one line)
  const message = raw.replace(/^(Unexpected token '.+?'), "[\s\S]*" is not valid JSON$/, "$1").replace(/ in JSON at position \d+[\s\S]*$/, "");
  if (!m) return { pos: { line: 1, column: 1 }, message };
  const offset = Number(m[1]);
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) { line++; lineStart = i + 1; }
  return { pos: { line, column: offset - lineStart + 1 }, message };
}

/** Validates documents and reports problems at line:col (positions are computed only for failures). */
class EventRun {
  events = 0;
  invalid = 0;
  private reportedSchemaProblems = 0;

  constructor(
    private checker: EventChecker,
    private out: Output,
    /** Where an event version's schema is written, for a schema that does not compile. */
    private locate: (event: string, version: number) => { file: string; position?: Position } | undefined,
  ) {}

  file(abs: string, shown: string): void {
    let text: string;
    try {
      text = fs.readFileSync(abs, "utf8");
    } catch (e) {
      this.out.emit(diagnostic(shown, undefined, "error", EVENT_RULES.unreadable, `cannot read ${shown}: ${reason(e)}`), "unreadable");
      return;
    }
    this.document(text, shown, 0);
  }

  async stream(input: Input, ctx: CliContext): Promise<void> {
    let source: AsyncIterable<string | Uint8Array>;
    if (input.abs === null) {
      // Strings decode faster than per-chunk TextDecoder; a stream without setEncoding still works.
      (ctx.stdin as { setEncoding?: (e: string) => void }).setEncoding?.("utf8");
      source = ctx.stdin as AsyncIterable<string | Uint8Array>;
    }
    else {
      try {
        if (fs.statSync(input.abs).isDirectory()) throw Object.assign(new Error("is a directory"), { code: "EISDIR" });
        fs.accessSync(input.abs, fs.constants.R_OK);
      } catch (e) {
        this.out.emit(diagnostic(input.shown, undefined, "error", EVENT_RULES.unreadable, `cannot read ${input.shown}: ${reason(e)}`), "unreadable");
        return;
      }
      source = fs.createReadStream(input.abs, { encoding: "utf8", highWaterMark: 1 << 20 });
    }
    try {
      await splitLines(source, {
        onLine: (line, lineNo) => this.document(line, input.shown, lineNo),
        onOverlong: (lineNo, bytes) => {
          this.events++;
          this.invalid++;
          this.out.emit(diagnostic(input.shown, { line: lineNo, column: 1 }, "error", EVENT_RULES.json, `line of ${bytes} characters is longer than the limit; not parsed`));
        },
      });
    } catch (e) {
      this.out.emit(diagnostic(input.shown, undefined, "error", EVENT_RULES.unreadable, `cannot read ${input.shown}: ${reason(e)}`), "unreadable");
    }
    this.out.flush();
  }

  /** One document: a whole file (lineNo 0) or one NDJSON line. */
  private document(text: string, shown: string, lineNo: number): void {
    this.events++;
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark from an editor is not an error
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      this.invalid++;
      const { pos, message } = jsonErrorAt(text, e);
      const at = lineNo ? { line: lineNo, column: pos.line === 1 ? pos.column : 1 } : pos;
      this.out.emit(diagnostic(shown, at, "error", EVENT_RULES.json, `not valid JSON: ${message}`));
      return;
    }
    const problems = this.checker.check(doc);
    this.schemaProblems();
    if (!problems.length) return;
    this.invalid++;
    // In position order, like every msa report (ajv reports in schema order).
    const ds = problems.filter((p) => !p.more).map((p) => this.problemDiagnostic(p, text, shown, lineNo));
    ds.sort((a, b) => a.line - b.line || a.column - b.column);
    for (const p of problems) if (p.more) ds.push(diagnostic(shown, { line: lineNo || 1, column: 1 }, "error", p.rule, p.message));
    for (const d of ds) this.out.emit(d);
  }

  private problemDiagnostic(p: EventProblem, text: string, shown: string, lineNo: number): Diagnostic {
    const pos = this.position(text, p.pointer);
    const at = lineNo ? { line: lineNo, column: pos.line === 1 ? pos.column : 1 } : pos;
    return diagnostic(shown, at, "error", p.rule, p.message);
  }

  private position(text: string, pointer: string): Position {
    return jsonPointerPosition(text, pointerPath(pointer));
  }

  /** A payload schema that did not compile: once, at the schema in system.yaml (or its file). */
  private schemaProblems(): void {
    const all = this.checker.schemaProblems();
    for (; this.reportedSchemaProblems < all.length; this.reportedSchemaProblems++) {
      const sp = all[this.reportedSchemaProblems];
      if (!sp) continue;
      const at = this.locate(sp.event, sp.version);
      this.out.emit(diagnostic(at?.file ?? "system.yaml", at?.position, "error", EVENT_RULES.schemaInvalid, `the schema of ${sp.event} v${sp.version} is not a valid JSON Schema: ${sp.message}`));
    }
  }
}

/** Writes findings as they come, in the chosen format, buffered; counts what it wrote. */
class Output {
  errors = 0;
  warnings = 0;
  unreadable = 0;
  events = 0;
  invalid = 0;
  private buffer = "";
  private first = true;

  constructor(private ctx: CliContext, private format: "text" | "json" | "github", private p: Painter) {
    if (format === "json") this.buffer = '{\n  "diagnostics": [';
  }

  emit(d: Diagnostic, kind?: "unreadable"): void {
    if (d.severity === "error") this.errors++;
    else this.warnings++;
    if (kind === "unreadable") this.unreadable++;
    if (this.format === "json") {
      this.buffer += `${this.first ? "\n" : ",\n"}    ${JSON.stringify({ file: d.file, line: d.line, column: d.column, severity: d.severity, rule: d.rule, message: d.message })}`;
      this.first = false;
    } else if (this.format === "github") {
      this.buffer += formatGithub([d]);
    } else {
      const sev = d.severity === "error" ? this.p.red("error") : this.p.yellow("warning");
      this.buffer += `${d.file}:${d.line}:${d.column}  ${sev}  ${this.p.dim(d.rule)}  ${d.message}\n`;
    }
    if (this.buffer.length > 1 << 16) this.flush();
  }

  flush(): void {
    if (this.buffer) this.ctx.stdout(this.buffer);
    this.buffer = "";
  }

  discard(): void {
    this.buffer = "";
  }

  finish(): void {
    const summary = { errors: this.errors, warnings: this.warnings, events: this.events, valid: this.events - this.invalid, invalid: this.invalid, unreadable: this.unreadable };
    if (this.format === "json") {
      this.buffer += `${this.first ? "" : "\n  "}],\n  "summary": ${JSON.stringify(summary)}\n}\n`;
    } else if (this.format === "text") {
      if (this.events) this.buffer += `${plural(this.events, "event")} checked: ${summary.valid} valid, ${summary.invalid} invalid\n`;
      if (this.errors || this.warnings) this.buffer += `${plural(this.errors, "error")}, ${plural(this.warnings, "warning")}\n`;
      else if (!this.events) this.buffer += this.p.green("no problems found\n");
    }
    this.flush();
  }
}

