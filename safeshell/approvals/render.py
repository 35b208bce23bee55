"""Rejection messages, rendered from the verdict and the approval request.

The CLI prints :func:`render_rejection`; JSON consumers (``safeshell check
--json``, hooks, MCP) use :func:`rejection_dict`. Both state what was rejected,
which rule and path, and how to get approval.
"""

from __future__ import annotations

import shlex
import time
from typing import Any

from safeshell.approvals.redeem import TokenCheck
from safeshell.approvals.requests import ApprovalRequest
from safeshell.decision import Decision, Match, Verdict
from safeshell.operations import Subject

# Matches beyond the first few are summarized as a count.
MAX_LISTED_MATCHES = 5


def render_rejection(
    subject: Subject,
    verdict: Verdict,
    request: ApprovalRequest | None = None,
    token_check: TokenCheck | None = None,
) -> str:
    """Return the multi-line stderr message for a rejected command or tool call."""
    what = _subject_line(subject)
    if verdict.decision is Decision.DENY:
        lines = [f"safeshell: denied: {what}"]
    else:
        lines = [f"safeshell: rejected, approval required: {what}"]

    lines.extend(_match_lines(verdict))
    if token_check is not None and not token_check.ok:
        lines.append(f"  approval token rejected ({token_check.check}): {token_check.message}")
        if token_check.hint and token_check.check == "key":
            lines.append(f"    {token_check.hint}")

    if verdict.decision is Decision.DENY:
        lines.append("  No approval can allow this: the rule denies it outright.")
    elif request is not None:
        lines.extend(_request_lines(request))
    return "\n".join(lines)


def rejection_dict(
    subject: Subject,
    verdict: Verdict,
    request: ApprovalRequest | None = None,
    token_check: TokenCheck | None = None,
) -> dict[str, Any]:
    """Return the JSON-ready form of :func:`render_rejection`."""
    data = verdict.to_dict()
    data["subject"] = _subject_line(subject)
    if request is not None:
        data["approval"] = {
            "request": request.id,
            "status": request.status,
            "expires_at": request.expires_at,
            "grant_command": request.grant_command,
            "run_with_token": run_command_template(request),
        }
    if token_check is not None:
        data["token"] = {"ok": token_check.ok, "check": token_check.check, "message": token_check.message}
    data["message"] = render_rejection(subject, verdict, request, token_check)
    return data


# Commands longer than this are not repeated in messages: a reader cannot check
# them there, and a hook's reason or a list row would grow by their size.
ECHO_LIMIT = 2000


def echoed_command(command: str) -> str:
    """Return ``command`` quoted for a command line, or a placeholder when it is longer than ECHO_LIMIT."""
    if len(command) > ECHO_LIMIT:
        return f"<the same command as before, {len(command)} characters>"
    return shlex.quote(command)


def run_command_template(request: ApprovalRequest, token: str = "TOKEN") -> str:
    """Return how to run the approved operation with ``token``."""
    subject = request.subject
    if subject.kind == "shell":
        prefix = f"cd {shlex.quote(subject.cwd)} && " if subject.cwd else ""
        return f"{prefix}safeshell --approval {token} -c {echoed_command(subject.command or '')}"
    return f"call the tool {subject.tool!r} again with the same arguments and approval_token={token!r}"


def _subject_line(subject: Subject) -> str:
    if subject.kind == "shell":
        return subject.command or ""
    return f"tool call {subject.tool}"


def _match_lines(verdict: Verdict) -> list[str]:
    lines: list[str] = []
    for match in verdict.matches[:MAX_LISTED_MATCHES]:
        lines.append(f"  rule {match.rule} ({match.decision.label}): {_target(match)}")
    extra = len(verdict.matches) - MAX_LISTED_MATCHES
    if extra > 0:
        lines.append(f"  ... and {extra} more matches ('safeshell explain' lists them all)")
    primary = verdict.primary
    if primary is not None:
        if primary.reason:
            lines.append(f"  reason: {primary.reason}")
        if primary.hint:
            lines.append(f"  instead: {primary.hint}")
    return lines


def _target(match: Match) -> str:
    operation = match.operation
    text = operation.kind.value
    if match.path:
        text += f" of {match.path}"
    elif operation.paths:
        text += f" of {', '.join(operation.paths[:3])}"
    if not operation.resolved:
        text += " (could not be resolved statically, so treated as touching every protected path)"
    if operation.source:
        text += f" in {operation.source!r}"
    return text


def _request_lines(request: ApprovalRequest) -> list[str]:
    expires = time.strftime("%H:%M:%S UTC", time.gmtime(request.expires_at))
    if request.status == "granted":
        return [
            f"  Approval request {request.id} is already granted: rerun with the token that "
            "'safeshell approve' printed,",
            f"    {run_command_template(request)}",
            f"  or, if the token is lost, grant it again: {request.grant_command}",
        ]
    return [
        f"  Approval request {request.id} (expires {expires}). A human grants it on a terminal with:",
        f"    {request.grant_command}",
        "  then reruns it with the printed token, from the same directory:",
        f"    {run_command_template(request)}",
    ]
