"""Tools over verified backups: create, list, verify, restore, delete.

Creating, verifying and restoring a backup read or copy every byte of a
model, so these three run as background jobs. The call waits up to
``wait_s`` seconds, reporting progress, and returns the job's handle when
the job is still running (see :mod:`mcp_server.jobs`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from mcp_server.errors import ToolArgumentError
from mcp_server.gate import Plan, ToolCall
from mcp_server.jobs import JobInfo, ProgressFn
from mcp_server.registry import READ_ONLY, Hints, NoArguments, ToolInput, ToolOutput, ToolSpec
from mcp_server.tools.jobs import MAX_WAIT_S, WAIT_DESCRIPTION, follow_job
from mcp_server.tools.versions import VERSION_ID_PATTERN, VersionInfo, version_info, with_store
from models.records import Backup, VerifyReport
from models.store import Store
from safeshell.operations import Operation, OperationKind

BACKUP_ID_PATTERN = r"^b[0-9]{4,9}$"
DEFAULT_WAIT_S = 20
MAX_LISTED_PROBLEMS = 100


class BackupCreateInput(ToolInput):
    version_id: str | None = Field(
        default=None, pattern=VERSION_ID_PATTERN, description="The version to back up; the current one when omitted."
    )
    reason: str = Field(default="", max_length=500, description="Why the backup is made, kept with it.")
    wait_s: int = Field(default=DEFAULT_WAIT_S, ge=0, le=MAX_WAIT_S, description=WAIT_DESCRIPTION)


class BackupVerifyInput(ToolInput):
    backup_id: str = Field(pattern=BACKUP_ID_PATTERN, description='A backup id such as "b0001".')
    sample_percent: float | None = Field(
        default=None,
        gt=0,
        le=100,
        description="Re-hash only this share of the files (rotating on each call); every file when omitted. "
        "Only a full verification marks a backup verified.",
    )
    wait_s: int = Field(default=DEFAULT_WAIT_S, ge=0, le=MAX_WAIT_S, description=WAIT_DESCRIPTION)


class BackupRestoreInput(ToolInput):
    backup_id: str = Field(pattern=BACKUP_ID_PATTERN, description='A backup id such as "b0001".')
    wait_s: int = Field(default=DEFAULT_WAIT_S, ge=0, le=MAX_WAIT_S, description=WAIT_DESCRIPTION)


class BackupDeleteInput(ToolInput):
    backup_id: str = Field(pattern=BACKUP_ID_PATTERN, description='A backup id such as "b0001".')


class BackupInfo(ToolOutput):
    id: str
    version_id: str
    kind: str
    created_at: str
    target: str  # the backup target directory that contains this backup
    verified: bool  # every byte was read back and re-hashed
    verified_at: str | None
    reason: str
    total_bytes: int
    file_count: int


class ProblemInfo(ToolOutput):
    kind: str  # missing, extra, truncated, altered, invalid or unreadable
    path: str
    detail: str


class VerifyInfo(ToolOutput):
    backup_id: str
    ok: bool
    checked_files: int
    checked_bytes: int
    problems: list[ProblemInfo]  # the first 100
    problem_count: int


class BackupListing(ToolOutput):
    backups: list[BackupInfo]  # oldest first


class BackupCreateResult(ToolOutput):
    job: JobInfo
    backup: BackupInfo | None  # set once the job succeeded


class BackupVerifyResult(ToolOutput):
    job: JobInfo
    report: VerifyInfo | None  # set once the job succeeded


class BackupRestoreResult(ToolOutput):
    job: JobInfo
    version: VersionInfo | None  # the version that current_model/ contains, once the job succeeded


class BackupDeleted(ToolOutput):
    deleted: str
    message: str


def backup_info(backup: Backup) -> BackupInfo:
    return BackupInfo(
        id=backup.id,
        version_id=backup.version_id,
        kind=backup.kind,
        created_at=backup.created_at,
        target=str(backup.target),
        verified=backup.verified,
        verified_at=backup.verified_at,
        reason=backup.reason,
        total_bytes=backup.total_bytes,
        file_count=backup.file_count,
    )


def verify_info(backup_id: str, report: VerifyReport) -> VerifyInfo:
    problems = [
        ProblemInfo(kind=problem.kind.value, path=problem.path, detail=problem.detail)
        for problem in report.problems[:MAX_LISTED_PROBLEMS]
    ]
    return VerifyInfo(
        backup_id=backup_id,
        ok=report.ok,
        checked_files=report.checked_files,
        checked_bytes=report.checked_bytes,
        problems=problems,
        problem_count=len(report.problems),
    )


def find_backup(store: Store, backup_id: str) -> Backup:
    for backup in store.backups():
        if backup.id == backup_id:
            return backup
    raise ToolArgumentError(f"no backup {backup_id!r}", hint="list the backups with backup_list")


async def backup_list(call: ToolCall) -> BackupListing:
    backups = await with_store(call.workspace, lambda store: store.backups())
    return BackupListing(backups=[backup_info(backup) for backup in backups])


async def backup_create(call: ToolCall) -> BackupCreateResult:
    arguments: BackupCreateInput = call.arguments  # type: ignore[assignment]
    workspace = call.workspace

    def work(progress: ProgressFn) -> BackupInfo:
        progress(0, 1, "copying and verifying the version's files")
        backup = Store.for_workspace(workspace).create_backup(
            arguments.version_id, kind="manual", reason=arguments.reason or "created through MCP"
        )
        progress(1, 1, f"backup {backup.id} written and verified")
        return backup_info(backup)

    job = call.state.jobs.start("backup_create", work)
    info = await follow_job(call, job, arguments.wait_s)
    backup = BackupInfo.model_validate(info.result) if info.result else None
    return BackupCreateResult(job=info, backup=backup)


def plan_backup_id(call: ToolCall) -> Plan:
    arguments = call.arguments
    backup = find_backup(Store.for_workspace(call.workspace), arguments.backup_id)  # type: ignore[attr-defined]
    return Plan(touched=(str(Path(backup.target) / backup.id),), data=backup)


async def backup_verify(call: ToolCall) -> BackupVerifyResult:
    arguments: BackupVerifyInput = call.arguments  # type: ignore[assignment]
    workspace = call.workspace

    def work(progress: ProgressFn) -> VerifyInfo:
        progress(0, 1, f"reading back {arguments.backup_id}")
        report = Store.for_workspace(workspace).verify_backup(
            arguments.backup_id, sample_percent=arguments.sample_percent
        )
        progress(1, 1, report.summary())
        return verify_info(arguments.backup_id, report)

    job = call.state.jobs.start("backup_verify", work)
    info = await follow_job(call, job, arguments.wait_s)
    report = VerifyInfo.model_validate(info.result) if info.result else None
    return BackupVerifyResult(job=info, report=report)


async def backup_restore(call: ToolCall) -> BackupRestoreResult:
    arguments: BackupRestoreInput = call.arguments  # type: ignore[assignment]
    workspace = call.workspace

    def work(progress: ProgressFn) -> VersionInfo:
        progress(0, 1, f"restoring {arguments.backup_id}")
        store = Store.for_workspace(workspace)
        version = store.restore_backup(arguments.backup_id)
        progress(1, 1, f"current_model/ is now {version.id}")
        return version_info(version, store.current_id())

    job = call.state.jobs.start("backup_restore", work)
    info = await follow_job(call, job, arguments.wait_s)
    version = VersionInfo.model_validate(info.result) if info.result else None
    return BackupRestoreResult(job=info, version=version)


def plan_backup_delete(call: ToolCall) -> Plan:
    plan = plan_backup_id(call)
    path = plan.touched[0]
    return Plan(
        touched=plan.touched,
        operations=(Operation(OperationKind.DELETE, (path,), source="backup_delete"),),
        data=plan.data,
    )


async def backup_delete(call: ToolCall) -> BackupDeleted:
    arguments: BackupDeleteInput = call.arguments  # type: ignore[assignment]
    await with_store(call.workspace, lambda store: store.delete_backup(arguments.backup_id))
    return BackupDeleted(deleted=arguments.backup_id, message=f"Deleted backup {arguments.backup_id}.")


JOB_NOTE = (
    f"Runs as a background job: waits up to wait_s seconds (default {DEFAULT_WAIT_S}, at most {MAX_WAIT_S}) "
    "while reporting progress, then returns the result or, if still running, the job handle for job_status."
)

SPECS = [
    ToolSpec(
        name="backup_create",
        title="Create a backup",
        description="Copy a model version (the current one by default) to the backup target (config.json "
        "backup_target, else models/backups/) and verify it by reading every byte back. " + JOB_NOTE,
        input_model=BackupCreateInput,
        output_model=BackupCreateResult,
        hints=Hints(read_only=False, destructive=False, idempotent=False),
        handler=backup_create,
    ),
    ToolSpec(
        name="backup_list",
        title="List backups",
        description="List the backups, oldest first, with their version, target and verification state.",
        input_model=NoArguments,
        output_model=BackupListing,
        hints=READ_ONLY,
        handler=backup_list,
    ),
    ToolSpec(
        name="backup_verify",
        title="Verify a backup",
        description="Re-hash a backup's files and report every missing, extra, truncated or altered file "
        f"(the first {MAX_LISTED_PROBLEMS} listed). A full verification updates the backup's verified mark. "
        + JOB_NOTE,
        input_model=BackupVerifyInput,
        output_model=BackupVerifyResult,
        hints=Hints(read_only=False, destructive=False, idempotent=True),
        handler=backup_verify,
        plan=plan_backup_id,
    ),
    ToolSpec(
        name="backup_restore",
        title="Restore a backup",
        description="Bring a verified backup's version back into the store and make it current_model/ "
        "(verified, atomic swap; the live model is recorded first if it changed). Needs approval on a "
        "terminal under the default policy. " + JOB_NOTE,
        input_model=BackupRestoreInput,
        output_model=BackupRestoreResult,
        hints=Hints(read_only=False, destructive=True, idempotent=False),
        handler=backup_restore,
        plan=plan_backup_id,
    ),
    ToolSpec(
        name="backup_delete",
        title="Delete a backup",
        description="Delete one backup from its target. Needs approval on a terminal under the default policy.",
        input_model=BackupDeleteInput,
        output_model=BackupDeleted,
        hints=Hints(read_only=False, destructive=True, idempotent=True),
        handler=backup_delete,
        plan=plan_backup_delete,
    ),
]
