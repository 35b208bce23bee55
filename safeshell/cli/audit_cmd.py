"""``safeshell audit verify|show``: check or print the hash-chained audit log."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from safeshell.cli import exit_codes

if TYPE_CHECKING:
    from safeshell.audit import AuditReport


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="safeshell audit",
        description="Verify or show the workspace's audit log (.safeshell/audit.jsonl).",
        epilog=exit_codes.ADMIN_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    verify = sub.add_parser("verify", help="check the hash chain; exit 1 and name each broken line")
    verify.add_argument("--workspace", metavar="DIR", help="the workspace (default: found from the current directory)")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    show = sub.add_parser("show", help="print entries, oldest first")
    show.add_argument("--workspace", metavar="DIR", help="the workspace (default: found from the current directory)")
    show.add_argument("--tail", metavar="N", type=int, default=None, help="print only the last N entries")
    show.add_argument("--json", action="store_true", help="print the entries as JSON lines")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    from safeshell import audit
    from safeshell.errors import AuditError, WorkspaceError
    from safeshell.workspace import find_workspace

    try:
        workspace = find_workspace(args.workspace)
    except WorkspaceError as exc:
        print(f"safeshell audit: {exc}", file=sys.stderr)
        return exit_codes.CONFIG

    try:
        if args.action == "verify":
            return _verify(audit.verify(workspace), as_json=args.json)
        if args.tail is not None and args.tail < 1:
            print(f"safeshell audit: --tail must be at least 1, not {args.tail}", file=sys.stderr)
            return exit_codes.USAGE
        for entry in audit.read_entries(workspace, tail=args.tail):
            print(json.dumps(entry) if args.json else _format(entry))
    except AuditError as exc:
        print(f"safeshell audit: {exc}", file=sys.stderr)
        return exit_codes.ERROR
    return exit_codes.OK


def _verify(report: AuditReport, *, as_json: bool) -> int:
    if as_json:
        print(
            json.dumps(
                {
                    "ok": report.ok,
                    "path": report.path,
                    "entries": report.entries,
                    "problems": [{"line": problem.line, "message": problem.message} for problem in report.problems],
                }
            )
        )
    elif report.ok:
        print(f"audit log intact: {report.entries} entries in {report.path}")
    else:
        for problem in report.problems:
            print(f"{report.path}:{problem.line}: {problem.message}")
        print(f"audit log BROKEN: {len(report.problems)} problems in {report.entries} entries", file=sys.stderr)
    return exit_codes.OK if report.ok else exit_codes.ERROR


_SHOWN_FIRST = ("seq", "time", "event", "prev")


def _format(entry: dict[str, Any]) -> str:
    head = f"{entry.get('seq', '?'):>6} {entry.get('time', '?')} {entry.get('event', '?')}"
    rest = " ".join(f"{key}={json.dumps(value)}" for key, value in entry.items() if key not in _SHOWN_FIRST)
    return f"{head} {rest}".rstrip()
