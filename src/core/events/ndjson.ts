// NDJSON with constant memory: a line splitter over any stream of chunks. Only the current partial
// line is held; each complete line goes to `onLine` synchronously (no per-line promise), so the
// cost per event is the split, JSON.parse and the validator. A line longer than `maxLineBytes`
// is reported (not held) and skipped up to its end.

export interface LineSink {
  /** A complete line without its "\n" (and "\r"); `lineNo` counts from 1. Blank lines are skipped. */
  onLine(line: string, lineNo: number): void;
  /** A line that exceeded the limit; it was dropped. */
  onOverlong?(lineNo: number, bytes: number): void;
}

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/** Reads the whole stream, calling the sink per line. Resolves with the number of lines seen. */
export async function splitLines(
  chunks: AsyncIterable<string | Uint8Array>,
  sink: LineSink,
  maxLineBytes = DEFAULT_MAX_LINE_BYTES,
): Promise<number> {
  const decoder = new TextDecoder("utf-8");
  let rest = "";
  let lineNo = 0;
  let skipping = false; // inside an overlong line: drop until its "\n"
  let skipped = 0;
  const emit = (line: string): void => {
    lineNo++;
    if (line.length && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    if (line.length && !isBlank(line)) sink.onLine(line, lineNo);
  };
  for await (const chunk of chunks) {
    const text = typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
    let start = 0;
    let nl = text.indexOf("\n");
    if (skipping) {
      if (nl < 0) { skipped += text.length; continue; }
      lineNo++;
      sink.onOverlong?.(lineNo, skipped + nl);
      skipping = false;
      start = nl + 1;
      nl = text.indexOf("\n", start);
    } else if (nl >= 0 && rest) {
      emit(rest + text.slice(0, nl));
      rest = "";
      start = nl + 1;
      nl = text.indexOf("\n", start);
    }
    while (nl >= 0) {
      emit(text.slice(start, nl));
      start = nl + 1;
      nl = text.indexOf("\n", start);
    }
    rest = start === 0 ? rest + text : text.slice(start);
    if (rest.length > maxLineBytes) {
      skipping = true;
      skipped = rest.length;
      rest = "";
    }
  }
  const tail = rest + decoder.decode();
  if (skipping) {
    lineNo++;
    sink.onOverlong?.(lineNo, skipped + tail.length);
  } else if (tail) emit(tail);
  return lineNo;
}

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}
