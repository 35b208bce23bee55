"""Claude Code PreToolUse payloads for each tool type and decision, through the real hook."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from safeshell import guard
from safeshell.hooks import run_hook
from safeshell.hooks.model import HookAnswer
from safeshell.workspace import Workspace


def claude_output(decision: str, reason: str) -> dict:
    return {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": decision,
            "permissionDecisionReason": reason,
        }
    }


def decide(workspace: Workspace, payload: dict, env: dict | None = None) -> HookAnswer:
    return run_hook("claude-code", json.dumps(payload).encode(), workspace=None, env=env or {})


def rule_text(workspace: Workspace, rule_id: str, verb: str, tool: str, path: Path | None,
              changed: str | None = None) -> str:
    rule = guard.load_policy(workspace).rule(rule_id)
    lines = [f"safeshell {verb} this {tool} call (rule {rule_id}): {rule.reason}"]
    if path is not None:
        lines.append(f"Path: {path}")
    if changed is not None:
        lines.append(f"Changed keys: {changed}")
    lines.append(f"Instead: {rule.hint}")
    return "\n".join(lines)


def test_write_policy_denied_exactly(workspace: Workspace, sample, hook_process) -> None:
    result = hook_process("claude-code", sample("claude-code", "write_policy"))
    expected = claude_output("deny", rule_text(workspace, "policy-file", "denied", "Write",
                                               workspace.root / "safeshell.yaml"))
    assert result.returncode == 0
    assert json.loads(result.stdout) == expected
    assert result.stderr == b""


def test_write_new_file_allowed_silently(workspace: Workspace, sample, hook_process) -> None:
    result = hook_process("claude-code", sample("claude-code", "write_notes"))
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")


def test_critical_config_edit_asks(workspace: Workspace, sample) -> None:
    result = decide(workspace, sample("claude-code", "edit_config_critical"))
    text = rule_text(workspace, "config-critical-keys", "requires approval for", "Edit", None,
                     changed="learning_rate")
    assert result == HookAnswer(
        json.dumps(claude_output("ask", text + "\nAllow it only if you intended this change.")) + "\n", "", 0
    )


def test_critical_config_edit_denied_without_human(workspace: Workspace, sample) -> None:
    result = decide(workspace, sample("claude-code", "edit_config_critical_bypass"))
    output = json.loads(result.stdout)["hookSpecificOutput"]
    assert result.exit_code == 0
    assert output["permissionDecision"] == "deny"
    assert output["permissionDecisionReason"].startswith(
        "safeshell requires approval for this Edit call (rule config-critical-keys)")
    assert output["permissionDecisionReason"].endswith(
        "This tool call cannot carry an approval token. To make the change anyway, run it as a shell "
        "command (for config.json, for example with jq or sed): safeshell then rejects it with an "
        "approval request ID, the user approves that ID in their own terminal, and you rerun the same "
        "command with the token they give you. With the safeshell MCP server, config_update takes the "
        "token as approval_token.")


@pytest.mark.parametrize("name", ["edit_config_noncritical", "multiedit_config", "read_config", "mcp_no_paths",
                                  "mcp_read_model"])
def test_harmless_call_allowed(workspace: Workspace, sample, name: str) -> None:
    assert decide(workspace, sample("claude-code", name)) == HookAnswer("", "", 0)


def test_formatting_only_config_write_allowed(workspace: Workspace) -> None:
    config = json.loads(workspace.config_file.read_text())
    payload = {
        "tool_name": "Write", "cwd": str(workspace.root), "permission_mode": "default",
        "tool_input": {"file_path": str(workspace.config_file), "content": json.dumps(config, indent=4)},
    }
    assert decide(workspace, payload) == HookAnswer("", "", 0)


def test_config_edit_mismatch_blocks(workspace: Workspace, sample, hook_process) -> None:
    result = hook_process("claude-code", sample("claude-code", "edit_config_mismatch"))
    path = workspace.root / "config.json"
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode() == (
        f"safeshell blocked this call: edit on {str(path)!r}: old_string was not found in the file\n"
        "hint: read the file again and copy old_string exactly, including whitespace\n"
    )


def test_config_edit_to_invalid_json_blocks(workspace: Workspace, sample) -> None:
    result = decide(workspace, sample("claude-code", "edit_config_invalid"))
    path = workspace.root / "config.json"
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"safeshell blocked this call: Edit would leave config.json invalid: {path}:13:3: invalid JSON: "
        "Expecting ',' delimiter"
    )


def test_notebook_edit_in_model_asks(workspace: Workspace, sample) -> None:
    result = decide(workspace, sample("claude-code", "notebook_edit_model"))
    assert json.loads(result.stdout)["hookSpecificOutput"]["permissionDecision"] == "ask"
    assert "(rule current-model)" in result.stdout


def test_mcp_write_into_model_asks(workspace: Workspace, sample) -> None:
    result = decide(workspace, sample("claude-code", "mcp_write_model"))
    output = json.loads(result.stdout)["hookSpecificOutput"]
    assert output["permissionDecision"] == "ask"
    assert output["permissionDecisionReason"].startswith(
        "safeshell requires approval for this mcp__filesystem__write_file call (rule current-model)")
    assert f"Path: {workspace.root / 'current_model' / 'model.safetensors'}" in output["permissionDecisionReason"]


def test_relative_mcp_path_resolves_against_cwd(workspace: Workspace) -> None:
    payload = {"tool_name": "mcp__notes__append", "cwd": str(workspace.root), "permission_mode": "default",
               "tool_input": {"target": {"file": "safeshell.yaml"}, "text": "rules: []"}}
    output = json.loads(decide(workspace, payload).stdout)["hookSpecificOutput"]
    assert output["permissionDecision"] == "deny"
    assert "(rule policy-file)" in output["permissionDecisionReason"]


def test_read_of_approval_key_denied(workspace: Workspace, isolated_config_home: Path) -> None:
    key = isolated_config_home / "safeshell" / "approval.key"
    payload = {"tool_name": "Read", "cwd": str(workspace.root), "tool_input": {"file_path": str(key)}}
    output = json.loads(decide(workspace, payload, env={"XDG_CONFIG_HOME": str(isolated_config_home)}).stdout)
    assert output["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "(rule approval-key-read)" in output["hookSpecificOutput"]["permissionDecisionReason"]


def test_hook_writes_audit_entry_for_denial(workspace: Workspace, sample) -> None:
    decide(workspace, sample("claude-code", "write_policy"))
    entries = [json.loads(line) for line in workspace.audit_log.read_text().splitlines()]
    assert entries[-1]["event"] == "decision"
    assert entries[-1]["source"] == "hook"
    assert entries[-1]["host"] == "claude-code"
    assert entries[-1]["decision"] == "deny"
    assert entries[-1]["rule"] == "policy-file"


def test_editing_hook_settings_asks(workspace: Workspace, sample) -> None:
    from safeshell.integrations import install

    install(workspace.root, "claude-code")
    output = json.loads(decide(workspace, sample("claude-code", "edit_hook_settings")).stdout)["hookSpecificOutput"]
    assert output["permissionDecision"] == "ask"
    assert output["permissionDecisionReason"].startswith(
        "safeshell requires approval for this Edit call (rule assistant-settings)")


def test_mcp_shell_command_analysed(workspace: Workspace, sample) -> None:
    output = json.loads(decide(workspace, sample("claude-code", "mcp_shell_rm_model")).stdout)["hookSpecificOutput"]
    assert output["permissionDecision"] == "ask"
    assert output["permissionDecisionReason"].startswith(
        "safeshell requires approval for this mcp__desktop-commander__start_process call (rule current-model)")


def test_own_mcp_server_left_to_server(workspace: Workspace, sample) -> None:
    # safeshell-mcp's run_command decides on the command itself, with its own approval route.
    assert decide(workspace, sample("claude-code", "mcp_own_run_command")) == HookAnswer("", "", 0)
