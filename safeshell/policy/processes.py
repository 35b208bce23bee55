"""Whether a kill operation reaches a protected process (the training daemon).

A numeric target hits when it is the pid recorded in the rule's pid file
(``daemon_pid`` in ``status/training_status.json``) or the pid of a running
process started as one of the rule's names. ``0`` and negative numbers (a
process group, or every process) always hit. A name pattern (``pkill``,
``killall``) hits when it matches one of the names or a running protected
process.
"""

from __future__ import annotations

import os

from safeshell import fastjson, logs
from safeshell.policy.model import ProcessSpec
from safeshell.records import Record

logger = logs.get_logger(__name__)

PROC = "/proc"


class ProtectedProcess(Record):
    """A running process that a kill rule protects.

    ``name`` is the kernel's process name (comm), what pkill matches without
    -f; ``leading`` contains the first three arguments of the command line.
    """

    __slots__ = ("pid", "command_line", "name", "leading")
    pid: int
    command_line: str
    name: str
    leading: tuple[str, ...]

    def __init__(self, pid: int, command_line: str, name: str, leading: tuple[str, ...] = ()) -> None:
        self._init(pid=pid, command_line=command_line, name=name, leading=leading)


def kill_target_hit(targets: list[str], spec: ProcessSpec, root: str) -> str | None:
    """Return the first target that reaches a protected process, or None."""
    processes: list[ProtectedProcess] | None = None
    for target in targets:
        text = str(target).strip()
        if _is_integer(text):
            number = int(text)
            if number <= 0:
                return text
            if processes is None:
                processes = protected_processes(spec, root)
            if any(process.pid == number for process in processes):
                return text
            continue

        if any(_pattern_matches(text, name) for name in spec.names):
            return text
        if processes is None:
            processes = protected_processes(spec, root)
        for process in processes:
            if _pattern_matches(text, process.name) or _pattern_matches(text, process.command_line):
                return text
    return None


def protected_processes(spec: ProcessSpec, root: str) -> list[ProtectedProcess]:
    """List the running processes the spec protects (pid file and name scan of /proc)."""
    found: dict[int, ProtectedProcess] = {}
    pid = _pid_from_file(spec.pid_file, root) if spec.pid_file else None
    if pid is not None:
        found[pid] = _describe(pid) or ProtectedProcess(pid=pid, command_line="", name="")

    if spec.names:
        own_pid = os.getpid()
        try:
            entries = os.listdir(PROC)
        except OSError:
            entries = []
        for entry in entries:
            if not entry.isdigit():
                continue
            process = _describe(int(entry))
            if process is not None and process.pid != own_pid and _runs_named(process, spec.names):
                found[process.pid] = process
    return list(found.values())


def _pid_from_file(pid_file: str, root: str) -> int | None:
    path = os.path.join(root, pid_file)
    try:
        with open(path, "rb") as handle:
            data = fastjson.loads(handle.read(1 << 20).decode("utf-8"))
    except (OSError, ValueError):
        return None
    pid = data.get("daemon_pid") if isinstance(data, dict) else None
    if isinstance(pid, int) and not isinstance(pid, bool) and pid > 0:
        return pid
    return None


def _describe(pid: int) -> ProtectedProcess | None:
    try:
        with open(f"{PROC}/{pid}/cmdline", "rb") as handle:
            raw = handle.read(65536)
        with open(f"{PROC}/{pid}/comm", "rb") as handle:
            name = handle.read(256).decode("utf-8", "replace").strip()
    except OSError:
        return None
    arguments = raw.decode("utf-8", "replace").split("\0")
    return ProtectedProcess(pid=pid, command_line=" ".join(arguments).strip(), name=name, leading=tuple(arguments[:3]))


def _runs_named(process: ProtectedProcess, names: tuple[str, ...]) -> bool:
    # Only the program and the first arguments (interpreter, script or -m
    # module) count, so a command that merely mentions a name is not protected.
    return any(name in argument for argument in process.leading for name in names)


def _pattern_matches(pattern: str, text: str) -> bool:
    if not text:
        return False
    if pattern in text:
        return True
    import re  # only patterns that are not plain substrings need it

    try:
        return re.search(pattern, text) is not None
    except re.error:
        # pkill would reject an invalid pattern; a plain substring test already ran.
        return False


def _is_integer(text: str) -> bool:
    return text.lstrip("-").isdigit() and text.count("-") <= 1 and not text.endswith("-")
