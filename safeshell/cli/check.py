"""``safeshell check``: decide on a command without running it.

Arguments are parsed by hand, not with argparse, because this runs once per
assistant command and argparse costs a few milliseconds to import.
"""

from __future__ import annotations

import os
import sys

from safeshell.cli import exit_codes
from safeshell.records import Record
from safeshell.shell.inline_token import split_inline_token
from safeshell.shell.quick import join_words

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from safeshell.approvals import ApprovalRequest, TokenCheck
    from safeshell.decision import Verdict
    from safeshell.workspace import Workspace

USAGE = """usage: safeshell check [--workspace DIR] [--cwd DIR] [--json] [--approval TOKEN] -- COMMAND...
       safeshell check [OPTIONS] -c COMMAND
       safeshell check [OPTIONS] --stdin

Decide on a shell command without running it, record the decision in the
audit log, and, when it requires approval, open an approval request.

  -- COMMAND...     the command: one argument is shell text ('rm -rf x');
                    several are a program and its arguments, quoted as bash would
  -c COMMAND        the command as shell text
  --stdin           read the command text from standard input (any bytes)
  --workspace DIR   the workspace (default: $SAFESHELL_WORKSPACE, then the
                    nearest parent of --cwd holding safeshell.yaml)
  --cwd DIR         the directory the command would run in (default: the current one)
  --json            print one JSON object: decision, rule, message, operations,
                    matches, request_id, policy_version
  --approval TOKEN  also report whether TOKEN would be accepted (nothing is consumed);
                    a leading 'SAFESHELL_APPROVAL_TOKEN=TOKEN' in COMMAND counts as one

exit status:
  0    allow
  64   invalid arguments
  78   missing or invalid policy or workspace
  120  require_approval: run 'safeshell approve ID' on a terminal, then rerun with the token
  121  deny: no approval can allow it
"""

DECISION_EXIT = {
    "allow": exit_codes.OK,
    "require_approval": exit_codes.APPROVAL_REQUIRED,
    "deny": exit_codes.DENIED,
}


class CheckArgs(Record):
    """Parsed options shared by ``check`` and ``explain``."""

    __slots__ = ("command", "workspace", "cwd", "json", "approval")
    command: str
    workspace: str | None
    cwd: str | None
    json: bool
    approval: str | None

    def __init__(
        self,
        command: str,
        workspace: str | None = None,
        cwd: str | None = None,
        json: bool = False,
        approval: str | None = None,
    ) -> None:
        self._init(command=command, workspace=workspace, cwd=cwd, json=json, approval=approval)


class UsageError(Exception):
    """Invalid command-line arguments; the message is shown with the usage."""


def parse_args(argv: list[str], *, usage: str = USAGE, prog: str = "safeshell check") -> CheckArgs | None:
    """Parse ``argv``; return None after printing help for ``-h``. ``prog`` names the command in examples."""
    workspace = cwd = approval = command = None
    as_json = read_stdin = False
    index = 0
    while index < len(argv):
        argument = argv[index]
        if argument == "--":
            rest = argv[index + 1:]
            if len(rest) == 1:
                command = rest[0]
            elif rest:
                command = join_words(rest)
            break
        if argument in ("-h", "--help"):
            print(usage)
            return None
        if argument == "--json":
            as_json = True
        elif argument == "--stdin":
            read_stdin = True
        elif argument in ("--workspace", "--cwd", "--approval", "-c"):
            if index + 1 >= len(argv):
                raise UsageError(f"option {argument} needs a value")
            value = argv[index + 1]
            index += 1
            if argument == "--workspace":
                workspace = value
            elif argument == "--cwd":
                cwd = value
            elif argument == "--approval":
                approval = value
            else:
                command = value
        elif argument.startswith("--workspace="):
            workspace = argument.split("=", 1)[1]
        elif argument.startswith("--cwd="):
            cwd = argument.split("=", 1)[1]
        else:
            raise UsageError(f"unknown argument {argument!r}; put the command after '--'")
        index += 1

    if read_stdin:
        if command is not None:
            raise UsageError("give the command either after '--', with -c, or with --stdin, not twice")
        command = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
    if command is None:
        raise UsageError(f"missing command: put it after '--', e.g. {prog} -- rm -rf current_model")
    # A leading SAFESHELL_APPROVAL_TOKEN=TOKEN is checked as the token, as 'safeshell -c' redeems it.
    inline = split_inline_token(command)
    if inline is not None:
        approval = approval or inline[0]
        command = inline[1]
    return CheckArgs(command=command, workspace=workspace, cwd=cwd, json=as_json, approval=approval)


