"""Tools that read and change config.json key by key.

config_update judges an edit by the keys it changes: a change to a critical
key (the policy's ``critical_keys``) needs approval, others do not. The new
configuration is validated against the trainer's JSON Schema before the
policy check, and written atomically (temporary file, fsync, rename, fsync
of the directory), so a reader sees the old or the new file, never a mix.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from pydantic import Field, field_validator

from mcp_server.errors import ToolArgumentError
from mcp_server.gate import Plan, ToolCall
from mcp_server.registry import READ_ONLY, Hints, NoArguments, ToolInput, ToolOutput, ToolSpec
from safeshell import configdiff, guard
from safeshell.operations import Operation, OperationKind
from safeshell.workspace import Workspace
from trainer import config as trainer_config

MAX_CHANGED_KEYS = 64
# Characters of one key name, and of one value written as JSON.
MAX_KEY_CHARS = 128
MAX_VALUE_CHARS = 4096


class ConfigUpdateInput(ToolInput):
    changes: dict[str, Any] = Field(
        min_length=1,
        max_length=MAX_CHANGED_KEYS,
        description="Keys of config.json and their new JSON values, e.g. {\"save_steps\": 100}. "
        f"At most {MAX_CHANGED_KEYS} keys, each value at most {MAX_VALUE_CHARS} characters as JSON; "
        "keys not named stay as they are.",
    )

    @field_validator("changes")
    @classmethod
    def _bounded(cls, changes: dict[str, Any]) -> dict[str, Any]:
        for key, value in changes.items():
            if len(key) > MAX_KEY_CHARS:
                raise ValueError(f"key {key[:40]!r}... is longer than {MAX_KEY_CHARS} characters")
            if len(json.dumps(value)) > MAX_VALUE_CHARS:
                raise ValueError(f"the value of {key!r} is longer than {MAX_VALUE_CHARS} characters as JSON")
        return changes


class KeyChangeInfo(ToolOutput):
    key: str
    old: Any
    new: Any
    critical: bool


class ConfigView(ToolOutput):
    values: dict[str, Any]  # config.json with the template's defaults filled in
    critical_keys: list[str]  # keys whose change needs approval
    unaccepted_changes: list[KeyChangeInfo]  # critical keys changed since the last 'trainctl config accept'


class ConfigUpdateResult(ToolOutput):
    changed: list[KeyChangeInfo]
    values: dict[str, Any]
    accepted: bool  # critical changes were recorded as accepted because a human approved this call
    message: str


@dataclass(frozen=True)
class ConfigEdit:
    """A validated edit, bound to the file content it was computed from."""

    before_digest: str
    after: dict[str, Any]
    changes: tuple[KeyChangeInfo, ...]
    validated: trainer_config.TrainingConfig


def _critical_keys(workspace: Workspace) -> frozenset[str]:
    return frozenset(guard.load_policy(workspace).critical_keys)


def _changes(before: dict[str, Any], after: dict[str, Any], critical: frozenset[str]) -> list[KeyChangeInfo]:
    changed = sorted(configdiff.changed_paths(before, after))
    return [
        KeyChangeInfo(
            key=key,
            old=before.get(key),
            new=after.get(key),
            critical=configdiff.is_critical(key, critical),
        )
        for key in changed
    ]


async def config_get(call: ToolCall) -> ConfigView:
    workspace = call.workspace
    config = trainer_config.load_config(workspace)
    critical = _critical_keys(workspace)
    accepted = trainer_config.accepted_config(workspace)
    unaccepted = [change for change in _changes(accepted, config.to_dict(), critical) if change.critical]
    return ConfigView(values=config.to_dict(), critical_keys=sorted(critical), unaccepted_changes=unaccepted)


def plan_config_update(call: ToolCall) -> Plan:
    arguments: ConfigUpdateInput = call.arguments  # type: ignore[assignment]
    workspace = call.workspace
    path = workspace.config_file
    text = _read_text(path)
    before = trainer_config.read_config_file(path)
    after = {**before, **arguments.changes}
    # ConfigError names the key and value; nothing is written on failure.
    validated = trainer_config.validate(after, source="config_update")
    changes = _changes(before, after, _critical_keys(workspace))
    operation = Operation(
        OperationKind.CONFIG_CHANGE,
        (str(path),),
        source="config_update",
        detail={
            "changed_keys": [change.key for change in changes],
            "before": {change.key: change.old for change in changes},
            "after": {change.key: change.new for change in changes},
        },
    )
    edit = ConfigEdit(
        before_digest=_digest(text), after=after, changes=tuple(changes), validated=validated
    )
    return Plan(touched=(str(path),), operations=(operation,), data=edit)


async def config_update(call: ToolCall) -> ConfigUpdateResult:
    edit: ConfigEdit = call.plan.data
    workspace = call.workspace
    if not edit.changes:
        return ConfigUpdateResult(
            changed=[], values=edit.validated.to_dict(), accepted=False, message="No key changed; nothing was written."
        )

    accepted = any(change.critical for change in edit.changes) and call.approved_by is not None

    def write() -> None:
        # The policy decided on the file as read in plan_config_update; a file
        # changed since then is not overwritten.
        if _digest(_read_text(workspace.config_file)) != edit.before_digest:
            raise ToolArgumentError(
                "config.json changed while this update was being decided; nothing was written",
                hint="call config_get and retry the update",
            )
        _write_atomic(workspace.config_file, json.dumps(edit.after, indent=2) + "\n")
        if accepted:
            trainer_config.record_accepted(workspace, edit.validated, accepted_by=f"MCP config_update ({call.approved_by})")

    await anyio.to_thread.run_sync(write)
    keys = ", ".join(change.key for change in edit.changes)
    return ConfigUpdateResult(
        changed=list(edit.changes),
        values=edit.validated.to_dict(),
        accepted=accepted,
        message=f"config.json updated: {keys}.",
    )


def _read_text(path: os.PathLike[str]) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise ToolArgumentError(f"config.json cannot be read: {exc}", hint="run 'trainctl config validate'") from exc


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _write_atomic(path: os.PathLike[str], text: str) -> None:
    target = os.fspath(path)
    directory = os.path.dirname(target)
    temporary = os.path.join(directory, f".{os.path.basename(target)}.{os.getpid()}.mcp.tmp")
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
        descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError as exc:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise ToolArgumentError(f"config.json was not written: {exc}") from exc


SPECS = [
    ToolSpec(
        name="config_get",
        title="Read the training configuration",
        description="Read config.json with defaults filled in, the critical keys (their change needs approval) "
        "and critical keys changed since the last acceptance.",
        input_model=NoArguments,
        output_model=ConfigView,
        hints=READ_ONLY,
        handler=config_get,
    ),
    ToolSpec(
        name="config_update",
        title="Change training configuration keys",
        description="Set keys of config.json. The result is validated against the training config schema "
        "(unknown keys and invalid values are rejected; nothing is written). Changing a critical key "
        "(learning_rate, batch_size, ...) needs approval; other keys (save_steps, logging_steps, backup_target, "
        f"...) do not. At most {MAX_CHANGED_KEYS} keys per call. The file is replaced atomically.",
        input_model=ConfigUpdateInput,
        output_model=ConfigUpdateResult,
        hints=Hints(read_only=False, destructive=True, idempotent=True),
        handler=config_update,
        plan=plan_config_update,
    ),
]
