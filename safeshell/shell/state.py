"""What the analysis tracks while it walks a command: shell state and results.

:class:`ShellState` is the state visible at one point of the command (working
directory, variables, functions, positional parameters); it is copied into
subshells and merged after branches. :class:`Context` is shared by the whole
analysis of one command, nested ``bash -c`` and scripts included: the
environment, the limits, and the operations found so far.
"""

from __future__ import annotations

import os

from safeshell.operations import Operation, OperationKind
from safeshell.records import MutableRecord
from safeshell.shell.model import Analysis, Limits, SimpleCommand
from safeshell.shell.quick import approval_key_candidates

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any, Iterable, Mapping


class LimitExceeded(Exception):
    """A bound in :class:`~safeshell.shell.model.Limits` was hit; the analysis stops."""


class ShellState(MutableRecord):
    """The shell state at one point of a command.

    A value of None means unknown: a variable set by ``read`` or by a
    command substitution with no static output, or a working directory
    reached through an unresolved ``cd``.
    """

    __slots__ = (
        "cwd", "variables", "functions", "aliases", "positional", "arg0", "dirstack", "oldpwd", "terminated",
    )
    cwd: str | None
    variables: dict[str, str | None]
    functions: dict[str, Any]
    # `alias NAME=VALUE` definitions; None when the value has no static value.
    aliases: dict[str, str | None]
    positional: list[str] | None
    arg0: str | None  # $0: the shell's name, or the word after `bash -c CODE`
    dirstack: list[str | None]
    oldpwd: str | None
    terminated: bool  # an `exit` ran: later commands in this flow never run

    def __init__(
        self,
        cwd: str | None,
        variables: dict[str, str | None],
        functions: dict[str, Any] | None = None,
        aliases: dict[str, str | None] | None = None,
        positional: list[str] | None = None,
        arg0: str | None = "bash",
        dirstack: list[str | None] | None = None,
        oldpwd: str | None = None,
        terminated: bool = False,
    ) -> None:
        self.cwd = cwd
        self.variables = variables
        self.functions = {} if functions is None else functions
        self.aliases = {} if aliases is None else aliases
        self.positional = positional
        self.arg0 = arg0
        self.dirstack = [] if dirstack is None else dirstack
        self.oldpwd = oldpwd
        self.terminated = terminated

    def copy(self) -> "ShellState":
        return ShellState(
            cwd=self.cwd,
            variables=dict(self.variables),
            functions=dict(self.functions),
            aliases=dict(self.aliases),
            positional=None if self.positional is None else list(self.positional),
            arg0=self.arg0,
            dirstack=list(self.dirstack),
            oldpwd=self.oldpwd,
            terminated=self.terminated,
        )

    def lookup(self, name: str) -> str | None:
        if name == "PWD":
            return self.cwd
        if name == "OLDPWD":
            return self.oldpwd
        return self.variables.get(name)

    def merge_from(self, states: Iterable["ShellState"]) -> None:
        """Become what is known for certain after any of ``states`` ran.

        A value that differs between the live states becomes unknown;
        states that ran ``exit`` are left out.
        """
        live = [state for state in states if not state.terminated]
        if not live:
            self.terminated = True
            return
        first = live[0]
        self.cwd = first.cwd if all(state.cwd == first.cwd for state in live) else None
        self.oldpwd = first.oldpwd if all(state.oldpwd == first.oldpwd for state in live) else None
        names = set().union(*(state.variables for state in live))
        self.variables = {}
        for name in names:
            values = {state.variables.get(name, None) for state in live}
            self.variables[name] = values.pop() if len(values) == 1 else None
        self.functions = {}
        self.aliases = {}
        for state in live:
            self.functions.update(state.functions)
        for name in set().union(*(state.aliases for state in live)):
            values = {state.aliases.get(name) for state in live}
            # An alias defined in only some branches may or may not be in effect.
            self.aliases[name] = values.pop() if len(values) == 1 and all(name in state.aliases for state in live) else None
        self.dirstack = list(first.dirstack)
        self.positional = first.positional
        self.terminated = False


