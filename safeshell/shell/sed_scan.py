"""Effects inside a sed script: ``w FILE`` writes, ``e`` runs a command.

GNU sed writes files with the ``w`` and ``W`` commands and the ``w`` flag of
``s``, and runs shell commands with the ``e`` command and the ``e`` flag of
``s`` (the command text is often the pattern space, so it has no static
value). The scan parses addresses, ``s``/``y`` delimiters and one-line
``a``/``i``/``c`` text so that these letters inside patterns or text do not
count.
"""

from __future__ import annotations

from safeshell.records import Record


class SedEffect(Record):
    __slots__ = ("kind", "path")
    kind: str  # "write" or "exec"
    path: str | None

    def __init__(
        self,
        kind: str,
        path: str | None = None,
    ) -> None:
        self._init(kind=kind, path=path)


def scan(script: str) -> list[SedEffect]:
    effects: list[SedEffect] = []
    index = 0
    length = len(script)
    while index < length:
        index = _skip(script, index, " \t\n;{}!")
        index = _skip_address(script, index)
        index = _skip(script, index, " \t!")
        if index >= length:
            break
        command = script[index]
        index += 1
        if command in "sy":
            index, flags, filename = _substitution(script, index, command)
            if command == "s" and "e" in flags:
                effects.append(SedEffect("exec"))
            if command == "s" and filename is not None:
                effects.append(SedEffect("write", filename))
        elif command in "wW":
            line, index = _rest_of_line(script, index)
            effects.append(SedEffect("write", line.strip()))
        elif command == "e":
            effects.append(SedEffect("exec"))
            _, index = _rest_of_line(script, index)
        elif command in "aicrRbtTq:QlLv#":
            _, index = _rest_of_line(script, index)
    return effects


def _skip(script: str, index: int, characters: str) -> int:
    while index < len(script) and script[index] in characters:
        index += 1
    return index


def _skip_address(script: str, index: int) -> int:
    for _ in range(2):
        if index < len(script) and (script[index].isdigit() or script[index] in "$~+"):
            while index < len(script) and (script[index].isdigit() or script[index] in "$~+"):
                index += 1
        elif index < len(script) and script[index] in "/\\":
            if script[index] == "\\":
                index += 1
            if index >= len(script):
                return index
            index = _delimited(script, index + 1, script[index])
            while index < len(script) and script[index] in "IM":
                index += 1
        if index < len(script) and script[index] == ",":
            index += 1
            continue
        break
    return index


def _delimited(script: str, index: int, delimiter: str) -> int:
    """Return the index after the next unescaped ``delimiter``."""
    while index < len(script) and script[index] != delimiter:
        index += 2 if script[index] == "\\" else 1
    return index + 1


def _substitution(script: str, index: int, command: str) -> tuple[int, str, str | None]:
    if index >= len(script):
        return index, "", None
    delimiter = script[index]
    index = _delimited(script, index + 1, delimiter)
    index = _delimited(script, index, delimiter)
    flags = ""
    while index < len(script) and script[index] not in ";\n}":
        if script[index] == "w":
            filename, index = _rest_of_line(script, index + 1)
            return index, flags + "w", filename.strip()
        flags += script[index]
        index += 1
    return index, flags, None


def _rest_of_line(script: str, index: int) -> tuple[str, int]:
    end = script.find("\n", index)
    if end < 0:
        end = len(script)
    return script[index:end], end
