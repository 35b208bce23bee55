"""``safeshell -c COMMAND`` and ``safeshell -- PROGRAM ARGS``: the guarded run.

A drop-in for ``bash -c``: the command is checked against the workspace
policy and, when allowed (or approved with a valid token), run with bash,
passing stdin, stdout, stderr, signals and the exit status through. Around
every run, verify-after-execute restores protected files that the command
changed although the policy allowed it (exit 122). Before an approved
command that deletes, moves or overwrites protected data, a snapshot makes
it undoable.

Outside any workspace (no ``safeshell.yaml`` in the current directory or a
parent, no ``--workspace``, no ``SAFESHELL_WORKSPACE``) there is nothing to
protect, so the command runs unchecked after a one-line notice on stderr;
with ``SAFESHELL_STRICT=1`` it is rejected instead (exit 78).
NOTE: a command run outside the workspace that names paths inside it
(``cd /tmp && rm -rf ~/ws/current_model``) is therefore not checked; set
``SAFESHELL_WORKSPACE`` in the assistant's environment to close that gap.

Arguments are parsed by hand because this runs once per assistant command.
"""

from __future__ import annotations

import os
import sys

from safeshell.cli import exit_codes
from safeshell.shell.inline_token import split_inline_token
from safeshell.shell.quick import join_words

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from safeshell.decision import Verdict
    from safeshell.workspace import Workspace

TOKEN_ENV = "SAFESHELL_APPROVAL_TOKEN"
STRICT_ENV = "SAFESHELL_STRICT"

USAGE = """usage: safeshell [--workspace DIR] [--approval TOKEN] -c COMMAND [ARG0 [ARGS...]]
       safeshell [--workspace DIR] [--approval TOKEN] -- PROGRAM [ARGS...]

Check a command against the workspace policy, then run it: COMMAND with
bash (as 'bash -c COMMAND ARG0 ARGS...' does), or PROGRAM directly.

  --approval TOKEN  the approval token that 'safeshell approve ID' printed
                    (default: a leading 'SAFESHELL_APPROVAL_TOKEN=TOKEN'
                    assignment in COMMAND, then $SAFESHELL_APPROVAL_TOKEN);
                    valid once
  --workspace DIR   the workspace (default: $SAFESHELL_WORKSPACE, then the
                    nearest parent of the current directory with safeshell.yaml)

Outside any workspace the command runs unchecked after a notice on stderr;
set SAFESHELL_STRICT=1 to reject it instead.

exit status: the command's own, or
  64   invalid arguments
  78   missing or invalid policy or workspace
  120  rejected: requires approval ('safeshell approve ID' on a terminal)
  121  rejected: denied by policy, even with approval
  122  the command changed protected files; safeshell restored them
"""


class UsageError(Exception):
    """Invalid command-line arguments."""


# A plain slots class rather than a dataclass: every guarded command parses
# one, and importing dataclasses would double the start-up (see safeshell.records).
class RunArgs:
    """Parsed arguments of a guarded run."""

    __slots__ = ("argv", "command", "workspace", "approval", "sourced", "line")

    def __init__(
        self,
        argv: list[str],
        command: str,
        workspace: str | None = None,
        approval: str | None = None,
        sourced: str | None = None,
        line: str | None = None,
    ) -> None:
        self.argv = argv  # executed as is
        self.command = command  # the shell text the policy decides on
        self.workspace = workspace
        self.approval = approval
        self.sourced = sourced  # a host's shell snapshot that the wrapper line sources first
        self.line = line  # the whole wrapper line, when ``command`` was taken out of one


