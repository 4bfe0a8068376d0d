// V8's tier-up for a short run (issue #24). `msa validate` runs ~0.2 s of JavaScript at 500 contexts; with V8's
// default interrupt budget TurboFan starts on a function after ~66 kB of its bytecode has run and, on its own
// thread, spent more CPU compiling validate's warm functions than the optimized code then saved (node --no-opt:
// ~0.21 against ~0.28 s of CPU). A 16× larger budget only delays tier-up: a function that keeps running is still
// optimized, so the extra cost is bounded per function (its longer unoptimized stretch), not per input.
// `msa generate` likewise: a cold 500-context run calls hundreds of template functions a few hundred times each,
// and TurboFan's compiles of them cost more CPU than they saved (issue #24).
//
// The flag is set in this process (a re-exec with node flags would cost a second process). V8 keys its code
// caches by the flags, so a cache made under the defaults is accepted only under them: withDefaultTiering sets
// the default back while such a cache is compiled (the precompiled schema validator, src/io/code-cache.ts).
// Only on the V8 whose default is known (Node 20's 11.3: 66 kB); elsewhere nothing is changed — V8 prints an
// error for a flag it does not know, and a wrong "default" would only lose the cache.
import v8 from "node:v8";

const DEFAULT_BUDGET = process.versions.v8.startsWith("11.3.") ? 66 * 1024 : undefined;
const RAISED_BUDGET = 16 * 66 * 1024;
let raised = false;

/** Raises V8's interrupt budget for the rest of this process (a short command: validate, generate), or until restoreTierUpBudget(). */
export function raiseTierUpBudget(): void {
  if (DEFAULT_BUDGET === undefined || raised) return;
  v8.setFlagsFromString(`--interrupt-budget=${RAISED_BUDGET}`);
  raised = true;
}

/**
 * V8's default budget back (analyze-deps before its scan: the flag is the process's, its worker threads read it too,
 * and the scan is the long, hot part that wants TurboFan early).
 */
export function restoreTierUpBudget(): void {
  if (!raised) return;
  v8.setFlagsFromString(`--interrupt-budget=${DEFAULT_BUDGET}`);
  raised = false;
}

/** `fn` run under V8's default budget (for compiling with a code cache made under the defaults). */
export function withDefaultTiering<T>(fn: () => T): T {
  if (!raised) return fn();
  v8.setFlagsFromString(`--interrupt-budget=${DEFAULT_BUDGET}`);
  try {
    return fn();
  } finally {
    v8.setFlagsFromString(`--interrupt-budget=${RAISED_BUDGET}`);
  }
}
