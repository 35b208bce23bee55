"""``trainctl daemon``: serve the inbox and the queue (``--once``: until nothing is left)."""

from __future__ import annotations

import argparse
import sys

from trainer.cli.common import new_parser, run_command, workspace_from


def main(argv: list[str]) -> int:
    parser = new_parser("trainctl daemon",
                        "Scan inbox/, queue valid JSONL files, and train on them one job at a time. "
                        "SIGTERM or Ctrl-C stop it after a resumable checkpoint, like 'trainctl stop'. "
                        "Logs go to logs/daemon_YYYYMMDD.log.")
    parser.add_argument("--once", action="store_true",
                        help="exit when the queue is empty (or held by a pause or an error) instead of waiting")
    parser.add_argument("--poll", type=float, default=1.0, metavar="SECONDS",
                        help="seconds between inbox scans (default 1.0)")
    return run_command(parser, argv, _run)


def _run(args: argparse.Namespace) -> int:
    from trainer.daemon import Daemon, progress_stream

    from trainer.status import read_status

    workspace = workspace_from(args)
    status = Daemon(workspace, once=args.once, poll_s=max(args.poll, 0.05), progress=progress_stream()).run()
    if status != 0:
        # With --once the daemon exits on a workspace-wide problem; its message is in the status file.
        print(f"trainctl daemon: queue held: {read_status(workspace).get('last_error')}", file=sys.stderr)
    return status
