"""The hook's wire format: the payload in, the answers hosts share out.

Every host sends one JSON object on stdin. Anything else (empty input, bytes
that are not UTF-8, invalid JSON, another top-level type, more than
:data:`MAX_PAYLOAD_BYTES`) raises :class:`HookBlock`, because a hook that
cannot read the call must block it. Every host's payload names the event,
the tool, its input and the cwd (:func:`call_header`), and every host
blocks on exit 2 with the reason on stderr (:func:`block_answer`).
"""

from __future__ import annotations

import os

from safeshell import fastjson
from safeshell.hooks.model import HookAnswer, HookBlock

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Mapping

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
        value = fastjson.loads(text)
    except ValueError as exc:  # json.JSONDecodeError
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


def call_header(payload: Mapping[str, Any], *, host: str, event: str) -> tuple[str, dict[str, Any], str]:
    """Return the payload's tool name, tool input and absolute cwd.

    A payload for another event than ``event`` (the one ``safeshell hook
    HOST`` is installed for) raises :class:`HookBlock`.
    """
    sent_event = optional_str(payload, "hook_event_name")
    if sent_event is not None and sent_event != event:
        raise HookBlock(f"hook_event_name is {sent_event!r}; 'safeshell hook {host}' handles only {event!r}")
    tool = require_str(payload, "tool_name")
    tool_input = require_object(payload, "tool_input")
    return tool, tool_input, absolute_cwd(payload)


def absolute_cwd(payload: Mapping[str, Any]) -> str:
    """Return the payload's ``cwd``, which must be an absolute path."""
    cwd = require_str(payload, "cwd")
    if not os.path.isabs(cwd):
        raise HookBlock(f"payload field 'cwd' must be an absolute path, not {cwd!r}")
    return os.path.normpath(cwd)


def permission_answer(event: str, permission: str, reason: str) -> HookAnswer:
    """Return the ``hookSpecificOutput`` answer Claude Code defines and Codex reads."""
    output = {
        "hookSpecificOutput": {
            "hookEventName": event,
            "permissionDecision": permission,
            "permissionDecisionReason": reason,
        }
    }
    return HookAnswer(fastjson.dumps(output) + "\n", "", 0)


def block_answer(reason: str) -> HookAnswer:
    """Return exit 2 with a non-empty stderr, which every host reads as a block."""
    return HookAnswer("", (reason.strip() or "safeshell hook failed") + "\n", 2)
