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

# _signal is what the signal module wraps in enums; importing enum would cost
# every guarded command start-up time.
import _signal as signal
import errno
import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from types import FrameType
    from typing import Mapping, Sequence

FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
# Python ignores SIGPIPE and SIGXFSZ; a child must start with the defaults, as under bash.
DEFAULT_IN_CHILD = (*FORWARDED_SIGNALS, signal.SIGPIPE, signal.SIGXFSZ)


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
    environment = dict(os.environ if env is None else env)
    try:
        try:
            pid = _spawn(list(argv), environment, terminal)
        except OSError as exc:
            # The shell's statuses: 127 command not found, 126 found but not executable.
            print(f"safeshell: {argv[0]}: {exc.strerror}", file=sys.stderr)
            return 127 if isinstance(exc, FileNotFoundError) else 126
        child_pgid.append(pid)
        if terminal is not None:
            _give_terminal(terminal, pid)
        for signum in pending:
            forward(signum, None)
        status = _wait(pid, terminal)
    finally:
        if terminal is not None:
            _give_terminal(terminal, os.getpgrp())
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _spawn(argv: list[str], env: dict[str, str], terminal: int | None) -> int:
    """Start ``argv`` in a new process group; raise OSError when it cannot be executed.

    posix_spawn is used where it can be (no terminal to hand over), because it
    is cheaper than fork and needs no subprocess import on the hot path.
    """
    if terminal is None:
        return os.posix_spawnp(argv[0], argv, env, setpgroup=0, setsigdef=DEFAULT_IN_CHILD)

    # fork + exec, so the child takes the terminal before it can read from it.
    error_reader, error_writer = os.pipe()  # both close on exec (PEP 446)
    pid = os.fork()
    if pid == 0:
        try:
            os.close(error_reader)
            _claim_terminal(terminal)
            for signum in DEFAULT_IN_CHILD:
                signal.signal(signum, signal.SIG_DFL)
            os.execvpe(argv[0], argv, env)
        except OSError as exc:
            os.write(error_writer, str(exc.errno or 0).encode("ascii"))
        finally:
            os._exit(127)
    os.close(error_writer)
    try:
        report = os.read(error_reader, 32)
    finally:
        os.close(error_reader)
    if report:
        os.waitpid(pid, 0)
        number = int(report)
        raise (FileNotFoundError if number == errno.ENOENT else OSError)(number, os.strerror(number))
    return pid


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
