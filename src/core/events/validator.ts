// Event documents against their schemas: the envelope, then eventType/version, then the payload.
// Validators are compiled once per type/version, lazily (the first event of that pair compiles it),
// as ONE schema (the envelope with the version's payload schema in place), so a valid event costs
// one ajv call. No I/O: schemas come in as values, findings go out as values. ajv itself is
// loaded on the first compile, so a caller with precompiled validators (the CLI's cache) skips it.
import { createRequire } from "node:module";
import type { Ajv, ErrorObject, Options, ValidateFunction } from "ajv";
import { didYouMean } from "../suggest.js";
import { schemaNeedsOwnProperties } from "./own-properties.js";

const require = createRequire(import.meta.url);
type Json = Record<string, unknown>;
type AddFormats = (ajv: Ajv) => Ajv;
type AjvClass = new (opts: Options) => Ajv;

/** Compiles a schema to a validator; throws an Error with a one-line reason when it is not a valid JSON Schema. */
export type Compile = (schema: Json) => ValidateFunction;

/** One problem with one event document. `pointer` is the JSON pointer of the failing value. */
export interface EventProblem {
  rule: string;
  pointer: string;
  message: string;
  /** The "and N more" line: printed last. */
  more?: true;
}

/** The rule ids of validate-events findings. */
export const EVENT_RULES = {
  json: "event-json",
  notObject: "event-not-object",
  envelope: "event-envelope",
  unknownType: "event-type-unknown",
  unknownVersion: "event-version-unknown",
  payload: "event-payload",
  invalid: "event-invalid",
  schemaInvalid: "event-schema-invalid",
  unreadable: "event-file-unreadable",
} as const;

/** At most this many problems are listed for one event; the rest are counted. */
export const MAX_PROBLEMS_PER_EVENT = 20;

export function envelopeSchema(): Json {
  return require("../../../schemas/event-envelope.schema.json") as Json;
}

/**
 * Part of a validator cache key: a change here must invalidate cached validators. Schemas that name an
 * Object.prototype member as a property are compiled with ownProperties besides (own-properties.ts): a
 * function of the schema, which is the rest of the key.
 */
export const AJV_OPTIONS: Options = { allErrors: true, strict: false, allowUnionTypes: true, validateFormats: true, code: { source: true } };

export type Draft = "draft-07" | "2019-09" | "2020-12";
/** The meta-schema of each draft ajv carries. */
export const META_SCHEMA_IDS: Readonly<Record<Draft, string>> = {
  "draft-07": "http://json-schema.org/draft-07/schema",
  "2019-09": "https://json-schema.org/draft/2019-09/schema",
  "2020-12": "https://json-schema.org/draft/2020-12/schema",
};

const draftOf = (schema: Json): Draft => {
  const s = typeof schema.$schema === "string" ? schema.$schema : "";
  return /2020-12/.test(s) ? "2020-12" : /2019-09/.test(s) ? "2019-09" : "draft-07";
};

/**
 * An ajv for a draft (draft-07 when a schema says nothing), formats on. `checksSchemas: false` leaves checking
 * schemas against the meta-schema to the caller (a precompiled meta validator).
 */
export function ajvForDraft(draft: Draft, checksSchemas = true, ownProperties = false): Ajv {
  const lib = ajvLibrary();
  const AjvOfDraft = draft === "2020-12" ? lib.Ajv2020 : draft === "2019-09" ? lib.Ajv2019 : lib.Ajv;
  const ajv = new AjvOfDraft({ ...AJV_OPTIONS, ...(checksSchemas ? {} : { validateSchema: false }), ...(ownProperties ? { ownProperties: true } : {}) });
  lib.addFormats(ajv);
  return ajv;
}

/** What msa uses of ajv and ajv-formats. */
interface AjvLibrary {
  version: string;
  Ajv: AjvClass;
  Ajv2019: AjvClass;
  Ajv2020: AjvClass;
  addFormats: AddFormats;
  standalone: (ajv: Ajv, fn: ValidateFunction) => string;
}
let library: AjvLibrary | undefined;
let vendored = false;
/**
 * ajv and ajv-formats from the one-file copy the build made (scripts/bundle-ajv.mjs: ~70 modules resolved and
 * read one by one were a fifth of a run that compiles a schema) when it is of the installed ajv's version;
 * otherwise (run from src/, or ajv changed without a build) from node_modules.
 */
