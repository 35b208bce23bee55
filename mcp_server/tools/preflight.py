"""preflight: the checks a training job must pass, run on demand.

The model is loaded in a child process, so the server itself never imports
torch or transformers (it stays fast to start and small in memory).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime, timezone

import anyio
from pydantic import Field

from mcp_server.gate import ToolCall
from mcp_server.registry import READ_ONLY, ToolInput, ToolOutput, ToolSpec
from models.store import Store
from safeshell.errors import SafeshellError
from safeshell.workspace import Workspace
from trainer import config as trainer_config
from trainer import preflight as trainer_preflight

DEFAULT_LOAD_TIMEOUT_S = 120
MAX_LOAD_TIMEOUT_S = 600
# Lines of the child's stderr kept when the model does not load.
STDERR_TAIL_CHARS = 2000
LOAD_SCRIPT = (
    "import sys\n"
    "from pathlib import Path\n"
    "from trainer.job.run import load_model_and_tokenizer\n"
    "load_model_and_tokenizer(Path(sys.argv[1]))\n"
)


class PreflightInput(ToolInput):
    load_model: bool = Field(
        default=True, description="Load current_model/ with transformers in a child process (takes seconds)."
    )
    load_timeout_s: int = Field(
        default=DEFAULT_LOAD_TIMEOUT_S,
        ge=1,
        le=MAX_LOAD_TIMEOUT_S,
        description=f"Seconds the model load may take (1 to {MAX_LOAD_TIMEOUT_S}).",
    )


class CheckInfo(ToolOutput):
    name: str  # config, config_accepted, model_files, model_load, disk, last_backup
    ok: bool
    detail: str
    hint: str | None = None


class PreflightResult(ToolOutput):
    ok: bool  # every check passed
    checks: list[CheckInfo]
    free_disk_gb: float
    last_backup_id: str | None
    last_backup_age_hours: float | None


def _check(name: str, action: Callable[[], str]) -> CheckInfo:
    try:
        return CheckInfo(name=name, ok=True, detail=action())
    except SafeshellError as exc:
        return CheckInfo(name=name, ok=False, detail=exc.message, hint=exc.hint)


async def _load_model(call: ToolCall, timeout_s: int) -> CheckInfo:
    directory = str(call.workspace.current_model)
    with anyio.move_on_after(timeout_s) as scope:
        result = await anyio.run_process(
            [sys.executable, "-c", LOAD_SCRIPT, directory],
            stdin=subprocess.DEVNULL,
            check=False,
        )
    if scope.cancelled_caught:
        return CheckInfo(
            name="model_load",
            ok=False,
            detail=f"loading {directory!r} took longer than {timeout_s} s",
            hint="raise load_timeout_s, or check the machine's load",
        )
    if result.returncode != 0:
        stderr = result.stderr.decode("utf-8", errors="replace").strip()
        return CheckInfo(
            name="model_load",
            ok=False,
            detail=f"current_model/ does not load: {stderr[-STDERR_TAIL_CHARS:]}",
            hint="restore a good version with version_rollback or version_restore",
        )
    return CheckInfo(name="model_load", ok=True, detail="current_model/ loads with transformers")


def _last_backup(workspace: Workspace) -> tuple[CheckInfo, str | None, float | None]:
    try:
        backups = Store.for_workspace(workspace).backups()
    except SafeshellError as exc:
        return CheckInfo(name="last_backup", ok=False, detail=exc.message, hint=exc.hint), None, None
    verified = [backup for backup in backups if backup.verified]
    if not verified:
        info = CheckInfo(
            name="last_backup", ok=False, detail="no verified backup exists", hint="create one with backup_create"
        )
        return info, None, None
    newest = max(verified, key=lambda backup: backup.created_at)
    age_hours = _age_hours(newest.created_at)
    detail = f"newest verified backup is {newest.id} of {newest.version_id}"
    if age_hours is not None:
        detail += f", {age_hours:.1f} h old"
    return CheckInfo(name="last_backup", ok=True, detail=detail), newest.id, age_hours


def _age_hours(timestamp: str) -> float | None:
    try:
        created = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if created.tzinfo is None:
        created = created.replace(tzinfo=timezone.utc)
    return round((datetime.now(timezone.utc) - created).total_seconds() / 3600, 2)


async def preflight(call: ToolCall) -> PreflightResult:
    arguments: PreflightInput = call.arguments  # type: ignore[assignment]
    workspace = call.workspace
    checks: list[CheckInfo] = []

    config: list[trainer_config.TrainingConfig] = []

    def load_config() -> str:
        config.append(trainer_config.load_config(workspace))
        return "config.json is valid"

    def accepted() -> str:
        trainer_config.check_accepted(workspace, config[0])
        return "no critical key changed since the last acceptance"

    checks.append(_check("config", load_config))
    if config:
        checks.append(_check("config_accepted", accepted))

    def model_files() -> str:
        trainer_preflight.check_model_directory(workspace.current_model)
        return "current_model/ has a config, weights and a tokenizer"

    checks.append(_check("model_files", model_files))
    if arguments.load_model and checks[-1].ok:
        await call.report_progress(len(checks), None, "loading the model in a child process")
        checks.append(await _load_model(call, arguments.load_timeout_s))

    free_gb = shutil.disk_usage(workspace.root).free / 1024**3
    minimum = config[0].min_free_disk_gb if config else 0.0
    checks.append(
        CheckInfo(
            name="disk",
            ok=free_gb >= minimum,
            detail=f"{free_gb:.2f} GiB free; min_free_disk_gb is {minimum}",
            hint=None if free_gb >= minimum else "free disk space or lower min_free_disk_gb",
        )
    )

    backup_check, backup_id, age_hours = _last_backup(workspace)
    checks.append(backup_check)
    return PreflightResult(
        ok=all(check.ok for check in checks),
        checks=checks,
        free_disk_gb=round(free_gb, 2),
        last_backup_id=backup_id,
        last_backup_age_hours=age_hours,
    )


SPECS = [
    ToolSpec(
        name="preflight",
        title="Run the pre-training checks",
        description="Check what a training job needs: config.json valid and its critical keys accepted, "
        "current_model/ complete and (unless load_model is false) loadable with transformers in a child process "
        f"(default timeout {DEFAULT_LOAD_TIMEOUT_S} s), enough free disk, and the age of the newest verified "
        "backup. Changes nothing.",
        input_model=PreflightInput,
        output_model=PreflightResult,
        hints=READ_ONLY,
        handler=preflight,
    ),
]
