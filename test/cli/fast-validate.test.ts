// The validate fast path (src/cli/fast-validate.ts, issue #24) must read every argv exactly as the commander
// program does, or hand it to commander: same flags, same options for the action, and through the built CLI
// the same output and exit code as the commander path (main() in-process).
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Command, Option } from "commander";
import { execa } from "execa";
import { buildProgram } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";
import { FAST_VALIDATE_FLAGS, FAST_VALIDATE_FORMATS, fastValidateOptions } from "../../src/cli/fast-validate.js";
import { BIN, tempDir, type Run } from "../support/cli.js";
import { commanderLoaded, loadedModules, viaMain as viaMainIn } from "../support/fast-path.js";

const quiet = { cwd: "/", env: {}, isTTY: false, color: false, stdout: () => {}, stderr: () => {}, stdin: Readable.from([]) } as unknown as CliContext;

async function commanderCommand(): Promise<{ program: Command; cmd: Command }> {
  const program = await buildProgram(quiet, () => {}, "validate");
  const cmd = program.commands.find((c) => c.name() === "validate");
  if (!cmd) throw new Error("validate is not defined");
  return { program, cmd };
}

/** What commander gives validate's action for argv, or "error" when it refuses it. */
async function commanderOptions(args: string[]): Promise<Record<string, unknown> | "error"> {
  const { program, cmd } = await commanderCommand();
  let seen: Record<string, unknown> | undefined;
  cmd.action((opts: Record<string, unknown>) => {
    seen = { ...opts };
  });
  try {
    await program.parseAsync(["node", "msa", "validate", ...args]);
  } catch {
    return "error";
  }
  return seen ?? "error";
}

describe("validate fast path: flags", () => {
  it("declares exactly commander's flags: names, values, short forms, format choices and default", async () => {
    const { cmd } = await commanderCommand();
    const options = cmd.options.filter((o: Option) => o.long !== "--help");
    const fromCommander = Object.fromEntries(
      options.map((o: Option) => [o.long!.slice(2), { type: o.required || o.optional ? "string" : "boolean", multiple: o.variadic || undefined, short: o.short?.slice(1) }]),
    );
    const fromFast = Object.fromEntries(Object.entries(FAST_VALIDATE_FLAGS).map(([k, v]) => [k, { type: v.type, multiple: v.multiple, short: v.short }]));
    expect(fromFast).toEqual(fromCommander);
    const format = options.find((o: Option) => o.long === "--format")!;
    expect(format.argChoices).toEqual([...FAST_VALIDATE_FORMATS]);
    expect(format.defaultValue).toBe("text");
  });
});

describe("validate fast path: every argv reads as commander reads it, or goes to commander", () => {
  // [argv, must the fast path take it?]
  const CASES: [string[], boolean][] = [
    [[], true],
    [["-f", "sys/system.yaml"], true],
    [["-fsys/system.yaml", "--format", "json"], true],
    [["--file=system.yaml", "--format=github"], true],
    [["--against", "HEAD~1"], true],
    [["--against=v1", "--format", "text", "--format", "json"], true],
    [["--list-rules"], true],
    [["--list-rules", "--format", "json"], true],
    [["--help"], false],
    [["-h"], false],
    [["--bogus"], false],
    [["--file"], false],
    [["extra"], false],
    [["--", "x"], false],
    [["--format", "yaml"], false],
    [["--format", "-x"], false],
    [["-f=x"], false],
    [["--list-rules=yes"], false],
    [["--against", "--list-rules"], false],
  ];
  for (const [args, fast] of CASES) {
    it(`${JSON.stringify(args)}: ${fast ? "fast path, same options" : "left to commander"}`, async () => {
      const mine = fastValidateOptions(args);
      const theirs = await commanderOptions(args);
      if (fast) expect(mine).toBeDefined();
      else expect(mine).toBeUndefined();
      if (mine !== undefined) expect(theirs).toEqual(mine);
    });
  }
});

describe("validate fast path: the built CLI answers as the commander path does", () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir("msa-fast-validate-");
    fs.writeFileSync(path.join(dir, "system.yaml"), "version: 1\nname: t\ncontexts:\n  a: { port: 3001, publishes: [x.done], calls: { b: {} } }\n  b: { port: 3002, api: ['GET /b'] }\nevents:\n  x.done:\n    versions:\n      1: { type: object }\n");
    fs.writeFileSync(path.join(dir, "bad.yaml"), "version: 1\nname: t\ncontexts:\n  a: { port: 99999 }\n");
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const viaMain = (args: string[]): Promise<Run> => viaMainIn(dir, "validate", args);

  it("takes the fast path for real: commander is never loaded (and is, for --help)", async () => {
    const loaded = (args: string[]): Promise<string> => commanderLoaded(dir, "validate", args);
    expect(await loaded(["--format", "json"])).toMatch(/commander not loaded$/);
    expect(await loaded(["--help"])).toMatch(/commander loaded$/);
  });

  it("loads validate's code as the one bundled module the build made (scripts/bundle-cli.mjs), not module by module", async () => {
    const { exitCode, loaded } = await loadedModules(dir, "validate", ["--format", "json"]);
    expect(exitCode).toBe(0);
    expect(loaded).toEqual(["bin/msa.js", "dist/bundle/validate.js"]);
  });

  const RUNS: string[][] = [[], ["--format", "json"], ["--format", "github"], ["-f", "bad.yaml"], ["-f", "missing.yaml", "--format", "json"], ["--against", "HEAD"], ["--list-rules"]];
  for (const args of RUNS) {
    it(`msa validate ${args.join(" ")}`, async () => {
      expect(fastValidateOptions(args)).toBeDefined(); // this run takes the fast path
      const r = await execa("node", [BIN, "validate", ...args], { cwd: dir, reject: false, stripFinalNewline: false, env: { NO_COLOR: "1" } });
      expect({ exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr }).toEqual(await viaMain(args));
    });
  }
});
