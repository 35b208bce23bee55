"""Approval requests: what was rejected, stored until a human decides.

A request records the canonical subject (the command with its cwd and
resolved operations, or a tool call with its validated arguments), the rules
that matched, the policy version and a digest of all of them. An identical
rejected operation reuses the request that is still open (or granted and not
yet used), so retries do not pile up requests.

Lifecycle (``status``)::

    open ──grant──> granted ──token redeemed──> used
      │                │
      ├──deny──> denied <──deny──┘
      └──request TTL passes──> expired <── token TTL passes (granted)

Rows live in the workspace's ``.safeshell/state.db``. The database is
writable by the assistant, so nothing read from it is trusted to accept a
token: acceptance rests on the HMAC over the digest recomputed from the
operation being run (see :mod:`safeshell.approvals.redeem`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import sqlite3
import time
from dataclasses import dataclass
from typing import Any, Iterator

from safeshell import statedb
from safeshell.approvals.settings import ApprovalSettings
from safeshell.decision import Decision, Verdict
from safeshell.errors import ApprovalError
from safeshell.operations import Subject
from safeshell.workspace import Workspace

# Maximum length, in characters, of the command or tool call in a one-line summary.
SUMMARY_LIMIT = 200
STATUSES = ("open", "granted", "denied", "expired", "used")

SCHEMA = """
CREATE TABLE IF NOT EXISTS approval_requests (
    id TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    subject_json TEXT NOT NULL,
    rule TEXT NOT NULL,
    rules_json TEXT NOT NULL,
    verdict_json TEXT NOT NULL,
    policy_version TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'granted', 'denied', 'expired', 'used')),
    decided_at REAL,
    decided_by TEXT,
    token_nonce TEXT,
    token_expires_at INTEGER,
    used_at REAL
);
CREATE INDEX IF NOT EXISTS approval_requests_digest ON approval_requests(digest, status);
CREATE TABLE IF NOT EXISTS approval_used_tokens (
    nonce TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES approval_requests(id),
    used_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class ApprovalRequest:
    """One stored approval request (times are Unix seconds)."""

    id: str
    digest: str
    subject: Subject
    rule: str  # the primary rule, shown to the user
    rules: tuple[str, ...]  # every rule that matched, bound into the digest
    verdict: dict[str, Any]  # Verdict.to_dict() at request time, for display
    policy_version: str
    created_at: float
    expires_at: float
    status: str
    workspace_root: str
    decided_at: float | None = None
    decided_by: str | None = None
    token_nonce: str | None = None
    token_expires_at: int | None = None
    used_at: float | None = None

    @property
    def grant_command(self) -> str:
        """Return the exact command a human runs on a terminal to grant this request."""
        return f"safeshell approve {self.id} --workspace {_shell_quote(self.workspace_root)}"

    @property
    def summary(self) -> str:
        """Return the command or tool call in one line, at most SUMMARY_LIMIT characters."""
        if self.subject.kind == "shell":
            text = " ".join((self.subject.command or "").split())
        else:
            text = f"{self.subject.tool} {json.dumps(self.subject.arguments or {}, sort_keys=True)}"
        if len(text) > SUMMARY_LIMIT:
            return text[:SUMMARY_LIMIT - 30] + f"... ({len(text)} characters in all)"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "rule": self.rule,
            "rules": list(self.rules),
            "summary": self.summary,
            "subject": self.subject.to_dict(),
            "digest": self.digest,
            "policy_version": self.policy_version,
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "decided_at": self.decided_at,
            "decided_by": self.decided_by,
            "token_expires_at": self.token_expires_at,
            "used_at": self.used_at,
            "grant_command": self.grant_command,
        }


