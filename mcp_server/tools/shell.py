"""run_command: the guarded shell as an MCP tool.

The command gets the same shell analysis and policy decision as
``safeshell -c`` (``guard.check_command``), combined with the decision on
the ``run_command`` tool call itself. It runs as ``bash -c`` in its own
process group with stdin closed, under a timeout, with its output capped.
Verify-after-execute wraps it: protected state (``current_model/``,
``config.json``, ``safeshell.yaml``) is recorded first, and whatever the
command changed there unexpectedly is put back. An approved
command also gets a snapshot of what its operations touch, so it can be
undone.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import time

import anyio
import anyio.abc
import anyio.to_thread
from pydantic import Field

from mcp_server.errors import ToolArgumentError
from mcp_server.gate import Plan, ShellCheck, ToolCall
from mcp_server.paths import resolve_inside
from mcp_server.registry import Hints, ToolInput, ToolOutput, ToolSpec
from safeshell import audit, guard, undo, verify_after
from safeshell.workspace import Workspace

MAX_COMMAND_CHARS = 65536
MAX_PATH_CHARS = 4096
DEFAULT_TIMEOUT_S = 60
MAX_TIMEOUT_S = 600
# Bytes of each stream kept in the result (the end of the output is kept).
OUTPUT_LIMIT_BYTES = 64 * 1024
# After the timeout, SIGTERM goes to the process group; SIGKILL follows this much later.
KILL_GRACE_S = 5.0


class RunCommandInput(ToolInput):
    command: str = Field(min_length=1, max_length=MAX_COMMAND_CHARS, description="A bash command line.")
    cwd: str | None = Field(
        default=None,
        max_length=MAX_PATH_CHARS,
        description="Working directory inside the workspace; the workspace root when omitted.",
    )
    timeout_s: int = Field(
        default=DEFAULT_TIMEOUT_S,
        ge=1,
        le=MAX_TIMEOUT_S,
        description=f"Seconds before the command's process group is terminated (1 to {MAX_TIMEOUT_S}).",
    )


class CommandResult(ToolOutput):
    exit_code: int | None  # None when the command was terminated after its timeout
    timed_out: bool
    stdout: str  # the last 64 KiB, decoded as UTF-8 with replacement characters
    stderr: str
    stdout_dropped_bytes: int  # bytes cut from the start of stdout to fit the limit
    stderr_dropped_bytes: int
    duration_s: float
    approved_by: str | None  # how the approval was given, when the command needed one
    snapshot: str | None  # how to undo an approved command, when a snapshot was taken
    restored: list[str]  # protected files the command changed and that were put back
    unrestorable: list[str]  # protected files it changed in place; roll back to rollback_version
    rollback_version: str | None
    message: str


class _Capture:
    """The tail of one output stream, at most OUTPUT_LIMIT_BYTES."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.dropped = 0

    async def read(self, stream: anyio.abc.ByteReceiveStream | None) -> None:
        if stream is None:
            return
        async for chunk in stream:
            self.data.extend(chunk)
            excess = len(self.data) - OUTPUT_LIMIT_BYTES
            if excess > 0:
                del self.data[:excess]
                self.dropped += excess

    def text(self) -> str:
        return self.data.decode("utf-8", errors="replace")


def plan_run_command(call: ToolCall) -> Plan:
    arguments: RunCommandInput = call.arguments  # type: ignore[assignment]
    workspace = call.workspace
    if "\x00" in arguments.command:
        raise ToolArgumentError("argument 'command': the command contains a NUL byte, which bash cannot receive")
    cwd = str(resolve_inside(workspace, arguments.cwd or str(workspace.root), argument="cwd"))
    verdict = guard.check_command(arguments.command, workspace=workspace, cwd=cwd)
    return Plan(touched=(cwd,), shell=ShellCheck(command=arguments.command, cwd=cwd, verdict=verdict))


async def run_command(call: ToolCall) -> CommandResult:
    arguments: RunCommandInput = call.arguments  # type: ignore[assignment]
    workspace = call.workspace
    shell = call.plan.shell
    if shell is None:  # plan_run_command always sets it
        raise RuntimeError("run_command was planned without its shell check")

    if call.approved_by is not None:
        return await _run_approved(call, arguments, shell)

    record = await anyio.to_thread.run_sync(verify_after.take_record, workspace)
    try:
        exit_code, timed_out, stdout, stderr, duration = await _execute(
            arguments.command, shell.cwd, arguments.timeout_s, workspace
        )
    finally:
        # Shielded: a cancelled call still checks and restores protected state.
        with anyio.CancelScope(shield=True):
            critical = guard.load_policy(workspace).critical_keys
            report = await anyio.to_thread.run_sync(
                lambda: verify_after.verify_and_restore(record, critical_keys=critical)
            )
            if report.changed:
                audit.append(
                    workspace,
                    "restore",
                    source="mcp",
                    command=arguments.command[:4096],
                    restored=report.restored,
                    displaced=report.displaced,
                    unrestorable=report.unrestorable,
                    rollback_version=report.rollback_version,
                    record_dir=str(report.record_dir) if report.record_dir else None,
                )

    message = _outcome(arguments, exit_code, timed_out)
    if report.changed:
        message += "\n" + verify_after.render_report(report, arguments.command)
    return CommandResult(
        exit_code=exit_code,
        timed_out=timed_out,
        stdout=stdout.text(),
        stderr=stderr.text(),
        stdout_dropped_bytes=stdout.dropped,
        stderr_dropped_bytes=stderr.dropped,
        duration_s=round(duration, 3),
        approved_by=None,
        snapshot=None,
        restored=[*report.restored, *report.displaced],
        unrestorable=list(report.unrestorable),
        rollback_version=report.rollback_version,
        message=message,
    )


