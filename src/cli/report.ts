// The one place diagnostics are printed (and the only place text is coloured).
import { sortDiagnostics, type Diagnostic } from "../core/diagnostics.js";
import { explainable } from "../core/explain.js";
import { sourceText } from "../io/sources.js";

export type OutputFormat = "text" | "json" | "github";

export interface Painter {
  red: (s: string) => string;
  yellow: (s: string) => string;
  green: (s: string) => string;
  dim: (s: string) => string;
  bold: (s: string) => string;
}

const plain: Painter = { red: (s) => s, yellow: (s) => s, green: (s) => s, dim: (s) => s, bold: (s) => s };

/** chalk is loaded only when colour is on, so non-TTY runs and tests never pay for it. */
export async function painter(color: boolean): Promise<Painter> {
  if (!color) return plain;
  const { Chalk } = await import("chalk");
  const c = new Chalk({ level: 1 });
  return { red: c.red, yellow: c.yellow, green: c.green, dim: c.dim, bold: c.bold };
}

export function summarize(list: readonly Diagnostic[]): { errors: number; warnings: number } {
  return {
    errors: list.filter((d) => d.severity === "error").length,
    warnings: list.filter((d) => d.severity === "warning").length,
  };
}

/** Frames longer than this many diagnostics would drown the list: only the first ones get a frame. */
const MAX_FRAMES = 20;

/**
 * The source line under a diagnostic with a caret at its column, compiler style:
 *    |
 * 12 |     port: 3000
 *    |           ^
 */
/** The lines of the text last framed: a report frames up to MAX_FRAMES diagnostics of one system.yaml. */
let split: { text: string; lines: string[] } | undefined;
export function codeFrame(text: string, line: number, column: number, p: Painter = plain): string | undefined {
  if (split?.text !== text) split = { text, lines: text.split(/\r?\n/) };
  const lines = split.lines;
  const src = lines[line - 1];
  if (src === undefined || (line === 1 && column === 1 && src.trim() === "")) return undefined;
  const shown = src.replace(/\t/g, "→").slice(0, 200);
  const gutter = String(line).length;
  const pad = " ".repeat(gutter);
  const caretAt = Math.min(Math.max(column - 1, 0), shown.length);
  return [`  ${pad} |`, `  ${line} | ${shown}`, `  ${pad} | ${" ".repeat(caretAt)}${p.red("^")}`].join("\n");
}

/** `path:line:col  error|warning  rule-id  message`, sorted, each with its code frame; then a count line. */
export function formatText(list: readonly Diagnostic[], p: Painter = plain): string {
  const ds = sortDiagnostics(list);
  const lines = ds.map((d, i) => {
    const sev = d.severity === "error" ? p.red("error") : p.yellow("warning");
    const head = `${d.file}:${d.line}:${d.column}  ${sev}  ${p.dim(d.rule)}  ${d.message}`;
    const text = i < MAX_FRAMES ? sourceText(d.file) : undefined;
    const frame = text === undefined ? undefined : codeFrame(text, d.line, d.column, p);
    return frame ? `${head}\n${frame}` : head;
  });
  if (ds.length) {
    const rules = [...new Set(ds.map((d) => d.rule))].filter((r) => explainable(r));
    if (rules.length) lines.push(p.dim(`(msa explain ${rules[0]} tells more${rules.length > 1 ? `; ${rules.length} rules above` : ""})`));
  }
  const { errors, warnings } = summarize(ds);
  if (ds.length) lines.push(`${plural(errors, "error")}, ${plural(warnings, "warning")}`);
  return lines.length ? lines.join("\n") + "\n" : "";
}

/** Stable keys, in this order: file, line, column, severity, rule, message. */
export function diagnosticsJson(list: readonly Diagnostic[]): object[] {
  return sortDiagnostics(list).map((d) => ({
    file: d.file,
    line: d.line,
    column: d.column,
    severity: d.severity,
    rule: d.rule,
    message: d.message,
  }));
}

/** GitHub workflow commands: one annotation a diagnostic. */
export function formatGithub(list: readonly Diagnostic[]): string {
  const esc = (s: string) => s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  const prop = (s: string) => esc(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
  return sortDiagnostics(list)
    .map((d) => `::${d.severity === "error" ? "error" : "warning"} file=${prop(d.file)},line=${d.line},col=${d.column},title=${prop(d.rule)}::${esc(d.message)}\n`)
    .join("");
}

/** The whole report of a diagnostics-only command in the chosen format. */
export function formatDiagnostics(list: readonly Diagnostic[], format: OutputFormat, p: Painter = plain): string {
  if (format === "json") {
    const ds = diagnosticsJson(list);
    return JSON.stringify({ diagnostics: ds, summary: summarize(list) }, null, 2) + "\n";
  }
  if (format === "github") return formatGithub(list);
  return formatText(list, p);
}

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
