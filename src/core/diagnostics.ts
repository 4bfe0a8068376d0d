// Diagnostics are data: every user-facing problem is one of these, made by `diagnostic()` and printed by src/cli/report.ts.
export type Severity = "error" | "warning";

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  severity: Severity;
  rule: string;
  message: string;
}

export interface Position {
  line: number;
  column: number;
}

export function diagnostic(
  file: string,
  pos: Position | undefined,
  severity: Severity,
  rule: string,
  message: string,
): Diagnostic {
  return { file, line: pos?.line ?? 1, column: pos?.column ?? 1, severity, rule, message };
}

/** De-duplicates and sorts by file, line, column, rule, message: the order every printer uses. */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of list) {
    const key = `${d.file}\0${d.line}\0${d.column}\0${d.rule}\0${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out.sort(
    (a, b) =>
      cmp(a.file, b.file) || a.line - b.line || a.column - b.column || cmp(a.rule, b.rule) || cmp(a.message, b.message),
  );
}

export const hasErrors = (list: readonly Diagnostic[]): boolean => list.some((d) => d.severity === "error");

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A usage mistake (bad flag, missing argument): exit 2, message only, no stack. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The command could not run (missing file, missing tool): exit 2, message only, no stack. */
export class CannotRunError extends Error {
  override name = "CannotRunError";
}

/** Problems found in the user's input: exit 1 after the diagnostics are printed. */
export class ProblemsFound extends Error {
  override name = "ProblemsFound";
  constructor(readonly diagnostics: Diagnostic[]) {
    super(`${diagnostics.length} problem(s) found`);
  }
}
