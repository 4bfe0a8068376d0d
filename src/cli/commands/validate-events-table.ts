// The events of a system.yaml, cached beside the compiled validators. A repeated run over an unchanged
// system.yaml (and unchanged schema files) then loads neither the yaml package nor the model — about
// 40 ms of a ~170 ms run over a thousand files. Keyed by system.yaml's path and bytes; every schema file
// it names is re-hashed on each read, so an edit to one is never missed. Any problem: the full load.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Position } from "../../core/diagnostics.js";
import { writeFileAtomic } from "../../io/atomic.js";
import type { EventSchemas } from "../../core/events/validator.js";

/** Bump when the stored shape changes. */
const FORMAT = 1;

/** Where an event version's schema is written: its file (absolute) and the schema node's position. */
export interface SchemaLocation {
  file: string;
  position?: Position;
}

export interface StoredVersion {
  version: number;
  schema: Record<string, unknown>;
  at: SchemaLocation;
}

export interface StoredEvent {
  name: string;
  versions: StoredVersion[];
}

interface Stored {
  format: number;
  /** Schema files system.yaml names (absolute) with the sha256 of their bytes. */
  inputs: { path: string; sha256: string }[];
  events: StoredEvent[];
}

export interface EventTable extends EventSchemas {
  events: StoredEvent[];
  locate(event: string, version: number): SchemaLocation | undefined;
}

const sha256 = (data: string | Buffer): string => createHash("sha256").update(data).digest("hex");

function entryFile(dir: string, systemAbs: string, systemText: string): string {
  return path.join(dir, `events-${sha256(`${FORMAT}\0${systemAbs}\0${systemText}`).slice(0, 40)}.json`);
}

export function tableOf(events: StoredEvent[]): EventTable {
  const byKey = new Map<string, SchemaLocation>();
  for (const e of events) for (const v of e.versions) byKey.set(`${e.name}\0${v.version}`, v.at);
  return { events, locate: (event, version) => byKey.get(`${event}\0${version}`) };
}

/** The cached table for exactly this system.yaml and its current schema files, or undefined. */
export function readEventTable(dir: string, systemAbs: string, systemText: string): EventTable | undefined {
  try {
    const stored = JSON.parse(fs.readFileSync(entryFile(dir, systemAbs, systemText), "utf8")) as Stored;
    if (stored.format !== FORMAT || !Array.isArray(stored.inputs) || !Array.isArray(stored.events)) return undefined;
    for (const input of stored.inputs) if (sha256(fs.readFileSync(input.path)) !== input.sha256) return undefined;
    return tableOf(stored.events);
  } catch {
    return undefined; // missing, unreadable or not ours: the caller loads system.yaml itself
  }
}

/** Stores the table (best effort: a cache that cannot be written is simply not used). */
export function writeEventTable(dir: string, systemAbs: string, systemText: string, schemaFiles: readonly string[], events: StoredEvent[]): void {
  try {
    const inputs = [...new Set(schemaFiles)].sort().map((p) => ({ path: p, sha256: sha256(fs.readFileSync(p)) }));
    const stored: Stored = { format: FORMAT, inputs, events };
    writeFileAtomic(entryFile(dir, systemAbs, systemText), JSON.stringify(stored));
  } catch {
    // a read-only or full disk only costs the next run a full load
  }
}
