"""Shared parts of the store commands: argument parsing, workspace lookup, errors, exit codes."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from typing import Any, NoReturn

from models.errors import StoreError
from models.store import Store
from safeshell.errors import SafeshellError, WorkspaceError

OK = 0
FAILURE = 1  # the operation failed or verification found problems
USAGE = 64  # invalid command-line arguments (EX_USAGE)
CONFIG = 78  # missing workspace (EX_CONFIG)

EXIT_HELP = """exit status:
  0   success
  1   the operation failed, or verification found problems
  64  invalid arguments
  78  no workspace found
"""


class UsageError(Exception):
    """Invalid arguments; carries the parser's message."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser that reports usage errors with exit status 64 instead of exiting with 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def new_parser(prog: str, description: str) -> tuple[Parser, Any]:
    parser = Parser(
        prog=prog,
        description=description,
        epilog=EXIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--workspace", metavar="DIR", help="workspace directory (default: SAFESHELL_WORKSPACE, then the nearest parent with safeshell.yaml)")
    parser.add_argument("--quiet", action="store_true", help="log only warnings and errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    subparsers.required = True
    return parser, subparsers


def add_common(subparser: argparse.ArgumentParser, *, json_output: bool = False) -> None:
    """Let --workspace and --json also follow the subcommand name."""
    subparser.add_argument("--workspace", metavar="DIR", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    subparser.add_argument("--quiet", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    if json_output:
        subparser.add_argument("--json", action="store_true", help="print JSON instead of text")


def run(parser: Parser, argv: list[str], handlers: dict[str, Callable[[Store, argparse.Namespace], int]]) -> int:
    """Parse, open the store, recover, dispatch; map errors to exit statuses."""
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return USAGE
    except SystemExit as exc:  # --help
        return int(exc.code or 0)

    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    from safeshell.workspace import find_workspace

    try:
        workspace = find_workspace(args.workspace)
    except WorkspaceError as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return CONFIG

    try:
        store = Store.for_workspace(workspace)
        for line in store.recover(wait=False):
            print(f"recovered: {line}", file=sys.stderr)
        return handlers[args.command](store, args)
    except StoreError as exc:
        print(f"{parser.prog} {args.command}: {exc}", file=sys.stderr)
        return FAILURE
    except SafeshellError as exc:
        print(f"{parser.prog} {args.command}: {exc}", file=sys.stderr)
        return FAILURE


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")


def human_bytes(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} B"


def print_report(report: Any, *, as_json: bool) -> int:
    """Print a verification report (every problem, then the summary) and return the exit status."""
    if as_json:
        print_json(report.to_dict())
    else:
        for problem in report.problems:
            print(f"  {problem}")
        print(report.summary())
    return OK if report.ok else FAILURE
