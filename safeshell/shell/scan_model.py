"""The effect record that interpreter code scanners return."""

from __future__ import annotations

from dataclasses import dataclass

from safeshell.operations import OperationKind


@dataclass(frozen=True)
class Effect:
    """One effect found in interpreter code.

    Exactly one of these describes it: ``path`` (a literal path, relative to
    the working directory the code runs in; None with ``kind`` means a call
    whose argument has no static value), ``shell`` (a shell command string
    the code runs) or ``argv`` (an argument vector the code runs).
    """

    kind: OperationKind
    path: str | None = None
    destination: str | None = None  # for moves
    glob: bool = False  # path is a glob pattern (perl glob(), Python glob.glob())
    shell: str | None = None
    argv: tuple[str, ...] | None = None
    call: str = ""

# Stands for the home directory at the start of a scanned path
# (``os.path.expanduser("~")``, ``Path.home()``); the analysis replaces it
# with the home it knows. The NUL byte makes an unreplaced path unresolved.
HOME = "\0home\0"
