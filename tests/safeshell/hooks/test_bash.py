"""Bash-like tools through the real shell analysis: allow, ask, deny, approval steps."""

from __future__ import annotations

import json
import re

from safeshell.hooks import run_hook
from safeshell.hooks.model import HookAnswer
from safeshell.workspace import Workspace


def decide(host: str, payload: dict, env: dict | None = None) -> HookAnswer:
    return run_hook(host, json.dumps(payload).encode(), workspace=None, env=env or {})


def reason_of(answer: HookAnswer) -> str:
    return json.loads(answer.stdout)["hookSpecificOutput"]["permissionDecisionReason"]


def test_listing_allowed(workspace: Workspace, sample, hook_process) -> None:
    result = hook_process("claude-code", sample("claude-code", "bash_ls"))
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")


def test_model_delete_asks_in_default_mode(workspace: Workspace, sample) -> None:
    answer = decide("claude-code", sample("claude-code", "bash_rm_model"))
    output = json.loads(answer.stdout)["hookSpecificOutput"]
    assert output["permissionDecision"] == "ask"
    assert output["permissionDecisionReason"].startswith(
        "safeshell requires approval for this Bash call (rule current-model)")


def test_state_delete_denied(workspace: Workspace, sample) -> None:
    answer = decide("claude-code", sample("claude-code", "bash_rm_state"))
    assert json.loads(answer.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
    assert "(rule guard-files)" in reason_of(answer)
    assert "safeshell approve" not in reason_of(answer)


def test_shell_prefix_turns_ask_into_request(workspace: Workspace, sample) -> None:
    env = {"CLAUDE_CODE_SHELL_PREFIX": "/opt/venv/bin/safeshell -c"}
    answer = decide("claude-code", sample("claude-code", "bash_rm_model"), env=env)
    reason = reason_of(answer)
    assert json.loads(answer.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"
    request = re.search(r"approve request ([0-9a-f]+)\.", reason)
    assert request is not None
    assert reason.endswith(
        f"Ask the user to run\n"
        f"  safeshell approve {request.group(1)} --workspace {workspace.root}\n"
        "in their own terminal. Never run 'safeshell approve' yourself and never read the approval key. "
        "The user gives you the token it prints; then rerun the same command, from the same directory, "
        "prefixed by the token assignment:\n"
        "  SAFESHELL_APPROVAL_TOKEN=<token> rm -rf current_model"
    )


def test_request_reused_and_no_token_shown(workspace: Workspace, sample) -> None:
    payload = sample("claude-code", "bash_rm_model")
    payload["permission_mode"] = "bypassPermissions"
    first, second = reason_of(decide("claude-code", payload)), reason_of(decide("claude-code", payload))
    assert first == second
    assert "The user gives you the token it prints; then rerun exactly:\n" in first
    assert first.endswith(f"  cd {workspace.root} && safeshell --approval <token> -c 'rm -rf current_model'")
    from safeshell import approvals

    requests = approvals.list_requests(workspace)
    assert len(requests) == 1
    assert requests[0].subject.command == "rm -rf current_model"


def test_codex_model_delete_denied_with_request(workspace: Workspace, sample) -> None:
    output = json.loads(decide("codex", sample("codex", "bash_rm_model")).stdout)["hookSpecificOutput"]
    assert output["permissionDecision"] == "deny"
    assert "safeshell approve " in output["permissionDecisionReason"]


def test_codex_listing_allowed(workspace: Workspace, sample) -> None:
    assert decide("codex", sample("codex", "bash_ls")) == HookAnswer("", "", 0)


def test_gemini_shell_delete_denied(workspace: Workspace, sample) -> None:
    output = json.loads(decide("gemini", sample("gemini", "shell_rm_model")).stdout)
    assert output["decision"] == "deny"
    assert "(rule current-model)" in output["reason"]


def test_gemini_listing_allowed(workspace: Workspace, sample) -> None:
    assert decide("gemini", sample("gemini", "shell_ls")) == HookAnswer("{}\n", "", 0)
