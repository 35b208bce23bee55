"""Applying an edit tool's replacements the way its host applies them.

The hook computes the file as it would be after the edit (to diff
``config.json`` key by key), so the replacement rules must match the host's:

Claude Code (Edit, MultiEdit; rules of its ``FileEditTool``): ``old_string``
is looked up exactly, then with curly quotes normalised to straight ones (the
matched file text is used, and straight quotes in ``new_string`` take the
file's curly style). Without ``replace_all`` it must occur exactly once.
``old_string == new_string`` is an error. An empty ``new_string`` also
removes the newline after ``old_string`` when the file has one there. An
empty ``old_string`` creates the file and is an error when the file has
content. MultiEdit applies its edits in order, each to the previous result.

Gemini CLI (``replace``): ``old_string`` must occur exactly
``expected_replacements`` times (default 1). When it does not, Gemini asks
its model to correct the strings, so the result cannot be known here.

An edit that cannot be applied raises :class:`HookBlock` with the reason.
"""

from __future__ import annotations

from safeshell.hooks.model import Edit, HookBlock

LEFT_SINGLE_CURLY = "\u2018"
RIGHT_SINGLE_CURLY = "\u2019"
LEFT_DOUBLE_CURLY = "\u201c"
RIGHT_DOUBLE_CURLY = "\u201d"


def apply_edits(content: str | None, edits: tuple[Edit, ...], *, path: str) -> str:
    """Apply Claude Code edits in order to ``content`` (``None``: file missing)."""
    current = content
    for index, edit in enumerate(edits, start=1):
        where = f"edit {index} of {len(edits)} on {path!r}" if len(edits) > 1 else f"edit on {path!r}"
        current = _apply_one(current, edit, where=where)
    return current if current is not None else ""


def apply_gemini_replace(content: str | None, edit: Edit, expected: int, *, path: str) -> str:
    """Apply Gemini CLI's ``replace``; block when its model would have to correct it."""
    if edit.old_string == "":
        if content is not None:
            raise HookBlock(f"replace on {path!r}: empty old_string but the file already exists")
        return edit.new_string
    if content is None:
        raise HookBlock(f"replace on {path!r}: the file does not exist")
    found = content.count(edit.old_string)
    if found != expected:
        raise HookBlock(
            f"replace on {path!r}: old_string occurs {found} times, expected {expected}; "
            "the corrected edit Gemini CLI would make instead cannot be checked in advance",
            hint="read the file again and repeat the edit with the exact text",
        )
    return content.replace(edit.old_string, edit.new_string)


def _apply_one(content: str | None, edit: Edit, *, where: str) -> str:
    if edit.old_string == edit.new_string:
        raise HookBlock(f"{where}: old_string and new_string are the same, so the edit changes nothing")

    if edit.old_string == "":
        if content:
            raise HookBlock(f"{where}: empty old_string would create the file, but it already has content")
        return edit.new_string
    if content is None:
        raise HookBlock(f"{where}: the file does not exist", hint="create it with the Write tool")

    actual = find_actual_string(content, edit.old_string)
    if actual is None:
        raise HookBlock(
            f"{where}: old_string was not found in the file",
            hint="read the file again and copy old_string exactly, including whitespace",
        )
    matches = content.count(actual)
    if matches > 1 and not edit.replace_all:
        raise HookBlock(
            f"{where}: old_string occurs {matches} times but replace_all is false",
            hint="add surrounding context to old_string so it is unique, or set replace_all",
        )

    new_string = preserve_quote_style(edit.old_string, actual, edit.new_string)
    search = actual
    if new_string == "" and not actual.endswith("\n") and actual + "\n" in content:
        search = actual + "\n"
    if edit.replace_all:
        return content.replace(search, new_string)
    return content.replace(search, new_string, 1)


def normalize_quotes(text: str) -> str:
    """Replace curly quotes by straight ones (same length, so offsets carry over)."""
    return (
        text.replace(LEFT_SINGLE_CURLY, "'")
        .replace(RIGHT_SINGLE_CURLY, "'")
        .replace(LEFT_DOUBLE_CURLY, '"')
        .replace(RIGHT_DOUBLE_CURLY, '"')
    )


def find_actual_string(content: str, search: str) -> str | None:
    """Return the file text ``search`` matches: exactly, or with quotes normalised."""
    if search in content:
        return search
    index = normalize_quotes(content).find(normalize_quotes(search))
    if index == -1:
        return None
    return content[index : index + len(search)]


def preserve_quote_style(old_string: str, actual: str, new_string: str) -> str:
    """Give ``new_string`` the file's curly quotes when the match needed normalising."""
    if old_string == actual:
        return new_string
    result = new_string
    if LEFT_DOUBLE_CURLY in actual or RIGHT_DOUBLE_CURLY in actual:
        result = _curl(result, '"', LEFT_DOUBLE_CURLY, RIGHT_DOUBLE_CURLY, contractions=False)
    if LEFT_SINGLE_CURLY in actual or RIGHT_SINGLE_CURLY in actual:
        result = _curl(result, "'", LEFT_SINGLE_CURLY, RIGHT_SINGLE_CURLY, contractions=True)
    return result


def _curl(text: str, straight: str, opening: str, closing: str, *, contractions: bool) -> str:
    out: list[str] = []
    for index, char in enumerate(text):
        if char != straight:
            out.append(char)
            continue
        before = text[index - 1] if index > 0 else None
        after = text[index + 1] if index + 1 < len(text) else None
        if contractions and before is not None and after is not None and before.isalpha() and after.isalpha():
            out.append(closing)
        elif before is None or before in " \t\n\r([{\u2014\u2013":
            out.append(opening)
        else:
            out.append(closing)
    return "".join(out)