def parse_args(argv: list[str]) -> RunArgs | None:
    """Parse ``argv``; return None after printing help."""
    workspace = approval = None
    index = 0
    while index < len(argv):
        argument = argv[index]
        if argument in ("-h", "--help"):
            print(USAGE)
            return None
        if argument == "-c":
            if index + 1 >= len(argv):
                raise UsageError("-c needs a command")
            text = argv[index + 1]
            positional = argv[index + 2:]
            if positional:
                return RunArgs(argv=["bash", "-c", text, *positional],
                               command=join_words(["bash", "-c", text, *positional]),
                               workspace=workspace, approval=approval)
            command, sourced = _host_command(text)
            line = text if command != text else None
            inline = split_inline_token(command)
            if inline is not None:
                # The policy and the approval see the command without the
                # assignment: the human approved it that way.
                # NOTE: inside a host's wrapper line the assignment still runs,
                # putting the (by then spent) token in the first program's environment.
                approval = approval or inline[0]
                text = text if line is not None else inline[1]
                command = inline[1]
            return RunArgs(argv=["bash", "-c", text], command=command, workspace=workspace, approval=approval,
                           sourced=sourced, line=line)
        if argument == "--":
            program = argv[index + 1:]
            if not program:
                raise UsageError("'--' needs a program to run")
            return RunArgs(argv=program, command=join_words(program), workspace=workspace, approval=approval)
        if argument in ("--workspace", "--approval"):
            if index + 1 >= len(argv):
                raise UsageError(f"option {argument} needs a value")
            if argument == "--workspace":
                workspace = argv[index + 1]
            else:
                approval = argv[index + 1]
            index += 2
            continue
        if argument.startswith("--workspace="):
            workspace = argument.split("=", 1)[1]
        elif argument.startswith("--approval="):
            approval = argument.split("=", 1)[1]
        else:
            raise UsageError(f"unknown option {argument!r}")
        index += 1
    raise UsageError("missing command: use -c COMMAND or -- PROGRAM ARGS")


def _host_command(text: str) -> tuple[str, str | None]:
    """Return the command inside a host's shell-prefix wrapper line (else ``text``) and the file it sources.

    Claude Code runs ``safeshell -c`` (CLAUDE_CODE_SHELL_PREFIX) with its own
    preamble around the model's command; the policy decides on the command
    itself and the whole line still runs (see safeshell.hooks.unwrap).
    """
    # Every wrapper line contains "eval "; checking first keeps the hooks
    # package (about as costly to import as the guard) off the usual path.
    if "eval " not in text:
        return text, None
    from safeshell.hooks.unwrap import unwrap_host_command

    unwrapped = unwrap_host_command(text)
    if unwrapped is None:
        return text, None
    return unwrapped.command, unwrapped.snapshot


def main(argv: list[str]) -> int:
    try:
        args = parse_args(argv)
    except UsageError as exc:
        print(f"safeshell: {exc}\n\n{USAGE}", file=sys.stderr)
        return exit_codes.USAGE
    if args is None:
        return exit_codes.OK

    from safeshell.errors import SafeshellError, WorkspaceError
    from safeshell.workspace import WORKSPACE_ENV, find_workspace

    token = args.approval or os.environ.get(TOKEN_ENV) or None
    child_env = {key: value for key, value in os.environ.items() if key != TOKEN_ENV}
    cwd = os.getcwd()

    try:
        workspace = find_workspace(args.workspace, cwd=cwd)
    except WorkspaceError as exc:
        if args.workspace is not None or os.environ.get(WORKSPACE_ENV) or os.environ.get(STRICT_ENV):
            print(f"safeshell: {exc}", file=sys.stderr)
            return exit_codes.CONFIG
        print(f"safeshell: no workspace (no safeshell.yaml in {cwd!r} or a parent); "
              f"running unchecked (set {STRICT_ENV}=1 to reject instead)", file=sys.stderr)
        return _exec_unchecked(args.argv, child_env)

    try:
        return _guarded_run(workspace, args, cwd, token, child_env)
    except SafeshellError as exc:
        print(f"safeshell: {exc}", file=sys.stderr)
        return exit_codes.CONFIG if _is_config_error(exc) else exit_codes.ERROR


def _guarded_run(workspace: Workspace, args: RunArgs, cwd: str, token: str | None, env: dict[str, str]) -> int:
    from safeshell import audit, guard
    from safeshell.decision import Decision

    policy = guard.load_policy(workspace)
    verdict = guard.check_command(args.command, workspace=workspace, cwd=cwd, env=os.environ)
    if args.sourced is not None and args.line is not None:
        # The wrapper line sources a snapshot file before the command, and
        # anything can write a file with a snapshot's name: when sourcing it
        # is not allowed on its own, decide on the whole line instead.
        sourced = guard.check_command(join_words(["source", args.sourced]), workspace=workspace, cwd=cwd,
                                      env=os.environ)
        if sourced.decision is not Decision.ALLOW:
            args.command = args.line
            verdict = guard.check_command(args.command, workspace=workspace, cwd=cwd, env=os.environ)

    if verdict.decision is Decision.ALLOW:
        audit.record_decision(workspace, verdict, source="run", command=args.command[:4096], cwd=cwd)
        return _run_verified(workspace, args, env, critical_keys=policy.critical_keys)
    if verdict.decision is Decision.DENY:
        return _reject(workspace, args, cwd, verdict, token=None)
    if token is None:
        return _reject(workspace, args, cwd, verdict, token=None)
    return _run_approved(workspace, args, cwd, verdict, token, env)


