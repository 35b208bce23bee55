"""Payloads of the API endpoints, read from the workspace's files and database.

Every function here only reads. The monitor never creates the state
database, the store or the logs directory of a workspace that lacks them,
and reports them as empty instead. A source that exists but cannot be read raises a
:class:`~safeshell.errors.SafeshellError`, which the server returns as a 500
with the message, so the page shows that panel's error and keeps the others.

Each source module is imported inside its function, so a part that fails to
import costs only its own panel.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from safeshell.workspace import Workspace
from trainer.errors import TrainerError
from trainer.monitor import logtail, statusview
from trainer.status import read_status

QUEUE_PAGE = 100
QUEUE_PAGE_MAX = 1000
# Versions and backups are listed newest first; older ones are counted only.
VERSIONS_SHOWN = 200
BACKUPS_SHOWN = 200
# Open and granted requests read per poll; more than this are not shown.
APPROVALS_READ = 200


def status_payload(workspace: Workspace) -> dict[str, Any]:
    """Return the status file's view (see :func:`statusview.normalize`)."""
    if not workspace.status_file.exists():
        # Not read_status's defaults: they would show a fresh time and an empty queue.
        view = statusview.normalize({"state": "stopped"})
        view["note"] = "no status file yet: the daemon has not run in this workspace"
        return view
    return statusview.normalize(read_status(workspace))


def queue_payload(workspace: Workspace, *, offset: int, limit: int) -> dict[str, Any]:
    """Return one page of the queue in run order, with the total count."""
    if not workspace.state_db.exists():
        return {"total": 0, "offset": offset, "limit": limit, "entries": [], "states": {}}
    from trainer.queue import Queue

    try:
        queue = Queue(workspace)
        try:
            page, total = queue.page(offset, limit)
            states = queue.state_counts()
        finally:
            queue.close()
    except sqlite3.Error as exc:
        raise TrainerError(
            f"cannot read the queue from {str(workspace.state_db)!r}: {exc}",
            hint=f"run 'trainctl queue list --workspace {workspace.root}' to see the full error",
        ) from exc

    return {
        "total": total,
        "offset": offset,
        "limit": limit,
        "states": states,
        "entries": [
            {
                "position": offset + index + 1,
                "id": entry.id,
                "file": _relative(workspace, entry.file),
                "priority": entry.priority,
                "state": entry.state,
                "added_at": entry.added_at,
                "lines": entry.lines,
            }
            for index, entry in enumerate(page)
        ],
    }


def _relative(workspace: Workspace, path: str) -> str:
    """Return ``path`` relative to the workspace root when it lies inside it."""
    try:
        return Path(path).relative_to(workspace.root).as_posix()
    except ValueError:
        return path


def versions_payload(workspace: Workspace) -> dict[str, Any]:
    """Return the newest versions with the metadata a person looks for first."""
    if not workspace.models_dir.exists():
        return {"total": 0, "current": None, "versions": []}
    from models import Store

    store = Store.for_workspace(workspace)
    versions = store.versions()
    current = store.current()
    current_id = current.id if current is not None else None
    newest = list(reversed(versions))[:VERSIONS_SHOWN]
    return {
        "total": len(versions),
        "current": current_id,
        "versions": [_version_row(version, current_id) for version in newest],
    }


def _version_row(version: Any, current_id: str | None) -> dict[str, Any]:
    metadata = version.metadata if isinstance(version.metadata, dict) else {}
    data_files = [
        item["file"]
        for item in metadata.get("training_data") or []
        if isinstance(item, dict) and isinstance(item.get("file"), str)
    ]
    metrics = metadata.get("metrics") if isinstance(metadata.get("metrics"), dict) else {}
    final_loss = metrics.get("train_loss")
    if isinstance(final_loss, bool) or not isinstance(final_loss, (int, float)):
        final_loss = None
    stop_reason = metadata.get("stop_reason")
    return {
        "id": version.id,
        "parent": version.parent,
        "created_at": version.created_at,
        "reason": version.reason,
        "data_files": data_files,
        "final_loss": final_loss,
        "stop_reason": stop_reason if isinstance(stop_reason, str) else None,
        "total_bytes": version.total_bytes,
        "file_count": len(version.files),
        "pinned": bool(getattr(version, "pinned", False)),
        "current": version.id == current_id,
    }


def backups_payload(workspace: Workspace) -> dict[str, Any]:
    """Return the newest backups with their verification state."""
    if not workspace.models_dir.exists():
        return {"total": 0, "backups": []}
    from models import Store

    backups = Store.for_workspace(workspace).backups()
    newest = list(reversed(backups))[:BACKUPS_SHOWN]
    return {
        "total": len(backups),
        "backups": [
            {
                "id": backup.id,
                "version_id": backup.version_id,
                "kind": backup.kind,
                "created_at": backup.created_at,
                "target": _relative(workspace, str(backup.target)),
                "verified": bool(backup.verified),
                "verified_at": backup.verified_at,
                "reason": getattr(backup, "reason", ""),
                "total_bytes": getattr(backup, "total_bytes", None),
            }
            for backup in newest
        ],
    }


def approvals_payload(workspace: Workspace) -> dict[str, Any]:
    """Return the open approval requests (waiting for a person), newest first."""
    if not workspace.state_db.exists():
        return {"total": 0, "requests": []}
    from safeshell import approvals

    # list_requests also expires requests whose time is up, as every reader does.
    try:
        requests = approvals.list_requests(workspace, limit=APPROVALS_READ)
    except sqlite3.Error as exc:
        raise TrainerError(
            f"cannot read approval requests from {str(workspace.state_db)!r}: {exc}",
            hint=f"run 'safeshell approvals list --workspace {workspace.root}' to see the full error",
        ) from exc
    pending = [request for request in requests if request.status == "open"]
    return {
        "total": len(pending),
        "more": len(requests) >= APPROVALS_READ,
        "requests": [
            {
                "id": request.id,
                "rule": request.rule,
                "summary": request.summary,
                "created_at": _iso(request.created_at),
                "expires_at": _iso(request.expires_at),
                "grant_command": request.grant_command,
            }
            for request in pending
        ],
    }


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def log_payload(workspace: Workspace, lines: int) -> dict[str, Any]:
    """Return the last ``lines`` lines of the daemon log."""
    try:
        tail = logtail.read_tail(workspace.logs_dir, lines)
    except OSError as exc:
        raise TrainerError(
            f"cannot read the daemon log in {str(workspace.logs_dir)!r}: {exc}",
            hint="check the permissions of the logs/ directory",
        ) from exc
    return {"files": tail.files, "lines": tail.lines, "truncated": tail.truncated, "requested": lines}
