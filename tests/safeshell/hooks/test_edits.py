"""Edit semantics matching Claude Code's Edit/MultiEdit and Gemini CLI's replace."""

from __future__ import annotations

import pytest

from safeshell.hooks.edits import apply_edits, apply_gemini_replace
from safeshell.hooks.model import Edit, HookBlock


@pytest.mark.parametrize(
    ("content", "edits", "expected"),
    [
        # one unique occurrence
        ("a = 1\nb = 2\n", (Edit("a = 1", "a = 3"),), "a = 3\nb = 2\n"),
        # replace_all replaces every occurrence
        ("x x x", (Edit("x", "y", True),), "y y y"),
        # an empty new_string also removes the following newline
        ("keep\ndrop\nkeep\n", (Edit("drop", ""),), "keep\nkeep\n"),
        # "$&" and backslashes are literal, not replacement patterns
        ("v = 1", (Edit("1", "$& \\1"),), "v = $& \\1"),
        # MultiEdit applies in order, each on the previous result
        ("a", (Edit("a", "ab"), Edit("ab", "abc")), "abc"),
        # curly quotes in the file match straight quotes and are kept
        ("say \u201chi\u201d now", (Edit('"hi"', '"bye"'),), "say \u201cbye\u201d now"),
    ],
)
def test_claude_code_edits_apply(content: str, edits: tuple[Edit, ...], expected: str) -> None:
    assert apply_edits(content, edits, path="f") == expected


def test_missing_file_created_by_empty_old_string() -> None:
    assert apply_edits(None, (Edit("", "new\n"),), path="f") == "new\n"


@pytest.mark.parametrize(
    ("content", "edit", "message"),
    [
        ("a a", Edit("a", "b"), "edit on 'f': old_string occurs 2 times but replace_all is false"),
        ("a", Edit("z", "b"), "edit on 'f': old_string was not found in the file"),
        ("a", Edit("a", "a"), "edit on 'f': old_string and new_string are the same, so the edit changes nothing"),
        ("a", Edit("", "b"), "edit on 'f': empty old_string would create the file, but it already has content"),
        (None, Edit("a", "b"), "edit on 'f': the file does not exist"),
    ],
)
def test_claude_code_edit_errors_block(content: str | None, edit: Edit, message: str) -> None:
    with pytest.raises(HookBlock) as caught:
        apply_edits(content, (edit,), path="f")
    assert caught.value.message == message


def test_multiedit_error_names_edit_index() -> None:
    with pytest.raises(HookBlock) as caught:
        apply_edits("a", (Edit("a", "b"), Edit("a", "c")), path="f")
    assert caught.value.message == "edit 2 of 2 on 'f': old_string was not found in the file"


def test_gemini_replace_counts_expected() -> None:
    assert apply_gemini_replace("x x", Edit("x", "y"), 2, path="f") == "y y"
    with pytest.raises(HookBlock, match="occurs 2 times, expected 1"):
        apply_gemini_replace("x x", Edit("x", "y"), 1, path="f")
