"""Run one child command as a shell runs a foreground job.

The child inherits stdin, stdout, stderr and every inheritable descriptor,
runs in its own process group, and its exit status comes back unchanged
(``128 + N`` when signal N killed it, as shells report it). SIGINT, SIGTERM,
SIGHUP and SIGQUIT sent to safeshell are forwarded to the child's process
group, so a harness that stops safeshell stops the whole command, background
jobs included.

When stdin is the controlling terminal and safeshell is in its foreground
process group, the child's group becomes the terminal's foreground group
(otherwise a child reading the terminal would be stopped with SIGTTIN), and
a child stopped with Ctrl-Z stops safeshell too, so the calling shell's
``fg`` resumes both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from types import FrameType
from typing import Callable, Mapping, Sequence

FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


def run_foreground(argv: Sequence[str], *, env: Mapping[str, str] | None = None) -> int:
    """Run ``argv`` in the foreground and return its exit status (``128 + N`` if killed by signal N)."""
    terminal = _foreground_terminal()
    child_pgid: list[int] = []
    pending: list[int] = []

    def forward(signum: int, _frame: FrameType | None) -> None:
        if not child_pgid:
            pending.append(signum)
            return
        try:
            os.killpg(child_pgid[0], signum)
        except ProcessLookupError:
            pass

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED_SIGNALS}
    try:
        preexec: Callable[[], None] | None = None
        if terminal is not None:
            preexec = lambda: _claim_terminal(terminal)  # noqa: E731 - runs in the forked child
        try:
            process = subprocess.Popen(
                list(argv),
                env=None if env is None else dict(env),
                close_fds=False,
                process_group=None if preexec else 0,
                preexec_fn=preexec,
            )
        except OSError as exc:
            # The shell's statuses: 127 command not found, 126 found but not executable.
            print(f"safeshell: {argv[0]}: {exc.strerror}", file=sys.stderr)
            return 127 if isinstance(exc, FileNotFoundError) else 126
        child_pgid.append(process.pid)
        if terminal is not None:
            _give_terminal(terminal, process.pid)
        for signum in pending:
            forward(signum, None)
        status = _wait(process.pid, terminal)
    finally:
        if terminal is not None:
            _give_terminal(terminal, os.getpgrp())
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _wait(pid: int, terminal: int | None) -> int:
    flags = os.WUNTRACED if terminal is not None else 0
    while True:
        _, status = os.waitpid(pid, flags)
        if not os.WIFSTOPPED(status):
            return status
        # Ctrl-Z stopped the job: hand the terminal back, stop ourselves, and
        # on SIGCONT (the shell's fg) give it to the child and continue it.
        _give_terminal(terminal, os.getpgrp())
        os.kill(os.getpid(), signal.SIGSTOP)
        _give_terminal(terminal, pid)
        try:
            os.killpg(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass


def _foreground_terminal() -> int | None:
    """Return fd 0 when it is the controlling terminal and we are its foreground group."""
    try:
        if os.isatty(0) and os.tcgetpgrp(0) == os.getpgrp():
            return 0
    except OSError:
        pass
    return None


def _claim_terminal(terminal: int) -> None:
    os.setpgid(0, 0)
    _give_terminal(terminal, os.getpgrp())


def _give_terminal(terminal: int | None, pgid: int) -> None:
    if terminal is None:
        return
    # A background process group calling tcsetpgrp gets SIGTTOU unless it ignores it.
    previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    try:
        os.tcsetpgrp(terminal, pgid)
    except OSError:
        pass
    finally:
        signal.signal(signal.SIGTTOU, previous)
