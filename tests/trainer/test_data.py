"""Validation of JSONL data files: every bad input names its line and problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer.data import MAX_LINE_BYTES, validate_file
from trainer.errors import DataError


def write(tmp_path: Path, content: bytes, name: str = "data.jsonl") -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("content", "line", "problem"),
    [
        (b"", None, "file is empty"),  # zero bytes
        (b"\n  \n", None, "file is empty"),  # only blank lines
        (b'{"text": "ok"}\nnot json\n', 2, "not JSON"),
        (b'{"text": "ok"}\n[1, 2]\n', 2, "expected a JSON object, found an array"),
        (b'"a string"\n', 1, "expected a JSON object, found a string"),
        (b'{"title": "x"}\n', 1, "missing field: expected 'text'"),
        (b'{"prompt": "q"}\n', 1, "missing field 'completion'"),
        (b'{"text": "   "}\n', 1, "field 'text' is empty"),
        (b'{"text": 5}\n', 1, "field 'text' must be a string, found a number"),
        (b'{"prompt": "q", "completion": ""}\n', 1, "field 'completion' is empty"),
        (b'{"messages": []}\n', 1, "field 'messages' must be a non-empty list"),
        (b'{"messages": [{"role": "robot", "content": "x"}]}\n', 1, "invalid role 'robot'"),
        (b'{"messages": [{"role": "user"}]}\n', 1, "field 'content' must be a string"),
        (b'{"messages": [{"role": "user", "content": " "}]}\n', 1, "every message in 'messages' is empty"),
        (b'{"text": "ok"}\n\x00\x01\x02\xff\xfe binary\n', 2, "NUL bytes"),
        (b'{"text": "caf\xe9"}\n', 1, "invalid UTF-8 at byte offset 13"),
    ],
)
def test_invalid_file_names_line_and_problem(tmp_path: Path, content: bytes, line: int | None, problem: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(DataError) as caught:
        validate_file(path)
    assert caught.value.line == line
    assert problem in caught.value.message
    assert str(path) in str(caught.value)


def test_huge_line_rejected_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.jsonl"
    with open(path, "wb") as handle:
        handle.write(b'{"text": "first"}\n{"text": "')
        handle.write(b"x" * (50 * 1024 * 1024))
        handle.write(b'"}\n')
    with pytest.raises(DataError) as caught:
        validate_file(path)
    assert caught.value.line == 2
    assert f"longer than {MAX_LINE_BYTES} bytes" in caught.value.message


def test_missing_file_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        validate_file(tmp_path / "absent.jsonl")


def test_three_record_forms_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, (
        b'{"text": "plain text"}\n'
        b"\n"
        b'{"messages": [{"role": "system", "content": ""}, {"role": "user", "content": "hi"}]}\n'
        b'{"prompt": "", "completion": "an answer", "extra": 1}\n'
    ))
    summary = validate_file(path)
    assert summary.records == 3
    assert summary.lines == 4
    assert summary.kinds == {"text": 1, "messages": 1, "prompt_completion": 1}
    assert summary.size == path.stat().st_size
    assert len(summary.digest) == 64
