// The screenshots of `msa docs` in the README (docs/images/site-*.png): the shop example's site in headless
// Chromium (Debian's chromium, playwright-core). Run after npm run build: node scripts/site-screenshots.mjs
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msa-shots-"));
fs.cpSync(path.join(root, "examples", "shop"), dir, { recursive: true });
const msa = (...args) => execFileSync(process.execPath, [path.join(root, "bin", "msa.js"), ...args], { cwd: dir, stdio: "ignore" });
msa("generate");
msa("docs");
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1200, height: 820 }, deviceScaleFactor: 1 });
const out = path.join(root, "docs", "images");
fs.mkdirSync(out, { recursive: true });
for (const [file, name] of [["index.html", "site-map"], ["contexts/orders.html", "site-context"], ["events/order.created.html", "site-event"]]) {
  await page.goto(`file://${dir}/docs/site/${file}`);
  if (file === "index.html") await page.waitForFunction(() => window.msaMap !== undefined);
  await page.screenshot({ path: path.join(out, `${name}.png`) });
}
await browser.close();
fs.rmSync(dir, { recursive: true, force: true });
console.log(`wrote ${out}/site-{map,context,event}.png`);