function ajvLibrary(): AjvLibrary {
  if (library) return library;
  const installed = (require("ajv/package.json") as { version: string }).version;
  try {
    const copy = require("../../vendor/ajv.cjs") as AjvLibrary;
    if (copy.version === installed) {
      vendored = true;
      return (library = copy);
    }
  } catch {
    // not built: node_modules below
  }
  const formats = require("ajv-formats") as { default?: AddFormats } & AddFormats;
  return (library = {
    version: installed,
    Ajv: (require("ajv") as { default: AjvClass }).default,
    Ajv2019: (require("ajv/dist/2019") as { default: AjvClass }).default,
    Ajv2020: (require("ajv/dist/2020") as { default: AjvClass }).default,
    addFormats: formats.default ?? formats,
    standalone: (require("ajv/dist/standalone") as { default: AjvLibrary["standalone"] }).default,
  });
}

/** Whether ajv comes from the build's one-file copy (else from node_modules). */
export function usesVendoredAjv(): boolean {
  ajvLibrary();
  return vendored;
}

/** What a precompiled meta validator must have been made with to stand in for ajv's own schema check. */
export function metaValidatorStamp(draft: Draft): string {
  const ajvVersion = (require("ajv/package.json") as { version: string }).version;
  return JSON.stringify({ draft, ajvVersion, options: AJV_OPTIONS });
}

type MetaValidator = ValidateFunction & { stamp?: unknown };
const metaValidators = new Map<Draft, MetaValidator | null>();
/**
 * The meta-schema validator `npm run build` made with ajv's standalone code (scripts/compile-schema.mjs):
 * ajv compiling its meta-schema was a fifth of a run that compiles one schema. null when there is none for
 * this draft or it was made by another ajv or with other options: then ajv checks schemas itself.
 */
function precompiledMeta(draft: Draft): MetaValidator | null {
  let fn = metaValidators.get(draft);
  if (fn === undefined) {
    try {
      const loaded = require(`./meta-${draft}.validate.cjs`) as MetaValidator;
      fn = typeof loaded === "function" && loaded.stamp === metaValidatorStamp(draft) ? loaded : null;
    } catch {
      fn = null; // not built
    }
    metaValidators.set(draft, fn);
  }
  return fn;
}

/** Whether schemas of this draft are checked by the build's precompiled meta validator (else by ajv). */
export const usesPrecompiledMeta = (draft: Draft): boolean => precompiledMeta(draft) !== null;

/** An ajv for the draft a schema declares; it skips the meta-schema check when a precompiled one does it. */
function ajvFor(schema: Json): Ajv {
  const draft = draftOf(schema);
  return ajvForDraft(draft, !precompiledMeta(draft), schemaNeedsOwnProperties(schema));
}

/** The schema against its draft's precompiled meta validator: ajv's own message when it fails. */
function checkAgainstMeta(schema: Json, ajv: Ajv): void {
  const meta = precompiledMeta(draftOf(schema));
  if (meta && !meta(schema)) throw new Error(`schema is invalid: ${ajv.errorsText(meta.errors)}`);
}

/** One ajv per draft for the process: the meta-schema is compiled once, not per validator. */
const sharedAjvs = new Map<string, Ajv>();
function sharedAjv(schema: Json): Ajv {
  const key = `${draftOf(schema)}${schemaNeedsOwnProperties(schema) ? "+own" : ""}`;
  let ajv = sharedAjvs.get(key);
  if (!ajv) sharedAjvs.set(key, (ajv = ajvFor(schema)));
  return ajv;
}

/** Which ajv compiled a validator (standalone code needs it). */
const compiledBy = new WeakMap<ValidateFunction, Ajv>();

/** The default compiler: the shared ajv of the schema's draft, or a fresh one if the shared one refuses (the same $id twice). */
export const compileWithAjv: Compile = (schema) => {
  let ajv = sharedAjv(schema);
  let fn: ValidateFunction;
  try {
    checkAgainstMeta(schema, ajv);
  } catch (e) {
    throw new Error(firstLine(e instanceof Error ? e.message : String(e)));
  }
  try {
    fn = ajv.compile(schema);
  } catch {
    ajv = ajvFor(schema);
    try {
      fn = ajv.compile(schema);
    } catch (e) {
      throw new Error(firstLine(e instanceof Error ? e.message : String(e)));
    }
  }
  compiledBy.set(fn, ajv);
  return fn;
};

