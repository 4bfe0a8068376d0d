// Stage 4: the plan is an in-memory tree of files to write, produced by planners from the model.
import type { SystemModel } from "../model.js";
import type { Render } from "../render.js";

export type FileOwner =
  /** msa owns it: regenerated every time; a user's edit is protected (not overwritten without --force). */
  | "generated"
  /** the user owns it (domain handlers): written once when missing, never touched again. */
  | "user";

export interface PlannedFile {
  /** POSIX path relative to the output root (the directory of system.yaml, or --out). */
  path: string;
  content: string;
  owner: FileOwner;
  /** chmod +x (scripts). */
  executable?: boolean;
  /** The context the file belongs to, for `generate --only <context>`; absent for system-wide files. */
  context?: string;
}

/** A planner turns the model into files; it renders every byte through templates. */
export type Planner = (model: SystemModel, render: Render) => PlannedFile[];

/**
 * A planned file whose text is rendered when it is read (`content` is a getter that renders each time it is
 * read; nothing is cached). The commit reads it once per file, right before hashing and writing it, so the
 * rendered tree is never held in memory as a whole (issue #24); tests and other readers see a plain string.
 */
export function lazyFile(meta: Omit<PlannedFile, "content">, render: () => string): PlannedFile {
  return Object.defineProperty(meta as PlannedFile, "content", { get: render, enumerable: true, configurable: true });
}
