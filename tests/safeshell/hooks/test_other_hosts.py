"""Codex and Gemini CLI payloads: their answer formats and tool translations."""

from __future__ import annotations

import json

import pytest

from safeshell.hooks import run_hook
from safeshell.hooks.codex import patch_actions
from safeshell.hooks.model import HookAnswer, HookBlock, PathsAction
from safeshell.operations import OperationKind
from safeshell.workspace import Workspace


def decide(host: str, payload: dict) -> HookAnswer:
    return run_hook(host, json.dumps(payload).encode(), workspace=None, env={})


def test_codex_patch_editing_policy_denied(workspace: Workspace, sample, hook_process) -> None:
    result = hook_process("codex", sample("codex", "apply_patch_policy"))
    output = json.loads(result.stdout)
    assert result.returncode == 0
    assert set(output) == {"hookSpecificOutput"}
    assert output["hookSpecificOutput"]["hookEventName"] == "PreToolUse"
    assert output["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert output["hookSpecificOutput"]["permissionDecisionReason"].startswith(
        "safeshell denied this apply_patch call (rule policy-file)")


def test_codex_patch_adding_notes_allowed(workspace: Workspace, sample) -> None:
    assert decide("codex", sample("codex", "apply_patch_notes")) == HookAnswer("", "", 0)


def test_codex_patch_on_config_needs_approval_as_deny(workspace: Workspace, sample) -> None:
    output = json.loads(decide("codex", sample("codex", "apply_patch_config")).stdout)["hookSpecificOutput"]
    # Codex treats "ask" as unsupported and runs the tool, so approval becomes deny.
    assert output["permissionDecision"] == "deny"
    assert output["permissionDecisionReason"].startswith(
        "safeshell requires approval for this apply_patch call (rule config-file)")


def test_codex_mcp_write_into_model_denied(workspace: Workspace, sample) -> None:
    output = json.loads(decide("codex", sample("codex", "mcp_write_model")).stdout)["hookSpecificOutput"]
    assert output["permissionDecision"] == "deny"
    assert "(rule current-model)" in output["permissionDecisionReason"]


def test_patch_headers_become_operations() -> None:
    patch = (
        "*** Begin Patch\n"
        "*** Add File: a.txt\n+x\n"
        "  *** Update File: b.txt\n"
        "*** Move to: c.txt\n@@\n-x\n+y\n"
        "*** Delete File: d.txt\n"
        "*** End Patch\n"
    )
    assert patch_actions(patch) == [
        PathsAction(("a.txt", "c.txt"), OperationKind.CREATE),
        PathsAction(("b.txt",), OperationKind.WRITE),
        PathsAction(("d.txt",), OperationKind.DELETE),
        PathsAction(("b.txt",), OperationKind.MOVE),
    ]


def test_patch_without_headers_blocks() -> None:
    with pytest.raises(HookBlock, match="apply_patch names no file"):
        patch_actions("*** Begin Patch\n*** End Patch\n")


def test_gemini_write_policy_denied(workspace: Workspace, sample, hook_process) -> None:
    result = hook_process("gemini", sample("gemini", "write_policy"))
    output = json.loads(result.stdout)
    assert result.returncode == 0
    assert set(output) == {"decision", "reason"}
    assert output["decision"] == "deny"
    assert output["reason"].startswith("safeshell denied this write_file call (rule policy-file)")


def test_gemini_critical_replace_denied(workspace: Workspace, sample) -> None:
    output = json.loads(decide("gemini", sample("gemini", "replace_config_critical")).stdout)
    assert output["decision"] == "deny"
    assert output["reason"].startswith(
        "safeshell requires approval for this replace call (rule config-critical-keys)")
    assert "Changed keys: batch_size" in output["reason"]


def test_gemini_noncritical_replace_allowed(workspace: Workspace, sample) -> None:
    assert decide("gemini", sample("gemini", "replace_config_noncritical")) == HookAnswer("{}\n", "", 0)


def test_gemini_replace_miss_blocks(workspace: Workspace, sample) -> None:
    result = decide("gemini", sample("gemini", "replace_config_miss"))
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "old_string occurs 0 times, expected 1" in result.stderr


def test_gemini_directory_moves_cwd(workspace: Workspace) -> None:
    from safeshell.hooks import gemini

    call = gemini.parse({"cwd": str(workspace.root), "hook_event_name": "BeforeTool",
                         "tool_name": "run_shell_command",
                         "tool_input": {"command": "ls", "directory": "current_model"}})
    assert call.cwd == str(workspace.root / "current_model")
