"""Checking and redeeming approval tokens.

:func:`check_token` returns whether a token would be accepted for an
operation, without changing anything. :func:`redeem_token` accepts a token
once: the checks run again inside a ``BEGIN IMMEDIATE`` transaction that also
inserts the nonce into ``approval_used_tokens`` (a primary key), so of several
processes racing with one token exactly one is accepted.

Acceptance rests on the HMAC over the digest recomputed from the subject and
verdict in front of the verifier, never on values read from the database,
which the assistant can write. The database only adds reasons to reject
(denied, already used, superseded by a newer grant).
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from safeshell.approvals import keys, tokens
from safeshell.approvals.requests import (
    ApprovalRequest,
    _from_row,
    _transaction,
    connect,
    matched_rules,
    request_digest,
)
from safeshell.decision import Decision, Verdict
from safeshell.errors import TokenError
from safeshell.operations import Subject
from safeshell.workspace import Workspace

# Every value TokenError.check / TokenCheck.check can take, in the order the checks run.
CHECKS = (
    "not_required",  # the verdict is allow: no token is needed
    "policy_denies",  # the verdict is deny: no token can allow it
    "format",
    "unknown_request",
    "denied",
    "replayed",
    "expired",
    "not_granted",
    "policy_changed",
    "operation",
    "key",
    "signature",
    "superseded",
)


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of checking a token: ``ok``, or the name of the failed check."""

    ok: bool
    check: str  # "ok" or one of CHECKS
    message: str
    request: ApprovalRequest | None = None
    hint: str | None = None

    def error(self) -> TokenError:
        return TokenError(self.message, check=self.check, hint=self.hint)


@dataclass(frozen=True)
class Grant:
    """A redeemed token: the operation may run now, once."""

    request: ApprovalRequest
    nonce: str
    used_at: float


def check_token(workspace: Workspace, subject: Subject, verdict: Verdict, token: str) -> TokenCheck:
    """Return whether ``token`` would be accepted for ``subject`` under ``verdict``; changes nothing."""
    connection = connect(workspace)
    try:
        return _evaluate(connection, workspace, subject, verdict, token, now=time.time())
    finally:
        connection.close()


def redeem_token(workspace: Workspace, subject: Subject, verdict: Verdict, token: str) -> Grant:
    """Accept ``token`` for ``subject`` exactly once, or raise :class:`TokenError` naming the failed check.

    Both outcomes are recorded in the audit log (``token_used`` or ``token_rejected``).
    """
    from safeshell import audit

    now = time.time()
    connection = connect(workspace)
    try:
        with _transaction(connection):
            result = _evaluate(connection, workspace, subject, verdict, token, now=now)
            if result.ok:
                parsed = tokens.parse(token)
                try:
                    connection.execute(
                        "INSERT INTO approval_used_tokens (nonce, request_id, used_at) VALUES (?, ?, ?)",
                        (parsed.nonce, parsed.request_id, now),
                    )
                except sqlite3.IntegrityError:
                    result = _reject("replayed", f"approval token for request {parsed.request_id!r} was already used")
                else:
                    connection.execute(
                        "UPDATE approval_requests SET status = 'used', used_at = ? WHERE id = ?",
                        (now, parsed.request_id),
                    )
                    row = connection.execute(
                        "SELECT * FROM approval_requests WHERE id = ?", (parsed.request_id,)
                    ).fetchone()
                    grant = Grant(request=_from_row(row, workspace), nonce=parsed.nonce, used_at=now)
    finally:
        connection.close()

    if not result.ok:
        audit.append(
            workspace,
            "token_rejected",
            check=result.check,
            message=result.message,
            request=result.request.id if result.request else _request_id_of(token),
            summary=subject.command if subject.kind == "shell" else subject.tool,
        )
        raise result.error()
    audit.append(workspace, "token_used", request=grant.request.id, rule=grant.request.rule,
                 summary=grant.request.summary)
    return grant


