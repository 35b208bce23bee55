"""A lexical pre-screen for trivially read-only commands, without tree-sitter.

Importing tree-sitter costs about as much as starting Python, and most
assistant commands are plain reads (``ls -la``, ``cat file | wc -l``).
:func:`screen` recognizes one or more simple commands of known read-only
programs, made only of plain words, joined by ``|``, ``;``, ``&&`` or
``||``, with no redirect except to ``/dev/null`` or ``2>&1``, and returns
their READ operations. For anything else it returns None and the caller
runs the full :func:`safeshell.shell.analyze`. It must never report less
than the full analysis would; a test compares the two on every corpus case.
"""

from __future__ import annotations

import os
from typing import Mapping

from safeshell.operations import Operation, OperationKind
from safeshell.shell.fields import Arg
from safeshell.shell.paths import follow_paths
from safeshell.shell.programs import parse_options
from safeshell.shell.semantics import PROGRAMS

# Programs whose table entry only reads its operands; none of them runs
# another command or writes without an option listed in its write_options.
READ_ONLY = frozenset({"cat", "head", "tail", "wc", "ls", "du", "df", "stat", "file", "grep", "egrep", "fgrep", "rg",
                       "diff", "cmp", "md5sum", "sha256sum", "sha1sum", "nl", "tac", "realpath", "readlink", "tree"})
NO_OPERATION = frozenset({"echo", "pwd", "true", "false", "date", "whoami", "id", "hostname", "uname", "nvidia-smi"})
PLAIN_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./,:+@%=")
SEPARATORS = frozenset({"|", ";", "&&", "||"})
NULL_REDIRECTS = frozenset({">/dev/null", "2>/dev/null", "2>&1", "&>/dev/null", "1>/dev/null"})


def screen(command: str, *, cwd: str, env: Mapping[str, str], home: str | None = None) -> list[Operation] | None:
    """Return the READ operations of a trivially read-only command, or None."""
    commands = _split(command)
    if commands is None:
        return None
    approval_dirs = _approval_dirs(env, home)
    operations: list[Operation] = []
    for argv in commands:
        if not argv:
            return None
        program = argv[0]
        if program in NO_OPERATION:
            continue
        spec = PROGRAMS.get(program)
        if program not in READ_ONLY or spec is None or spec.action != "read" or spec.write_options:
            return None
        args = [Arg(word, True, word) for word in argv[1:]]
        parsed = parse_options(args, spec.value_options)
        skip = 0 if parsed.has(*spec.skip_cancel_options) else spec.skip
        targets = [*_option_values(parsed, spec.read_options), *parsed.operands[skip:]]
        located: list[str] = []
        for target in targets:
            found = follow_paths(target.text, cwd)
            if found is None:
                return None
            located.extend(found)
        if any(path in approval_dirs or os.path.dirname(path) in approval_dirs for path in located):
            return None
        if located:
            source = " ".join(argv)
            operations.append(Operation(OperationKind.READ, tuple(dict.fromkeys(located)), source=source))
    return operations


def _option_values(parsed: object, names: frozenset[str]) -> list[Arg]:
    values: list[Arg] = []
    for name in sorted(names):
        values.extend(parsed.values(name))  # type: ignore[attr-defined]
    return values


def _split(command: str) -> list[list[str]] | None:
    """Split into argument vectors; None for anything beyond plain words and separators."""
    commands: list[list[str]] = [[]]
    for token in _tokens(command):
        if token is None:
            return None
        if token in SEPARATORS:
            if not commands[-1]:
                return None
            commands.append([])
        elif token in NULL_REDIRECTS:
            continue
        else:
            commands[-1].append(token)
    if not commands[-1]:
        return None if len(commands) > 1 else []
    return commands


def _tokens(command: str) -> list[str | None]:
    tokens: list[str | None] = []
    index = 0
    length = len(command)
    while index < length:
        char = command[index]
        if char in " \t":
            index += 1
            continue
        if command.startswith(("&&", "||"), index):
            tokens.append(command[index : index + 2])
            index += 2
            continue
        if char == "&":
            return [None]  # background job or an fd redirect the screen does not know
        if char in "|;":
            tokens.append(char)
            index += 1
            continue
        redirect = next((item for item in NULL_REDIRECTS if command.startswith(item, index)), None)
        if redirect is not None:
            tokens.append(redirect)
            index += len(redirect)
            continue
        word: list[str] = []
        while index < length and command[index] not in " \t|;&":
            char = command[index]
            if char == "'":
                end = command.find("'", index + 1)
                if end < 0:
                    return [None]
                word.append(command[index + 1 : end])
                index = end + 1
                continue
            if char not in PLAIN_CHARS:
                return [None]
            word.append(char)
            index += 1
        text = "".join(word)
        if text.startswith(("=", "%")) or "=" in text.split("/")[0] and not text.startswith("-"):
            return [None]  # an assignment or job spec, not a plain argument
        tokens.append(text)
    return tokens


def _approval_dirs(env: Mapping[str, str], home: str | None) -> set[str]:
    from safeshell.shell.state import _approval_key_paths

    keys = _approval_key_paths(env, home)
    return {os.path.dirname(key) for key in keys} | set(keys)
