"""Granting an approval request: minting its token.

Only :mod:`safeshell.cli.approve` calls this, after a human confirmed on a
terminal. Granting a request that is already granted mints a new token and
makes the earlier one invalid (the request records the newest nonce).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from safeshell.approvals import keys, tokens
from safeshell.approvals.requests import ApprovalRequest, get_request, record_grant, request_digest
from safeshell.approvals.settings import ApprovalSettings
from safeshell.errors import ApprovalError
from safeshell.workspace import Workspace


@dataclass(frozen=True)
class IssuedToken:
    """A freshly minted token and the request it grants."""

    text: str
    request: ApprovalRequest
    expires_at: int  # Unix time, seconds


def grant_request(
    workspace: Workspace,
    request_id: str,
    *,
    by: str,
    current_policy_version: str,
    settings: ApprovalSettings | None = None,
) -> IssuedToken:
    """Mint a token for an open (or granted) request and record the grant.

    Raises :class:`ApprovalError` when the request is unknown, closed, or was
    made under a policy other than ``current_policy_version`` (its token
    could never be accepted).
    """
    request = get_request(workspace, request_id)
    if request.status not in ("open", "granted"):
        raise ApprovalError(
            f"approval request {request_id!r} is {request.status} and cannot be granted",
            hint="rerun the command to create a new request",
        )
    if request.policy_version != current_policy_version:
        raise ApprovalError(
            f"the policy changed since approval request {request_id!r} was made, so a token for it "
            "would be rejected",
            hint="rerun the command to create a request under the current policy",
        )

    # The human was shown the stored subject; the token must bind exactly that.
    if request_digest(request.subject, request.rules, request.policy_version) != request.digest:
        raise ApprovalError(
            f"approval request {request_id!r} is inconsistent: its stored digest does not match its "
            "stored operation (the state database was altered)",
            hint="deny it with 'safeshell approvals deny ID' and rerun the command",
        )

    settings = settings or ApprovalSettings.for_workspace(workspace)
    key = keys.load_or_create_key(workspace_root=workspace.root)
    expires_at = int(time.time()) + settings.token_ttl_s
    token = tokens.mint(
        key,
        request_id=request.id,
        digest=request.digest,
        policy_version=request.policy_version,
        expires_at=expires_at,
    )
    granted = record_grant(workspace, request.id, nonce=token.nonce, token_expires_at=expires_at, by=by)
    return IssuedToken(text=token.text(), request=granted, expires_at=expires_at)
