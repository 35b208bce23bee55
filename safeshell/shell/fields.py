"""Shell word expansion after parsing: braces, tilde, field splitting, globs.

A word arrives as a list of :class:`Piece` (text with a quoting flag), built
from the syntax tree by :mod:`safeshell.shell.words`. This module turns the
pieces into fields the way bash does, in bash's order: brace expansion,
tilde expansion, field splitting of unquoted expansion results, then
pathname expansion against the real filesystem.
"""

from __future__ import annotations

import os

from safeshell.records import Record

LITERAL = 0  # unquoted text typed in the command: braces, tilde and globs apply
QUOTED = 1  # quoted or escaped text: taken as is
EXPANDED = 2  # unquoted result of an expansion: split on whitespace and globbed

GLOB_CHARS = frozenset("*?[")
IFS_WHITESPACE = frozenset(" \t\n")


class Piece(Record):
    __slots__ = ("text", "flag")
    text: str
    flag: int

    def __init__(
        self,
        text: str,
        flag: int,
    ) -> None:
        self._init(text=text, flag=flag)


class Arg(Record):
    """One expanded field.

    ``text`` is the value. When ``resolved`` is False, ``text`` is the
    word's source text because some part of it has no static value.
    """

    __slots__ = ("text", "resolved", "source")
    text: str
    resolved: bool
    source: str

    def __init__(
        self,
        text: str,
        resolved: bool = True,
        source: str = "",
    ) -> None:
        self._init(text=text, resolved=resolved, source=source)


class ExpansionLimit(Exception):
    """A word expanded to more fields than the limits allow."""


Chars = list[tuple[str, int]]


def to_chars(pieces: list[Piece]) -> Chars:
    return [(char, piece.flag) for piece in pieces for char in piece.text]


def expand_braces(chars: Chars, max_words: int) -> list[Chars]:
    """Expand the first unquoted brace expression, recursively."""
    results: list[Chars] = []
    pending = [chars]
    while pending:
        current = pending.pop()
        expanded = _expand_first_brace(current)
        if expanded is None:
            results.append(current)
        else:
            pending.extend(reversed(expanded))
        if len(results) + len(pending) > max_words:
            raise ExpansionLimit(f"brace expansion exceeds {max_words} words")
    return results


def _expand_first_brace(chars: Chars) -> list[Chars] | None:
    for start, (char, flag) in enumerate(chars):
        if char != "{" or flag != LITERAL:
            continue
        depth = 0
        commas: list[int] = []
        for index in range(start, len(chars)):
            inner, inner_flag = chars[index]
            if inner_flag != LITERAL:
                continue
            if inner == "{":
                depth += 1
            elif inner == "}":
                depth -= 1
                if depth == 0:
                    prefix, suffix = chars[:start], chars[index + 1 :]
                    body = chars[start + 1 : index]
                    alternatives = _brace_alternatives(body, [c - start - 1 for c in commas])
                    if alternatives is None:
                        break
                    return [prefix + alt + suffix for alt in alternatives]
            elif inner == "," and depth == 1:
                commas.append(index)
    return None


def _brace_alternatives(body: Chars, commas: list[int]) -> list[Chars] | None:
    if commas:
        bounds = [-1, *commas, len(body)]
        return [body[bounds[i] + 1 : bounds[i + 1]] for i in range(len(bounds) - 1)]
    text = "".join(char for char, _ in body)
    parts = text.split("..")
    if len(parts) not in (2, 3) or any(flag != LITERAL for _, flag in body):
        return None
    step = 1
    if len(parts) == 3:
        if not _is_int(parts[2]):
            return None
        step = abs(int(parts[2])) or 1
    first, last = parts[0], parts[1]
    if _is_int(first) and _is_int(last):
        low, high = int(first), int(last)
        values = range(low, high + 1, step) if low <= high else range(low, high - 1, -step)
        if len(values) > 100_000:
            return None
        width = max(len(first), len(last)) if first.lstrip("-").startswith("0") or last.lstrip("-").startswith("0") else 0
        return [[(ch, QUOTED) for ch in str(v).zfill(width)] for v in values]
    if len(first) == 1 and len(last) == 1:
        low, high = ord(first), ord(last)
        codes = range(low, high + 1, step) if low <= high else range(low, high - 1, -step)
        return [[(chr(code), QUOTED)] for code in codes]
    return None


