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
  /**
   * How many adjacent bytes key a literal: 3 (a hash of three bytes) when every literal is at least three
   * bytes long, else 2 (the pair itself).
   */
  width: 2 | 3;
  /** Key → 1 + its index in `entries`, 0 if no literal is keyed by it. */
  keys: Uint16Array;
  /** The literals keyed by one key, each with the offset of its key's first byte. */
  entries: { bytes: Uint8Array; offset: number; id: number }[][];
}

/**
 * The slot of three bytes (b0 << 16 | b1 << 8 | b2) in the 64 Ki table: a multiplicative hash. Two
 * trigrams may share a slot; every hit is compared in full, so that costs time, never a result.
 */
const tripleSlot = (t: number): number => Math.imul(t, 0x9e3779b1) >>> 16;

/**
 * `literals` are latin1 strings; `id` is what `firstLiteral` reports for the literal at the same index
 * (several literals may share an id).
 */
export function literalSet(literals: readonly string[]): LiteralSet {
  const keys = new Uint16Array(65536);
  const entries: LiteralSet["entries"] = [];
  let matchesAll = false;
  // Pairs are too common to key short words by (the pair "se" of "send" is in "response", "else"…: on
  // source text a pair key was hit every ~40 bytes); three bytes are keyed when every literal has them.
  const width = literals.every((l) => l.length !== 2) ? 3 : 2;
  literals.forEach((lit, id) => {
    if (lit.length < 2) {
      matchesAll = true;
      return;
    }
    const bytes = Uint8Array.from(Buffer.from(lit, "latin1"));
    let best = 0;
    let bestScore = Infinity;
    for (let k = 0; k + width <= bytes.length; k++) {
      let score = commonness(bytes[k]!) * commonness(bytes[k + 1]!);
      if (width === 3) score *= commonness(bytes[k + 2]!);
      if (score < bestScore) {
        bestScore = score;
        best = k;
      }
    }
    const key = width === 3 ? tripleSlot((bytes[best]! << 16) | (bytes[best + 1]! << 8) | bytes[best + 2]!) : (bytes[best]! << 8) | bytes[best + 1]!;
    const entry = { bytes, offset: best, id };
    if (keys[key]) entries[keys[key]! - 1]!.push(entry);
    else keys[key] = entries.push([entry]);
  });
  return { matchesAll, width, keys, entries };
}

/**
 * Calls `found(id, start)` for each occurrence of a literal, in order of its key's position, until it
 * returns true (then returns true). Each byte is read once; occurrences are compared in full.
 */
export function scanLiterals(set: LiteralSet, bytes: Uint8Array, found: (id: number, start: number) => boolean): boolean {
  const { keys, entries } = set;
  const n = bytes.length;
  if (set.width === 2) {
    if (n < 2) return false;
    let pair = bytes[0]!;
    for (let i = 1; i < n; i++) {
      pair = ((pair << 8) | bytes[i]!) & 0xffff;
      const slot = keys[pair]!;
      if (slot !== 0 && compareAt(entries[slot - 1]!, bytes, i - 1, found)) return true;
    }
    return false;
  }
  if (n < 3) return false;
  let triple = (bytes[0]! << 8) | bytes[1]!;
  for (let i = 2; i < n; i++) {
    triple = ((triple << 8) | bytes[i]!) & 0xffffff;
    const slot = keys[tripleSlot(triple)]!;
    if (slot !== 0 && compareAt(entries[slot - 1]!, bytes, i - 2, found)) return true;
  }
  return false;
}

/** The literals of one key whose key starts at `at`, compared in full; true once `found` says so. */
function compareAt(list: LiteralSet["entries"][number], bytes: Uint8Array, at: number, found: (id: number, start: number) => boolean): boolean {
  const n = bytes.length;
  for (let j = 0; j < list.length; j++) {
    // An index, not for…of: the iterator's property loads were one more path for V8 to deoptimise on.
    const e = list[j]!;
    const start = at - e.offset;
    const lit = e.bytes;
    if (start < 0 || start + lit.length > n) continue;
    let k = 0;
    while (k < lit.length && bytes[start + k] === lit[k]) k++;
    if (k === lit.length && found(e.id, start)) return true;
  }
  return false;
}