async def _run_approved(call: ToolCall, arguments: RunCommandInput, shell: ShellCheck) -> CommandResult:
    """Run an approved command after a snapshot of what it touches; the snapshot is its undo."""
    workspace = call.workspace
    snapshot = await anyio.to_thread.run_sync(
        lambda: undo.take_snapshot(
            workspace,
            shell.verdict.operations,
            snapshot_id=f"mcp-{secrets.token_hex(4)}",
            reason=f"before an approved MCP command ({call.approved_by}): {arguments.command[:200]}",
        )
    )
    # NOTE: an approved command is not verified after it runs, as with 'safeshell -c':
    # it was approved to change protected files.
    exit_code, timed_out, stdout, stderr, duration = await _execute(
        arguments.command, shell.cwd, arguments.timeout_s, workspace
    )
    return CommandResult(
        exit_code=exit_code,
        timed_out=timed_out,
        stdout=stdout.text(),
        stderr=stderr.text(),
        stdout_dropped_bytes=stdout.dropped,
        stderr_dropped_bytes=stderr.dropped,
        duration_s=round(duration, 3),
        approved_by=call.approved_by,
        snapshot=snapshot.restore_hint(workspace) if snapshot is not None else None,
        restored=[],
        unrestorable=[],
        rollback_version=None,
        message=_outcome(arguments, exit_code, timed_out),
    )


def _outcome(arguments: RunCommandInput, exit_code: int | None, timed_out: bool) -> str:
    if timed_out:
        return f"The command was terminated after {arguments.timeout_s} s."
    return f"The command exited with status {exit_code}."


async def _execute(
    command: str, cwd: str, timeout_s: int, workspace: Workspace
) -> tuple[int | None, bool, _Capture, _Capture, float]:
    environment = dict(os.environ)
    environment["SAFESHELL_WORKSPACE"] = str(workspace.root)
    environment.pop("SAFESHELL_APPROVAL_TOKEN", None)
    stdout, stderr = _Capture(), _Capture()
    started = time.monotonic()
    timed_out = False

    process = await anyio.open_process(
        ["bash", "-c", command],
        cwd=cwd,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, so a timeout ends every child too
    )
    try:
        async with process, anyio.create_task_group() as group:
            group.start_soon(stdout.read, process.stdout)
            group.start_soon(stderr.read, process.stderr)
            with anyio.move_on_after(timeout_s) as scope:
                await process.wait()
            if scope.cancelled_caught:
                timed_out = True
                await _terminate_group(process)
    except BaseException:
        # The call was cancelled (the client went away): end the whole group, not only bash.
        with anyio.CancelScope(shield=True):
            if process.returncode is None:
                await _terminate_group(process)
        raise

    exit_code = None if timed_out else process.returncode
    return exit_code, timed_out, stdout, stderr, time.monotonic() - started


async def _terminate_group(process: anyio.abc.Process) -> None:
    _signal_group(process.pid, signal.SIGTERM)
    with anyio.move_on_after(KILL_GRACE_S) as scope:
        await process.wait()
    if scope.cancelled_caught:
        _signal_group(process.pid, signal.SIGKILL)
        await process.wait()


def _signal_group(pid: int, signal_number: int) -> None:
    try:
        os.killpg(pid, signal_number)
    except ProcessLookupError:
        pass


SPECS = [
    ToolSpec(
        name="run_command",
        title="Run a shell command (guarded)",
        description="Run a bash command after the same policy check as 'safeshell -c'. It runs in its own "
        f"process group with stdin closed, is terminated after timeout_s (default {DEFAULT_TIMEOUT_S}, at most "
        f"{MAX_TIMEOUT_S} s), and returns the last {OUTPUT_LIMIT_BYTES // 1024} KiB of stdout and of stderr. "
        "Changes to current_model/, critical config.json keys or safeshell.yaml that the check did not foresee "
        f"are put back afterwards. Commands are at most {MAX_COMMAND_CHARS} characters; cwd must be inside the "
        "workspace.",
        input_model=RunCommandInput,
        output_model=CommandResult,
        hints=Hints(read_only=False, destructive=True, idempotent=False, open_world=True),
        handler=run_command,
        plan=plan_run_command,
    ),
]
