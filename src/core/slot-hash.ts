// A fast, non-cryptographic 64-bit string hash (two 32-bit multiply-xorshift lanes, after bryc's
// public-domain cyrb53), for naming cache slots only. It is not a fingerprint: every cache that
// uses it stores its full key beside the value and compares it on read, so two inputs that share
// a slot only cost a recompute. It exists because loading node:crypto for sha256 was a tenth of
// `msa validate-events`' start-up, which is most of a run over a directory of small files.

/** 16 lowercase hex digits for `text` (every UTF-16 code unit counts). */
export function slotHash(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h2 >>> 0).toString(16).padStart(8, "0") + (h1 >>> 0).toString(16).padStart(8, "0");
}
