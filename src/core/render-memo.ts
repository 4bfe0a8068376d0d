// Reusing a template's output when the data it reads is the same (issue #24): many runtime files of a service
// depend only on a few flags (engine, broker, options), not on the context's name, yet each was rendered again
// per context (~10,000 of the ~23,000 renders of a 500-context system gave an output already rendered).
//
// Soundness: rendering is a deterministic function of what the template observes of its data. A recorded render
// sees the data through proxies that log every observation by its path from the root: a property read (its
// primitive value, or the kind of object it is), `in`, own-property checks, key lists and prototypes. Another
// view gives the same output when every logged observation gives the same answer on it: the same observations
// take the same branches and write the same bytes. What the log cannot see makes a template "impure", and it is
// then never reused: a function in the data (it may read anything), and helpers that compare objects by identity
// or follow it (eq/ne/includes with an object, yaml — which writes aliases for an object reached twice — all told
// by the renderer through `noteIdentity`). Reads keyed by symbols are logged like any other (Handlebars' #each
// asks an object for Symbol.iterator). The views are trees of plain data: an object that contains itself would
// be seen as a new object at each level (Handlebars compares a block's context with its parent's by identity).
//
// Cost: a recorded render is several times slower than a plain one, so a template is recorded only from its
// second call on (a file rendered once never pays), and a template whose recorded outputs are never reused
// stops being recorded after a few tries (the per-context files: their reads include the context's name).
// test/unit/render-memo.test.ts proves reuse and re-rendering, and equality with plain renders on random data.

type Kind = "get" | "has" | "own" | "keys" | "proto";
/** What an observation answered: a primitive (compared with Object.is), or the kind of an object. */
type Answer = unknown;
interface Observation {
  path: readonly PropertyKey[];
  kind: Kind;
  key: PropertyKey | undefined;
  answer: Answer;
}

/** Thrown through the template when it meets what the log cannot replay; the render is then done plainly. */
const IMPURE = new Error("internal: impure render (render-memo.ts)");
const OBJECT = Symbol("object");
const ARRAY = Symbol("array");
const FUNCTION = Symbol("function");

/** The answer recorded for a value read: primitives as they are, objects by kind only (their contents are read through the log). */
function answerOf(v: unknown): Answer {
  if (typeof v === "function") return FUNCTION;
  if (typeof v === "object" && v !== null) return Array.isArray(v) ? ARRAY : OBJECT;
  return v;
}

const protoAnswer = (p: object | null): string => (p === Object.prototype ? "O" : p === Array.prototype ? "A" : p === null ? "N" : "X");
const ownAnswer = (d: PropertyDescriptor | undefined): string => (d === undefined ? "-" : d.enumerable ? "e" : "n");

/** One render under observation. */
export class Recording {
  readonly observations: Observation[] = [];
  /** Observations already logged, by node and kind: keys compared as Map keys (a symbol is not its description). */
  private readonly seen = new Map<string, Set<PropertyKey | undefined>>();
  private nextId = 0;

  /** The view as the template should see it: a proxy per path, logging what is observed. */
  wrap(view: unknown): unknown {
    return typeof view === "object" && view !== null ? this.proxy(view, []) : view;
  }

  private log(nodeId: number, path: readonly PropertyKey[], kind: Kind, key: PropertyKey | undefined, answer: Answer): void {
    // one entry per node, kind and key: a second look at the same place answers the same
    const k = `${nodeId}:${kind}`;
    let keys = this.seen.get(k);
    if (!keys) this.seen.set(k, (keys = new Set()));
    if (keys.has(key)) return;
    keys.add(key);
    this.observations.push({ path, kind, key, answer });
  }

  private proxy(target: object, path: readonly PropertyKey[]): object {
    const id = this.nextId++;
    const children = new Map<PropertyKey, object>();
    return new Proxy(target, {
      get: (t, key, receiver) => {
        const v: unknown = Reflect.get(t, key, receiver);
        this.log(id, path, "get", key, answerOf(v));
        if (typeof v === "function") throw IMPURE;
        if (typeof v !== "object" || v === null) return v;
        let child = children.get(key);
        if (!child) children.set(key, (child = this.proxy(v, [...path, key])));
        return child;
      },
      has: (t, key) => {
        const r = Reflect.has(t, key);
        this.log(id, path, "has", key, r);
        return r;
      },
      getOwnPropertyDescriptor: (t, key) => {
        const d = Reflect.getOwnPropertyDescriptor(t, key);
        this.log(id, path, "own", key, ownAnswer(d));
        return d;
      },
      ownKeys: (t) => {
        const keys = Reflect.ownKeys(t);
        this.log(id, path, "keys", undefined, keys);
        return keys;
      },
      getPrototypeOf: (t) => {
        const p = Reflect.getPrototypeOf(t);
        this.log(id, path, "proto", undefined, protoAnswer(p));
        return p;
      },
      // a template never writes to its data; if anything did, the log could not describe it
      set: () => {
        throw IMPURE;
      },
      defineProperty: () => {
        throw IMPURE;
      },
      deleteProperty: () => {
        throw IMPURE;
      },
    });
  }
}

