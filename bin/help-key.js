// The key of the recorded `msa --help` (dist/cli/help.json, written by scripts/compile-help.mjs): a hash over the
// compiled CLI (dist/cli, dist/cli/commands), package.json and commander's package.json. Shared by the build step
// and bin/msa.js's fast path, so the record is used only for exactly the code it was printed by.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";

export function helpKey(root) {
  const h = createHash("sha256");
  for (const dir of ["dist/cli", "dist/cli/commands"]) {
    for (const name of fs.readdirSync(path.join(root, dir)).filter((n) => n.endsWith(".js")).sort()) {
      h.update(`${dir}/${name}\0`).update(fs.readFileSync(path.join(root, dir, name))).update("\0");
    }
  }
  h.update(fs.readFileSync(path.join(root, "package.json")));
  const commander = createRequire(path.join(root, "package.json")).resolve("commander"); // its index.js, at the package root
  h.update(fs.readFileSync(path.join(path.dirname(commander), "package.json")));
  return h.digest("hex");
}
