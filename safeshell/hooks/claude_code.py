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

from safeshell.hooks.actions import edit_from, generic_actions, write_action
from safeshell.hooks.model import (
    Action,
    FileEditAction,
    FileWriteAction,
    HookAnswer,
    HookBlock,
    HookDecision,
    PathsAction,
    ShellAction,
    ToolCall,
)
from safeshell.hooks.payload import block_answer, call_header, optional_str, permission_answer, require_str
from safeshell.operations import OperationKind

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

HOST = "claude-code"
EVENT = "PreToolUse"

# Tools that read the path named in their input (field name per tool).
READ_TOOLS = {"Read": "file_path", "NotebookRead": "notebook_path", "Grep": "path", "Glob": "path", "LS": "path"}


def parse(payload: dict[str, Any]) -> ToolCall:
    """Build the :class:`ToolCall` for a Claude Code PreToolUse payload."""
    tool, tool_input, cwd = call_header(payload, host=HOST, event=EVENT)
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
        return [write_action(tool_input, where)]
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


def render(decision: HookDecision) -> HookAnswer:
    """Render a decision as Claude Code's hook answer."""
    if decision.action == "allow":
        return HookAnswer("", "", 0)
    return permission_answer(EVENT, decision.action, decision.reason)


def render_block(reason: str) -> HookAnswer:
    """Render a failure: exit 2 blocks the call and Claude reads stderr."""
    return block_answer(reason)
