"""Every signal that ends the training daemon needs approval, from the shell and from interpreter code."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from safeshell import guard, signals
from safeshell.cli.init_cmd import create_layout
from safeshell.workspace import Workspace

FATAL = ["KILL", "QUIT", "ABRT", "ILL", "TRAP", "BUS", "FPE", "USR1", "SEGV", "USR2", "PIPE", "ALRM",
         "STKFLT", "XCPU", "XFSZ", "VTALRM", "PROF", "IO", "PWR", "SYS", "RTMIN"]


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[tuple[Workspace, int]]:
    """A workspace whose status file names a live process as the training daemon."""
    root = (tmp_path / "ws").resolve()
    create_layout(root)
    workspace = Workspace(root)
    process = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    workspace.status_file.write_text(f'{{"format": 1, "state": "training", "daemon_pid": {process.pid}}}')
    try:
        yield workspace, process.pid
    finally:
        process.stdin.close()  # type: ignore[union-attr]
        process.wait(timeout=10)


def decide(workspace: Workspace, command: str) -> str:
    env = {"PATH": os.environ["PATH"], "HOME": str(workspace.root / "home")}
    return guard.check_command(command, workspace=workspace, cwd=str(workspace.root), env=env).decision.label


def test_policy_lists_every_fatal_signal(daemon: tuple[Workspace, int]) -> None:
    workspace, _ = daemon
    rule = guard.load_policy(workspace).rule("kill-training-daemon")
    assert rule is not None
    assert sorted(rule.signals) == sorted(FATAL)
    assert not rule.signals & signals.GRACEFUL


@pytest.mark.parametrize("signal", ["-USR1", "-SEGV", "-s BUS", "-10", "-RTMIN+3", "-SIGSYS", "-n 11", "--signal=ALRM", "-9"])
def test_fatal_signal_to_daemon_pid(daemon: tuple[Workspace, int], signal: str) -> None:
    workspace, pid = daemon
    assert decide(workspace, f"kill {signal} {pid}") == "require_approval"


@pytest.mark.parametrize("signal", ["-TERM", "-INT", "-HUP", "-STOP", "-CONT", "-0", ""])
def test_graceful_signal_to_daemon_pid(daemon: tuple[Workspace, int], signal: str) -> None:
    workspace, pid = daemon
    assert decide(workspace, f"kill {signal} {pid}".replace("  ", " ")) == "allow"


@pytest.mark.parametrize("code", [
    "python3 -c 'import os; os.kill({pid}, 9)'",
    "python3 -c 'import os, signal; os.kill({pid}, signal.SIGUSR1)'",
    "python3 -c 'import os; os.killpg({pid}, 11)'",
    "perl -e 'kill 9, {pid}'",
    "perl -e 'kill \"SEGV\", {pid}'",
    "node -e 'process.kill({pid}, \"SIGKILL\")'",
    "ruby -e 'Process.kill(:KILL, {pid})'",
])
def test_interpreter_kill_of_daemon(daemon: tuple[Workspace, int], code: str) -> None:
    workspace, pid = daemon
    assert decide(workspace, code.format(pid=pid)) == "require_approval"


@pytest.mark.parametrize("code", [
    "python3 -c 'import os; os.kill({pid}, 15)'",
    "python3 -c 'import os; os.kill({other}, 9)'",
    "perl -e 'kill 0, {pid}'",
    "node -e 'process.kill({pid})'",
    "ruby -e 'Process.kill(\"TERM\", {pid})'",
])
def test_interpreter_graceful_or_other_kill(daemon: tuple[Workspace, int], code: str) -> None:
    workspace, pid = daemon
    assert decide(workspace, code.format(pid=pid, other=pid + 100000)) == "allow"


def test_interpreter_kill_of_unknown_pid_fails_closed(daemon: tuple[Workspace, int]) -> None:
    workspace, _ = daemon
    assert decide(workspace, "python3 -c 'import os; os.kill(pid, 9)'") == "require_approval"
    assert decide(workspace, "perl -e 'kill \"KILL\", $pid'") == "require_approval"
