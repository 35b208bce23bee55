"""Approval requests and tokens.

Public surface:

- :func:`ensure_request` records a rejected subject (or returns its live
  request); :func:`get_request`, :func:`list_requests`, :func:`deny_request`;
- :func:`check_token` (no side effects) and :func:`redeem_token` (accepts a
  token once, raises :class:`~safeshell.errors.TokenError` naming the check);
- :func:`grant_request` mints a token (only ``safeshell approve`` calls it,
  after a human confirmed on a terminal);
- :func:`render_rejection` and :func:`rejection_dict` render a rejection with
  the request id and the command that grants it;
- :func:`shell_subject` builds the subject of a shell command the same way
  for every adapter.

Records: :class:`ApprovalRequest`, :class:`TokenCheck`, :class:`Grant`,
:class:`IssuedToken`, :class:`ApprovalSettings`.
"""

from safeshell.approvals.grant import IssuedToken, grant_request
from safeshell.approvals.redeem import CHECKS, Grant, TokenCheck, check_token, redeem_token
from safeshell.approvals.render import rejection_dict, render_rejection, run_command_template
from safeshell.approvals.requests import (
    ApprovalRequest,
    deny_request,
    ensure_request,
    get_request,
    list_requests,
    request_digest,
    shell_subject,
)
from safeshell.approvals.settings import ApprovalSettings

__all__ = [
    "CHECKS",
    "ApprovalRequest",
    "ApprovalSettings",
    "Grant",
    "IssuedToken",
    "TokenCheck",
    "check_token",
    "deny_request",
    "ensure_request",
    "get_request",
    "grant_request",
    "list_requests",
    "redeem_token",
    "rejection_dict",
    "render_rejection",
    "request_digest",
    "run_command_template",
    "shell_subject",
]
