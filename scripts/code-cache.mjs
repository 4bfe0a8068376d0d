// Build step (npm run build, last): the V8 code cache of validate's script bundle (dist/bundle/validate.cjs, made by
// scripts/bundle-cli.mjs), dist/bundle/validate.cache, which bin/script-bundle.js compiles it from (issue #24). The
// cache is taken after validating the examples and a synthetic 50-context system with the bundle, so it holds the
// functions a validation runs and not only the bundle's top level. Its head is the bundle's text (32-bit length,
// then the bytes): bin/msa.js uses the cache only for exactly that text.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runScriptBundle } from "../bin/script-bundle.js";
import { synthSystem } from "../bench/synth.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const file = path.join(root, "dist/bundle/validate.cjs");
const out = file.replace(/\.cjs$/, ".cache");
fs.rmSync(out, { force: true }); // never an old cache beside a new bundle
const source = fs.readFileSync(file);
const { script, exports } = runScriptBundle(file, source.toString("utf8"));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "msa-code-cache-"));
fs.writeFileSync(path.join(tmp, "system.yaml"), synthSystem(50));
const systems = [path.join(root, "examples/shop/system.yaml"), path.join(root, "examples/minimal/system.yaml"), path.join(tmp, "system.yaml")];
const { stdout, stderr } = process;
const write = { out: stdout.write, err: stderr.write };
stdout.write = stderr.write = () => true; // the reports of the warm-up runs
try {
  for (const f of systems) await exports.runValidateFast(["--file", f]);
} finally {
  stdout.write = write.out;
  stderr.write = write.err;
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.exitCode = 0; // the warm-up runs' verdicts are not the build's
const length = Buffer.alloc(4);
length.writeUInt32LE(source.length);
const tmpOut = out + ".tmp";
fs.writeFileSync(tmpOut, Buffer.concat([length, source, script.createCachedData()]));
fs.renameSync(tmpOut, out);
