"""Claude Code's PreToolUse hook: payload in, decision out.

Contract (Claude Code hooks reference, code.claude.com/docs/en/hooks): the
payload carries ``session_id``, ``transcript_path``, ``cwd``,
``permission_mode``, ``hook_event_name`` ("PreToolUse"), ``tool_name``,
``tool_input`` and ``tool_use_id``. The hook answers with exit 0 and JSON
``{"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision":
"allow"|"deny"|"ask", "permissionDecisionReason": ...}}``, or with exit 2 and
the reason on stderr. Any other exit status is a non-blocking error: the
tool runs. An allowed call gets no output at all, so Claude Code's own
permission rules still apply ("allow" would skip its prompt).
"""

from __future__ import annotations

import json
import os
from typing import Any

from safeshell.hooks.model import (
    Action,
    Edit,
    FileEditAction,
    FileWriteAction,
    HookAnswer,
    HookBlock,
    HookDecision,
    PathsAction,
    ShellAction,
    ToolCall,
)
from safeshell.hooks.payload import optional_str, require_object, require_str
from safeshell.hooks.paths import is_read_only_name, path_strings
from safeshell.operations import OperationKind

HOST = "claude-code"
EVENT = "PreToolUse"

# Tools that read the path named in their input (field name per tool).
READ_TOOLS = {"Read": "file_path", "NotebookRead": "notebook_path", "Grep": "path", "Glob": "path", "LS": "path"}


def parse(payload: dict[str, Any]) -> ToolCall:
    """Build the :class:`ToolCall` for a Claude Code PreToolUse payload."""
    event = optional_str(payload, "hook_event_name")
    if event is not None and event != EVENT:
        raise HookBlock(f"hook_event_name is {event!r}; 'safeshell hook {HOST}' handles only {EVENT!r}")
    tool = require_str(payload, "tool_name")
    tool_input = require_object(payload, "tool_input")
    cwd = absolute_cwd(payload)
    return ToolCall(
        host=HOST,
        tool=tool,
        cwd=cwd,
        actions=tuple(actions_for(tool, tool_input, cwd)),
        arguments=tool_input,
        permission_mode=optional_str(payload, "permission_mode"),
        supports_ask=True,
    )


def actions_for(tool: str, tool_input: dict[str, Any], cwd: str) -> list[Action]:
    """Translate one Claude Code tool's input into actions."""
    where = f"{tool} tool_input"
    if tool == "Bash":
        return [ShellAction(require_str(tool_input, "command", where=where))]
    if tool == "Write":
        content = tool_input.get("content")
        if not isinstance(content, str):
            raise HookBlock(f"{where} field 'content' is missing or not a string")
        return [FileWriteAction(require_str(tool_input, "file_path", where=where), content)]
    if tool == "Edit":
        return [FileEditAction(require_str(tool_input, "file_path", where=where), (edit_from(tool_input, where),))]
    if tool == "MultiEdit":
        raw_edits = tool_input.get("edits")
        if not isinstance(raw_edits, list) or not raw_edits:
            raise HookBlock(f"{where} field 'edits' is missing or not a non-empty list")
        edits = tuple(edit_from(item, f"{where} edits[{index}]") for index, item in enumerate(raw_edits))
        return [FileEditAction(require_str(tool_input, "file_path", where=where), edits)]
    if tool == "NotebookEdit":
        return [FileWriteAction(require_str(tool_input, "notebook_path", where=where), None)]
    if tool in READ_TOOLS:
        path = optional_str(tool_input, READ_TOOLS[tool], where=where)
        return [PathsAction((path,), OperationKind.READ)] if path else []
    return generic_actions(tool, tool_input, cwd)


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


def absolute_cwd(payload: dict[str, Any]) -> str:
    """Return the payload's ``cwd``, which must be an absolute path."""
    cwd = require_str(payload, "cwd")
    if not os.path.isabs(cwd):
        raise HookBlock(f"payload field 'cwd' must be an absolute path, not {cwd!r}")
    return os.path.normpath(cwd)


def render(decision: HookDecision) -> HookAnswer:
    """Render a decision as Claude Code's hook answer."""
    if decision.action == "allow":
        return HookAnswer("", "", 0)
    output = {
        "hookSpecificOutput": {
            "hookEventName": EVENT,
            "permissionDecision": decision.action,
            "permissionDecisionReason": decision.reason,
        }
    }
    return HookAnswer(json.dumps(output) + "\n", "", 0)


def render_block(reason: str) -> HookAnswer:
    """Render a failure: exit 2 blocks the call and Claude reads stderr."""
    return HookAnswer("", reason.rstrip() + "\n", 2)
