// An event's version history against its declared compatibility, as diagnostics at the offending
// node (system.yaml for inline schemas, the schema file for file schemas). Pure.
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import { positionOf } from "../load.js";
import type { Compatibility, EventType, EventVersion } from "../model.js";
import { checkCompatibility, type CompatFinding } from "./compat.js";

export const COMPAT_RULE_ID = "event-compatibility";

export interface HistoryOptions {
  /** Compare every earlier version with each later one, not only consecutive pairs. */
  transitive?: boolean;
  /** Overrides the event's declared compatibility. */
  mode?: Compatibility;
}

/** The pairs [older, newer] that must satisfy the mode. */
export function versionPairs(event: EventType, transitive = false): [EventVersion, EventVersion][] {
  const vs = event.versions;
  const pairs: [EventVersion, EventVersion][] = [];
  for (let j = 1; j < vs.length; j++) {
    if (transitive) for (let i = 0; i < j; i++) pairs.push([vs[i] as EventVersion, vs[j] as EventVersion]);
    else pairs.push([vs[j - 1] as EventVersion, vs[j] as EventVersion]);
  }
  return pairs;
}

/** A finding as a diagnostic at the node it concerns. */
export function findingDiagnostic(event: EventType, older: EventVersion, newer: EventVersion, f: CompatFinding, mode: Compatibility): Diagnostic {
  const v = f.at === "old" ? older : newer;
  const p = f.at === "old" ? f.oldPath : f.newPath;
  const pos = positionOf(v.source.loaded, [...v.source.path, ...p]);
  const head = f.severity === "error"
    ? `${event.name} v${older.version} → v${newer.version} is not ${f.direction} compatible (declared ${mode}): ${f.rule}:`
    : `${event.name} v${older.version} → v${newer.version} (${f.rule}):`;
  return diagnostic(v.source.loaded.file, pos, f.severity, COMPAT_RULE_ID, `${head} ${f.message}; fix: ${f.fix}`);
}

export function checkEventHistory(event: EventType, opts: HistoryOptions = {}): Diagnostic[] {
  const mode = opts.mode ?? event.compatibility;
  if (mode === "none") return [];
  const out: Diagnostic[] = [];
  for (const [older, newer] of versionPairs(event, opts.transitive))
    for (const f of checkCompatibility(older.schema, newer.schema, mode, { policy: event.compatibilityPolicy })) out.push(findingDiagnostic(event, older, newer, f, mode));
  return out;
}
