"""Tool results that are not a tool's normal output: errors and policy rejections.

Both are returned as ``CallToolResult`` with ``isError: true`` (never as a
JSON-RPC protocol error), carrying a structured body for programs and a text
for the model. The text states what failed and the next step.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from mcp_types import CallToolResult, TextContent
from pydantic import BaseModel

from safeshell.errors import SafeshellError, TokenError


class Rejection(BaseModel):
    """Why the policy did not let a tool call run, and how to get it approved."""

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
    text = "\n".join(lines) + "\n" + json.dumps(body, sort_keys=True)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=body, is_error=True)
