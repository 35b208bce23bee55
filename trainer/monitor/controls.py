"""The monitor's control buttons: the same requests as ``trainctl stop|pause|resume|skip``.

Each action is written to the audit log before it is requested. When the
audit log cannot be appended, the action is not requested: a control that
leaves no record would be worse than one that has to be given in the
terminal instead.
"""

from __future__ import annotations

import logging
from typing import Any

from safeshell import audit
from safeshell.errors import SafeshellError
from safeshell.workspace import Workspace
from trainer import control

logger = logging.getLogger(__name__)

# The order of the buttons on the page.
ACTIONS = ("pause", "resume", "stop", "skip")

EFFECTS = {
    "pause": "the daemon saves a checkpoint at the next optimizer step and holds the queue",
    "resume": "the daemon releases the pause and continues the queue",
    "stop": "the daemon saves a resumable checkpoint at the next optimizer step and stops",
    "skip": "the daemon abandons the current file without saving at the next optimizer step",
}


def perform(workspace: Workspace, action: str, *, client: str) -> dict[str, Any]:
    """Audit and request ``action``; return what the page shows.

    Raises :class:`SafeshellError` (from the audit log or the control module)
    when the action could not be requested.
    """
    if action not in ACTIONS or action not in control.ACTIONS:
        raise SafeshellError(f"unknown control action {action!r}", hint=f"use one of {', '.join(ACTIONS)}")

    audit.append(workspace, "control", action=action, source="monitor", client=client, outcome="requested")
    logger.info("control %s requested from the monitor by %s", action, client)

    try:
        record = control.request(workspace, action, source="monitor")
    except SafeshellError as exc:
        logger.warning("control %s from the monitor failed: %s", action, exc.message)
        _audit_failure(workspace, action, client, exc.message)
        raise

    return {
        "action": action,
        "request_id": record.request_id,
        "requested_at": record.requested_at,
        "effect": EFFECTS[action],
    }


def _audit_failure(workspace: Workspace, action: str, client: str, error: str) -> None:
    try:
        audit.append(workspace, "control", action=action, source="monitor", client=client, outcome="failed", error=error)
    except SafeshellError as exc:
        logger.error("cannot record the failed %s in the audit log: %s", action, exc.message)
