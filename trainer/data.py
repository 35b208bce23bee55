"""Validation of JSONL training data files.

Each non-blank line is one JSON object in one of three forms:

- ``{"text": "..."}``: plain text;
- ``{"messages": [{"role": "user", "content": "..."}, ...]}``: a chat;
- ``{"prompt": "...", "completion": "..."}``: the loss covers the completion.

Validation reads the file once, in binary, a bounded line at a time, so a
huge line or binary data cannot exhaust memory, and computes the file's
SHA-256 in the same pass.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trainer.errors import DataError

# A line longer than this is rejected instead of parsed (4 MiB).
MAX_LINE_BYTES = 4 * 1024 * 1024
CHAT_ROLES = frozenset({"system", "user", "assistant", "tool"})


@dataclass
class DataSummary:
    """Facts about a valid data file, gathered by validation."""

    path: Path
    digest: str
    size: int
    lines: int
    records: int
    kinds: dict[str, int] = field(default_factory=dict)


def record_kind(record: Any) -> str:
    """Return "text", "messages" or "prompt_completion"; raise ValueError naming the problem."""
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, found {_json_type(record)}")
    if "text" in record:
        _check_string(record, "text")
        return "text"
    if "messages" in record:
        _check_messages(record["messages"])
        return "messages"
    if "prompt" in record or "completion" in record:
        for name in ("prompt", "completion"):
            if name not in record:
                raise ValueError(f"missing field {name!r} (a prompt record needs 'prompt' and 'completion')")
        if not isinstance(record["prompt"], str):
            raise ValueError(f"field 'prompt' must be a string, found {_json_type(record['prompt'])}")
        _check_string(record, "completion")
        return "prompt_completion"
    keys = ", ".join(repr(key) for key in list(record)[:5]) or "none"
    raise ValueError(f"missing field: expected 'text', 'messages', or 'prompt' and 'completion' (found keys: {keys})")


def validate_file(path: Path) -> DataSummary:
    """Validate every line of ``path``; raise :class:`DataError` at the first bad line."""
    name = str(path)
    digest = hashlib.sha256()
    summary = DataSummary(path=path, digest="", size=0, lines=0, records=0)
    try:
        handle = open(path, "rb")
    except FileNotFoundError as exc:
        raise DataError("file not found", file=name) from exc
    except OSError as exc:
        raise DataError(f"cannot be read: {exc}", file=name) from exc

    with handle:
        while True:
            raw = handle.readline(MAX_LINE_BYTES + 1)
            if not raw:
                break
            summary.lines += 1
            line_number = summary.lines
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                raise DataError(f"line is longer than {MAX_LINE_BYTES} bytes", file=name, line=line_number,
                                hint="split the record or shorten it")
            digest.update(raw)
            summary.size += len(raw)
            _check_line(raw, name, line_number, summary)

    if summary.records == 0:
        raise DataError("file is empty (no records)", file=name,
                        hint='write one JSON object per line, for example {"text": "..."}')
    summary.digest = digest.hexdigest()
    return summary


def _check_line(raw: bytes, name: str, line_number: int, summary: DataSummary) -> None:
    if b"\x00" in raw:
        raise DataError("contains NUL bytes (binary data, not JSONL)", file=name, line=line_number)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"invalid UTF-8 at byte offset {exc.start}", file=name, line=line_number,
                        hint="save the file as UTF-8") from exc
    if not text.strip():
        return
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        # Some of json's messages end in "at" ("Invalid control character at").
        raise DataError(f"not JSON: {exc.msg.removesuffix(' at')} at column {exc.colno}", file=name, line=line_number) from exc
    try:
        kind = record_kind(record)
    except ValueError as exc:
        raise DataError(str(exc), file=name, line=line_number) from exc
    summary.records += 1
    summary.kinds[kind] = summary.kinds.get(kind, 0) + 1


def _check_string(record: dict[str, Any], name: str) -> None:
    value = record[name]
    if not isinstance(value, str):
        raise ValueError(f"field {name!r} must be a string, found {_json_type(value)}")
    if not value.strip():
        raise ValueError(f"field {name!r} is empty")


def _check_messages(messages: Any) -> None:
    if not isinstance(messages, list) or not messages:
        raise ValueError("field 'messages' must be a non-empty list of {\"role\", \"content\"} objects")
    has_content = False
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, dict):
            raise ValueError(f"{where} must be an object, found {_json_type(message)}")
        role = message.get("role")
        if role not in CHAT_ROLES:
            raise ValueError(f"{where}: invalid role {role!r} (expected one of {', '.join(sorted(CHAT_ROLES))})")
        content = message.get("content")
        if not isinstance(content, str):
            raise ValueError(f"{where}: field 'content' must be a string, found {_json_type(content)}")
        has_content = has_content or bool(content.strip())
    if not has_content:
        raise ValueError("every message in 'messages' is empty")


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)
