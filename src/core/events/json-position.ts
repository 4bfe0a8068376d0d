// Where a JSON pointer's value starts in JSON text, without a parser dependency: a scanner that
// walks only the path to the pointer. The text is known to be valid JSON (JSON.parse accepted it).
// When the pointer does not exist (a missing required key), the deepest existing ancestor is used.
import type { Position } from "../diagnostics.js";

export function jsonPointerPosition(text: string, segments: readonly string[]): Position {
  const offset = pointerOffset(text, segments);
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function pointerOffset(text: string, segments: readonly string[]): number {
  let i = skipWs(text, 0);
  for (const seg of segments) {
    const c = text[i];
    if (c === "{") {
      let j = skipWs(text, i + 1);
      let found = -1;
      while (text[j] === '"') {
        const keyEnd = stringEnd(text, j);
        const key = JSON.parse(text.slice(j, keyEnd)) as string;
        j = skipWs(text, keyEnd);
        j = skipWs(text, j + 1); // ':'
        if (key === seg) { found = j; break; }
        j = skipWs(text, valueEnd(text, j));
        if (text[j] === ",") j = skipWs(text, j + 1);
      }
      if (found < 0) return i;
      i = found;
    } else if (c === "[") {
      const want = Number(seg);
      if (!Number.isInteger(want) || want < 0) return i;
      let j = skipWs(text, i + 1);
      let k = 0;
      while (k < want && text[j] !== "]" && j < text.length) {
        j = skipWs(text, valueEnd(text, j));
        if (text[j] === ",") j = skipWs(text, j + 1);
        k++;
      }
      if (text[j] === "]" || j >= text.length) return i;
      i = j;
    } else return i;
  }
  return i;
}

function skipWs(t: string, i: number): number {
  while (i < t.length) {
    const c = t.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
    i++;
  }
  return i;
}

/** Index just after the string starting at i (t[i] === '"'). */
function stringEnd(t: string, i: number): number {
  for (let j = i + 1; j < t.length; j++) {
    const c = t[j];
    if (c === "\\") j++;
    else if (c === '"') return j + 1;
  }
  return t.length;
}

/** Index just after the value starting at i. */
function valueEnd(t: string, i: number): number {
  const c = t[i];
  if (c === '"') return stringEnd(t, i);
  if (c === "{" || c === "[") {
    let depth = 0;
    for (let j = i; j < t.length; j++) {
      const d = t[j];
      if (d === '"') j = stringEnd(t, j) - 1;
      else if (d === "{" || d === "[") depth++;
      else if (d === "}" || d === "]") if (--depth === 0) return j + 1;
    }
    return t.length;
  }
  let j = i;
  while (j < t.length && !",}] \n\r\t".includes(t[j] as string)) j++;
  return j;
}