def main(argv: list[str]) -> int:
    _tolerant_output()
    try:
        args = parse_args(argv)
    except UsageError as exc:
        print(f"safeshell check: {exc}\n\n{USAGE}", file=sys.stderr)
        return exit_codes.USAGE
    if args is None:
        return exit_codes.OK

    from safeshell.errors import SafeshellError
    from safeshell.guard import check_command
    from safeshell.workspace import find_workspace

    cwd = os.path.abspath(args.cwd or os.getcwd())
    try:
        workspace = find_workspace(args.workspace, cwd=cwd)
        verdict = check_command(args.command, workspace=workspace, cwd=cwd)
    except SafeshellError as exc:
        return _config_error(exc, as_json=args.json)

    request, token_check, problems = _approval_details(workspace, args, cwd, verdict)
    _audit(workspace, args, cwd, verdict, request, problems)

    if args.json:
        _print_json(workspace, args, cwd, verdict, request, token_check, problems)
    else:
        print(_render_text(workspace, args, cwd, verdict, request, token_check))
        for problem in problems:
            print(f"safeshell check: warning: {problem}", file=sys.stderr)
    return DECISION_EXIT[verdict.decision.label]


def _approval_details(
    workspace: Workspace, args: CheckArgs, cwd: str, verdict: Verdict
) -> tuple[ApprovalRequest | None, TokenCheck | None, list[str]]:
    """Open or reuse the approval request and check a presented token."""
    from safeshell.decision import Decision
    from safeshell.errors import SafeshellError

    problems: list[str] = []
    if verdict.decision is not Decision.REQUIRE_APPROVAL:
        return None, None, problems
    try:
        from safeshell import approvals
    except ImportError:
        problems.append("approval requests are not available in this installation")
        return None, None, problems

    request = token_check = None
    subject = approvals.shell_subject(workspace, args.command, cwd, verdict)
    try:
        request = approvals.ensure_request(workspace, subject, verdict)
        if args.approval:
            token_check = approvals.check_token(workspace, subject, verdict, args.approval)
    except SafeshellError as exc:
        problems.append(f"cannot open an approval request: {exc.message}")
    return request, token_check, problems


def _audit(
    workspace: Workspace,
    args: CheckArgs,
    cwd: str,
    verdict: Verdict,
    request: ApprovalRequest | None,
    problems: list[str],
) -> None:
    from safeshell import audit
    from safeshell.errors import AuditError

    try:
        audit.record_decision(
            workspace,
            verdict,
            source="check",
            command=args.command[:4096],
            cwd=cwd,
            request_id=request.id if request is not None else None,
        )
    except AuditError as exc:
        problems.append(f"decision not recorded in the audit log: {exc.message}")


def _print_json(
    workspace: Workspace,
    args: CheckArgs,
    cwd: str,
    verdict: Verdict,
    request: ApprovalRequest | None,
    token_check: TokenCheck | None,
    problems: list[str],
) -> None:
    import json

    data = verdict.to_dict()
    data["message"] = _render_text(workspace, args, cwd, verdict, request, token_check)
    data["request_id"] = request.id if request is not None else None
    if request is not None:
        data["grant_command"] = request.grant_command
    if token_check is not None:
        data["token"] = {"ok": token_check.ok, "check": token_check.check, "message": token_check.message}
    data["command"] = args.command
    data["cwd"] = cwd
    data["workspace"] = workspace.root_dir
    data["warnings"] = problems
    print(json.dumps(data, indent=None, ensure_ascii=True))


def _render_text(
    workspace: Workspace,
    args: CheckArgs,
    cwd: str,
    verdict: Verdict,
    request: ApprovalRequest | None,
    token_check: TokenCheck | None,
) -> str:
    from safeshell.decision import Decision

    if verdict.decision is Decision.ALLOW:
        return "allow"
    try:
        from safeshell import approvals
    except ImportError:
        primary = verdict.primary
        lines = [f"{verdict.decision.label}: rule {primary.rule}: {primary.reason}"]
        if primary.hint:
            lines.append(f"hint: {primary.hint}")
        return "\n".join(lines)
    subject = approvals.shell_subject(workspace, args.command, cwd, verdict)
    return approvals.render_rejection(subject, verdict, request, token_check)


def _config_error(exc: Exception, *, as_json: bool) -> int:
    if as_json:
        import json

        print(json.dumps({"decision": None, "error": str(exc), "exit_status": exit_codes.CONFIG}))
    print(f"safeshell check: {exc}", file=sys.stderr)
    return exit_codes.CONFIG


def _tolerant_output() -> None:
    # Commands may carry undecodable bytes (kept as surrogates); echo them
    # escaped instead of failing with UnicodeEncodeError.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