def _evaluate(
    connection: sqlite3.Connection,
    workspace: Workspace,
    subject: Subject,
    verdict: Verdict,
    text: str,
    *,
    now: float,
) -> TokenCheck:
    if verdict.decision is Decision.ALLOW:
        return _reject("not_required", "the operation is allowed; it needs no approval token")
    if verdict.decision is Decision.DENY:
        rule = verdict.primary.rule if verdict.primary else "?"
        return _reject("policy_denies", f"rule {rule!r} denies the operation; no approval token can allow it")

    try:
        token = tokens.parse(text)
    except TokenError as exc:
        return _reject(exc.check, exc.message, hint=exc.hint)

    row = connection.execute("SELECT * FROM approval_requests WHERE id = ?", (token.request_id,)).fetchone()
    if row is None:
        return _reject(
            "unknown_request",
            f"approval token names request {token.request_id!r}, which does not exist in workspace "
            f"{str(workspace.root)!r}",
            hint="a token works only in the workspace and for the operation it was granted for",
        )
    request = _from_row(row, workspace)

    status_failure = _status_failure(request)
    if status_failure is not None:
        return status_failure

    if request.policy_version != verdict.policy_version:
        return _reject(
            "policy_changed",
            f"the policy changed since request {request.id!r} was made "
            f"(version {request.policy_version[:12]} then, {verdict.policy_version[:12]} now), "
            "so its approval no longer applies",
            request=request,
            hint="request approval again under the current policy",
        )

    digest = request_digest(subject, matched_rules(verdict), verdict.policy_version)
    if digest != request.digest:
        return _reject(
            "operation",
            f"approval token is for request {request.id!r} ({request.summary!r}), not for this operation",
            request=request,
            hint="a token is valid only for the exact command, directory and workspace it was granted for",
        )

    try:
        key = keys.load_key(workspace_root=workspace.root)
    except TokenError as exc:
        return _reject(exc.check, exc.message, request=request, hint=exc.hint)
    expected = tokens.compute_mac(
        key,
        request_id=token.request_id,
        digest=digest,
        policy_version=verdict.policy_version,
        expires_at=token.expires_at,
        nonce=token.nonce,
    )
    if not tokens.mac_matches(token, expected):
        return _reject(
            "signature",
            f"approval token for request {request.id!r} has an invalid signature: it was altered, "
            "forged, or minted with another approval key",
            request=request,
        )

    if token.expires_at <= now:
        return _reject(
            "expired",
            f"approval token for request {request.id!r} expired at {_utc(token.expires_at)}",
            request=request,
            hint=f"grant it again: {request.grant_command}",
        )
    if token.nonce != request.token_nonce:
        return _reject(
            "superseded",
            f"approval token for request {request.id!r} was replaced by a newer grant",
            request=request,
            hint="use the token printed by the latest 'safeshell approve'",
        )
    used = connection.execute("SELECT used_at FROM approval_used_tokens WHERE nonce = ?", (token.nonce,)).fetchone()
    if used is not None:
        return _reject(
            "replayed",
            f"approval token for request {request.id!r} was already used at {_utc(used['used_at'])}",
            request=request,
        )
    return TokenCheck(ok=True, check="ok", message=f"approval token for request {request.id!r} is valid",
                      request=request)


def _status_failure(request: ApprovalRequest) -> TokenCheck | None:
    if request.status == "granted":
        return None
    if request.status == "used":
        when = _utc(request.used_at) if request.used_at else "an earlier run"
        return _reject("replayed", f"approval token for request {request.id!r} was already used at {when}",
                       request=request)
    if request.status == "denied":
        return _reject("denied", f"approval request {request.id!r} was denied", request=request)
    if request.status == "expired":
        return _reject("expired", f"approval request {request.id!r} has expired", request=request,
                       hint="rerun the command without a token to create a new request")
    return _reject(
        "not_granted",
        f"approval request {request.id!r} has not been granted",
        request=request,
        hint=f"a human grants it on a terminal: {request.grant_command}",
    )


def _reject(check: str, message: str, *, request: ApprovalRequest | None = None, hint: str | None = None) -> TokenCheck:
    return TokenCheck(ok=False, check=check, message=message, request=request, hint=hint)


def _request_id_of(text: str) -> str | None:
    parts = text.strip().split(".")
    return parts[1][:16] if len(parts) > 1 else None


def _utc(timestamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(timestamp))
