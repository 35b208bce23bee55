"""Turning file and path actions into operations for the policy.

A write or edit of the workspace's ``config.json`` becomes one CONFIG_CHANGE
operation listing the keys it changes (the file after the edit is computed
and compared key by key), so that only critical keys need approval. Every
other write becomes CREATE (the path does not exist yet) or WRITE.
Shell actions are not translated here: the guard analyses them itself.
"""

from __future__ import annotations

import os

from safeshell.hooks.edits import apply_edits, apply_gemini_replace
from safeshell.hooks.model import FileEditAction, FileWriteAction, HookBlock, PathsAction
from safeshell.hooks.paths import resolve
from safeshell.operations import Operation, OperationKind
from safeshell.workspace import CONFIG_FILE, Workspace

# config.json larger than this is not read into memory for a key diff.
MAX_CONFIG_BYTES = 4 * 1024 * 1024


def file_operations(
    action: FileWriteAction | FileEditAction | PathsAction, *, tool: str, cwd: str, workspace: Workspace
) -> list[Operation]:
    """Return the operations one file or path action implies."""
    if isinstance(action, PathsAction):
        return [
            Operation(action.kind, paths=(resolve(path, cwd),), source=f"{tool} {path}")
            for path in action.paths
        ]

    path = resolve(action.path, cwd)
    if path == os.path.realpath(workspace.path(CONFIG_FILE)):
        return [_config_change(action, tool=tool, path=path)]

    if isinstance(action, FileEditAction):
        kind = OperationKind.WRITE
    else:
        kind = OperationKind.WRITE if os.path.lexists(path) else OperationKind.CREATE
    return [Operation(kind, paths=(path,), source=f"{tool} {action.path}")]


def _config_change(action: FileWriteAction | FileEditAction, *, tool: str, path: str) -> Operation:
    # Imported here: only edits of config.json need it, and it loads dataclasses.
    from safeshell.configdiff import ConfigSyntaxError, diff_config

    current = _read_config(path)

    if isinstance(action, FileWriteAction):
        if action.content is None:
            # NOTE: a tool that rewrites config.json without saying how is
            # treated as changing every key (fail closed).
            new_text = None
        else:
            new_text = action.content
    elif action.dialect == "gemini":
        new_text = apply_gemini_replace(
            current, action.edits[0], action.expected_replacements or 1, path=action.path
        )
    else:
        new_text = apply_edits(current, action.edits, path=action.path)

    if new_text is None:
        return Operation(
            OperationKind.CONFIG_CHANGE,
            paths=(path,),
            source=f"{tool} {action.path}",
            resolved=False,
            detail={"changed_keys": ["*"]},
        )
    try:
        diff = diff_config(current, new_text, source=action.path)
    except ConfigSyntaxError as exc:
        raise HookBlock(
            f"{tool} would leave config.json invalid: {exc.message}",
            hint="write valid JSON; the training daemon cannot start with an invalid config.json",
        ) from exc
    return Operation(
        OperationKind.CONFIG_CHANGE,
        paths=(path,),
        source=f"{tool} {action.path}",
        detail={"changed_keys": list(diff.changed_keys)},
    )


def _read_config(path: str) -> str | None:
    try:
        size = os.path.getsize(path)
    except FileNotFoundError:
        return None
    if size > MAX_CONFIG_BYTES:
        raise HookBlock(f"config.json is {size} bytes, more than the {MAX_CONFIG_BYTES} a key diff reads")
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise HookBlock(f"cannot read {path!r} to compare keys: {exc.strerror}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # An unreadable current file makes every key count as changed.
        return "\x00"
