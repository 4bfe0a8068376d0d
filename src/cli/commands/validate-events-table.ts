// The events of a system.yaml, cached beside the compiled validators. A repeated run over an unchanged
// system.yaml (and unchanged schema files) then loads neither the yaml package nor the model — about
// 40 ms of a ~170 ms run over a thousand files. Keyed by system.yaml's path and bytes; every schema file
// it names is compared byte for byte on each read, so an edit to one is never missed. Any problem: the
// full load. The entry's name is a fast hash (slot-hash.ts); the entry holds system.yaml's path and text
// and is used only when they match.
import fs from "node:fs";
import path from "node:path";
import { BUILD_ID } from "../../core/build-id.js";
import type { Position } from "../../core/diagnostics.js";
import { slotHash } from "../../core/slot-hash.js";
import { writeFileAtomic } from "../../io/atomic.js";
import type { EventSchemas } from "../../core/events/validator.js";

/** The entry format (bump when the stored shape changes) and the build that computed it (a newer msa may model schemas differently). */
const FORMAT = `3:${BUILD_ID}`;

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
  format: string;
  /** The system.yaml this entry is for: its absolute path and its text. */
  system: { path: string; text: string };
  /** Schema files system.yaml names (absolute) with their bytes (latin1: one character per byte). */
  inputs: { path: string; bytes: string }[];
  events: StoredEvent[];
}

export interface EventTable extends EventSchemas {
  events: StoredEvent[];
  locate(event: string, version: number): SchemaLocation | undefined;
}

function entryFile(dir: string, systemAbs: string, systemText: string): string {
  return path.join(dir, `events-${slotHash(`${FORMAT}\0${systemAbs}\0${systemText}`)}.json`);
}

const bytesOf = (file: string): string => fs.readFileSync(file).toString("latin1");

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
    if (stored.system?.path !== systemAbs || stored.system.text !== systemText) return undefined; // another file in this slot
    for (const input of stored.inputs) if (typeof input.bytes !== "string" || bytesOf(input.path) !== input.bytes) return undefined;
    return tableOf(stored.events);
  } catch {
    return undefined; // missing, unreadable or not ours: the caller loads system.yaml itself
  }
}

/** Stores the table (best effort: a cache that cannot be written is simply not used). */
export function writeEventTable(dir: string, systemAbs: string, systemText: string, schemaFiles: readonly string[], events: StoredEvent[]): void {
  try {
    const inputs = [...new Set(schemaFiles)].sort().map((p) => ({ path: p, bytes: bytesOf(p) }));
    const stored: Stored = { format: FORMAT, system: { path: systemAbs, text: systemText }, inputs, events };
    writeFileAtomic(entryFile(dir, systemAbs, systemText), JSON.stringify(stored));
  } catch {
    // a read-only or full disk only costs the next run a full load
  }
}
