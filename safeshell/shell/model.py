"""Records of the shell analysis: its result, the commands it saw, and limits."""

from __future__ import annotations

from safeshell.operations import Operation
from safeshell.records import MutableRecord, Record


class Limits(Record):
    """Bounds that keep the analysis of hostile input short.

    Hitting any of them fails closed: the analysis adds an unresolved
    ``exec_dynamic`` operation and names the limit in ``Analysis.problems``.
    """

    __slots__ = (
        "max_command_bytes", "max_nodes", "max_nesting", "max_words", "max_glob_matches", "max_file_bytes",
        "max_loop_values", "max_find_entries",
    )
    # tree-sitter parses 1 MiB in about 1 s on one core; a longer command
    # (a huge heredoc) fails closed instead.
    max_command_bytes: int
    max_nodes: int  # syntax nodes visited, nested analyses included
    max_nesting: int  # syntax nesting (subshells, groups, substitutions); keeps Python recursion shallow
    max_words: int  # fields one word may expand to (braces, globs)
    max_glob_matches: int
    max_file_bytes: int  # scripts and programs read from disk
    max_loop_values: int  # for-loop values each walked separately
    max_find_entries: int  # entries `find` simulation may visit

    def __init__(
        self,
        max_command_bytes: int = 256 * 1024,
        max_nodes: int = 50_000,
        max_nesting: int = 100,
        max_words: int = 4_096,
        max_glob_matches: int = 10_000,
        max_file_bytes: int = 256 * 1024,
        max_loop_values: int = 64,
        max_find_entries: int = 20_000,
    ) -> None:
        self._init(
            max_command_bytes=max_command_bytes, max_nodes=max_nodes, max_nesting=max_nesting,
            max_words=max_words, max_glob_matches=max_glob_matches, max_file_bytes=max_file_bytes,
            max_loop_values=max_loop_values, max_find_entries=max_find_entries,
        )


DEFAULT_LIMITS = Limits()


class SimpleCommand(Record):
    """One simple command as the analysis understood it, for `safeshell explain`.

    ``argv`` contains the expanded words, and an unresolved word keeps its
    source text. ``cwd`` is the working directory it would run in, or None
    when that is unknown. ``depth`` counts the enclosing ``bash -c``,
    ``eval``, script and function layers.
    """

    __slots__ = ("argv", "cwd", "source", "resolved", "depth")
    argv: tuple[str, ...]
    cwd: str | None
    source: str
    resolved: bool
    depth: int

    def __init__(
        self,
        argv: tuple[str, ...],
        cwd: str | None,
        source: str,
        resolved: bool = True,
        depth: int = 0,
    ) -> None:
        self._init(argv=argv, cwd=cwd, source=source, resolved=resolved, depth=depth)


class Analysis(MutableRecord):
    """Every effect found in one shell command.

    ``operations`` lists each effect (unresolved ones have ``resolved=False``),
    ``commands`` the simple commands in the order they were seen, and
    ``problems`` the parse errors and limits hit, each of which already added
    an unresolved operation.
    """

    __slots__ = ("operations", "commands", "problems")
    operations: list[Operation]
    commands: list[SimpleCommand]
    problems: list[str]

    def __init__(
        self,
        operations: list[Operation] | None = None,
        commands: list[SimpleCommand] | None = None,
        problems: list[str] | None = None,
    ) -> None:
        self.operations = [] if operations is None else operations
        self.commands = [] if commands is None else commands
        self.problems = [] if problems is None else problems

    @property
    def resolved(self) -> bool:
        """True when every operation was resolved statically."""
        return all(op.resolved for op in self.operations)
