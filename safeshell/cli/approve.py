"""``safeshell approve ID``: a human grants an approval request on a terminal.

The request is shown in full, then the human types the request id or
``approve`` (a bare Enter is not enough; ``deny`` denies it). The confirmation is
read from the controlling terminal (``/dev/tty``), never from stdin, after
discarding anything typed ahead, so a process without a terminal (an
assistant's tool call) cannot grant. The token and the command to run with
it are printed on stdout.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
import termios

from safeshell.cli import exit_codes

NO_TERMINAL = (
    "safeshell approve: no terminal: a process without a controlling terminal cannot approve; "
    "run 'safeshell approve {id}' yourself in a terminal"
)


class TerminalUnavailable(Exception):
    """stdin is not a terminal or /dev/tty cannot be opened."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="safeshell approve",
        description="Show an approval request and grant it after a typed confirmation on this terminal.",
    )
    parser.add_argument("request_id", metavar="ID", help="the request id from the rejection message")
    parser.add_argument("--workspace", metavar="DIR", help="the workspace (default: found from the current directory)")
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)

    from safeshell import approvals, guard
    from safeshell.approvals.describe import describe_request
    from safeshell.errors import ApprovalError, SafeshellError
    from safeshell.workspace import find_workspace

    try:
        terminal = _open_terminal()
    except TerminalUnavailable:
        print(NO_TERMINAL.format(id=args.request_id), file=sys.stderr)
        return exit_codes.ERROR

    try:
        workspace = find_workspace(args.workspace)
        request = approvals.get_request(workspace, args.request_id)
        if request.status not in ("open", "granted"):
            raise ApprovalError(
                f"approval request {request.id!r} is {request.status} and cannot be granted",
                hint="rerun the command to create a new request",
            )
        policy = guard.load_policy(workspace)
        settings = approvals.ApprovalSettings.from_document(policy.document)

        _write(terminal, describe_request(workspace, request, token_ttl_s=settings.token_ttl_s) + "\n\n")
        if request.status == "granted":
            _write(terminal, "It was granted before; granting it again makes the earlier token invalid.\n")
        answer = _ask(terminal, f"Type {request.id!r} or 'approve' to grant, 'deny' to deny, anything else cancels: ")
        by = f"{getpass.getuser()} on {os.ttyname(terminal)}"

        if answer in (request.id, "approve"):
            issued = approvals.grant_request(
                workspace, request.id, by=by, current_policy_version=policy.version, settings=settings
            )
        elif answer == "deny":
            approvals.deny_request(workspace, request.id, by=by)
            print(f"Denied approval request {request.id}; no token for it will be accepted.")
            return exit_codes.OK
        else:
            print(f"Not approved (answer {answer!r}); nothing changed.", file=sys.stderr)
            return exit_codes.ERROR
    except SafeshellError as exc:
        print(f"safeshell approve: {exc}", file=sys.stderr)
        return exit_codes.ERROR
    finally:
        os.close(terminal)

    expires = _utc_time(issued.expires_at)
    print(f"Granted approval request {request.id}. Token (valid once, until {expires}):")
    print(issued.text)
    print("Run the operation with it:")
    print(f"  {approvals.run_command_template(issued.request, issued.text)}")
    return exit_codes.OK


def _open_terminal() -> int:
    if not os.isatty(0):
        raise TerminalUnavailable
    try:
        return os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise TerminalUnavailable from exc


def _write(terminal: int, text: str) -> None:
    data = text.encode("utf-8", "backslashreplace")
    while data:
        written = os.write(terminal, data)
        data = data[written:]


def _ask(terminal: int, prompt: str) -> str:
    """Discard type-ahead, show ``prompt`` and return the line the human types (stripped)."""
    termios.tcflush(terminal, termios.TCIFLUSH)
    _write(terminal, prompt)
    line = bytearray()
    while not line.endswith(b"\n"):
        chunk = os.read(terminal, 1024)
        if not chunk:
            break
        line.extend(chunk)
    return line.decode("utf-8", "replace").strip()


def _utc_time(timestamp: float) -> str:
    import time

    return time.strftime("%H:%M:%S UTC", time.gmtime(timestamp))
