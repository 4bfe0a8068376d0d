// msa events dlq (built CLI) where no broker is needed: usage errors and an unreachable broker exit 2 with one
// line naming the fix and no stack. The broker paths run in test/e2e/dlq-*.test.ts.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { BIN, exampleDir } from "../support/cli.js";

const run = async (args: string[], cwd: string, env: Record<string, string> = {}) => {
  const r = await execa("node", [BIN, "events", "dlq", ...args], { cwd, reject: false, env: { NO_COLOR: "1", BROKER_URL: "", ...env } });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
};

describe("msa events dlq (built CLI)", () => {
  it("names the fix when the broker is unreachable (exit 2, no stack, no password)", async () => {
    const r = await run(["list"], exampleDir("shop"), { BROKER_URL: "amqp://guest:secret@127.0.0.1:1" });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^msa: cannot reach the rabbitmq broker at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:1 .*set BROKER_URL or --broker-url/);
    expect(r.stderr).not.toContain("secret");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("asks for a broker when there is none", async () => {
    const r = await run(["list"], exampleDir("shop"));
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("set BROKER_URL or pass --broker-url");
  });

  it("refuses a context that consumes nothing, and a replay without ids or --all", async () => {
    const dir = exampleDir("shop");
    const noConsumer = await run(["list", "--context", "nope", "--broker-url", "amqp://127.0.0.1:1"], dir);
    expect(noConsumer.exitCode).toBe(2);
    expect(noConsumer.stderr).toContain("no context named nope");
    const replay = await run(["replay", "--context", "inventory", "--broker-url", "amqp://127.0.0.1:1"], dir);
    expect(replay.exitCode).toBe(2);
    expect(replay.stderr).toContain("replay needs dead-letter ids or --all");
  });

  it("has help with examples", async () => {
    const r = await run(["--help"], exampleDir("shop"));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain("msa events dlq list");
  });
});
