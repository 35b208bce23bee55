"""Claude Code's shell-prefix wrapper lines (recorded shapes) and what is left wrapped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safeshell.hooks.unwrap import decode_word, unwrap_host_command

LINES = json.loads(
    (Path(__file__).resolve().parents[2] / "data" / "hooks" / "claude-code" / "shell-prefix-lines.json").read_text()
)


@pytest.mark.parametrize("case", LINES["unwrapped"], ids=lambda case: case["name"])
def test_wrapper_line_unwrapped(case: dict) -> None:
    result = unwrap_host_command(case["line"])
    assert result is not None
    assert result.command == case["command"]
    assert result.host == "claude-code"


@pytest.mark.parametrize("case", LINES["kept"], ids=lambda case: case["name"])
def test_unknown_shape_left_wrapped(case: dict) -> None:
    assert unwrap_host_command(case["line"]) is None


@pytest.mark.parametrize(
    ("word", "decoded"),
    [
        ("'a b'", "a b"),
        ("'it'\"'\"'s'", "it's"),
        ("'it'\\''s'", "it's"),
        ('"a \\"b\\" \\$c"', 'a "b" $c'),
        ('"keep \\! backslash"', "keep \\! backslash"),
        ("plain/path-1.sh", "plain/path-1.sh"),
        ("a\\ b", "a b"),
        ("'unterminated", None),
        ('"$(id)"', None),
        ("a b", None),
        ("*.sh", None),
    ],
)
def test_decode_word_literal_quoting_only(word: str, decoded: str | None) -> None:
    assert decode_word(word) == decoded


def test_trailing_backslash_command_left_wrapped() -> None:
    line = "eval 'echo a\\' \\< /dev/null && pwd -P >| /tmp/claude-1a-cwd"
    assert unwrap_host_command(line) is None
