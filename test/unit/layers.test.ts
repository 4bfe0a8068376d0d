// The pipeline's layers, checked on the sources: src/core is pure (no disk, network or process; nothing from
// io or cli), src/io reaches the world but never up into the command layer (src/cli). A new import that breaks
// the direction fails here with the file and the specifier.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const SRC = path.resolve(__dirname, "../../src");

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

/** Every module a file imports: static `from "…"`, side-effect `import "…"` and dynamic `import("…")`. */
function importsOf(text: string): string[] {
  const found: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) found.push(m[1] as string);
  return found;
}

function layerOf(file: string): string {
  return path.relative(SRC, file).split(path.sep)[0] as string;
}

/** What each layer may not import: other layers (by where the specifier resolves) and world-facing modules. */
const FORBIDDEN_LAYERS: Record<string, string[]> = { core: ["io", "cli"], io: ["cli"], cli: [] };
const IMPURE = /^(node:)?(fs|fs\/promises|child_process|net|http|https|worker_threads|dgram|tls)$|^(execa|amqplib|nats|kafkajs|pg|mysql2|mongodb|redis|ioredis)$/;

function violations(file: string, text: string): string[] {
  const layer = layerOf(file);
  const out: string[] = [];
  for (const spec of importsOf(text)) {
    if (spec.startsWith(".")) {
      const target = layerOf(path.resolve(path.dirname(file), spec));
      if (FORBIDDEN_LAYERS[layer]?.includes(target)) out.push(`${path.relative(SRC, file)} imports ${spec} (src/${layer} may not import src/${target})`);
    } else if (layer === "core" && IMPURE.test(spec) && !/^\s*import\s+type\b[^;]*["']/m.test(lineOf(text, spec))) {
      out.push(`${path.relative(SRC, file)} imports ${spec} (src/core is pure: move the I/O to src/io)`);
    }
  }
  return out;
}

function lineOf(text: string, spec: string): string {
  return text.split("\n").find((l) => l.includes(`"${spec}"`) || l.includes(`'${spec}'`)) ?? "";
}

describe("layers", () => {
  it("src/core imports neither src/io nor src/cli nor a world-facing module; src/io does not import src/cli", () => {
    const all = sources(SRC).flatMap((f) => violations(f, fs.readFileSync(f, "utf8")));
    expect(all).toEqual([]);
  });

  it("the check sees each kind of import and judges by direction", () => {
    const core = path.join(SRC, "core/x.ts");
    const io = path.join(SRC, "io/x.ts");
    expect(importsOf(`import a from "./a.js";\nimport "./side.js";\nconst m = await import("../io/b.js");`)).toEqual(["./a.js", "./side.js", "../io/b.js"]);
    expect(violations(io, `import { loadSystem } from "../cli/system.js";`)).toEqual(["io/x.ts imports ../cli/system.js (src/io may not import src/cli)"]);
    expect(violations(core, `const { run } = await import("../io/deploy.js");`)).toHaveLength(1);
    expect(violations(core, `import fs from "node:fs";`)).toEqual(["core/x.ts imports node:fs (src/core is pure: move the I/O to src/io)"]);
    expect(violations(core, `import type { Channel } from "amqplib";`)).toEqual([]);
    expect(violations(io, `import { model } from "../core/model.js";\nimport fs from "node:fs";`)).toEqual([]);
  });
});