/** Standalone CommonJS source of `fn` compiled by `ajv` (one from ajvForDraft: its own ajv's standalone code must make it). */
export function standaloneCodeOf(ajv: Ajv, fn: ValidateFunction): string {
  return ajvLibrary().standalone(ajv, fn);
}

/** Standalone CommonJS source of a validator made by compileWithAjv (for caching it); undefined if unknown. */
export function standaloneSource(fn: ValidateFunction): string | undefined {
  const ajv = compiledBy.get(fn);
  if (!ajv) return undefined;
  return ajvLibrary().standalone(ajv, fn);
}

/** Drafts ajv does not carry (04, 06) are compiled as draft-07 rather than refused. */
function withoutUnknownDraft(schema: Json): Json {
  const s = typeof schema.$schema === "string" ? schema.$schema : "";
  if (!s || /draft-07|2019-09|2020-12/.test(s)) return schema;
  const { $schema: _drop, ...rest } = schema;
  return rest;
}

/** Compiles a user schema; throws an Error with a one-line reason when it is not a valid JSON Schema. */
export function compileSchema(schema: unknown, compile: Compile = compileWithAjv): ValidateFunction {
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) throw new Error("a JSON Schema must be an object");
  return compile(withoutUnknownDraft(schema as Json));
}

const firstLine = (s: string): string => s.split("\n")[0] ?? s;

