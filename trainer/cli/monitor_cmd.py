"""``trainctl monitor``: serve the live monitor page on 127.0.0.1."""

from __future__ import annotations

import argparse
import errno
import logging
import signal
import sys
from types import FrameType

from safeshell.cli import exit_codes
from trainer.cli.common import new_parser, run_command, workspace_from
from trainer.monitor import DEFAULT_PORT, MonitorServer

logger = logging.getLogger(__name__)

DESCRIPTION = """Serve a live page with the daemon's state, the loss curve, the queue,
versions, backups, pending approval requests and the daemon log. It listens
on 127.0.0.1 only. The address it prints carries a secret, created at each
start, that the page needs for its stop, pause, resume and skip buttons."""


def main(argv: list[str]) -> int:
    parser = new_parser("trainctl monitor", DESCRIPTION)
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT,
        help=f"TCP port on 127.0.0.1 (default {DEFAULT_PORT}; 0 picks a free port)",
    )
    return run_command(parser, argv, _serve)


def _serve(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        print(f"trainctl monitor: invalid --port {args.port!r}; use 1-65535, or 0 for a free port", file=sys.stderr)
        return exit_codes.USAGE
    workspace = workspace_from(args)

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        server = MonitorServer(workspace, port=args.port)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            print(
                f"trainctl monitor: port {args.port} on 127.0.0.1 is already in use; "
                "pass --port N (0 picks a free port)",
                file=sys.stderr,
            )
        else:
            print(f"trainctl monitor: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}", file=sys.stderr)
        return exit_codes.ERROR

    # SIGTERM ends the server like Ctrl-C, because the monitor has no state to save.
    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"Training monitor for {workspace.root}", flush=True)
    print(f"Open {server.url}", flush=True)
    print(
        "The address carries the secret for the control buttons; it changes at each start. "
        "Press Ctrl-C to stop.",
        flush=True,
    )
    logger.info("monitor serving %s on 127.0.0.1:%d", workspace.root, server.port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        logger.info("monitor stopped")
    finally:
        server.server_close()
    return exit_codes.OK
