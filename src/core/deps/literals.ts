// One pass over a file's bytes for many literals at once (the analyze-deps pre-check). Pure.
//
// Searching once per literal (Buffer#indexOf, ~30 literals) read every byte of a file ~30 times, and one
// regular-expression alternation of the literals is no faster (V8's engine tries the alternatives at each
// position). Here each literal is keyed by the rarest pair of adjacent bytes it contains; the scan reads
// each byte once, looks the pair ending there up in a 64 Ki table, and compares whole literals only where
// a key pair occurs. Rare pairs make that seldom, so the cost is close to one read of the bytes.

/** How common a byte is in source text (higher = more common): a rough order, only used to pick key pairs. */
function commonness(c: number): number {
  if (c === 32 || c === 10 || c === 9) return 9;
  if (c >= 97 && c <= 122) return "etaoinsrlcdmuhpfgybvwkxjqz".indexOf(String.fromCharCode(c)) < 12 ? 8 : 6;
  if (c === 40 || c === 41 || c === 46 || c === 44 || c === 59 || c === 61 || c === 34 || c === 39) return 7;
  if (c >= 65 && c <= 90) return 4;
  if (c >= 48 && c <= 57) return 4;
  if (c === 95 || c === 47 || c === 45 || c === 58 || c === 123 || c === 125) return 5;
  return 2;
}

export interface LiteralSet {
  /** Some literal was empty or one byte long: every text may hold a reference. */
  matchesAll: boolean;
  /** Pair → 1 + its index in `entries`, 0 if no literal is keyed by it. */
  keys: Uint16Array;
  /** The literals keyed by one pair, each with the offset of its pair's first byte. */
  entries: { bytes: Uint8Array; offset: number; id: number }[][];
}

/**
 * `literals` are latin1 strings; `id` is what `firstLiteral` reports for the literal at the same index
 * (several literals may share an id).
 */
export function literalSet(literals: readonly string[]): LiteralSet {
  const keys = new Uint16Array(65536);
  const entries: LiteralSet["entries"] = [];
  let matchesAll = false;
  literals.forEach((lit, id) => {
    if (lit.length < 2) {
      matchesAll = true;
      return;
    }
    const bytes = Uint8Array.from(Buffer.from(lit, "latin1"));
    let best = 0;
    let bestScore = Infinity;
    for (let k = 0; k + 1 < bytes.length; k++) {
      const score = commonness(bytes[k]!) * commonness(bytes[k + 1]!);
      if (score < bestScore) {
        bestScore = score;
        best = k;
      }
    }
    const key = (bytes[best]! << 8) | bytes[best + 1]!;
    const entry = { bytes, offset: best, id };
    if (keys[key]) entries[keys[key]! - 1]!.push(entry);
    else keys[key] = entries.push([entry]);
  });
  return { matchesAll, keys, entries };
}

/**
 * Calls `found(id, start)` for each occurrence of a literal, in order of the pair's position, until it
 * returns true (then returns true). Each byte is read once; occurrences are compared in full.
 */
export function scanLiterals(set: LiteralSet, bytes: Uint8Array, found: (id: number, start: number) => boolean): boolean {
  const { keys, entries } = set;
  const n = bytes.length;
  if (n < 2) return false;
  let pair = bytes[0]!;
  for (let i = 1; i < n; i++) {
    pair = ((pair << 8) | bytes[i]!) & 0xffff;
    const slot = keys[pair]!;
    if (slot === 0) continue;
    for (const e of entries[slot - 1]!) {
      const start = i - 1 - e.offset;
      const lit = e.bytes;
      if (start < 0 || start + lit.length > n) continue;
      let k = 0;
      while (k < lit.length && bytes[start + k] === lit[k]) k++;
      if (k === lit.length && found(e.id, start)) return true;
    }
  }
  return false;
}
