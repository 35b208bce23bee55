"""An approval token given as a leading assignment: ``SAFESHELL_APPROVAL_TOKEN=T COMMAND``.

An assistant whose every shell command already runs through ``safeshell -c``
(Claude Code's ``CLAUDE_CODE_SHELL_PREFIX``) cannot pass ``--approval``, so
the guarded run also accepts the token as an assignment word in front of
the command. The assignment is recognised only as the first word of the
text, followed by a blank and the rest of a simple command; its value must
be literal (plain, single-quoted, or double-quoted without expansions).
Anything else is left in the command, which is then decided as written.

This module imports nothing (not even dataclasses): it runs on every
guarded command, where start-up time counts.
"""

from __future__ import annotations

TOKEN_VARIABLE = "SAFESHELL_APPROVAL_TOKEN"

# Characters that end an unquoted word or start shell syntax bash would act on.
_BLANKS = " \t"
_SYNTAX = "\n;&|<>()$`~"
# A newline or control operator after the assignment ends the command, so
# the assignment is a shell variable, not the prefix of a simple command.
_NOT_A_COMMAND = "\n;&|)"


def split_inline_token(text: str, *, variable: str = TOKEN_VARIABLE) -> tuple[str, str] | None:
    """Return (token, command after the assignment) when ``text`` starts with the assignment, else None."""
    start = len(text) - len(text.lstrip(_BLANKS))
    prefix = variable + "="
    if not text.startswith(prefix, start):
        return None
    parsed = _literal_word(text, start + len(prefix))
    if parsed is None:
        return None
    token, end = parsed
    if not token or end >= len(text) or text[end] not in _BLANKS:
        return None
    command = text[end:].lstrip(_BLANKS)
    if not command or command[0] in _NOT_A_COMMAND or command.startswith("#"):
        return None
    return token, command


def _literal_word(text: str, index: int) -> tuple[str, int] | None:
    """Decode the literal word starting at ``index``; return it and the index after it, or None."""
    out: list[str] = []
    length = len(text)
    while index < length:
        char = text[index]
        if char in _BLANKS:
            break
        if char == "'":
            end = text.find("'", index + 1)
            if end < 0:
                return None
            out.append(text[index + 1 : end])
            index = end + 1
        elif char == '"':
            index += 1
            while True:
                if index >= length:
                    return None
                char = text[index]
                if char == '"':
                    index += 1
                    break
                if char in "$`":
                    return None
                if char == "\\" and index + 1 < length and text[index + 1] in '$`"\\':
                    out.append(text[index + 1])
                    index += 2
                    continue
                if char == "\\" and index + 1 < length and text[index + 1] == "\n":
                    return None
                out.append(char)
                index += 1
        elif char == "\\":
            if index + 1 >= length or text[index + 1] == "\n":
                return None
            out.append(text[index + 1])
            index += 2
        elif char in _SYNTAX:
            return None
        else:
            out.append(char)
            index += 1
    return "".join(out), index
