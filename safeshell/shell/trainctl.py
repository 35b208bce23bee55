"""``trainctl`` through the shell: the tool calls its subcommands stand for.

Each subcommand that has an MCP tool counterpart yields
``Operation(TOOL_CALL, source=..., detail={"tool": NAME, "arguments": {...}})``
with the tool name the policy's ``tool_rules`` use, so a command and the
equivalent tool call get the same decision. Destructive subcommands also
yield the path operations the MCP tools plan (``backups delete ID`` deletes
``models/backups/ID``). ``trainctl config accept`` blesses critical config
changes the way an approval does and yields an APPROVE operation, as
``safeshell approve`` does.

Subcommands without a tool counterpart are read-only or graceful (``daemon``,
``monitor``, ``versions snapshot``, ``pin``, ``unpin``, ``init-model``, which
only fills an empty ``current_model/``) and yield nothing. A subcommand
name with no static value fails closed.
"""

from __future__ import annotations

import os

from safeshell.operations import OperationKind as K
from safeshell.shell.fields import Arg
from safeshell.shell.programs import parse_options
from safeshell.shell.state import ShellState
from safeshell.shell.words import resolve_path

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

    from safeshell.shell.walker import Walker

# The module ``python -m`` runs as trainctl.
MODULE = "trainer.cli.main"

# Options of any trainctl subcommand that take a value.
VALUE_OPTIONS = frozenset({"--workspace", "--reason", "--target", "--kind", "--sample", "--keep", "--protect", "--priority"})

# (subcommand, action) -> tool name in the policy's tool_rules; None: no tool.
TOOLS: dict[tuple[str, str | None], str] = {
    ("status", None): "training_status",
    ("stop", None): "training_stop",
    ("pause", None): "training_pause",
    ("resume", None): "training_resume",
    ("skip", None): "training_skip",
    ("queue", "list"): "queue_list",
    ("queue", "add"): "queue_add",
    ("queue", "remove"): "queue_remove",
    ("queue", "set-priority"): "queue_set_priority",
    ("config", "show"): "config_get",
    ("config", "validate"): "config_get",
    ("config", "set"): "config_update",
    ("versions", "list"): "version_list",
    ("versions", "show"): "version_show",
    ("versions", "diff"): "version_diff",
    ("versions", "verify"): "version_verify",
    ("versions", "rollback"): "version_rollback",
    ("versions", "restore"): "version_restore",
    ("versions", "checkout"): "version_restore",
    ("versions", "prune"): "versions_prune",
    ("versions", "delete"): "version_delete",
    ("backups", "list"): "backup_list",
    ("backups", "verify"): "backup_verify",
    ("backups", "create"): "backup_create",
    ("backups", "restore"): "backup_restore",
    ("backups", "delete"): "backup_delete",
}
# Subcommands that take an action word (``versions prune``).
GROUPS = frozenset({"queue", "config", "versions", "backups"})
# The first operand's name in the tool arguments, per group.
ID_ARGUMENT = {"versions": "version_id", "backups": "backup_id", "queue": "id"}


def run(walker: "Walker", args: list[Arg], state: ShellState, *, source: str) -> None:
    """Emit the operations of ``trainctl ARGS`` (or ``python -m trainer.cli.main ARGS``)."""
    ctx = walker.ctx
    words = _workspace_after_subcommand(list(args))
    if words and words[0].resolved and words[0].text in ("-h", "--help", "help"):
        return
    if not words:
        return
    if not words[0].resolved:
        ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False, detail={"reason": "trainctl subcommand has no static value"})
        return
    command = words[0].text
    parsed = parse_options(words[1:], VALUE_OPTIONS)
    operands = parsed.operands
    action: str | None = None
    if command in GROUPS:
        if not operands:
            return  # trainctl prints its usage
        if not operands[0].resolved:
            ctx.emit(K.EXEC_DYNAMIC, source=source, resolved=False,
                     detail={"reason": f"trainctl {command} action has no static value"})
            return
        action = operands[0].text
        operands = operands[1:]
    if (command, action) == ("config", "accept"):
        ctx.emit(K.APPROVE, source=source, detail={"reason": "accepts critical config.json changes, as an approval does"})
        return

    tool = TOOLS.get((command, action))
    if tool is None:
        return
    arguments = _arguments(command, action, operands, parsed)
    root = _workspace_root(parsed.values("--workspace"), state)
    touched = _implied_paths(command, action, operands, root)
    ctx.emit(K.TOOL_CALL, tuple(path for _, path in touched), source=source, detail={"tool": tool, "arguments": arguments})
    for kind, path in touched:
        if kind is not None:
            ctx.emit(kind, (path,), source=source)
    if (command, action) == ("config", "set"):
        # Decided key by key, as config_update is; a key with no static value may be any key.
        key = arguments.get("key")
        ctx.emit(K.CONFIG_CHANGE, tuple(path for _, path in touched), source=source,
                 resolved=key is not None, detail={"changed_keys": [key] if key is not None else []})


