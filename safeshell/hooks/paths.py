"""Finding and resolving the paths a tool call names.

File tools carry their path in a known field. Other tools (MCP servers the
guard knows nothing about) are searched: every string in their arguments,
at any depth, that looks like a path becomes a candidate and is resolved
against the call's cwd. The policy then decides on the resolved paths, so
a string that only looks like a path and names nothing protected costs
nothing.
"""

from __future__ import annotations

import os

from safeshell.hooks.model import HookBlock

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any, Iterator

# Bounds on the argument walk, so a hostile payload cannot make it slow.
MAX_DEPTH = 16
MAX_STRINGS = 10_000
MAX_PATH_LENGTH = 4096

# MCP tools whose last name segment starts with one of these read what they
# are given; any other tool may write it (the guard assumes the worse).
READ_VERBS = (
    "read", "get", "list", "ls", "search", "find", "glob", "grep", "view", "show",
    "stat", "cat", "head", "tail", "describe", "inspect", "query", "fetch", "diff",
)


def resolve(path: str, cwd: str) -> str:
    """Return ``path`` as an absolute path with symlinks resolved (``~`` expanded)."""
    expanded = os.path.expanduser(path)
    if not os.path.isabs(expanded):
        expanded = os.path.join(cwd, expanded)
    return os.path.realpath(expanded)


def looks_like_path(text: str, cwd: str) -> bool:
    """Tell whether an argument string plausibly names a file.

    Accepted: absolute, ``~``-relative and ``./``/``../`` strings, strings with
    a ``/`` and no whitespace, and bare names that exist relative to ``cwd``.
    URLs, multi-line text and overlong strings are not paths.
    """
    if not text or len(text) > MAX_PATH_LENGTH or "\n" in text or "\x00" in text:
        return False
    if "://" in text:
        return False
    if text.startswith(("/", "~", "./", "../")):
        return True
    if "/" in text and not any(char.isspace() for char in text):
        return True
    if any(char.isspace() for char in text):
        return False
    return os.path.lexists(os.path.join(cwd, text))


def path_strings(value: Any, cwd: str) -> list[str]:
    """Return the path-like strings found anywhere in ``value``.

    Raises :class:`HookBlock` when the arguments are nested deeper than
    :data:`MAX_DEPTH` or hold more than :data:`MAX_STRINGS` strings, because
    a path the walk did not reach could name a protected file.
    """
    found: list[str] = []
    budget = [MAX_STRINGS]
    for text in _strings(value, depth=0, budget=budget):
        if looks_like_path(text, cwd):
            found.append(text)
    if budget[0] < 0:
        raise HookBlock(
            f"tool arguments too large to check: nested deeper than {MAX_DEPTH} levels "
            f"or more than {MAX_STRINGS} strings"
        )
    return found


def is_read_only_name(tool: str) -> bool:
    """Tell whether an MCP tool's name says it only reads (``mcp__fs__read_file``)."""
    last = tool.rsplit("__", 1)[-1].lower()
    return last.startswith(READ_VERBS)


def _strings(value: Any, *, depth: int, budget: list[int]) -> Iterator[str]:
    # budget[0] goes negative when a limit is hit; the caller checks it.
    if budget[0] <= 0 or depth > MAX_DEPTH:
        budget[0] = -1
        return
    if isinstance(value, str):
        budget[0] -= 1
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item, depth=depth + 1, budget=budget)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, depth=depth + 1, budget=budget)
