// The validate-events fast path (src/cli/fast-validate-events.ts) must read every argv exactly as the
// commander program does, or hand it to commander: same flags, same options for the action, and through
// the built CLI the same output and exit code as the commander path (main() in-process).
import fs from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Command, Option } from "commander";
import { buildProgram } from "../../src/cli/main.js";
import type { CliContext } from "../../src/cli/context.js";
import { FAST_FLAGS, FAST_FORMATS, fastValidateEventsOptions } from "../../src/cli/fast-validate-events.js";
import { execa } from "execa";
import { BIN, tempDir, type Run } from "../support/cli.js";
import { commanderLoaded, viaMain as viaMainIn } from "../support/fast-path.js";

const quiet = { cwd: "/", env: {}, isTTY: false, color: false, stdout: () => {}, stderr: () => {}, stdin: Readable.from([]) } as unknown as CliContext;

async function commanderCommand(): Promise<{ program: Command; cmd: Command }> {
  const program = await buildProgram(quiet, () => {}, "validate-events");
  const cmd = program.commands.find((c) => c.name() === "validate-events");
  if (!cmd) throw new Error("validate-events is not defined");
  return { program, cmd };
}

/** What commander gives validate-events' action for argv, or "error" when it refuses it. */
async function commanderOptions(args: string[]): Promise<Record<string, unknown> | "error"> {
  const { program, cmd } = await commanderCommand();
  let seen: Record<string, unknown> | undefined;
  cmd.action((opts: Record<string, unknown>) => {
    seen = { ...opts };
  });
  try {
    await program.parseAsync(["node", "msa", "validate-events", ...args]);
  } catch {
    return "error";
  }
  return seen ?? "error";
}

describe("validate-events fast path: flags", () => {
  it("declares exactly commander's flags: names, values, repeatability, short forms, format choices and default", async () => {
    const { cmd } = await commanderCommand();
    const options = cmd.options.filter((o: Option) => o.long !== "--help");
    const fromCommander = Object.fromEntries(
      options.map((o: Option) => [
        o.long!.slice(2),
        { type: o.required || o.optional ? "string" : "boolean", multiple: o.variadic || o.parseArg?.name === "collect" || undefined, short: o.short?.slice(1) },
      ]),
    );
    const fromFast = Object.fromEntries(Object.entries(FAST_FLAGS).map(([k, v]) => [k, { type: v.type, multiple: v.multiple, short: v.short }]));
    expect(fromFast).toEqual(fromCommander);
    const format = options.find((o: Option) => o.long === "--format")!;
    expect(format.argChoices).toEqual([...FAST_FORMATS]);
    expect(format.defaultValue).toBe("text");
  });
});

describe("validate-events fast path: every argv reads as commander reads it, or goes to commander", () => {
  // [argv, must the fast path take it?]
  const CASES: [string[], boolean][] = [
    [["--dir", "events"], true],
    [["--dir", "a", "--dir=b", "--event-file", "x.json", "--event-file=y.ndjson"], true],
    [["--event-file", "e.json", "--schema-file", "s.json"], true],
    [["--ndjson", "-"], true],
    [["--ndjson", "a.ndjson", "--ndjson", "b.ndjson", "--format", "json"], true],
    [["--compat", "--transitive", "-f", "sys/system.yaml"], true],
    [["--compat", "-fsys/system.yaml"], true],
    [["--compat", "--file=system.yaml", "--format=github"], true],
    [["--dir", "d", "--no-cache", "--dry-run"], true],
    [["--dir", "d", "--format", "text", "--format", "json"], true],
    [["--dir", "d", "--schema-file", "a.json", "--schema-file", "b.json"], true],
    [["--dir", ""], true],
    [["--compat", "--compat"], true],
    [[], true], // nothing to validate: the command's own usage error, the same either way
    [["--help"], false],
    [["-h"], false],
    [["--dir", "d", "--bogus"], false],
    [["--dir"], false],
    [["--dir", "d", "extra"], false],
    [["--dir", "d", "--", "x"], false],
    [["--format", "yaml", "--dir", "d"], false],
    [["--format", "-x"], false],
    [["--schema-file", "--dir", "d"], false],
    [["-f=x", "--compat"], false],
    [["--cache", "--dir", "d"], false],
    [["--no-cache=1", "--dir", "d"], false],
    [["--compat=yes"], false],
    [["--event-file", "-e.json"], false],
  ];
  for (const [args, fast] of CASES) {
    it(`${JSON.stringify(args)}: ${fast ? "fast path, same options" : "left to commander"}`, async () => {
      const mine = fastValidateEventsOptions(args);
      const theirs = await commanderOptions(args);
      if (fast) expect(mine).toBeDefined();
      else expect(mine).toBeUndefined();
      if (mine !== undefined) expect(theirs).toEqual(mine);
    });
  }
});

describe("validate-events fast path: the built CLI answers as the commander path does", () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir("msa-fast-ve-");
    const put = (rel: string, text: string): void => {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    };
    put("system.yaml", "version: 1\nname: t\ncontexts:\n  a: { publishes: [x.done] }\n  b: { consumes: [x.done] }\nevents:\n  x.done:\n    versions:\n      1: { type: object, required: [id], properties: { id: { type: string, format: uuid } } }\n");
    const ok = { eventId: "3f1c2a4e-8b7d-4c1e-9f2a-1b2c3d4e5f60", eventType: "x.done", aggregateId: "a", timestamp: "2026-11-22T03:00:00Z", version: 1, payload: { id: "3f1c2a4e-8b7d-4c1e-9f2a-1b2c3d4e5f60" } };
    put("ev/ok.json", JSON.stringify(ok, null, 2));
    put("ev/bad.json", JSON.stringify({ ...ok, payload: { id: "not-a-uuid" } }, null, 2));
    put("ev/broken.json", "{ nope");
    put("stream.ndjson", `${JSON.stringify(ok)}\n${JSON.stringify({ ...ok, eventType: "x.dne" })}\n`);
    put("schema.json", JSON.stringify({ type: "object", required: ["eventId"] }));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const viaMain = (args: string[]): Promise<Run> => viaMainIn(dir, "validate-events", args, { MSA_NO_CACHE: "1" });

  it("takes the fast path for real: commander is never loaded (and is, for --help)", async () => {
    const loaded = (args: string[]): Promise<string> => commanderLoaded(dir, "validate-events", args);
    expect(await loaded(["--dir", "ev", "--no-cache"])).toBe("commander not loaded");
    expect(await loaded(["--help"])).toBe("commander loaded");
  });

  const RUNS: string[][] = [
    ["--dir", "ev"],
    ["--dir", "ev", "--format", "json"],
    ["--dir", "ev", "--format", "github", "--no-cache"],
    ["--ndjson", "stream.ndjson", "--event-file", "ev/ok.json"],
    ["--dir", "ev", "--schema-file", "schema.json"],
    ["--event-file", "ev/ok.json", "--schema-file", "missing.json"],
    ["--dir", "nowhere"],
    ["--dir", "ev", "--dry-run"],
    ["--compat"],
    [],
    ["--transitive", "--dir", "ev"],
  ];
  for (const args of RUNS) {
    it(`msa validate-events ${args.join(" ")}`, async () => {
      expect(fastValidateEventsOptions(args)).toBeDefined(); // this run takes the fast path
      const r = await execa("node", [BIN, "validate-events", ...args, "--no-cache"], { cwd: dir, reject: false, stripFinalNewline: false, env: { NO_COLOR: "1" } });
      const built = { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
      const inProcess = await viaMain([...args, "--no-cache"]);
      expect(built).toEqual(inProcess);
    });
  }
});
