"""The effect record that interpreter code scanners return."""

from __future__ import annotations

from safeshell.operations import OperationKind
from safeshell.records import Record


class Effect(Record):
    """One effect found in interpreter code.

    Exactly one of these describes it: ``path`` (a literal path, relative to
    the working directory the code runs in; None with ``kind`` means a call
    whose argument has no static value), ``shell`` (a shell command string
    the code runs) or ``argv`` (an argument vector the code runs).
    """

    __slots__ = ("kind", "path", "destination", "glob", "shell", "argv", "call")
    kind: OperationKind
    path: str | None
    destination: str | None  # for moves
    glob: bool  # path is a glob pattern (perl glob(), Python glob.glob())
    shell: str | None
    argv: tuple[str, ...] | None
    call: str

    def __init__(
        self,
        kind: OperationKind,
        path: str | None = None,
        destination: str | None = None,
        glob: bool = False,
        shell: str | None = None,
        argv: tuple[str, ...] | None = None,
        call: str = "",
    ) -> None:
        self._init(
            kind=kind, path=path, destination=destination, glob=glob, shell=shell, argv=argv, call=call,
        )

# Stands for the home directory at the start of a scanned path
# (``os.path.expanduser("~")``, ``Path.home()``); the analysis replaces it
# with the home it knows. The NUL byte makes an unreplaced path unresolved.
HOME = "\0home\0"
