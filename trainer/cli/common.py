"""What the trainctl subcommands share: argument parsing, workspace lookup, error reporting."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from typing import NoReturn

from safeshell.cli import exit_codes
from safeshell.errors import SafeshellError, WorkspaceError
from safeshell.workspace import Workspace, find_workspace
from trainer.errors import ConfigError

EXIT_HELP = """exit status:
  0   success
  1   the request failed (or, with --wait, was not acknowledged in time)
  64  invalid arguments
  78  missing workspace or invalid config.json
"""


class UsageError(Exception):
    """Invalid arguments; carries the parser's message."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that reports usage errors with exit status 64 instead of exiting with 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def new_parser(prog: str, description: str) -> Parser:
    parser = Parser(prog=prog, description=description, epilog=EXIT_HELP,
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", metavar="DIR",
                        help="workspace directory (default: SAFESHELL_WORKSPACE, then the nearest parent with safeshell.yaml)")
    return parser


def add_workspace_option(parser: argparse.ArgumentParser) -> None:
    """Let --workspace also follow a sub-subcommand name."""
    parser.add_argument("--workspace", metavar="DIR", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def workspace_from(args: argparse.Namespace) -> Workspace:
    return find_workspace(getattr(args, "workspace", None))


def configure_logging(verbose: bool = False) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")


def run_command(parser: Parser, argv: list[str], handler: Callable[[argparse.Namespace], int]) -> int:
    """Parse ``argv`` and run ``handler``; turn errors into messages and exit statuses."""
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return exit_codes.USAGE
    try:
        return handler(args)
    except (WorkspaceError, ConfigError) as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return exit_codes.CONFIG
    except SafeshellError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return exit_codes.ERROR
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted", file=sys.stderr)
        return 130
