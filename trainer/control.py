"""Control requests: files in ``control/`` that the daemon and the job act on.

``request(workspace, "stop")`` writes ``control/stop``; the job's rank 0 reads
it at the next optimizer step, acts, and records the acknowledgement in the
status file (``control.acknowledged``). ``pause`` stays in place while the
queue is held; ``resume`` deletes it and writes ``control/resume``.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from safeshell.workspace import Workspace
from trainer.errors import ControlError
from trainer.fsutil import atomic_write_json, utc_now
from trainer.status import pid_alive, read_status

ACTIONS = ("stop", "pause", "resume", "skip")
POLL_INTERVAL_S = 0.05


@dataclass(frozen=True)
class ControlRequest:
    """One request file's content."""

    action: str
    request_id: str
    requested_at: str
    source: str


def control_file(workspace: Workspace, action: str) -> Path:
    return workspace.control_dir / action


def request(workspace: Workspace, action: str, *, source: str = "trainctl") -> ControlRequest:
    """Write the control file for ``action`` and return what was written."""
    if action not in ACTIONS:
        raise ControlError(f"unknown control action {action!r}", hint=f"use one of {', '.join(ACTIONS)}")
    record = ControlRequest(action, uuid.uuid4().hex[:12], utc_now(), source)
    try:
        if action == "resume":
            control_file(workspace, "pause").unlink(missing_ok=True)
        atomic_write_json(control_file(workspace, action), record.__dict__)
    except OSError as exc:
        raise ControlError(f"cannot write {str(control_file(workspace, action))!r}: {exc}",
                           hint="check that the workspace's control/ directory is writable") from exc
    return record


def read_request(workspace: Workspace, action: str) -> ControlRequest | None:
    """Return the pending request for ``action``, or None; an unreadable file still counts."""
    path = control_file(workspace, action)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError:
        return ControlRequest(action, "", "", "unknown")
    try:
        data = json.loads(text)
        return ControlRequest(action, str(data.get("request_id", "")), str(data.get("requested_at", "")),
                              str(data.get("source", "unknown")))
    except (json.JSONDecodeError, AttributeError):
        # A hand-made `touch control/stop` is a valid request without an id.
        return ControlRequest(action, "", "", "file")


def clear(workspace: Workspace, action: str) -> None:
    control_file(workspace, action).unlink(missing_ok=True)


def wait_for_ack(workspace: Workspace, action: str, timeout_s: float, *, request_id: str | None = None) -> bool:
    """Wait until the status acknowledges ``action`` (and ``request_id`` when given).

    Returns False on timeout, or as soon as no daemon is alive to acknowledge.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        status = read_status(workspace)
        control = status.get("control") or {}
        if control.get("acknowledged") == action and (request_id is None or control.get("request_id") == request_id):
            return True
        if not pid_alive(status.get("daemon_pid")) or time.monotonic() >= deadline:
            return False
        time.sleep(POLL_INTERVAL_S)
