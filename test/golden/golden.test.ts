// Golden tests: the whole generated tree of each example, rendered in memory, compared byte for byte with
// the committed files under test/golden/<case>/ (each stored with a `.golden` suffix, so generated tests and
// sources are never picked up by vitest or tsc). `UPDATE_GOLDEN=1 npx vitest run test/golden` rewrites them.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { planSystem } from "../../src/core/plan/index.js";
import { exampleModel, modelFromYaml, renderer } from "../helpers/engine-model.js";

const CASES = ["minimal", "shop"];
/**
 * Fixture cases (test/fixtures/<case>/system.yaml): only the files a feature changes are kept as golden files.
 * consul — `discovery: consul`: the services' discovery modules and their wiring, compose, the k8s env and policies,
 * the architecture doc.
 */
const FIXTURES: Record<string, RegExp> = {
  consul: /(discovery(\.test)?\.(ts|py)|src\/generated\/(app|clients)\.ts|src\/main\.ts|gateway\/src\/(app|routes)\.ts|gunicorn\.conf\.py|app\/clients\.py|requirements\.txt|\/package\.json|docker-compose\.yml|docs\/architecture\.md|k8s\/base\/[^/]+\/(deployment|networkpolicy|configmap)\.yaml)$/,
};
const SUFFIX = ".golden";
const here = import.meta.dirname;
const update = process.env.UPDATE_GOLDEN === "1";

function listFiles(dir: string, base = dir): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(full, base) : [path.relative(base, full).split(path.sep).join("/")];
  });
}

describe.each([...CASES, ...Object.keys(FIXTURES)])("golden %s", (name) => {
  const dir = path.join(here, name);
  const fixture = FIXTURES[name];
  const planned = fixture
    ? planSystem(modelFromYaml(fs.readFileSync(path.join(here, "..", "fixtures", name, "system.yaml"), "utf8")), renderer()).filter((f) => fixture.test(f.path))
    : planSystem(exampleModel(name), renderer());
  const want = new Map(planned.map((f) => [f.path, f.content]));

  if (update) {
    fs.rmSync(dir, { recursive: true, force: true });
    for (const [p, content] of want) {
      const abs = path.join(dir, p + SUFFIX);
      fs.mkdirSync(path.dirname(abs), { recursive: true });
      fs.writeFileSync(abs, content);
    }
  }

  it("has exactly the planned files", () => {
    const have = listFiles(dir).map((p) => p.slice(0, -SUFFIX.length)).sort();
    expect(have).toEqual([...want.keys()].sort());
  });

  // a fixture case keeps only the files of its feature: the full-tree check is the examples'
  if (!fixture)
    it("covers every artifact kind", () => {
      const paths = [...want.keys()];
      for (const p of ["docker-compose.yml", "asyncapi.yaml", "docs/architecture.md", "scripts/deploy-to-k8s.sh"]) expect(paths).toContain(p);
    });

  it.each([...want.keys()])("%s", (p) => {
    const abs = path.join(dir, p + SUFFIX);
    expect(fs.existsSync(abs), `${p} has no golden file; run UPDATE_GOLDEN=1 npx vitest run test/golden`).toBe(true);
    expect(want.get(p)).toBe(fs.readFileSync(abs, "utf8"));
  });
});
