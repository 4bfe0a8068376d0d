// The rule registry: `msa validate` runs these in order; `msa validate --list-rules` prints them.
import type { Rule } from "./types.js";

export const RULES: readonly Rule[] = [];
