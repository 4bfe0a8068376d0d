// The load → validate → model stages as every command runs them, with the disk at the edge.
import fs from "node:fs";
import path from "node:path";
import { CannotRunError, diagnostic, type Diagnostic } from "../core/diagnostics.js";
import { displayPath, locateSystemFile } from "./locate.js";
import { fileTooLarge, loadYamlText, MAX_SYSTEM_FILE_BYTES } from "../core/load.js";
import { buildModel, type SystemModel } from "../core/model.js";
import { validateSchema, runRules, setPrecompiledLoader } from "../core/validate.js";
import { requireWithCodeCache } from "./code-cache.js";
import { applyLint } from "../core/lint.js";
import { rememberSource } from "./sources.js";

export { displayPath, locateSystemFile, SYSTEM_FILE } from "./locate.js";

// the schema validator from its V8 code cache where the build wrote one (issue #24)
setPrecompiledLoader(requireWithCodeCache);

export interface LoadedSystem {
  /** Absolute path of system.yaml. */
  path: string;
  model?: SystemModel;
  diagnostics: Diagnostic[];
}

/**
 * Runs load → schema → model → rules. `model` is set whenever the schema passed (rule errors
 * are in `diagnostics`; callers that write anything must refuse when `hasErrors(diagnostics)`).
 */
export function loadSystem(cwd: string, file?: string): LoadedSystem {
  const abs = locateSystemFile(cwd, file);
  return loadSystemAt(abs, displayPath(cwd, abs));
}

export function loadSystemAt(abs: string, shown: string, text?: string): LoadedSystem {
  if (text === undefined) {
    const size = fs.statSync(abs).size;
    if (size > MAX_SYSTEM_FILE_BYTES) {
      return { path: abs, diagnostics: [fileTooLarge(shown, size)] };
    }
    try {
      text = fs.readFileSync(abs, "utf8");
    } catch (e) {
      throw new CannotRunError(`cannot read ${shown}: ${(e as Error).message}`);
    }
  }
  rememberSource(shown, text);
  if (text.trim() === "" || /^(\s*#[^\n]*\n?)*\s*$/.test(text))
    return { path: abs, diagnostics: [diagnostic(shown, undefined, "error", "file-empty", `${shown} is empty: write a system (\`msa init --force\` writes a starting one; \`msa explain file-empty\` shows the smallest)`)] };
  const { loaded, diagnostics } = loadYamlText(text, shown);
  if (!loaded) return { path: abs, diagnostics };
  const schemaDiagnostics = validateSchema(loaded);
  if (schemaDiagnostics.length) return { path: abs, diagnostics: [...diagnostics, ...schemaDiagnostics] };
  const dir = path.dirname(abs);
  const built = buildModel({ loaded, dir, readFile: (p) => fs.readFileSync(p, "utf8") });
  const all = [...diagnostics, ...built.diagnostics];
  if (built.model) all.push(...runRules(loaded, built.model));
  return { path: abs, model: built.model, diagnostics: applyLint(all, loaded) };
}

/**
 * system.yaml parsed and modelled without the schema pass and the rules — for commands that only read it
 * (validate-events, analyze-deps); `msa validate` is the place for validity. YAML errors and unreadable
 * schema files are reported. `text` null means the file is over the size limit.
 */
export function loadModelOnly(abs: string, shown: string, text: string | null): { model?: SystemModel; diagnostics: Diagnostic[] } {
  if (text === null) return { diagnostics: [fileTooLarge(shown, fs.statSync(abs).size)] };
  const { loaded, diagnostics } = loadYamlText(text, shown);
  if (!loaded) return { diagnostics };
  if (!loaded.data || typeof loaded.data !== "object" || Array.isArray(loaded.data))
    return { diagnostics: [diagnostic(shown, undefined, "error", "schema-type", `${shown} must be a mapping with version, name, contexts and events; run msa validate`)] };
  const built = buildModel({ loaded, dir: path.dirname(abs), readFile: (p) => fs.readFileSync(p, "utf8") });
  return { model: built.model, diagnostics: [...diagnostics, ...built.diagnostics] };
}
