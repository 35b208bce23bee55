"""``safeshell hook HOST``: the pre-tool-use hook an assistant runs per tool call.

Reads the host's JSON payload on stdin and answers on stdout/stderr with
the exit status the host's hook contract defines (see docs/integrations.md).
Every failure, including a timeout, exits 2, the status that blocks the
call in every supported host.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from types import FrameType

BLOCK_EXIT = 2

# The whole hook must answer within this many seconds (hosts kill hooks
# after their own timeout, 60 s by default, and a killed hook fails open).
TIMEOUT_S = 20


class _Timeout(Exception):
    pass


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _Timeout()


def build_parser() -> argparse.ArgumentParser:
    from safeshell.hooks import HOSTS

    parser = argparse.ArgumentParser(
        prog="safeshell hook",
        description="Decide on one assistant tool call (JSON payload on stdin) with the workspace policy.",
    )
    parser.add_argument("host", choices=sorted(HOSTS), help="the assistant whose hook contract to speak")
    parser.add_argument(
        "--workspace",
        metavar="DIR",
        help="workspace to protect (default: SAFESHELL_WORKSPACE, then the payload's cwd and its parents)",
    )
    return parser


def main(argv: list[str]) -> int:
    from safeshell.hooks import HOSTS, run_hook
    from safeshell.hooks.payload import read_stdin

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        # A misconfigured hook command must still block, not fail open.
        return BLOCK_EXIT if exc.code else 0

    # Without a handler, logging's last-resort handler would print warnings
    # and tracebacks into the stderr that hosts show the assistant.
    logging.getLogger("safeshell").addHandler(logging.NullHandler())

    signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(TIMEOUT_S)
    try:
        raw = read_stdin(sys.stdin.buffer)
        answer = run_hook(args.host, raw, workspace=args.workspace, env=os.environ)
    except _Timeout:
        answer = HOSTS[args.host].render_block(
            f"safeshell: the hook did not finish within {TIMEOUT_S} s, so the call is blocked"
        )
    finally:
        signal.alarm(0)

    if answer.stdout:
        sys.stdout.write(answer.stdout)
        sys.stdout.flush()
    if answer.stderr:
        sys.stderr.write(answer.stderr)
        sys.stderr.flush()
    return answer.exit_code
