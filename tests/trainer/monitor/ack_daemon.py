"""A stand-in training daemon that only acknowledges control requests.

Run as ``python ack_daemon.py WORKSPACE``. It records its pid in the status
file, prints ``ready``, then acknowledges each control request the way the
daemon does (``control.acknowledged``, ``control.request_id`` and the new
state in ``status/training_status.json``) until it acknowledges ``stop``.
It lets the browser test watch a pause round trip without training a model.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from safeshell.workspace import Workspace
from trainer import control
from trainer.fsutil import utc_now
from trainer.status import read_status, write_status

# How often control/ is read, as the daemon's own wait loop does (seconds).
POLL_INTERVAL_S = 0.05
NEXT_STATE = {"pause": "paused", "resume": "training", "skip": "idle", "stop": "stopped"}


def acknowledge(workspace: Workspace, request: control.ControlRequest) -> None:
    status = read_status(workspace)
    status.pop("recorded_state", None)
    status["state"] = NEXT_STATE[request.action]
    status["control"] = {
        "requested": request.action, "acknowledged": request.action, "at": utc_now(),
        "request_id": request.request_id,
    }
    write_status(workspace, status)


def main(root: str) -> int:
    workspace = Workspace(Path(root))
    status = read_status(workspace)
    status.pop("recorded_state", None)
    status["daemon_pid"] = os.getpid()
    status["state"] = "training"
    write_status(workspace, status)
    print("ready", flush=True)

    answered: set[str] = set()
    while True:
        for action in control.ACTIONS:
            request = control.read_request(workspace, action)
            if request is None or request.request_id in answered:
                continue
            answered.add(request.request_id)
            # The daemon keeps control/pause while the queue is held; the others are consumed.
            if action != "pause":
                control.clear(workspace, action)
            acknowledge(workspace, request)
            if action == "stop":
                return 0
        time.sleep(POLL_INTERVAL_S)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
