// Loads a SystemModel from an example (or YAML text) for the engine's planner tests.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { planPythonServices } from "../../src/core/plan/service-python.js";
import { loadSystemAt } from "../../src/io/system.js";
import type { SystemModel } from "../../src/core/model.js";
import { createRenderer, type Render } from "../../src/core/render.js";
import { loadTemplates } from "../../src/io/templates.js";

export const repoRoot = path.resolve(import.meta.dirname, "..", "..");

export function exampleModel(name: string): SystemModel {
  const abs = path.join(repoRoot, "examples", name, "system.yaml");
  const r = loadSystemAt(abs, `examples/${name}/system.yaml`);
  if (!r.model) throw new Error(`example ${name} did not load: ${JSON.stringify(r.diagnostics)}`);
  return r.model;
}

/** A model from YAML text (written to a temp dir so schema paths resolve). */
export function modelFromYaml(text: string): SystemModel {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-engine-"));
  const abs = path.join(dir, "system.yaml");
  fs.writeFileSync(abs, text);
  const r = loadSystemAt(abs, "system.yaml", text);
  fs.rmSync(dir, { recursive: true, force: true });
  if (!r.model) throw new Error(`model did not load: ${JSON.stringify(r.diagnostics)}`);
  return r.model;
}

let render: Render | undefined;
export const renderer = (): Render => (render ??= createRenderer(loadTemplates()));

/** The python-flask services of a system, rendered and written into a new temp folder (its path; remove it after). */
export function writePythonServices(text: string, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const f of planPythonServices(modelFromYaml(text), renderer())) {
    fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    fs.writeFileSync(path.join(dir, f.path), f.content);
  }
  return dir;
}
