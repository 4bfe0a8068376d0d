// The generate fast path (src/cli/fast-generate.ts, issue #24) must read every argv exactly as the commander
// program does, or hand it to commander: same flags, same options for the action, and through the built CLI
// the same output, exit code and files as the commander path (main() in-process).
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Command, Option } from "commander";
import { execa } from "execa";
import { buildProgram } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";
import { FAST_GENERATE_FLAGS, FAST_GENERATE_FORMATS, fastGenerateOptions } from "../../src/cli/fast-generate.js";
import { BIN, tempDir, type Run } from "../support/cli.js";
import { commanderLoaded, loadedModules, viaMain as viaMainIn } from "../support/fast-path.js";

const quiet = { cwd: "/", env: {}, isTTY: false, color: false, stdout: () => {}, stderr: () => {}, stdin: Readable.from([]) } as unknown as CliContext;

async function commanderCommand(): Promise<{ program: Command; cmd: Command }> {
  const program = await buildProgram(quiet, () => {}, "generate");
  const cmd = program.commands.find((c) => c.name() === "generate");
  if (!cmd) throw new Error("generate is not defined");
  return { program, cmd };
}

/** What commander gives generate's action for argv, or "error" when it refuses it. */
async function commanderOptions(args: string[]): Promise<Record<string, unknown> | "error"> {
  const { program, cmd } = await commanderCommand();
  let seen: Record<string, unknown> | undefined;
  cmd.action((opts: Record<string, unknown>) => {
    seen = { ...opts };
  });
  try {
    await program.parseAsync(["node", "msa", "generate", ...args]);
  } catch {
    return "error";
  }
  return seen ?? "error";
}

describe("generate fast path: flags", () => {
  it("declares commander's flags but --force (left to commander): names, values, short forms, format choices and default", async () => {
    const { cmd } = await commanderCommand();
    const options = cmd.options.filter((o: Option) => o.long !== "--help" && o.long !== "--force");
    const fromCommander = Object.fromEntries(
      options.map((o: Option) => [o.long!.slice(2), { type: o.required || o.optional ? "string" : "boolean", short: o.short?.slice(1) }]),
    );
    const fromFast = Object.fromEntries(Object.entries(FAST_GENERATE_FLAGS).map(([k, v]) => [k, { type: v.type, short: v.short }]));
    expect(fromFast).toEqual(fromCommander);
    const format = options.find((o: Option) => o.long === "--format")!;
    expect(format.argChoices).toEqual([...FAST_GENERATE_FORMATS]);
    expect(format.defaultValue).toBe("text");
  });
});

describe("generate fast path: every argv reads as commander reads it, or goes to commander", () => {
  // [argv, must the fast path take it?]
  const CASES: [string[], boolean][] = [
    [[], true],
    [["-f", "sys/system.yaml"], true],
    [["-fsys/system.yaml", "--format", "json"], true],
    [["--file=system.yaml", "--format=json"], true],
    [["--check", "--diff"], true],
    [["--dry-run", "--verbose"], true],
    [["--only", "a", "--only", "b,c"], true],
    [["--only=a", "--out", "/tmp/x"], true],
    [["--out=o", "--format", "json", "--format", "text"], true],
    [["--check", "--dry-run"], true], // the action refuses it, as it does after commander
    [["--force"], false],
    [["--force", "a.yml"], false],
    [["--help"], false],
    [["-h"], false],
    [["--bogus"], false],
    [["--file"], false],
    [["--only"], false],
    [["extra"], false],
    [["--", "x"], false],
    [["--format", "github"], false],
    [["--format", "-x"], false],
    [["--only", "--check"], false],
    [["-f=x"], false],
    [["--check=yes"], false],
  ];
  for (const [args, fast] of CASES) {
    it(`${JSON.stringify(args)}: ${fast ? "fast path, same options" : "left to commander"}`, async () => {
      const mine = fastGenerateOptions(args);
      const theirs = await commanderOptions(args);
      if (fast) expect(mine).toBeDefined();
      else expect(mine).toBeUndefined();
      if (mine !== undefined) expect(theirs).toEqual(mine);
    });
  }
});

describe("generate fast path: the built CLI answers as the commander path does", () => {
  let dir: string;
  const SYSTEM = "version: 1\nname: t\ncontexts:\n  a: { port: 3001, publishes: [x.done], calls: { b: {} } }\n  b: { port: 3002, api: ['GET /b'] }\nevents:\n  x.done:\n    versions:\n      1: { type: object }\n";
  beforeAll(() => {
    dir = tempDir("msa-fast-generate-");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A fresh folder with system.yaml (and bad.yaml), for one run. */
  const fresh = (name: string): string => {
    const d = path.join(dir, name);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, "system.yaml"), SYSTEM);
    fs.writeFileSync(path.join(d, "bad.yaml"), "version: 1\nname: t\ncontexts:\n  a: { port: 99999 }\n");
    return d;
  };
  /**
   * Every file under d with its bytes (the generated tree); the manifest's input fingerprint left out — it hashes
   * msa's own code, which is src/ in this process and dist/ in the built CLI.
   */
  const tree = (d: string): Record<string, string> =>
    Object.fromEntries(
      (fs.readdirSync(d, { recursive: true }) as string[])
        .filter((f) => fs.statSync(path.join(d, f)).isFile())
        .sort()
        .map((f) => [f, fs.readFileSync(path.join(d, f), "utf8").replace(/"fingerprint": "[0-9a-f]+"/, '"fingerprint": …')]),
    );

  it("takes the fast path for real: commander is never loaded (and is, for --force)", async () => {
    const d = fresh("probe");
    expect(await commanderLoaded(d, "generate", ["--dry-run"])).toMatch(/commander not loaded$/);
    expect(await commanderLoaded(d, "generate", ["--dry-run", "--force"])).toMatch(/commander loaded$/);
  });

  it("loads generate's code as the one bundled module the build made (scripts/bundle-cli.mjs), not module by module", async () => {
    const { exitCode, loaded } = await loadedModules(fresh("loads"), "generate", ["--dry-run"], "ignored");
    expect(exitCode).toBe(0);
    expect(loaded.filter((m) => !m.endsWith(".cjs") && !m.endsWith(".json"))).toEqual(["bin/msa.js", "dist/bundle/generate.js"]);
  });

  const RUNS: string[][] = [[], ["--format", "json"], ["--dry-run", "--verbose"], ["--check"], ["--only", "a"], ["-f", "bad.yaml"], ["-f", "missing.yaml", "--format", "json"], ["--check", "--dry-run"]];
  for (const args of RUNS) {
    it(`msa generate ${args.join(" ")}`, async () => {
      expect(fastGenerateOptions(args)).toBeDefined(); // this run takes the fast path
      const name = args.join("_").replace(/[^a-z_]/g, "") || "plain";
      const fast = fresh(`fast-${name}`);
      const slow = fresh(`main-${name}`);
      const r = await execa("node", [BIN, "generate", ...args], { cwd: fast, reject: false, stripFinalNewline: false, env: { NO_COLOR: "1" } });
      expect({ exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }).toEqual(await viaMainIn(slow, "generate", args));
      expect(tree(fast)).toEqual(tree(slow));
    });
  }
});