def _workspace_after_subcommand(words: list[Arg]) -> list[Arg]:
    """Move a leading ``--workspace DIR`` behind the subcommand, as trainctl itself does."""
    if words and words[0].text.startswith("--workspace="):
        width = 1
    elif len(words) >= 3 and words[0].text == "--workspace":
        width = 2
    else:
        return words
    return words[width:width + 1] + words[:width] + words[width + 1:]


def module_args(args: list[Arg]) -> list[Arg] | None:
    """Return the arguments after ``-m trainer.cli.main`` of a Python command line, or None."""
    index = 0
    while index < len(args):
        arg = args[index]
        index += 1
        if not arg.resolved:
            return None
        if arg.text == "--check-hash-based-pycs":
            index += 1
            continue
        if arg.text.startswith("--") and arg.text != "--":
            continue
        if not arg.text.startswith("-") or arg.text in ("-", "--"):
            return None  # a script, stdin or the end of options: no module
        letters = arg.text[1:]
        for position, letter in enumerate(letters):
            rest = letters[position + 1 :]
            if letter == "c":
                return None
            if letter in "mXW":
                if not rest:
                    if index >= len(args) or not args[index].resolved:
                        return None
                    rest = args[index].text
                    index += 1
                if letter == "m":
                    return args[index:] if rest == MODULE else None
                break
    return None


def _arguments(command: str, action: str | None, operands: list[Arg], parsed: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {}
    name = ID_ARGUMENT.get(command)
    if command == "queue" and action == "add":
        name = "file"
    if command == "config" and action == "set":
        name = "key"
    if name is not None and operands:
        arguments[name] = operands[0].text if operands[0].resolved else None
    if command == "versions" and action == "diff" and len(operands) > 1:
        arguments["version_a"], arguments["version_b"] = (arg.text if arg.resolved else None for arg in operands[:2])
        arguments.pop("version_id", None)
    if command == "queue" and action == "set-priority" and len(operands) > 1:
        arguments["priority"] = operands[1].text if operands[1].resolved else None
    if command == "config" and action == "set" and len(operands) > 1:
        arguments["value"] = operands[1].text if operands[1].resolved else None
    for option, key in (("--keep", "keep"), ("--priority", "priority"), ("--sample", "sample_percent")):
        values = parsed.values(option)
        if values:
            arguments[key] = values[-1].text if values[-1].resolved else None
    return arguments


def _implied_paths(command: str, action: str | None, operands: list[Arg], root: str | None) -> list[tuple[K | None, str]]:
    """Return (kind, path) of the workspace paths a subcommand touches; kind None: touched, no own operation.

    The same paths as the MCP tools' plans: a deleted version or backup is a
    DELETE of its directory; a prune touches ``models/versions``.
    NOTE: a backup under a config.json ``backup_target`` outside models/backups
    is named by its default place here; the tool rule decides either way.
    """
    if root is None:
        return []
    target = operands[0] if operands else None
    if command == "config" and action == "set":
        return [(None, os.path.join(root, "config.json"))]
    if command == "versions" and action == "prune":
        return [(None, os.path.join(root, "models", "versions"))]
    if target is None or not target.resolved or "/" in target.text or target.text in ("", ".", ".."):
        return []
    if command == "versions" and action == "delete":
        return [(K.DELETE, os.path.join(root, "models", "versions", target.text))]
    if command == "backups" and action == "delete":
        return [(K.DELETE, os.path.join(root, "models", "backups", target.text))]
    return []


def _workspace_root(explicit: list[Arg], state: ShellState) -> str | None:
    """Find the workspace as trainctl does: --workspace, SAFESHELL_WORKSPACE, then the cwd upwards."""
    if explicit:
        value = explicit[-1]
        return resolve_path(value.text, state.cwd) if value.resolved else None
    if "SAFESHELL_WORKSPACE" in state.variables:
        from_env = state.variables["SAFESHELL_WORKSPACE"]
        if from_env is None:
            return None  # set, with no static value
        if from_env:
            return resolve_path(from_env, state.cwd)
    if state.cwd is None:
        return None
    current = state.cwd
    while True:
        if os.path.isfile(os.path.join(current, "safeshell.yaml")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent
