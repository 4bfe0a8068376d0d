#!/usr/bin/env python3
"""Runs a command in a pseudo-terminal and answers its prompts, as a person at a terminal would.

usage: pty-drive.py SCRIPT_JSON -- COMMAND [ARGS...]
SCRIPT_JSON is a list of [regex, text]: wait until the screen output matches regex (15 s at most),
then type text. Prints everything the program wrote; exits with the program's exit code
(124 when an expected prompt never came)."""
import json, os, pty, re, select, sys, time

def main():
    sep = sys.argv.index("--")
    script = json.loads(sys.argv[1])
    cmd = sys.argv[sep + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm"
        os.execvp(cmd[0], cmd)
    out = b""
    def read(timeout):
        nonlocal out
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return True
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        out += chunk
        return True
    seen = 0
    for pattern, text in script:
        deadline = time.time() + 15
        rx = re.compile(pattern.encode())
        while True:
            m = rx.search(out, seen)
            if m:
                seen = m.end()
                break
            if time.time() > deadline or not read(0.2):
                sys.stdout.write(out.decode(errors="replace"))
                sys.stdout.write(f"\n[pty-drive] never saw {pattern!r}\n")
                os.kill(pid, 9)
                sys.exit(124)
        time.sleep(0.05)
        os.write(fd, text.encode())
    deadline = time.time() + 60
    while time.time() < deadline and read(0.5):
        pass
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode(errors="replace"))
    sys.exit(os.waitstatus_to_exitcode(status))

main()
