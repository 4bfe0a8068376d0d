// Event schemas may refer to other schema files: `"$ref": "common.json#/definitions/money"`, relative to the
// file that says it. Everything downstream (ajv, compatibility, TypeScript types, sample payloads, the schema
// files bundled into each generated service, AsyncAPI) wants one self-contained schema, so each referenced
// file is embedded once under `$defs["file:<path>"]` and every reference is rewritten to a local pointer.
// Pure: files are read through the injected `read`.
import path from "node:path";

type Json = Record<string, unknown>;

export interface Bundled {
  schema: Json;
  /** Absolute paths of the files embedded (their bytes are part of any cache key of the schema). */
  files: string[];
  /** What could not be resolved, one line each. */
  problems: string[];
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/** Whether the schema refers outside itself anywhere (a $ref not starting with #). */
export function hasExternalRef(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasExternalRef);
  if (!isObject(v)) return false;
  if (typeof v.$ref === "string" && !v.$ref.startsWith("#")) return true;
  return Object.values(v).some(hasExternalRef);
}

/** A JSON pointer token: ~ and / escaped. */
export const pointerToken = (s: string): string => s.replace(/~/g, "~0").replace(/\//g, "~1");

/** A copy of a schema with every `$ref` string replaced by `rewrite(ref)`. */
export function mapRefs(v: unknown, rewrite: (ref: string) => string): unknown {
  if (Array.isArray(v)) return v.map((x) => mapRefs(x, rewrite));
  if (!isObject(v)) return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) out[k] = k === "$ref" && typeof x === "string" ? rewrite(x) : mapRefs(x, rewrite);
  return out;
}

/**
 * `schema`, read from `file` (or written inline in the system.yaml at `file`), with its references to other
 * files resolved and embedded. `read` returns a file's parsed content (JSON or YAML) or throws.
 */
export function bundleRefs(schema: Json, file: string, read: (absPath: string) => unknown): Bundled {
  if (!hasExternalRef(schema)) return { schema, files: [], problems: [] };
  const rootDir = path.dirname(file);
  const defs: Json = {};
  const keyOf = new Map<string, string>(); // absolute file → $defs key
  const problems: string[] = [];

  /** The local pointer for `ref` met in the document `docFile`, which is embedded at `prefix` (root: ""). */
  const rewrite = (ref: string, docFile: string, prefix: string): string => {
    const hash = ref.indexOf("#");
    const target = hash === -1 ? ref : ref.slice(0, hash);
    const fragment = hash === -1 ? "" : ref.slice(hash + 1);
    if (fragment && !fragment.startsWith("/")) {
      problems.push(`$ref ${ref}: only JSON-pointer fragments (#/…) are supported across files`);
      return ref;
    }
    if (!target) return `#${prefix}${fragment}`; // local to the document it is in
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
      problems.push(`$ref ${ref}: remote references are not fetched; copy the schema next to this one and refer to it by a relative path`);
      return ref;
    }
    const abs = path.resolve(path.dirname(docFile), target);
    const key = embed(abs, ref);
    return key === undefined ? ref : `#/$defs/${pointerToken(key)}${fragment}`;
  };

  /** Embeds a file once; returns its $defs key (undefined when it cannot be read). */
  const embed = (abs: string, ref: string): string | undefined => {
    const known = keyOf.get(abs);
    if (known !== undefined) return known;
    let doc: unknown;
    try {
      doc = read(abs);
    } catch (e) {
      problems.push(`$ref ${ref}: cannot read ${path.relative(rootDir, abs) || abs} (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`);
      return undefined;
    }
    if (!isObject(doc)) {
      problems.push(`$ref ${ref}: ${path.relative(rootDir, abs)} does not hold a JSON Schema object`);
      return undefined;
    }
    const key = `file:${path.relative(rootDir, abs).split(path.sep).join("/")}`;
    keyOf.set(abs, key);
    const { $id: _id, $schema: _schema, ...rest } = doc;
    defs[key] = mapRefs(rest, (ref) => rewrite(ref, abs, `/$defs/${pointerToken(key)}`));
    return key;
  };

  const root = mapRefs(schema, (ref) => rewrite(ref, file, "")) as Json;
  if (Object.keys(defs).length) root.$defs = { ...(isObject(root.$defs) ? root.$defs : {}), ...defs };
  return { schema: root, files: [...keyOf.keys()].sort(), problems };
}
