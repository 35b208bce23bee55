"""The ``safeshell-mcp`` command: serve one workspace over stdio or streamable HTTP.

On stdio, stdout carries only the protocol; logs go to stderr and to
``logs/mcp_YYYYMMDD.log`` in the workspace. Streamable HTTP binds
127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import logging
import sys
import time
from pathlib import Path

from safeshell.cli import exit_codes
from safeshell.errors import SafeshellError
from safeshell.workspace import Workspace, find_workspace

logger = logging.getLogger("mcp_server")

HTTP_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="safeshell-mcp",
        description="MCP server whose tools operate a safeshell training workspace; every call is checked "
        "against the workspace policy.",
        epilog=exit_codes.ADMIN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--workspace",
        metavar="DIR",
        help="the workspace to serve (default: $SAFESHELL_WORKSPACE, else the directory above the current one "
        "that holds safeshell.yaml)",
    )
    parser.add_argument(
        "--transport",
        choices=("stdio", "streamable-http"),
        default="stdio",
        help="stdio (default) or streamable HTTP on 127.0.0.1",
    )
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"TCP port for streamable HTTP (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--log-level",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        default="INFO",
        help="level of the stderr and workspace log (default INFO)",
    )
    return parser.parse_args(argv)


def configure_logging(workspace: Workspace, level: str) -> Path | None:
    """Send log records to stderr and to the workspace's logs/mcp_YYYYMMDD.log; never to stdout."""
    formatter = logging.Formatter(LOG_FORMAT)
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)

    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(formatter)
    root.addHandler(stderr)

    log_file = workspace.logs_dir / f"mcp_{time.strftime('%Y%m%d')}.log"
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_file, encoding="utf-8")
    except OSError as exc:
        logger.warning("not logging to %s: %s", log_file, exc)
        return None
    file_handler.setFormatter(formatter)
    root.addHandler(file_handler)
    return log_file


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not 1 <= args.port <= 65535:
        print(f"safeshell-mcp: invalid --port {args.port!r}: expected 1 to 65535", file=sys.stderr)
        return exit_codes.USAGE

    try:
        workspace = find_workspace(args.workspace)
        configure_logging(workspace, args.log_level)
        # Fail at start, not on every call, when the policy is invalid.
        from safeshell import guard

        guard.load_policy(workspace)
    except SafeshellError as exc:
        print(f"safeshell-mcp: {exc}", file=sys.stderr)
        return exit_codes.CONFIG

    from mcp_server.server import build_server

    server = build_server(workspace)
    logger.info("serving %s over %s (pid %d)", workspace.root, args.transport, os.getpid())
    try:
        if args.transport == "stdio":
            server.run("stdio")
        else:
            # streamable_http_app() turns on DNS-rebinding protection for a loopback host.
            server.run("streamable-http", host=HTTP_HOST, port=args.port)
    except KeyboardInterrupt:
        logger.info("interrupted; shutting down")
    return exit_codes.OK


if __name__ == "__main__":
    sys.exit(main())
