"""Records of the shell analysis: its result, the commands it saw, and limits."""

from __future__ import annotations

from dataclasses import dataclass, field

from safeshell.operations import Operation


@dataclass(frozen=True)
class Limits:
    """Bounds that keep the analysis of hostile input short.

    Hitting any of them fails closed: the analysis adds an unresolved
    ``exec_dynamic`` operation and names the limit in ``Analysis.problems``.
    """

    # tree-sitter parses 1 MiB in about 1 s on one core; a longer command
    # (a huge heredoc) fails closed instead.
    max_command_bytes: int = 256 * 1024
    max_nodes: int = 50_000  # syntax nodes visited, nested analyses included
    max_nesting: int = 100  # syntax nesting (subshells, groups, substitutions); keeps Python recursion shallow
    max_words: int = 4_096  # fields one word may expand to (braces, globs)
    max_glob_matches: int = 10_000
    max_file_bytes: int = 256 * 1024  # scripts and programs read from disk
    max_loop_values: int = 64  # for-loop values each walked separately
    max_find_entries: int = 20_000  # entries `find` simulation may visit


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class SimpleCommand:
    """One simple command as the analysis understood it, for `safeshell explain`.

    ``argv`` contains the expanded words, and an unresolved word keeps its
    source text. ``cwd`` is the working directory it would run in, or None
    when that is unknown. ``depth`` counts the enclosing ``bash -c``,
    ``eval``, script and function layers.
    """

    argv: tuple[str, ...]
    cwd: str | None
    source: str
    resolved: bool = True
    depth: int = 0


@dataclass
class Analysis:
    """Every effect found in one shell command.

    ``operations`` lists each effect (unresolved ones have ``resolved=False``),
    ``commands`` the simple commands in the order they were seen, and
    ``problems`` the parse errors and limits hit, each of which already added
    an unresolved operation.
    """

    operations: list[Operation] = field(default_factory=list)
    commands: list[SimpleCommand] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def resolved(self) -> bool:
        """True when every operation was resolved statically."""
        return all(op.resolved for op in self.operations)
