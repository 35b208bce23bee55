"""The status file ``status/training_status.json``: format 1, written atomically.

While a job runs, its rank-0 process writes the file at each logging step and
on each control acknowledgement; otherwise the daemon writes it. Readers
(``trainctl status``, the monitor, the MCP server, the guard's process rules)
only read it.
"""

from __future__ import annotations

import json
import os
from typing import Any

from safeshell.workspace import Workspace
from trainer.fsutil import atomic_write_json, utc_now

FORMAT = 1
STATES = ("idle", "training", "paused", "stopping", "stopped", "error")
# loss_history keeps at most this many [step, loss] pairs; older pairs are thinned.
MAX_HISTORY = 400


def empty_status(state: str = "stopped") -> dict[str, Any]:
    return {
        "format": FORMAT,
        "state": state,
        "updated_at": utc_now(),
        "daemon_pid": None,
        "job": None,
        "loss_history": [],
        "eval_loss_history": [],
        "queue_length": 0,
        "current_version": None,
        "last_error": None,
        "control": {"requested": None, "acknowledged": None, "at": None, "request_id": None},
    }


def read_status(workspace: Workspace) -> dict[str, Any]:
    """Return the status; a missing or unreadable file reads as state "stopped" or "unknown".

    A status whose ``daemon_pid`` is no longer alive reads as "stopped" (unless
    it is "error" or "paused", which outlive the daemon), with
    the recorded state kept under ``recorded_state``. ``current_version``
    comes from the store's pointer ``models/CURRENT`` when that is readable,
    because a rollback or restore moves it without the daemon writing a status.
    """
    try:
        data = json.loads(workspace.status_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        status = empty_status("stopped")
        status["current_version"] = _pointer_version(workspace)
        return status
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        status = empty_status("unknown")
        status["last_error"] = f"status file unreadable: {exc}"
        return status
    if not isinstance(data, dict):
        return empty_status("unknown")
    status = {**empty_status(), **data}
    pointed = _pointer_version(workspace)
    if pointed is not None:
        status["current_version"] = pointed
    if status["state"] not in ("stopped", "error", "paused") and not pid_alive(status.get("daemon_pid")):
        status["recorded_state"] = status["state"]
        status["state"] = "stopped"
    return status


def _pointer_version(workspace: Workspace) -> str | None:
    """Return the version ``models/CURRENT`` names, or None when it is missing or unreadable."""
    try:
        data = json.loads((workspace.models_dir / "CURRENT").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    version = data.get("version") if isinstance(data, dict) else None
    return version if isinstance(version, str) else None


def write_status(workspace: Workspace, status: dict[str, Any]) -> None:
    status["updated_at"] = utc_now()
    history = status.get("loss_history") or []
    if len(history) > MAX_HISTORY:
        status["loss_history"] = thin_history(history)
    atomic_write_json(workspace.status_file, status)


def thin_history(history: list[list[float]]) -> list[list[float]]:
    """Keep every other point of the older half, so the recent curve stays dense."""
    half = len(history) // 2
    return history[:half:2] + history[half:]


def pid_alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
