"""Rule paths: resolving them to absolute paths and matching operation paths.

A rule path is relative to the workspace root unless it starts with ``/``,
``~`` or one of the variables ``{home}``, ``{config_home}``,
``{approval_key}`` and ``{account_home}``. The rule path
``{backup_targets}`` stands for every backup location outside the
workspace: config.json's ``backup_target`` and the directory of each
backup recorded in ``models/backup-refs/``. The first three follow the
environment; ``{account_home}`` is the home directory in the user database,
which a command cannot redirect by setting HOME or XDG_CONFIG_HOME. Resolved paths have symlinks followed, like the paths
of operations, so both sides compare as plain strings.
"""

from __future__ import annotations

import os
import pwd

from safeshell.operations import OperationKind

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Mapping

# Kinds whose effect reaches everything below the operation's path, so an
# operation on a parent directory of a protected path hits the protected path.
RECURSIVE_KINDS = frozenset({OperationKind.DELETE, OperationKind.MOVE})


def config_home(env: Mapping[str, str]) -> str:
    value = env.get("XDG_CONFIG_HOME")
    if value:
        return value
    return os.path.join(home_dir(env), ".config")


def account_home() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:
        return os.path.expanduser("~")


def home_dir(env: Mapping[str, str]) -> str:
    return env.get("HOME") or os.path.expanduser("~")


def approval_key_path(env: Mapping[str, str]) -> str:
    explicit = env.get("SAFESHELL_APPROVAL_KEY")
    if explicit:
        return explicit
    return os.path.join(config_home(env), "safeshell", "approval.key")


BACKUP_TARGETS = "{backup_targets}"
REFS_DIR = os.path.join("models", "backup-refs")
CONFIG_FILE = "config.json"


def backup_targets_key(root: str) -> tuple[object, ...]:
    """Return what :func:`backup_targets` depends on: the stat of config.json and of the references directory."""
    key: list[object] = []
    for name in (CONFIG_FILE, REFS_DIR):
        try:
            status = os.stat(os.path.join(root, name))
            key.append((status.st_ino, status.st_size, status.st_mtime_ns))
        except OSError:
            key.append(None)
    return tuple(key)


def backup_targets(root: str) -> list[str]:
    """Return the backup locations of the workspace at ``root`` (absolute, as written there)."""
    from safeshell import fastjson

    targets: list[str] = []
    try:
        with open(os.path.join(root, CONFIG_FILE), encoding="utf-8") as handle:
            configured = fastjson.loads(handle.read()).get("backup_target")
        if isinstance(configured, str) and configured:
            targets.append(os.path.join(root, os.path.expanduser(configured)))
    except (OSError, ValueError, AttributeError):
        pass  # an unreadable config.json names no target; the config rules guard the file itself
    refs = os.path.join(root, REFS_DIR)
    try:
        names = sorted(os.listdir(refs))
    except OSError:
        names = []
    for name in names:
        if not name.endswith(".json"):
            continue
        try:
            with open(os.path.join(refs, name), encoding="utf-8") as handle:
                record = fastjson.loads(handle.read())
            target, backup_id = record["target"], record["id"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if isinstance(target, str) and isinstance(backup_id, str) and target:
            targets.append(os.path.join(target, backup_id))
    return targets


def resolve_rule_path(path: str, *, root: str, env: Mapping[str, str], follow_symlinks: bool = True) -> str:
    """Return the absolute form of one rule path, symlinks followed unless ``follow_symlinks`` is false."""
    if path.startswith("{account_home}"):
        path = account_home() + path[len("{account_home}"):]
    elif path.startswith("{home}"):
        path = home_dir(env) + path[len("{home}"):]
    elif path.startswith("{config_home}"):
        path = config_home(env) + path[len("{config_home}"):]
    elif path.startswith("{approval_key}"):
        path = approval_key_path(env) + path[len("{approval_key}"):]
    elif path == "~" or path.startswith("~/"):
        path = home_dir(env) + path[1:]
    elif not path.startswith("/"):
        path = os.path.join(root, path)
    if not follow_symlinks:
        return os.path.normpath(path)
    return os.path.realpath(path)


NO_HIT = 0
DIRECT_HIT = 1  # the operation's path is the protected path or inside it
PARENT_HIT = 2  # the operation deletes or moves a parent directory of the protected path


def path_hits(
    operation_path: str,
    protected: str,
    *,
    kind: OperationKind,
    exact: bool,
    recursive: bool = False,
    children: bool = False,
) -> int:
    """Return how an operation of ``kind`` on ``operation_path`` reaches ``protected``.

    With ``exact`` only the protected path itself matches, and with
    ``children`` the path and its direct entries. Otherwise the
    protected path and anything below it match directly and, for deletes,
    moves and recursive permission changes, any parent directory of it
    matches as a parent hit.
    """
    if operation_path == protected:
        return DIRECT_HIT
    if children and operation_path != "/" and os.path.dirname(operation_path) == protected:
        return DIRECT_HIT
    if exact or children:
        return NO_HIT
    if _is_below(operation_path, protected):
        return DIRECT_HIT
    if kind in RECURSIVE_KINDS or (kind is OperationKind.CHMOD and recursive):
        if _is_below(protected, operation_path):
            return PARENT_HIT
    return NO_HIT


def _is_below(path: str, directory: str) -> bool:
    if directory == "/":
        return path != "/"
    return path.startswith(directory) and path[len(directory):len(directory) + 1] == "/"