def request_digest(subject: Subject, rules: tuple[str, ...], policy_version: str) -> str:
    """Return the SHA-256 hex digest that binds a subject, its rules and the policy version."""
    document = {
        "subject": subject.to_dict(),
        "rules": sorted(set(rules)),
        "policy_version": policy_version,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def matched_rules(verdict: Verdict) -> tuple[str, ...]:
    return tuple(sorted({match.rule for match in verdict.matches}))


def connect(workspace: Workspace) -> sqlite3.Connection:
    return statedb.connect(workspace.state_db, SCHEMA)


def ensure_request(
    workspace: Workspace,
    subject: Subject,
    verdict: Verdict,
    *,
    settings: ApprovalSettings | None = None,
) -> ApprovalRequest:
    """Create the approval request for a rejected subject, or return the live one.

    Raises :class:`ApprovalError` when the verdict is not ``require_approval``
    (an allowed operation needs no approval; a denied one cannot get one).
    """
    if verdict.decision is not Decision.REQUIRE_APPROVAL:
        raise ApprovalError(
            f"cannot request approval for a verdict of {verdict.decision.label!r}: "
            "only require_approval verdicts can be approved",
        )
    settings = settings or ApprovalSettings.for_workspace(workspace)
    rules = matched_rules(verdict)
    primary = verdict.primary
    digest = request_digest(subject, rules, verdict.policy_version)
    expired: list[ApprovalRequest] = []
    created = False

    connection = connect(workspace)
    try:
        with _transaction(connection):
            expired = _expire_due(connection, workspace)
            row = connection.execute(
                "SELECT * FROM approval_requests WHERE digest = ? AND status IN ('open', 'granted') "
                "ORDER BY created_at DESC LIMIT 1",
                (digest,),
            ).fetchone()
            if row is None:
                now = time.time()
                request_id = _new_id(connection)
                connection.execute(
                    "INSERT INTO approval_requests (id, digest, subject_json, rule, rules_json, "
                    "verdict_json, policy_version, created_at, expires_at, status) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')",
                    (
                        request_id,
                        digest,
                        subject.canonical_json(),
                        primary.rule if primary else "",
                        json.dumps(list(rules)),
                        json.dumps(verdict.to_dict(), sort_keys=True),
                        verdict.policy_version,
                        now,
                        now + settings.request_ttl_s,
                    ),
                )
                row = connection.execute("SELECT * FROM approval_requests WHERE id = ?", (request_id,)).fetchone()
                created = True
            request = _from_row(row, workspace)
    finally:
        connection.close()

    _audit_expired(workspace, expired)
    if created:
        _audit(workspace, "request", request=request.id, rule=request.rule, digest=request.digest,
               summary=request.summary, expires_at=request.expires_at)
    return request


def get_request(workspace: Workspace, request_id: str) -> ApprovalRequest:
    """Return one request (expiring it first if its time is up); raise ApprovalError if unknown."""
    connection = connect(workspace)
    try:
        with _transaction(connection):
            expired = _expire_due(connection, workspace)
            row = connection.execute("SELECT * FROM approval_requests WHERE id = ?", (request_id,)).fetchone()
    finally:
        connection.close()
    _audit_expired(workspace, expired)
    if row is None:
        raise ApprovalError(
            f"no approval request {request_id!r} in workspace {str(workspace.root)!r}",
            hint=f"list the requests with 'safeshell approvals list --workspace {workspace.root}'",
        )
    return _from_row(row, workspace)


def list_requests(workspace: Workspace, *, include_closed: bool = False, limit: int = 50) -> list[ApprovalRequest]:
    """Return requests, newest first; only open and granted ones unless ``include_closed``."""
    connection = connect(workspace)
    try:
        with _transaction(connection):
            expired = _expire_due(connection, workspace)
            where = "" if include_closed else "WHERE status IN ('open', 'granted')"
            rows = connection.execute(
                f"SELECT * FROM approval_requests {where} ORDER BY created_at DESC LIMIT ?", (limit,)
            ).fetchall()
    finally:
        connection.close()
    _audit_expired(workspace, expired)
    return [_from_row(row, workspace) for row in rows]


def deny_request(workspace: Workspace, request_id: str, *, by: str) -> ApprovalRequest:
    """Mark an open or granted request denied, so no token for it is accepted."""
    connection = connect(workspace)
    try:
        with _transaction(connection):
            row = connection.execute("SELECT * FROM approval_requests WHERE id = ?", (request_id,)).fetchone()
            if row is None:
                raise ApprovalError(
                    f"no approval request {request_id!r} in workspace {str(workspace.root)!r}",
                    hint=f"list the requests with 'safeshell approvals list --workspace {workspace.root}'",
                )
            if row["status"] not in ("open", "granted"):
                raise ApprovalError(
                    f"approval request {request_id!r} is already {row['status']}; only open or granted "
                    "requests can be denied",
                )
            connection.execute(
                "UPDATE approval_requests SET status = 'denied', decided_at = ?, decided_by = ? WHERE id = ?",
                (time.time(), by, request_id),
            )
            row = connection.execute("SELECT * FROM approval_requests WHERE id = ?", (request_id,)).fetchone()
    finally:
        connection.close()
    request = _from_row(row, workspace)
    _audit(workspace, "deny_request", request=request.id, rule=request.rule, by=by, summary=request.summary)
    return request


def record_grant(
    workspace: Workspace, request_id: str, *, nonce: str, token_expires_at: int, by: str
) -> ApprovalRequest:
    """Mark a request granted with the nonce of the token just minted for it.

    A later grant of the same request replaces the nonce, so only the newest
    token for a request is accepted.
    """
    connection = connect(workspace)
    try:
        with _transaction(connection):
            row = connection.execute("SELECT status FROM approval_requests WHERE id = ?", (request_id,)).fetchone()
            if row is None or row["status"] not in ("open", "granted"):
                status = "missing" if row is None else row["status"]
                raise ApprovalError(f"approval request {request_id!r} is {status} and cannot be granted")
            connection.execute(
                "UPDATE approval_requests SET status = 'granted', decided_at = ?, decided_by = ?, "
                "token_nonce = ?, token_expires_at = ? WHERE id = ?",
                (time.time(), by, nonce, token_expires_at, request_id),
            )
            row = connection.execute("SELECT * FROM approval_requests WHERE id = ?", (request_id,)).fetchone()
    finally:
        connection.close()
    request = _from_row(row, workspace)
    _audit(workspace, "grant", request=request.id, rule=request.rule, by=by, summary=request.summary,
           token_expires_at=token_expires_at)
    return request


@contextlib.contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _expire_due(connection: sqlite3.Connection, workspace: Workspace) -> list[ApprovalRequest]:
    now = time.time()
    rows = connection.execute(
        "SELECT * FROM approval_requests WHERE (status = 'open' AND expires_at <= ?) "
        "OR (status = 'granted' AND token_expires_at <= ?)",
        (now, now),
    ).fetchall()
    if rows:
        connection.executemany(
            "UPDATE approval_requests SET status = 'expired' WHERE id = ?", [(row["id"],) for row in rows]
        )
    return [_from_row(row, workspace) for row in rows]


def _audit_expired(workspace: Workspace, expired: list[ApprovalRequest]) -> None:
    for request in expired:
        _audit(workspace, "expire_request", request=request.id, rule=request.rule, previous_status=request.status)


def _audit(workspace: Workspace, event: str, **fields: Any) -> None:
    from safeshell import audit

    audit.append(workspace, event, **fields)


def _new_id(connection: sqlite3.Connection) -> str:
    while True:
        candidate = secrets.token_hex(4)
        if connection.execute("SELECT 1 FROM approval_requests WHERE id = ?", (candidate,)).fetchone() is None:
            return candidate


def _from_row(row: sqlite3.Row, workspace: Workspace) -> ApprovalRequest:
    return ApprovalRequest(
        id=row["id"],
        digest=row["digest"],
        subject=subject_from_json(row["subject_json"]),
        rule=row["rule"],
        rules=tuple(json.loads(row["rules_json"])),
        verdict=json.loads(row["verdict_json"]),
        policy_version=row["policy_version"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        status=row["status"],
        workspace_root=str(workspace.root),
        decided_at=row["decided_at"],
        decided_by=row["decided_by"],
        token_nonce=row["token_nonce"],
        token_expires_at=row["token_expires_at"],
        used_at=row["used_at"],
    )


def subject_from_json(text: str) -> Subject:
    from safeshell.operations import Operation

    data = json.loads(text)
    return Subject(
        kind=data["kind"],
        workspace=data["workspace"],
        operations=tuple(Operation.from_dict(item) for item in data.get("operations", ())),
        command=data.get("command"),
        cwd=data.get("cwd"),
        tool=data.get("tool"),
        arguments=data.get("arguments"),
    )


def _shell_quote(text: str) -> str:
    import shlex

    return shlex.quote(text)


def shell_subject(workspace: Workspace, command: str, cwd: str, verdict: Verdict) -> Subject:
    """Build the subject of a shell command: every adapter must build it this way to share tokens."""
    return Subject(
        kind="shell",
        workspace=str(workspace.root),
        operations=tuple(verdict.operations),
        command=command,
        cwd=cwd,
    )