def _is_int(text: str) -> bool:
    return text.lstrip("-").isdigit()


def expand_tilde(chars: Chars, home: str | None, cwd: str | None, oldpwd: str | None) -> Chars | None:
    """Replace a leading unquoted ``~``; None when its value is unknown."""
    if not chars or chars[0] != ("~", LITERAL):
        return chars
    end = 1
    while end < len(chars) and chars[end][0] != "/":
        if chars[end][1] != LITERAL:
            return chars
        end += 1
    user = "".join(char for char, _ in chars[1:end])
    if user == "":
        value = home
    elif user == "+":
        value = cwd
    elif user == "-":
        value = oldpwd
    else:
        expanded = os.path.expanduser("~" + user)
        value = None if expanded.startswith("~") else expanded
        if value is None:
            return chars  # bash keeps ~nosuchuser as text
    if value is None:
        return None
    return [(char, QUOTED) for char in value] + chars[end:]


def split_fields(chars: Chars, ifs: str = " \t\n") -> list[Chars]:
    """Split on the ``ifs`` characters that came from unquoted expansions, as bash does.

    Runs of IFS whitespace (space, tab, newline in ``ifs``) separate fields
    and are dropped at the ends. Every other IFS character ends a field, so
    two in a row leave an empty field between them. An empty ``ifs``
    splits nothing.
    """
    white = IFS_WHITESPACE & set(ifs)
    hard = set(ifs) - IFS_WHITESPACE
    fields: list[Chars] = []
    current: Chars = []
    keep_empty = False
    last = "start"  # what came before: "start", "white" (a field ended there), "hard" or "char"
    for char, flag in chars:
        if flag == EXPANDED and char in white:
            if current or keep_empty:
                fields.append(current)
                last = "white"
            current, keep_empty = [], False
            continue
        if flag == EXPANDED and char in hard:
            if current or keep_empty or last in ("start", "hard"):
                fields.append(current)
            current, keep_empty, last = [], False, "hard"
            continue
        if flag != EXPANDED:
            keep_empty = True
        current.append((char, flag))
        last = "char"
    if current or keep_empty:
        fields.append(current)
    return fields


def has_glob(chars: Chars) -> bool:
    return any(flag != QUOTED and char in GLOB_CHARS for char, flag in chars)


def glob_pattern(chars: Chars) -> str:
    parts = []
    for index, (char, flag) in enumerate(chars):
        if flag == QUOTED and char in GLOB_CHARS:
            parts.append(f"[{char}]")
        elif char == "^" and flag != QUOTED and index > 0 and chars[index - 1] == ("[", flag) and parts[-1] == "[":
            parts.append("!")  # bash reads [^...] as [!...]; Python's glob takes ^ literally
        else:
            parts.append(char)
    return "".join(parts)


def expand_glob(pattern: str, cwd: str, max_matches: int, *, globstar: bool = False, dotglob: bool = False) -> list[str]:
    """Return the sorted matches of a glob pattern, relative like the pattern.

    ``globstar`` and ``dotglob`` are bash's shell options of those names.
    """
    import glob  # imports re, which only words with glob characters need

    if os.path.isabs(pattern):
        iterator = glob.iglob(pattern, recursive=globstar, include_hidden=dotglob)
    else:
        iterator = glob.iglob(pattern, root_dir=cwd, recursive=globstar, include_hidden=dotglob)
    matches: list[str] = []
    for match in iterator:
        matches.append(match)
        if len(matches) > max_matches:
            raise ExpansionLimit(f"glob {pattern!r} matches more than {max_matches} paths")
    if pattern.endswith("/"):
        matches = [match if match.endswith("/") else match + "/" for match in matches]
    return sorted(matches)


def text_of(chars: Chars) -> str:
    return "".join(char for char, _ in chars)
