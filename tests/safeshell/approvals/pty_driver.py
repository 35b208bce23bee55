"""Drive an interactive command through a real pseudo-terminal (the standard library's pty)."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROMPT = b"anything else cancels: "


@dataclass
class TerminalRun:
    """What a command printed on its terminal and how it exited."""

    status: int
    output: str


def safeshell_argv(*arguments: str) -> list[str]:
    """Return the argv of the safeshell console script (``python -m`` would put the cwd on sys.path)."""
    return [str(Path(sys.executable).parent / "safeshell"), *arguments]


def run_in_terminal(
    argv: list[str], *, answer: str | None, cwd: str | None = None, prompt: bytes = PROMPT, timeout_s: float = 60.0
) -> TerminalRun:
    """Run ``argv`` on a new pty; once ``prompt`` appears, type ``answer`` and Enter."""
    pid, master = pty.fork()
    if pid == 0:  # the child: the pty is its controlling terminal and stdio
        try:
            if cwd is not None:
                os.chdir(cwd)
            os.execv(argv[0], argv)
        finally:
            os._exit(127)

    output = bytearray()
    answered = answer is None
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                os.kill(pid, signal.SIGKILL)
                raise TimeoutError(f"{argv!r} did not finish within {timeout_s} s; output so far: {bytes(output)!r}")
            ready, _, _ = select.select([master], [], [], remaining)
            if not ready:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            output.extend(chunk)
            if not answered and output.endswith(prompt):
                os.write(master, answer.encode() + b"\r")
                answered = True
    finally:
        os.close(master)
        _, status = os.waitpid(pid, 0)
    return TerminalRun(status=os.waitstatus_to_exitcode(status), output=output.decode("utf-8", "replace"))
