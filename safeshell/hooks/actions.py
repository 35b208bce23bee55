"""Actions for the tool inputs that more than one host shares.

Each host adapter translates its own file and shell tools. Three inputs read
the same on every host: an MCP or unknown tool (:func:`generic_actions`), a
whole-file write with ``file_path`` and ``content`` (:func:`write_action`),
and one ``{old_string, new_string, replace_all}`` replacement
(:func:`edit_from`).
"""

from __future__ import annotations

from safeshell.hooks.model import Action, Edit, FileWriteAction, HookBlock, PathsAction, ShellAction
from safeshell.hooks.payload import require_str
from safeshell.hooks.paths import is_read_only_name, path_strings
from safeshell.operations import OperationKind

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

# Argument names under which MCP servers pass a shell command to run
# (shell and terminal servers). The command goes through the shell analysis.
SHELL_ARGUMENTS = frozenset({"command", "cmd", "script", "shell_command", "commandLine", "command_line"})

# safeshell's own MCP server decides on its tools itself (run_command included).
OWN_SERVER_PREFIX = "mcp__safeshell__"


def generic_actions(tool: str, tool_input: dict[str, Any], cwd: str) -> list[Action]:
    """Shell commands and paths named in an MCP or unknown tool's input.

    A string argument named like a shell command (``command``, ``cmd``,
    ``script``, ...) of an MCP tool is analysed as one. Every path-like
    string is a path the tool touches: read when the tool's name says it
    reads (``mcp__fs__read_file``), written otherwise. A tool naming neither
    is allowed.
    """
    actions: list[Action] = []
    if tool.startswith("mcp__") and not tool.startswith(OWN_SERVER_PREFIX):
        commands = [value for key, value in tool_input.items() if key in SHELL_ARGUMENTS and isinstance(value, str)]
        if commands:
            actions.append(ShellAction("\n".join(commands)))
    paths = path_strings(tool_input, cwd)
    if paths:
        kind = OperationKind.READ if is_read_only_name(tool) else OperationKind.WRITE
        actions.append(PathsAction(tuple(paths), kind))
    return actions


def write_action(tool_input: dict[str, Any], where: str) -> FileWriteAction:
    """Read a whole-file write's ``file_path`` and ``content`` fields."""
    content = tool_input.get("content")
    if not isinstance(content, str):
        raise HookBlock(f"{where} field 'content' is missing or not a string")
    return FileWriteAction(require_str(tool_input, "file_path", where=where), content)


def edit_from(value: Any, where: str) -> Edit:
    """Read one ``{old_string, new_string, replace_all}`` object."""
    if not isinstance(value, dict):
        raise HookBlock(f"{where} must be an object, not {type(value).__name__}")
    old, new = value.get("old_string"), value.get("new_string")
    if not isinstance(old, str) or not isinstance(new, str):
        raise HookBlock(f"{where} needs string fields 'old_string' and 'new_string'")
    replace_all = value.get("replace_all", False)
    if not isinstance(replace_all, bool):
        raise HookBlock(f"{where} field 'replace_all' must be true or false, not {replace_all!r}")
    return Edit(old, new, replace_all)
