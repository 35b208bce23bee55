"""``trainctl stop|pause|resume|skip``: write a control request, optionally wait for the acknowledgement."""

from __future__ import annotations

import argparse
import sys

from safeshell.cli import exit_codes
from trainer import control
from trainer.cli.common import new_parser, run_command, workspace_from
from trainer.status import pid_alive, read_status

DESCRIPTIONS = {
    "stop": "Stop training at the next optimizer step with a resumable checkpoint; the daemon exits and the "
            "file returns to the head of the queue.",
    "pause": "Stop at the next optimizer step with a resumable checkpoint and hold the queue until "
             "'trainctl resume'.",
    "resume": "Release a pause; the paused file continues from its checkpoint.",
    "skip": "Abandon the current file at the next optimizer step without saving; the model stays as it was "
            "and the file moves to inbox/skipped/.",
}


def main(argv: list[str]) -> int:
    action, arguments = argv[0], argv[1:]
    parser = new_parser(f"trainctl {action}", DESCRIPTIONS[action])
    parser.add_argument("--wait", action="store_true", help="return when the daemon acknowledges the request")
    parser.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                        help="with --wait, give up after this many seconds (default 600)")
    return run_command(parser, arguments, lambda args: _run(action, args))


def _run(action: str, args: argparse.Namespace) -> int:
    workspace = workspace_from(args)
    request = control.request(workspace, action)
    print(f"{action} requested ({control.control_file(workspace, action)})")
    # A daemon started later discards stop, skip and resume requests made
    # before it started, but keeps a pause (see Daemon._recover).
    later = "keeps it and holds the queue until 'trainctl resume'" if action == "pause" else "discards it"
    if not args.wait:
        if not pid_alive(read_status(workspace).get("daemon_pid")):
            print(f"trainctl {action}: no training daemon is running in {str(workspace.root)!r}; "
                  f"a daemon started later {later}", file=sys.stderr)
        return exit_codes.OK
    if control.wait_for_ack(workspace, action, args.timeout, request_id=request.request_id):
        print(f"{action} acknowledged")
        return exit_codes.OK
    if not pid_alive(read_status(workspace).get("daemon_pid")):
        print(f"trainctl {action}: no training daemon is running in {str(workspace.root)!r}, so nothing "
              f"acknowledged the request; a daemon started later {later}", file=sys.stderr)
        return exit_codes.ERROR
    print(f"trainctl {action}: the daemon did not acknowledge within {args.timeout:g} s; the request stays in "
          "control/ and applies when the daemon reaches it (see 'trainctl status')", file=sys.stderr)
    return exit_codes.ERROR
