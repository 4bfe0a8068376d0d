// The analyze-deps fast path (src/cli/fast-analyze-deps.ts, issues #22/#24) must read every argv exactly as the
// commander program does, or hand it to commander: same flags, same paths and options for the action, and
// through the built CLI the same output and exit code as the commander path (main() in-process).
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Command, Option } from "commander";
import { execa } from "execa";
import { buildProgram } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";
import { FAST_ANALYZE_DEPS_FLAGS, FAST_ANALYZE_DEPS_FORMATS, fastAnalyzeDepsArgs } from "../../src/cli/fast-analyze-deps.js";
import { BIN, tempDir, type Run } from "../support/cli.js";
import { commanderLoaded, loadedModules, viaMain as viaMainIn } from "../support/fast-path.js";

const quiet = { cwd: "/", env: {}, isTTY: false, color: false, stdout: () => {}, stderr: () => {}, stdin: Readable.from([]) } as unknown as CliContext;

async function commanderCommand(): Promise<{ program: Command; cmd: Command }> {
  const program = await buildProgram(quiet, () => {}, "analyze-deps");
  const cmd = program.commands.find((c) => c.name() === "analyze-deps");
  if (!cmd) throw new Error("analyze-deps is not defined");
  return { program, cmd };
}

/** What commander gives analyze-deps' action for argv, or "error" when it refuses it. */
async function commanderArgs(args: string[]): Promise<{ paths: string[]; opts: Record<string, unknown> } | "error"> {
  const { program, cmd } = await commanderCommand();
  let seen: { paths: string[]; opts: Record<string, unknown> } | undefined;
  cmd.action((paths: string[], opts: Record<string, unknown>) => {
    seen = { paths: [...paths], opts: { ...opts } };
  });
  try {
    await program.parseAsync(["node", "msa", "analyze-deps", ...args]);
  } catch {
    return "error";
  }
  return seen ?? "error";
}

describe("analyze-deps fast path: flags", () => {
  it("declares exactly commander's flags: names, values, short forms, format choices and default", async () => {
    const { cmd } = await commanderCommand();
    const options = cmd.options.filter((o: Option) => o.long !== "--help");
    const fromCommander = Object.fromEntries(
      options.map((o: Option) => [o.long!.slice(2), { type: o.required || o.optional ? "string" : "boolean", multiple: (o.defaultValue as unknown) instanceof Array || undefined, short: o.short?.slice(1) }]),
    );
    const fromFast = Object.fromEntries(Object.entries(FAST_ANALYZE_DEPS_FLAGS).map(([k, v]) => [k, { type: v.type, multiple: v.multiple, short: v.short }]));
    expect(fromFast).toEqual(fromCommander);
    for (const name of ["--format", "--output-format"]) expect(options.find((o: Option) => o.long === name)!.argChoices).toEqual([...FAST_ANALYZE_DEPS_FORMATS]);
    expect(options.find((o: Option) => o.long === "--format")!.defaultValue).toBe("text");
  });
});

describe("analyze-deps fast path: every argv reads as commander reads it, or goes to commander", () => {
  // [argv, must the fast path take it?]
  const CASES: [string[], boolean][] = [
    [[], true],
    [["."], true],
    [["services", "gateway", "--format", "json"], true],
    [["--format=mermaid", "src"], true],
    [["-f", "sys/system.yaml", "--format", "dot"], true],
    [["-fsys/system.yaml"], true],
    [["--file=system.yaml", "."], true],
    [["--exclude", "legacy/*", "--exclude=vendor", ".", "--services", "apps/*"], true],
    [["--service-prefix", "http://user-service", "--service-prefix", "http://b"], true],
    [["--fail-on", "none", "--max-callees", "3"], true],
    [["--max-callees=0", "--max-callees", "1000"], true],
    [["--all-files", "--include-vendored", "--dry-run"], true],
    [["--output-format", "json"], true],
    [["--format", "json", "--format", "text"], true],
    [["--help"], false],
    [["-h"], false],
    [["--bogus"], false],
    [["--file"], false],
    [["--", "x"], false],
    [["--format", "yaml"], false],
    [["--output-format", "yaml"], false],
    [["--format", "-x"], false],
    [["--exclude", "-x"], false],
    [["-f=x"], false],
    [["--dry-run=yes"], false],
    [["--max-callees", "x"], false],
    [["--max-callees", "1001"], false],
    [["--max-callees", "-1"], false],
    [["--exclude", "--all-files"], false],
  ];
  for (const [args, fast] of CASES) {
    it(`${JSON.stringify(args)}: ${fast ? "fast path, same paths and options" : "left to commander"}`, async () => {
      const mine = fastAnalyzeDepsArgs(args);
      const theirs = await commanderArgs(args);
      if (fast) expect(mine).toBeDefined();
      else expect(mine).toBeUndefined();
      if (mine !== undefined) expect(theirs).toEqual(mine);
    });
  }
});

describe("analyze-deps fast path: the built CLI answers as the commander path does", () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir("msa-fast-analyze-deps-");
    fs.writeFileSync(path.join(dir, "system.yaml"), "version: 1\nname: t\ncontexts:\n  a: { port: 3001, calls: { b: {} } }\n  b: { port: 3002, api: ['GET /b'] }\n  c: { port: 3003 }\n");
    fs.mkdirSync(path.join(dir, "services/a"), { recursive: true });
    fs.mkdirSync(path.join(dir, "services/c"), { recursive: true });
    fs.writeFileSync(path.join(dir, "services/a/index.js"), 'fetch("http://b:3002/b");\nfetch(process.env.C_URL + "/x");\n');
    fs.writeFileSync(path.join(dir, "services/c/main.py"), "print('hi')\n");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const viaMain = (args: string[]): Promise<Run> => viaMainIn(dir, "analyze-deps", args);

  it("takes the fast path for real: commander is never loaded (and is, for --help)", async () => {
    const loaded = (args: string[]): Promise<string> => commanderLoaded(dir, "analyze-deps", args);
    expect(await loaded(["--format", "json"])).toMatch(/commander not loaded$/);
    expect(await loaded(["--help"])).toMatch(/commander loaded$/);
  });

  it("loads the command's code as the one bundled module the build made (scripts/bundle-cli.mjs), not module by module (packages stay packages)", async () => {
    const { exitCode, loaded } = await loadedModules(dir, "analyze-deps", ["--format", "json", "--fail-on", "none"], "ignored");
    expect(exitCode).toBe(0);
    expect(loaded).toEqual(["bin/msa.js", "dist/bundle/analyze-deps.js"]);
  });

  const RUNS: string[][] = [[], ["--format", "json"], ["--format", "mermaid"], ["--format", "dot", "--fail-on", "none"], ["services/a", "--dry-run"], ["-f", "missing.yaml", "--format", "json"], ["nowhere"], ["--exclude", "services/c", "--max-callees", "0"]];
  for (const args of RUNS) {
    it(`msa analyze-deps ${args.join(" ")}`, async () => {
      expect(fastAnalyzeDepsArgs(args)).toBeDefined(); // this run takes the fast path
      const r = await execa("node", [BIN, "analyze-deps", ...args], { cwd: dir, reject: false, stripFinalNewline: false, env: { NO_COLOR: "1" } });
      expect({ exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }).toEqual(await viaMain(args));
    });
  }
});
