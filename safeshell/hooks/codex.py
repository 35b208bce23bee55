"""Codex's PreToolUse hook: payload in, decision out.

Contract (developers.openai.com/codex/hooks and codex-rs/hooks in
openai/codex): the payload carries ``session_id``, ``turn_id``,
``transcript_path``, ``cwd``, ``hook_event_name`` ("PreToolUse"), ``model``,
``permission_mode``, ``tool_name``, ``tool_input`` and ``tool_use_id``. Shell
tools (``Bash``) and ``apply_patch`` pass ``{"command": TEXT}``; MCP tools
(``mcp__SERVER__TOOL``) pass their arguments. A hook blocks with exit 0 and
``hookSpecificOutput.permissionDecision: "deny"`` plus a non-empty
``permissionDecisionReason``, or with exit 2 and a non-empty stderr. Codex
rejects ``"ask"`` and a bare ``"allow"`` as unsupported and then runs the
tool, so this adapter never sends them: an allowed call gets no output and
a call that needs approval is denied.
"""

from __future__ import annotations


from safeshell.hooks.actions import generic_actions
from safeshell.hooks.model import Action, HookAnswer, HookBlock, HookDecision, PathsAction, ShellAction, ToolCall
from safeshell.hooks.payload import block_answer, call_header, optional_str, permission_answer, require_str
from safeshell.operations import OperationKind

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Any

HOST = "codex"
EVENT = "PreToolUse"
SHELL_TOOLS = frozenset({"Bash", "shell", "local_shell", "exec_command", "container.exec"})

# apply_patch file headers (the "*** Begin Patch" envelope format).
_ADD, _UPDATE, _DELETE, _MOVE = "*** Add File:", "*** Update File:", "*** Delete File:", "*** Move to:"


def parse(payload: dict[str, Any]) -> ToolCall:
    """Build the :class:`ToolCall` for a Codex PreToolUse payload."""
    tool, tool_input, cwd = call_header(payload, host=HOST, event=EVENT)
    return ToolCall(
        host=HOST,
        tool=tool,
        cwd=cwd,
        actions=tuple(actions_for(tool, tool_input, cwd)),
        arguments=tool_input,
        permission_mode=optional_str(payload, "permission_mode"),
        supports_ask=False,
    )


def actions_for(tool: str, tool_input: dict[str, Any], cwd: str) -> list[Action]:
    """Translate one Codex tool's input into actions."""
    where = f"{tool} tool_input"
    if tool in SHELL_TOOLS:
        return [ShellAction(command_text(tool_input, where))]
    if tool == "apply_patch":
        return patch_actions(command_text(tool_input, where))
    return generic_actions(tool, tool_input, cwd)


def command_text(tool_input: dict[str, Any], where: str) -> str:
    """Return ``command`` as one string (an argv list is joined with shell quoting)."""
    command = tool_input.get("command")
    if isinstance(command, list) and command and all(isinstance(part, str) for part in command):
        import shlex  # only argv-form commands need it

        return shlex.join(command)
    return require_str(tool_input, "command", where=where)


def patch_actions(patch: str) -> list[Action]:
    """Return the path operations an apply_patch envelope implies.

    Headers are read with surrounding whitespace trimmed, as Codex reads
    them. A patch that names no file is blocked: it cannot be checked.
    """
    created: list[str] = []
    written: list[str] = []
    deleted: list[str] = []
    moved: list[str] = []
    last_update: str | None = None
    for raw_line in patch.splitlines():
        line = raw_line.strip()
        if line.startswith(_ADD):
            created.append(line[len(_ADD) :].strip())
        elif line.startswith(_UPDATE):
            last_update = line[len(_UPDATE) :].strip()
            written.append(last_update)
        elif line.startswith(_DELETE):
            deleted.append(line[len(_DELETE) :].strip())
        elif line.startswith(_MOVE):
            created.append(line[len(_MOVE) :].strip())
            if last_update is not None:
                moved.append(last_update)

    actions: list[Action] = []
    for paths, kind in (
        (created, OperationKind.CREATE),
        (written, OperationKind.WRITE),
        (deleted, OperationKind.DELETE),
        (moved, OperationKind.MOVE),
    ):
        names = tuple(path for path in paths if path)
        if names:
            actions.append(PathsAction(names, kind))
    if not actions:
        raise HookBlock("apply_patch names no file (no '*** Add/Update/Delete File:' header)")
    return actions


def render(decision: HookDecision) -> HookAnswer:
    """Render a decision as Codex's hook answer (``ask`` becomes ``deny``)."""
    if decision.action == "allow":
        return HookAnswer("", "", 0)
    return permission_answer(EVENT, "deny", decision.reason or "blocked by safeshell")


def render_block(reason: str) -> HookAnswer:
    """Render a failure: exit 2 with a non-empty stderr blocks the call."""
    return block_answer(reason)
