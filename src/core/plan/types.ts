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
  renders.set(meta, render);
  return Object.defineProperty(meta as PlannedFile, "content", { get: renderedContent, enumerable: true, configurable: true });
}

// One getter for every lazy file, its render function kept aside (issue #24): a getter of its own per file gave
// each of the ~23,000 planned files of a 500-context system a hidden class of its own (V8 keeps an accessor in the
// object's map), so every read of a planned file's path, owner or context — checking, sorting, deciding, writing —
// went through megamorphic lookups, and the maps themselves were memory to collect.
const renders = new WeakMap<object, () => string>();
function renderedContent(this: object): string {
  // `this` is the planned file; an object made from one (Object.create) reads its prototype's
  for (let o: object | null = this; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    const render = renders.get(o);
    if (render) return render();
  }
  throw new Error("internal: a lazily rendered file's content was read from an object that is not the file");
}
