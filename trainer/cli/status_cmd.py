"""``trainctl status``: the training state, step, loss, speed, queue and current version."""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

from safeshell.cli import exit_codes
from safeshell.errors import SafeshellError
from safeshell.workspace import Workspace
from trainer.cli.common import new_parser, run_command, workspace_from
from trainer.status import pid_alive, read_status

logger = logging.getLogger(__name__)


def main(argv: list[str]) -> int:
    parser = new_parser("trainctl status", "Show the training state from status/training_status.json.")
    parser.add_argument("--json", action="store_true", help="print the status file's JSON")
    return run_command(parser, argv, _run)


def _run(args: argparse.Namespace) -> int:
    workspace = workspace_from(args)
    status = read_status(workspace)
    status["queue_length"] = _live_queue_length(workspace, status.get("queue_length", 0))
    if args.json:
        print(json.dumps(status, indent=2, sort_keys=True))
    else:
        print(format_status(status))
        rejected = _rejected_files(workspace.inbox / "rejected")
        if rejected:
            # A dropped file that failed validation never reaches the queue, so
            # without this line the status gives no sign that it was seen.
            print(f"rejected files:  {len(rejected)} in inbox/rejected/, newest {rejected[-1].name!r} "
                  f"(the reason is in {rejected[-1].name}.reason.txt)")
    return exit_codes.OK


def _live_queue_length(workspace: Workspace, recorded: int) -> int:
    """Return the number of queued entries now; the status file only has it as of the daemon's last update."""
    from trainer.queue import Queue

    try:
        queue = Queue(workspace)
    except (SafeshellError, sqlite3.Error, OSError) as exc:
        logger.debug("queue length from the status file: %s", exc)
        return recorded
    try:
        return queue.length()
    except sqlite3.Error as exc:
        logger.debug("queue length from the status file: %s", exc)
        return recorded
    finally:
        queue.close()


def _rejected_files(directory: Path) -> list[Path]:
    """Return the rejected data files, oldest move first; reason files are left out."""
    try:
        files = [path for path in directory.iterdir()
                 if path.is_file() and not path.name.endswith(".reason.txt")]
        # The move into rejected/ sets ctime; mtime is when the data was written.
        return sorted(files, key=lambda path: path.stat().st_ctime_ns)
    except OSError:
        return []


def format_status(status: dict[str, Any]) -> str:
    # "error" and "paused" outlive the daemon, so the pid is shown only while it runs.
    running = status["state"] != "stopped" and pid_alive(status.get("daemon_pid"))
    state_line = f"state:           {status['state']}"
    if running:
        state_line += f" (daemon pid {status['daemon_pid']})"
    elif status["state"] in ("error", "paused"):
        state_line += " (no daemon running)"
    lines = [state_line]
    job = status.get("job")
    if job:
        lines.append(f"job:             {job.get('id')} on {job.get('file')}")
        if job.get("step") is not None:
            lines.append(f"step:            {job.get('step')}/{job.get('max_steps', '?')}")
        if job.get("loss") is not None:
            lines.append(f"loss:            {job['loss']:.4f}")
        if job.get("tokens_per_second") is not None:
            lines.append(f"tokens/s:        {job['tokens_per_second']:.0f}")
        if job.get("eta_seconds") is not None and running and status["state"] == "training":
            lines.append(f"ETA:             {job['eta_seconds']} s")
    lines.append(f"queue length:    {status.get('queue_length', 0)}")
    lines.append(f"current version: {status.get('current_version') or '-'}")
    controls = status.get("control") or {}
    if controls.get("requested"):
        lines.append(f"last control:    {controls['requested']} (acknowledged: {controls.get('acknowledged') or 'no'})")
    if status.get("last_error"):
        lines.append(f"last error:      {status['last_error']}")
    lines.append(f"updated at:      {status.get('updated_at')}")
    return "\n".join(lines)
