// A semantic rule of `msa validate`: a small value with an id, a one-line summary and a check.
import type { Diagnostic, Severity } from "../diagnostics.js";
import type { LoadedDocument, PathSegment } from "../load.js";
import type { SystemModel } from "../model.js";

export interface RuleContext {
  loaded: LoadedDocument;
  /** The raw document (schema-valid), for rules about what the user wrote. */
  data: RawSystem;
  /** The normalized model, for rules about what it means. */
  model: SystemModel;
  /** A diagnostic at the node at `path` of system.yaml (`key: true`: at the key). */
  at(path: readonly PathSegment[], message: string, opts?: { key?: boolean; severity?: Severity }): Diagnostic;
}

export interface Rule {
  id: string;
  severity: Severity;
  /** One line for `msa validate --list-rules`. */
  summary: string;
  check(ctx: RuleContext): Diagnostic[];
}

export type RawMap = Record<string, unknown>;
export interface RawSystem {
  name?: unknown;
  namespace?: unknown;
  gateway?: { routes?: RawMap[] } & RawMap;
  contexts?: Record<string, RawMap>;
  events?: Record<string, RawMap>;
  sagas?: Record<string, RawMap>;
  [key: string]: unknown;
}
