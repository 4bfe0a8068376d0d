// The load → validate → model stages as every command runs them, with the disk at the edge.
import fs from "node:fs";
import path from "node:path";
import { CannotRunError, type Diagnostic } from "../core/diagnostics.js";
import { displayPath, locateSystemFile } from "./locate.js";
import { fileTooLarge, loadYamlText, MAX_SYSTEM_FILE_BYTES } from "../core/load.js";
import { buildModel, type SystemModel } from "../core/model.js";
import { validateSchema, runRules } from "../core/validate.js";

export { displayPath, locateSystemFile, SYSTEM_FILE } from "./locate.js";

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
  const { loaded, diagnostics } = loadYamlText(text, shown);
  if (!loaded) return { path: abs, diagnostics };
  const schemaDiagnostics = validateSchema(loaded);
  if (schemaDiagnostics.length) return { path: abs, diagnostics: [...diagnostics, ...schemaDiagnostics] };
  const dir = path.dirname(abs);
  const built = buildModel({ loaded, dir, readFile: (p) => fs.readFileSync(p, "utf8") });
  const all = [...diagnostics, ...built.diagnostics];
  if (built.model) all.push(...runRules(loaded, built.model));
  return { path: abs, model: built.model, diagnostics: all };
}