/** Whether every observation of a recording answers the same on `view` (read directly, no proxies). */
export function sameObservations(observations: readonly Observation[], view: unknown): boolean {
  let lastPath: readonly PropertyKey[] | undefined;
  let lastNode: unknown;
  for (const o of observations) {
    let node: unknown;
    if (o.path === lastPath) node = lastNode;
    else {
      node = view;
      for (const k of o.path) {
        if (typeof node !== "object" || node === null) return false;
        node = Reflect.get(node, k);
      }
      if (typeof node !== "object" || node === null) return false;
      lastPath = o.path;
      lastNode = node;
    }
    const t = node as object;
    switch (o.kind) {
      case "get": {
        const a = answerOf(Reflect.get(t, o.key as PropertyKey));
        if (!Object.is(a, o.answer)) return false;
        break;
      }
      case "has":
        if (Reflect.has(t, o.key as PropertyKey) !== o.answer) return false;
        break;
      case "own":
        if (ownAnswer(Reflect.getOwnPropertyDescriptor(t, o.key as PropertyKey)) !== o.answer) return false;
        break;
      case "keys": {
        const keys = Reflect.ownKeys(t);
        const was = o.answer as PropertyKey[];
        if (keys.length !== was.length || keys.some((k, i) => k !== was[i])) return false;
        break;
      }
      case "proto":
        if (protoAnswer(Reflect.getPrototypeOf(t)) !== o.answer) return false;
        break;
    }
  }
  return true;
}

/** Renders of one template: outputs kept with the observations they came from. */
interface TemplateMemo {
  calls: number;
  hits: number;
  variants: { observations: readonly Observation[]; output: string }[];
  /** Impure, or recorded often enough: no more recordings (the outputs kept are still reused). */
  off: boolean;
}

/** Recorded outputs never reused after this many recordings: the template's reads differ per call. */
const MAX_UNUSED_RECORDINGS = 3;
/** Outputs kept per template at most (each check walks them in turn). */
const MAX_VARIANTS = 16;

let current: Recording | undefined;

/**
 * Helpers call this when they are about to observe an object's identity (compare objects, or write YAML, which
 * aliases an object reached twice): the render under way, if recorded, is not reused.
 */
export function noteIdentity(...values: unknown[]): void {
  if (current && values.some((v) => (typeof v === "object" && v !== null) || typeof v === "function")) throw IMPURE;
}

/**
 * `render(view)` with reuse: returns a previous output of this template when the view answers every observation
 * of that output's render the same. `render` must be the template's whole work (helpers included) and finish
 * with the text to return.
 */
export function memoised(render: (view: unknown) => string): (view: unknown) => string {
  const memo: TemplateMemo = { calls: 0, hits: 0, variants: [], off: false };
  return (view) => {
    memo.calls++;
    if (memo.calls === 1 || typeof view !== "object" || view === null) return render(view);
    for (const v of memo.variants)
      if (sameObservations(v.observations, view)) {
        memo.hits++;
        return v.output;
      }
    if (memo.off) return render(view);
    const rec = new Recording();
    const outer = current;
    current = rec;
    let output: string;
    try {
      output = render(rec.wrap(view));
    } catch {
      // impure (the recording stopped before the function was called or the identity observed: seen through
      // proxies, identity differs, each path being a proxy of its own), or an error, which a plain render
      // reports as it would have: rendered plainly, and this template is not recorded again
      current = outer;
      memo.off = true;
      if (memo.hits === 0) memo.variants = [];
      return render(view);
    } finally {
      current = outer;
    }
    memo.variants.push({ observations: rec.observations, output });
    if (memo.variants.length >= MAX_VARIANTS || (memo.hits === 0 && memo.variants.length >= MAX_UNUSED_RECORDINGS)) {
      memo.off = true;
      if (memo.hits === 0) memo.variants = []; // never reused: nothing to keep
    }
    return output;
  };
}
