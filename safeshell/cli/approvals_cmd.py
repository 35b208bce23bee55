"""``safeshell approvals list|show ID|deny ID``: inspect and deny approval requests.

Denying needs no terminal: it can only block an operation. Granting is
``safeshell approve ID``, which does.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import time

from safeshell.cli import exit_codes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="safeshell approvals", description="List, show or deny approval requests.")
    parser.add_argument("--workspace", metavar="DIR", help="the workspace (default: found from the current directory)")
    commands = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    listing = commands.add_parser("list", help="list open and granted requests, newest first")
    listing.add_argument("--all", action="store_true", help="include denied, expired and used requests")
    listing.add_argument("--json", action="store_true", help="print one JSON array")
    listing.add_argument("--workspace", metavar="DIR", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    show = commands.add_parser("show", help="show one request in full")
    show.add_argument("request_id", metavar="ID")
    show.add_argument("--json", action="store_true", help="print one JSON object")
    show.add_argument("--workspace", metavar="DIR", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    deny = commands.add_parser("deny", help="deny a request so no token for it is accepted")
    deny.add_argument("request_id", metavar="ID")
    deny.add_argument("--workspace", metavar="DIR", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)

    from safeshell import approvals
    from safeshell.approvals.describe import describe_request
    from safeshell.errors import SafeshellError
    from safeshell.workspace import find_workspace

    try:
        workspace = find_workspace(args.workspace)
    except SafeshellError as exc:
        print(f"safeshell approvals: {exc}", file=sys.stderr)
        return exit_codes.CONFIG
    try:
        if args.action == "list":
            requests = approvals.list_requests(workspace, include_closed=args.all)
            if args.json:
                print(json.dumps([request.to_dict() for request in requests], indent=2))
            elif not requests:
                print("no open approval requests" if not args.all else "no approval requests")
            else:
                print(f"{'ID':<8}  {'STATUS':<8} {'CREATED (UTC)':<16}  {'RULE':<22} COMMAND")
                for request in requests:
                    created = time.strftime("%Y-%m-%d %H:%M", time.gmtime(request.created_at))
                    print(f"{request.id}  {request.status:<8} {created}  {request.rule:<22} {request.summary}")
        elif args.action == "show":
            request = approvals.get_request(workspace, args.request_id)
            if args.json:
                print(json.dumps(request.to_dict(), indent=2))
            else:
                print(describe_request(workspace, request))
                if request.status in ("open", "granted"):
                    print(f"\nGrant it on a terminal with: {request.grant_command}")
        else:
            request = approvals.deny_request(workspace, args.request_id, by=getpass.getuser())
            print(f"Denied approval request {request.id}; no token for it will be accepted.")
    except SafeshellError as exc:
        print(f"safeshell approvals: {exc}", file=sys.stderr)
        return exit_codes.ERROR
    return exit_codes.OK