class Context:
    """Everything shared by the analysis of one command."""

    def __init__(self, *, env: Mapping[str, str], home: str | None, limits: Limits, max_depth: int) -> None:
        self.env = dict(env)
        self.home = home
        self.limits = limits
        self.max_depth = max_depth
        self.analysis = Analysis()
        self.nodes_visited = 0
        self.created_paths: set[str] = set()  # written by earlier commands of this analysis
        # Content earlier commands write to a file (`cat > s.sh <<EOF`); None when unknown.
        self.file_contents: dict[str, str | None] = {}
        self.unknown_program_ran = False  # it may have created any file
        # Symlinks earlier commands create (`ln -s current_model x`): link path -> absolute target.
        self.planned_links: dict[str, str] = {}
        # `shopt -s` options seen so far (globstar, dotglob); kept for the rest
        # of the command even where bash would scope them, which only widens globs.
        self.shell_options: set[str] = set()
        self.approval_paths = _resolve_key_paths(tuple(approval_key_candidates(self.env, home)))

    def count_node(self) -> None:
        self.nodes_visited += 1
        if self.nodes_visited > self.limits.max_nodes:
            raise LimitExceeded(f"command has more than {self.limits.max_nodes} syntax nodes")

    def emit(
        self,
        kind: OperationKind,
        paths: Iterable[str] = (),
        *,
        source: str,
        resolved: bool = True,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        unique = tuple(dict.fromkeys(paths))
        if unique and kind in (OperationKind.WRITE, OperationKind.TRUNCATE, OperationKind.CREATE):
            # Writing to /dev/null or a terminal changes no file.
            unique = tuple(path for path in unique if not _is_stream_device(path))
            if not unique:
                return
        self.analysis.operations.append(
            Operation(kind=kind, paths=unique, source=source, resolved=resolved, detail=dict(detail or {}))
        )
        if kind in (OperationKind.WRITE, OperationKind.CREATE, OperationKind.TRUNCATE, OperationKind.MOVE, OperationKind.DELETE):
            changed = set(unique)
            destination = (detail or {}).get("destination")
            if isinstance(destination, str):
                changed.add(destination)
            self.created_paths.update(changed)
            # A later write makes recorded content stale; the redirect that
            # records content runs after its own truncate is emitted.
            for path in changed & self.file_contents.keys():
                self.file_contents[path] = None
        touched = [path for path in unique if self.is_approval_path(path)]
        if touched and kind is not OperationKind.APPROVE:
            self.analysis.operations.append(
                Operation(
                    kind=OperationKind.APPROVE,
                    paths=tuple(touched),
                    source=source,
                    resolved=resolved,
                    detail={"reason": "touches the approval key"},
                )
            )

    def fail_closed(self, problem: str, *, source: str) -> None:
        """Record a problem and the unresolved operation that stands for it."""
        self.analysis.problems.append(problem)
        self.emit(OperationKind.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": problem})

    def record_command(self, command: SimpleCommand) -> None:
        self.analysis.commands.append(command)

    def is_approval_path(self, path: str) -> bool:
        return any(path == key or path == os.path.dirname(key) for key in self.approval_paths)


def _is_stream_device(path: str) -> bool:
    from safeshell.shell.paths import is_stream_device

    return is_stream_device(path)


# realpath costs a few system calls per candidate, and the candidates repeat
# from command to command in one process. A dict, not functools.lru_cache,
# because functools imports collections on every guarded command.
_KEY_PATHS: dict[tuple[str, ...], tuple[str, ...]] = {}
_KEY_PATHS_MAX = 64


def _resolve_key_paths(candidates: tuple[str, ...]) -> tuple[str, ...]:
    cached = _KEY_PATHS.get(candidates)
    if cached is not None:
        return cached
    resolved: list[str] = []
    for candidate in candidates:
        absolute = os.path.abspath(candidate)
        resolved.append(absolute)
        resolved.append(os.path.realpath(absolute))
    result = tuple(dict.fromkeys(resolved))
    if len(_KEY_PATHS) >= _KEY_PATHS_MAX:
        _KEY_PATHS.clear()
    _KEY_PATHS[candidates] = result
    return result
