// What a command gets from the outside world. Tests pass their own (captured output, temp cwd).
export interface CliContext {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stdout is a terminal: prompts, colour and progress are allowed. */
  isTTY: boolean;
  /** Colour allowed (TTY and no NO_COLOR). */
  color: boolean;
  stdin: NodeJS.ReadableStream;
}

export function processContext(): CliContext {
  const isTTY = Boolean(process.stdout.isTTY);
  // A reader that stops early (`msa … | head`) closes the pipe: the rest of the output is dropped
  // quietly and the run goes on, so the exit code still says what it found.
  let readerGone = false;
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    readerGone = true;
  });
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: (t) => {
      if (!readerGone) process.stdout.write(t);
    },
    stderr: (t) => void process.stderr.write(t),
    isTTY,
    color: isTTY && !("NO_COLOR" in process.env) && process.env.TERM !== "dumb",
    stdin: process.stdin,
  };
}