/** ajv errors → problems with the pointer of the failing value (the missing/extra key for required/additionalProperties). */
export function problemsFromErrors(errors: readonly ErrorObject[], rule: string | ((pointer: string) => string)): EventProblem[] {
  const out: EventProblem[] = [];
  for (const e of errors) {
    if (out.length >= MAX_PROBLEMS_PER_EVENT) {
      out.push({ rule: typeof rule === "string" ? rule : rule(""), pointer: "", message: `and ${errors.length - MAX_PROBLEMS_PER_EVENT} more problem(s) in this event`, more: true });
      break;
    }
    let pointer = e.instancePath;
    let message = e.message ?? "is invalid";
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case "required":
        pointer = `${pointer}/${escapePointer(String(p.missingProperty))}`;
        message = "is required but missing";
        break;
      case "additionalProperties":
        pointer = `${pointer}/${escapePointer(String(p.additionalProperty))}`;
        message = "is not allowed here (additionalProperties: false)";
        break;
      case "enum":
        message = `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
        break;
      case "format":
        message = `must be a valid ${String(p.format)}`;
        break;
      case "const":
        message = `must be ${JSON.stringify(p.allowedValue)}`;
        break;
    }
    out.push({ rule: typeof rule === "string" ? rule : rule(pointer), pointer, message: `${pointer || "/"}: ${message}` });
  }
  return out;
}

export const escapePointer = (s: string): string => s.replace(/~/g, "~0").replace(/\//g, "~1");
export const pointerPath = (pointer: string): string[] =>
  pointer === "" ? [] : pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));

/** Checks one parsed document; returns [] when it is valid. */
export interface EventChecker {
  check(doc: unknown): EventProblem[];
  /** Problems with the schemas themselves, found while compiling (each reported once). */
  schemaProblems(): SchemaProblem[];
}

export interface SchemaProblem {
  event: string;
  version: number;
  message: string;
}

function notAnObject(doc: unknown): EventProblem[] | undefined {
  if (doc !== null && typeof doc === "object" && !Array.isArray(doc)) return undefined;
  const kind = doc === null ? "null" : Array.isArray(doc) ? "an array" : `a ${typeof doc}`;
  return [{ rule: EVENT_RULES.notObject, pointer: "", message: `the document is ${kind}, not an event object` }];
}

/** `--schema-file S`: the whole document against one explicit schema (the docs' usage). */
export function explicitSchemaChecker(schema: unknown, compile: Compile = compileWithAjv): EventChecker {
  const validate = compileSchema(schema, compile);
  return {
    check(doc) {
      const bad = notAnObject(doc);
      if (bad) return bad;
      if (validate(doc)) return [];
      return problemsFromErrors(validate.errors ?? [], EVENT_RULES.invalid);
    },
    schemaProblems: () => [],
  };
}

/** What checking events needs of system.yaml: each event's versions and their payload schemas (a SystemModel is one). */
export interface EventSchemas {
  events: readonly EventSchemaEntry[];
}
export interface EventSchemaEntry {
  name: string;
  versions: readonly { version: number; schema: Record<string, unknown> }[];
}

/** Against system.yaml: envelope, then the eventType/version pair, then the payload (one compiled schema each). */
export function systemChecker(model: EventSchemas, compile: Compile = compileWithAjv): EventChecker {
  const envelope = envelopeSchema();
  let validateEnvelope: ValidateFunction | undefined; // compiled only when an event's type/version is unknown
  const envelopeOnly = (d: unknown): ErrorObject[] => {
    validateEnvelope ??= compile(envelope);
    return validateEnvelope(d) ? [] : (validateEnvelope.errors ?? []);
  };
  const events = new Map<string, EventSchemaEntry>(model.events.map((e) => [e.name, e]));
  const names = model.events.map((e) => e.name);
  /** type → version → validator (null: the payload schema did not compile). */
  const compiled = new Map<string, Map<number, ValidateFunction | null>>();
  const schemaProblems: SchemaProblem[] = [];
  const ruleOf = (pointer: string): string => (pointer === "/payload" || pointer.startsWith("/payload/") ? EVENT_RULES.payload : EVENT_RULES.envelope);

  function validatorFor(e: EventSchemaEntry, version: number): ValidateFunction | null | undefined {
    let byVersion = compiled.get(e.name);
    if (!byVersion) compiled.set(e.name, (byVersion = new Map()));
    if (byVersion.has(version)) return byVersion.get(version);
    const v = e.versions.find((x) => x.version === version);
    if (!v) return undefined;
    const payload = withoutUnknownDraft(v.schema);
    const { $schema: _s, ...payloadRest } = payload;
    // The payload keeps its own base URI so its local $refs (#/definitions/...) resolve inside it.
    const combined: Json = {
      ...envelope,
      $id: `urn:msa:event:${encodeURIComponent(e.name)}:v${version}`,
      properties: { ...(envelope.properties as Json), payload: { ...payloadRest, $id: `urn:msa:event:${encodeURIComponent(e.name)}:v${version}:payload` } },
    };
    if (typeof payload.$schema === "string") combined.$schema = payload.$schema;
    else delete combined.$schema;
    let fn: ValidateFunction | null;
    try {
      fn = compile(combined);
    } catch (err) {
      fn = null;
      schemaProblems.push({ event: e.name, version, message: firstLine(err instanceof Error ? err.message : String(err)) });
    }
    byVersion.set(version, fn);
    return fn;
  }

  let lastType: unknown;
  let lastVersion: unknown;
  let lastFn: ValidateFunction | undefined;
  return {
    check(doc) {
      const bad = notAnObject(doc);
      if (bad) return bad;
      const d = doc as Json;
      // Streams are mostly one type/version after another: remember the last pair's validator.
      if (d.eventType === lastType && d.version === lastVersion && lastFn) return lastFn(d) ? [] : problemsFromErrors(lastFn.errors ?? [], ruleOf);
      const e = typeof d.eventType === "string" ? events.get(d.eventType) : undefined;
      const fn = e && typeof d.version === "number" ? validatorFor(e, d.version) : undefined;
      if (fn) {
        lastType = d.eventType;
        lastVersion = d.version;
        lastFn = fn;
        return fn(d) ? [] : problemsFromErrors(fn.errors ?? [], ruleOf);
      }
      // Unknown pair, or a payload schema that does not compile: the envelope alone, then why.
      const out = problemsFromErrors(envelopeOnly(d), EVENT_RULES.envelope);
      if (typeof d.eventType === "string" && !e) {
        const guess = didYouMean(d.eventType, names);
        out.push({
          rule: EVENT_RULES.unknownType, pointer: "/eventType",
          message: `/eventType: "${d.eventType}" is not an event of system.yaml${guess ? `; did you mean "${guess}"?` : names.length ? `; declared: ${names.join(", ")}` : ""}`,
        });
      } else if (e && Number.isInteger(d.version) && (d.version as number) >= 1 && fn === undefined) {
        out.push({
          rule: EVENT_RULES.unknownVersion, pointer: "/version",
          message: `/version: ${e.name} has no version ${String(d.version)}; declared: ${e.versions.map((v) => v.version).join(", ")}`,
        });
      } else if (e && fn === null) {
        out.push({ rule: EVENT_RULES.schemaInvalid, pointer: "/payload", message: `/payload: not checked: the schema of ${e.name} v${String(d.version)} is not a valid JSON Schema` });
      }
      return out;
    },
    schemaProblems: () => schemaProblems,
  };
}
