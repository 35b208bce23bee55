"""Approval lifetimes, read from the policy's ``approvals`` section.

::

    approvals:
      token_ttl_s: 600      # how long a granted token stays valid
      request_ttl_s: 3600   # how long an open request waits for a human
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from safeshell.workspace import Workspace

DEFAULT_TOKEN_TTL_S = 600
DEFAULT_REQUEST_TTL_S = 3600


@dataclass(frozen=True)
class ApprovalSettings:
    """Lifetimes of approval requests and tokens, in seconds."""

    token_ttl_s: int = DEFAULT_TOKEN_TTL_S
    request_ttl_s: int = DEFAULT_REQUEST_TTL_S

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> "ApprovalSettings":
        """Read the ``approvals`` section of an effective policy document (schema-valid)."""
        section = document.get("approvals") or {}
        return cls(
            token_ttl_s=int(section.get("token_ttl_s", DEFAULT_TOKEN_TTL_S)),
            request_ttl_s=int(section.get("request_ttl_s", DEFAULT_REQUEST_TTL_S)),
        )

    @classmethod
    def for_workspace(cls, workspace: Workspace) -> "ApprovalSettings":
        from safeshell import guard

        policy = guard.load_policy(workspace)
        return cls.from_document(getattr(policy, "document", {}) or {})
