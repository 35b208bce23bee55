"""Gemini CLI's BeforeTool hook: payload in, decision out.

Contract (Gemini CLI hooks reference, docs/hooks/reference.md in
google-gemini/gemini-cli): the payload carries ``session_id``,
``transcript_path``, ``cwd``, ``hook_event_name`` ("BeforeTool"),
``timestamp``, ``tool_name`` and ``tool_input``. The hook answers with exit
0 and JSON on stdout (``{"decision": "deny", "reason": ...}`` blocks the
tool and sends the reason to the agent), or with exit 2 and the reason on
stderr. Other exit statuses are warnings: the tool runs. Stdout must hold
nothing but the JSON, so an allowed call gets ``{}``. The reference lists
only ``allow`` and ``deny`` for BeforeTool, so a call that needs approval
is denied.

Tools (Gemini CLI tools reference): ``run_shell_command`` (``command``,
``directory`` relative to the project root), ``write_file`` (``file_path``,
``content``), ``replace`` (``file_path``, ``old_string``, ``new_string``,
``expected_replacements``), and MCP tools named ``mcp__SERVER__TOOL``.
"""

from __future__ import annotations

import os

from safeshell import fastjson
from safeshell.hooks.actions import edit_from, generic_actions, write_action
from safeshell.hooks.model import (
    Action,
    FileEditAction,
    HookAnswer,
    HookBlock,
    HookDecision,
    PathsAction,
    ShellAction,
    ToolCall,
)
from safeshell.hooks.payload import block_answer, call_header, optional_str, require_str
from safeshell.hooks.paths import path_strings
from safeshell.operations import OperationKind

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

HOST = "gemini"
EVENT = "BeforeTool"
READ_TOOLS = frozenset({"read_file", "read_many_files", "list_directory", "glob", "search_file_content"})


def parse(payload: dict[str, Any]) -> ToolCall:
    """Build the :class:`ToolCall` for a Gemini CLI BeforeTool payload."""
    tool, tool_input, cwd = call_header(payload, host=HOST, event=EVENT)
    if tool == "run_shell_command":
        directory = optional_str(tool_input, "directory", where=f"{tool} tool_input")
        if directory:
            cwd = os.path.normpath(os.path.join(cwd, directory))
    return ToolCall(
        host=HOST,
        tool=tool,
        cwd=cwd,
        actions=tuple(actions_for(tool, tool_input, cwd)),
        arguments=tool_input,
        supports_ask=False,
    )


def actions_for(tool: str, tool_input: dict[str, Any], cwd: str) -> list[Action]:
    """Translate one Gemini CLI tool's input into actions."""
    where = f"{tool} tool_input"
    if tool == "run_shell_command":
        return [ShellAction(require_str(tool_input, "command", where=where))]
    if tool == "write_file":
        return [write_action(tool_input, where)]
    if tool == "replace":
        edit = edit_from(tool_input, where)
        expected = tool_input.get("expected_replacements", 1)
        if not isinstance(expected, int) or isinstance(expected, bool) or expected < 1:
            raise HookBlock(f"{where} field 'expected_replacements' must be a positive integer, not {expected!r}")
        path = require_str(tool_input, "file_path", where=where)
        return [FileEditAction(path, (edit,), dialect="gemini", expected_replacements=expected)]
    if tool in READ_TOOLS:
        paths = path_strings(tool_input, cwd)
        return [PathsAction(tuple(paths), OperationKind.READ)] if paths else []
    return generic_actions(tool, tool_input, cwd)


def render(decision: HookDecision) -> HookAnswer:
    """Render a decision as Gemini CLI's hook answer (``ask`` becomes ``deny``)."""
    if decision.action == "allow":
        return HookAnswer("{}\n", "", 0)
    output = {"decision": "deny", "reason": decision.reason or "blocked by safeshell"}
    return HookAnswer(fastjson.dumps(output) + "\n", "", 0)


def render_block(reason: str) -> HookAnswer:
    """Render a failure: exit 2 blocks the tool and stderr is the reason."""
    return block_answer(reason)
