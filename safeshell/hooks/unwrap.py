"""Recognising the preamble a host wraps around a command it runs through safeshell.

With ``CLAUDE_CODE_SHELL_PREFIX="/abs/safeshell -c"``, Claude Code does not
hand ``safeshell -c`` the model's command but the line its Bash tool builds
around it (Claude Code's bash shell provider, ``buildExecCommand``)::

    source '<home>/.claude/shell-snapshots/snapshot-bash-<ms>-<id>.sh' 2>/dev/null || true
    && { shopt -u extglob || setopt NO_EXTENDED_GLOB; } >/dev/null 2>&1 || true
    && eval '<command>' \\< /dev/null
    && pwd -P >| /tmp/claude-<id>-cwd

(one line, joined by `` && ``; the ``source`` part is absent when no snapshot
exists, and ``< /dev/null`` is absent when the command reads a heredoc or
redirects stdin itself). Analysing that line as written would scan the
shell snapshot (the user's functions and aliases) as if it ran the model's
command, so :func:`unwrap_host_command` recognises exactly this shape and
returns the model's command.

Recognition is strict: every part must match its known text, the snapshot
and cwd file names must have Claude Code's form, and the ``eval`` argument
must be one word that decodes with plain bash quoting (single quotes,
double quotes without expansions, backslash escapes). Anything else returns
``None`` and the caller analyses the whole line, which is never less safe.
"""

from __future__ import annotations

import os
import re

from safeshell.records import Record

SNAPSHOT_NAME = re.compile(r"snapshot-[A-Za-z0-9]+-[0-9]+-[A-Za-z0-9]+\.sh")
CWD_FILE_NAME = re.compile(r"(claude-[A-Za-z0-9]+-cwd|cwd-[A-Za-z0-9_-]+)")
EXTGLOB_PARTS = (
    "{ shopt -u extglob || setopt NO_EXTENDED_GLOB; } >/dev/null 2>&1 || true",
    "shopt -u extglob 2>/dev/null || true",
    "setopt NO_EXTENDED_GLOB 2>/dev/null || true",
)
STDIN_SUFFIXES = (" \\< /dev/null", " < /dev/null", "")
JOIN = " && "


# A Record rather than a dataclass: `safeshell -c` unwraps every command a
# host sends, and importing dataclasses would double its start-up.
class Unwrapped(Record):
    """The model's command found inside a host's wrapper line."""

    __slots__ = ("command", "host", "snapshot", "cwd_file")
    command: str
    host: str
    snapshot: str | None
    cwd_file: str

    def __init__(self, command: str, host: str, snapshot: str | None, cwd_file: str) -> None:
        self._init(command=command, host=host, snapshot=snapshot, cwd_file=cwd_file)


def unwrap_host_command(line: str) -> Unwrapped | None:
    """Return the command inside Claude Code's wrapper line, or ``None``."""
    rest = line
    snapshot: str | None = None

    if rest.startswith("source "):
        head, sep, tail = rest.partition(" 2>/dev/null || true" + JOIN)
        if not sep:
            return None
        snapshot = decode_word(head[len("source ") :])
        if snapshot is None or not _is_snapshot(snapshot):
            return None
        rest = tail

    for part in EXTGLOB_PARTS:
        if rest.startswith(part + JOIN):
            rest = rest[len(part + JOIN) :]
            break

    if not rest.startswith("eval "):
        return None
    body, sep, cwd_word = rest.rpartition(JOIN + "pwd -P >| ")
    if not sep:
        return None
    cwd_file = decode_word(cwd_word)
    if cwd_file is None or not CWD_FILE_NAME.fullmatch(os.path.basename(cwd_file)):
        return None

    argument = body[len("eval ") :]
    for suffix in STDIN_SUFFIXES:
        if suffix and not argument.endswith(suffix):
            continue
        word = argument[: len(argument) - len(suffix)] if suffix else argument
        command = decode_word(word)
        if command is None:
            continue
        # NOTE: with "\<" bash evaluates "COMMAND < /dev/null"; a trailing
        # backslash would join with that text, so such a command is left
        # wrapped and analysed whole.
        if command.rstrip().endswith("\\"):
            return None
        return Unwrapped(command=command, host="claude-code", snapshot=snapshot, cwd_file=cwd_file)
    return None


def decode_word(word: str) -> str | None:
    """Decode one shell word made only of literal quoting, or return ``None``.

    Supported: ``'...'``, ``"..."`` without ``$`` or backquotes (``\\$``,
    ``\\```, ``\\"``, ``\\\\`` and backslash-newline are escapes there, other
    backslashes stay), and unquoted backslash escapes. Unquoted whitespace
    or shell syntax means the text is not one literal word.
    """
    if not word:
        return None
    out: list[str] = []
    index = 0
    length = len(word)
    while index < length:
        char = word[index]
        if char == "'":
            end = word.find("'", index + 1)
            if end == -1:
                return None
            out.append(word[index + 1 : end])
            index = end + 1
        elif char == '"':
            index += 1
            while True:
                if index >= length:
                    return None
                char = word[index]
                if char == '"':
                    index += 1
                    break
                if char in "$`":
                    return None
                if char == "\\" and index + 1 < length and word[index + 1] in '$`"\\\n':
                    if word[index + 1] != "\n":
                        out.append(word[index + 1])
                    index += 2
                    continue
                out.append(char)
                index += 1
        elif char == "\\":
            if index + 1 >= length:
                return None
            if word[index + 1] != "\n":
                out.append(word[index + 1])
            index += 2
        elif char.isspace() or char in ";&|<>()$`*?[]{}~#=!":
            return None
        else:
            out.append(char)
            index += 1
    return "".join(out)


def _is_snapshot(path: str) -> bool:
    directory, name = os.path.split(path)
    return os.path.basename(directory) == "shell-snapshots" and bool(SNAPSHOT_NAME.fullmatch(name))
