"""Tool results that are not a tool's normal output: errors and policy rejections.

Both are returned as ``CallToolResult`` with ``isError: true`` (never as a
JSON-RPC protocol error) and two text blocks: the message for the model
(what failed and the next step), then the body as one JSON object for
programs. The body is not sent as ``structuredContent`` because that field
must match the tool's output schema. Clients built on the TypeScript SDK
(MCP Inspector 2.12) validate it even on error results, so a rejection body
there would reach the user as a schema error instead of the rejection.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel

from safeshell.errors import SafeshellError, TokenError


class Rejection(BaseModel):
    """The policy's reason for not running a tool call, and the way to get it approved."""

    decision: Literal["require_approval", "deny"]
    rule: str | None
    request_id: str | None
    how_to_approve: str | None
    message: str
    reason: str = ""
    hint: str = ""
    path: str | None = None
    tool: str
    token_check: str | None = None  # set when a presented approval token failed; names the check
    policy_version: str = ""


class ErrorBody(BaseModel):
    """A failure that is not a policy decision: invalid input, a store or trainer error."""

    error: str  # the exception class, e.g. "VersionNotFoundError"
    message: str
    hint: str | None = None


def rejection_result(rejection: Rejection) -> CallToolResult:
    lines = [rejection.message]
    if rejection.how_to_approve:
        lines.append(f"To approve: {rejection.how_to_approve}")
    return _error(lines, rejection.model_dump(mode="json"))


def error_result(exc: SafeshellError) -> CallToolResult:
    body = ErrorBody(error=type(exc).__name__, message=exc.message, hint=exc.hint)
    if isinstance(exc, TokenError):
        body.error = f"{type(exc).__name__}({exc.check})"
    lines = [exc.message]
    if exc.hint:
        lines.append(f"hint: {exc.hint}")
    return _error(lines, body.model_dump(mode="json"))


def _error(lines: list[str], body: dict[str, Any]) -> CallToolResult:
    return CallToolResult(
        content=[
            TextContent(type="text", text="\n".join(lines)),
            TextContent(type="text", text=json.dumps(body, sort_keys=True)),
        ],
        is_error=True,
    )


def error_body(result: CallToolResult) -> dict[str, Any] | None:
    """Return the JSON body of an error or rejection result made here, or None for any other result."""
    if not result.is_error or len(result.content) != 2 or result.content[1].type != "text":
        return None
    try:
        body = json.loads(result.content[1].text)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
