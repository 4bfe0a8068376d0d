// Stage 2: validation. JSON Schema (ajv) on the data, then the semantic rules of the registry.
import { createRequire } from "node:module";
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from "ajv";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import { positionOf, type LoadedDocument, type PathSegment } from "./load.js";
import type { SystemModel } from "./model.js";
import { RULES } from "./rules/index.js";
import { didYouMean } from "./suggest.js";
import type { RawSystem, RuleContext } from "./rules/types.js";

const require = createRequire(import.meta.url);
type JsonSchema = Record<string, unknown>;
let compiled: { validate: ValidateFunction; schema: JsonSchema } | undefined;

export function systemSchema(): JsonSchema {
  return require("../../schemas/system.schema.json") as JsonSchema;
}

function validator(): { validate: ValidateFunction; schema: JsonSchema } {
  if (!compiled) {
    const schema = systemSchema();
    compiled = { validate: precompiled(schema) ?? compile(schema), schema };
  }
  return compiled;
}

/**
 * The validator `npm run build` made with ajv's standalone code (scripts/compile-schema.mjs): no ajv compile at
 * start. Used only when it was made from this very schema; otherwise (no build, a newer schema) undefined.
 */
function precompiled(schema: JsonSchema): ValidateFunction | undefined {
  try {
    const fn = (withCodeCache() ?? require("./system-schema.validate.cjs")) as ValidateFunction & { schemaJson?: unknown };
    // compared by the schema's text the build put in it: no node:crypto to load for a hash (issue #24)
    if (fn.schemaJson === JSON.stringify(schema)) return fn;
  } catch {
    // not built: compile below
  }
  return undefined;
}

/**
 * How the precompiled validator module is loaded: `require`, unless the I/O edge installed a loader that runs it
 * from the V8 code cache the build wrote beside it (src/io/code-cache.ts; issue #24). A loader answers undefined
 * when it cannot (no cache, a cache of another source): then `require` loads it.
 */
let precompiledLoader: ((file: URL) => unknown) | undefined;
export function setPrecompiledLoader(load: (file: URL) => unknown): void {
  precompiledLoader = load;
}
function withCodeCache(): unknown {
  return precompiledLoader?.(new URL("./system-schema.validate.cjs", import.meta.url));
}

/** The one ajv set-up for system.schema.json, shared with the build step (scripts/compile-schema.mjs). */
export const SYSTEM_SCHEMA_AJV_OPTIONS = { allErrors: true, strict: true, allowUnionTypes: true, verbose: true } as const;
export function addSystemSchemaKeywords(ajv: AjvClass): AjvClass {
  return ajv.addKeyword({ keyword: "x-expect", schemaType: "string" });
}

/** Run-time compile, when there is no matching precompiled validator; ajv itself is loaded only here. */
function compile(schema: JsonSchema): ValidateFunction {
  const { Ajv } = require("ajv") as { Ajv: typeof AjvClass };
  return addSystemSchemaKeywords(new Ajv(SYSTEM_SCHEMA_AJV_OPTIONS)).compile(schema);
}

/** Schema errors as diagnostics at the offending node, with "did you mean" for unknown keys. */
export function validateSchema(loaded: LoadedDocument): Diagnostic[] {
  const { validate } = validator();
  if (validate(loaded.data)) return [];
  return schemaErrorsToDiagnostics(validate.errors ?? [], loaded);
}

const pointerToPath = (pointer: string): PathSegment[] =>
  pointer === "" ? [] : pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));

function schemaErrorsToDiagnostics(errors: ErrorObject[], loaded: LoadedDocument): Diagnostic[] {
  // anyOf/oneOf failures: report once at that node with the schema's x-expect text, hiding their branch errors.
  const unionPaths = new Set(errors.filter((e) => e.keyword === "anyOf" || e.keyword === "oneOf").map((e) => e.instancePath));
  const out: Diagnostic[] = [];
  for (const e of errors) {
    const insideUnion = [...unionPaths].some((p) => e.keyword !== "anyOf" && e.keyword !== "oneOf" && (e.instancePath === p || e.instancePath.startsWith(p + "/")));
    if (insideUnion) continue;
    const path = pointerToPath(e.instancePath);
    const where = e.instancePath ? e.instancePath.slice(1).replace(/\//g, ".") : "the document";
    const sub = e.parentSchema as JsonSchema | undefined;
    const expect = typeof sub?.["x-expect"] === "string" ? (sub["x-expect"] as string) : undefined;
    let message: string;
    let pos = positionOf(loaded, path);
    switch (e.keyword) {
      case "additionalProperties": {
        const key = String((e.params as { additionalProperty: string }).additionalProperty);
        const allowed = Object.keys((sub?.properties ?? {}) as object);
        const guess = didYouMean(key, allowed);
        message = `unknown key "${key}" in ${where}${guess ? `; did you mean "${guess}"?` : allowed.length ? `; allowed: ${allowed.join(", ")}` : ""}`;
        pos = positionOf(loaded, [...path, key], { key: true });
        out.push(diagnostic(loaded.file, pos, "error", "schema-unknown-key", message));
        continue;
      }
      case "required":
        message = `${where} is missing the required key "${(e.params as { missingProperty: string }).missingProperty}"`;
        break;
      case "enum":
        message = `${where} must be one of: ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(", ")}`;
        break;
      case "type":
        message = `${where} must be ${article((e.params as { type: string }).type)}${expect ? ` (${expect})` : ""}`;
        break;
      case "pattern":
        message = `${where} must be ${expect ?? `a string matching ${(e.params as { pattern: string }).pattern}`}`;
        break;
      case "anyOf":
      case "oneOf":
        message = `${where} must be ${expect ?? "one of the allowed forms"}`;
        break;
      case "propertyNames":
      case "if": // reported through the then/else branch's own error
        continue; // reported through the nested pattern error with the key itself
      default:
        message = `${where} ${e.message ?? "is invalid"}${expect ? ` (expected ${expect})` : ""}`;
    }
    if (e.keyword === "pattern" && e.schemaPath.includes("/propertyNames/")) {
      const key = String((e.params as { propertyName?: string }).propertyName ?? path[path.length - 1]);
      message = `"${key}" is not a valid key here: ${expect ?? "a whole number from 1"}`;
    }
    out.push(diagnostic(loaded.file, pos, "error", `schema-${e.keyword}`, message));
  }
  return out;
}

const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);


/** Runs every registered rule over a schema-valid document and its model. */
export function runRules(loaded: LoadedDocument, model: SystemModel): Diagnostic[] {
  const ctx: RuleContext = {
    loaded,
    data: loaded.data as RawSystem,
    model,
    at: (path, message, opts) => diagnostic(loaded.file, positionOf(loaded, path, { key: opts?.key }), opts?.severity ?? "error", "", message),
  };
  const out: Diagnostic[] = [];
  for (const rule of RULES) {
    for (const d of rule.check(ctx)) out.push({ ...d, rule: d.rule || rule.id, severity: d.severity });
  }
  return out;
}