def _run_approved(
    workspace: Workspace, args: RunArgs, cwd: str, verdict: Verdict, token: str, env: dict[str, str]
) -> int:
    from safeshell import approvals, audit, undo
    from safeshell.errors import TokenError
    from safeshell.foreground import run_foreground

    subject = approvals.shell_subject(workspace, args.command, cwd, verdict)
    try:
        grant = approvals.redeem_token(workspace, subject, verdict, token)
    except TokenError as exc:
        return _reject(workspace, args, cwd, verdict, token=exc)

    audit.record_decision(workspace, verdict, source="run", command=args.command[:4096], cwd=cwd,
                          request_id=grant.request.id, approved=True)
    snapshot = undo.take_snapshot(
        workspace,
        verdict.operations,
        snapshot_id=grant.request.id,
        reason=f"before approved command (request {grant.request.id}): {args.command[:200]}",
    )
    if snapshot is not None:
        print(snapshot.restore_hint(workspace), file=sys.stderr)
    # NOTE: an approved command is not verified after it runs: it was approved
    # to change protected files, and the snapshot above is its undo.
    return run_foreground(args.argv, env=env)


def _run_verified(workspace: Workspace, args: RunArgs, env: dict[str, str], *, critical_keys: frozenset[str]) -> int:
    from safeshell import audit, verify_after
    from safeshell.foreground import run_foreground

    record = verify_after.take_record(workspace)
    status = run_foreground(args.argv, env=env)
    report = verify_after.verify_and_restore(record, critical_keys=critical_keys)
    if not report.changed:
        return status

    print(verify_after.render_report(report, args.command), file=sys.stderr)
    audit.append(
        workspace,
        "restore",
        command=args.command[:4096],
        restored=report.restored,
        displaced=report.displaced,
        unrestorable=report.unrestorable,
        lost=report.lost,
        rollback_version=report.rollback_version,
        record_dir=str(report.record_dir) if report.record_dir else None,
        exit_status=status,
    )
    return exit_codes.RESTORED if status == 0 else status


def _reject(workspace: Workspace, args: RunArgs, cwd: str, verdict: Verdict, *, token: Exception | None) -> int:
    from safeshell import approvals, audit
    from safeshell.approvals import TokenCheck
    from safeshell.decision import Decision
    from safeshell.errors import TokenError

    subject = approvals.shell_subject(workspace, args.command, cwd, verdict)
    request = None
    if verdict.decision is Decision.REQUIRE_APPROVAL:
        request = approvals.ensure_request(workspace, subject, verdict)
    audit.record_decision(workspace, verdict, source="run", command=args.command[:4096], cwd=cwd,
                          request_id=request.id if request else None)
    token_check = None
    if isinstance(token, TokenError):
        token_check = TokenCheck(ok=False, check=token.check, message=token.message, hint=token.hint)
    print(approvals.render_rejection(subject, verdict, request, token_check), file=sys.stderr)
    if verdict.decision is Decision.DENY:
        return exit_codes.DENIED
    return exit_codes.APPROVAL_REQUIRED


def _exec_unchecked(argv: list[str], env: dict[str, str]) -> int:
    try:
        os.execvpe(argv[0], argv, env)
    except OSError as exc:
        print(f"safeshell: cannot run {argv[0]!r}: {exc.strerror}", file=sys.stderr)
        return 127 if isinstance(exc, FileNotFoundError) else 126
    return exit_codes.INTERNAL  # not reached: exec replaced the process


def _is_config_error(exc: Exception) -> bool:
    from safeshell.errors import PolicyError, WorkspaceError

    return isinstance(exc, (PolicyError, WorkspaceError))
