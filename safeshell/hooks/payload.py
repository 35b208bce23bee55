"""Decoding a hook payload: bounded size, UTF-8, one JSON object.

Every host sends one JSON object on stdin. Anything else (empty input, bytes
that are not UTF-8, invalid JSON, another top-level type, more than
:data:`MAX_PAYLOAD_BYTES`) raises :class:`HookBlock`, because a hook that
cannot read the call must block it.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO, Mapping

from safeshell.hooks.model import HookBlock

# A Write of a large file arrives whole in the payload. 8 MiB holds any
# source or config file; bigger payloads are blocked rather than parsed.
MAX_PAYLOAD_BYTES = 8 * 1024 * 1024


def read_stdin(stream: BinaryIO, limit: int = MAX_PAYLOAD_BYTES) -> bytes:
    """Read at most ``limit + 1`` bytes, so an oversized payload is detected."""
    chunks: list[bytes] = []
    remaining = limit + 1
    while remaining > 0:
        chunk = stream.read(min(remaining, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def decode_payload(raw: bytes, limit: int = MAX_PAYLOAD_BYTES) -> dict[str, Any]:
    """Return the payload object or raise :class:`HookBlock` naming the problem."""
    if len(raw) > limit:
        raise HookBlock(
            f"hook payload too large: more than {limit} bytes on stdin",
            hint="write large files in smaller pieces or with a shell command",
        )
    if not raw.strip():
        raise HookBlock("empty hook payload: expected one JSON object on stdin")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HookBlock(f"hook payload is not UTF-8: invalid byte at offset {exc.start}") from exc
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise HookBlock(
            f"hook payload is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    if not isinstance(value, dict):
        raise HookBlock(f"hook payload must be a JSON object, not {type(value).__name__}")
    return value


def require_str(payload: Mapping[str, Any], key: str, *, where: str = "payload") -> str:
    """Return ``payload[key]`` as a non-empty string or raise :class:`HookBlock`."""
    value = payload.get(key)
    if not isinstance(value, str) or not value:
        raise HookBlock(f"{where} field {key!r} is missing or not a non-empty string (got {value!r:.80})")
    return value


def optional_str(payload: Mapping[str, Any], key: str, *, where: str = "payload") -> str | None:
    """Return ``payload[key]`` when it is a string, ``None`` when absent."""
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise HookBlock(f"{where} field {key!r} must be a string, not {type(value).__name__}")
    return value


def require_object(payload: Mapping[str, Any], key: str, *, where: str = "payload") -> dict[str, Any]:
    """Return ``payload[key]`` as an object or raise :class:`HookBlock`."""
    value = payload.get(key)
    if not isinstance(value, dict):
        raise HookBlock(f"{where} field {key!r} is missing or not an object (got {type(value).__name__})")
    return value
