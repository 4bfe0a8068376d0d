// The text of each file diagnostics were found in, by the name they print: kept by whoever read the
// file (src/io/system.ts) so that the report (src/cli/report.ts) can frame a diagnostic's line.
const sources = new Map<string, string>();

export function rememberSource(file: string, text: string): void {
  sources.set(file, text);
}

export function sourceText(file: string): string | undefined {
  return sources.get(file);
}
