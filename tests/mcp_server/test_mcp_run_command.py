"""run_command: the same decisions as 'safeshell -c', a timeout, an output cap, verify-after-execute."""

from __future__ import annotations

import shutil
import time

import pytest

from safeshell import approvals, audit, guard
from safeshell.decision import Decision
from safeshell.workspace import Workspace
from tests.mcp_server.conftest import TINY_MODEL, body, grant

pytestmark = pytest.mark.anyio


async def test_allowed_command_runs(connect, workspace: Workspace) -> None:
    async with connect() as client:
        result = body(await client.call_tool("run_command", {"command": "echo hello; echo oops >&2; exit 3"}))
    assert result["exit_code"] == 3
    assert result["stdout"] == "hello\n"
    assert result["stderr"] == "oops\n"
    assert result["timed_out"] is False


async def test_cwd_inside_workspace_only(connect, workspace: Workspace) -> None:
    async with connect() as client:
        inside = body(await client.call_tool("run_command", {"command": "pwd", "cwd": "inbox"}))
        outside = await client.call_tool("run_command", {"command": "pwd", "cwd": "/"})
    assert inside["stdout"].strip() == str(workspace.inbox)
    assert body(outside)["error"] == "ToolArgumentError"


async def test_destructive_command_needs_approval(connect, workspace: Workspace) -> None:
    async with connect() as client:
        result = await client.call_tool("run_command", {"command": "rm -rf current_model"})
    rejection = body(result)
    assert rejection["decision"] == "require_approval"
    assert rejection["rule"] == "current-model"
    assert (workspace.current_model / "model.safetensors").exists()


async def test_denied_command_rejected(connect, workspace: Workspace) -> None:
    async with connect() as client:
        result = await client.call_tool("run_command", {"command": "echo x > .safeshell/audit.jsonl"})
    assert body(result)["decision"] == "deny"
    assert body(result)["rule"] == "guard-files"
    assert body(result)["request_id"] is None


@pytest.mark.parametrize(
    "command",
    [
        "ls -la current_model",
        "rm -rf current_model",
        "rm safeshell.yaml",
        "bash -c 'rm -rf models/versions'",
        "eval \"$(echo rm -rf current_model)\"",
        "pkill -9 -f trainctl",
        "safeshell approve a1b2c3d4",
    ],
)
async def test_decision_matches_safeshell_c(connect, workspace: Workspace, command: str) -> None:
    expected = guard.check_command(command, workspace=workspace, cwd=str(workspace.root))
    async with connect() as client:
        result = await client.call_tool("policy_check", {"command": command})
        if expected.decision is not Decision.ALLOW:
            rejected = body(await client.call_tool("run_command", {"command": command}))
            assert rejected["decision"] == expected.decision.label
            assert rejected["rule"] == expected.primary.rule
    assert body(result)["decision"] == expected.decision.label
    assert body(result)["rule"] == (expected.primary.rule if expected.primary else None)


async def test_approved_command_runs_with_snapshot(connect, workspace: Workspace) -> None:
    command = "rm current_model/tokenizer.json"
    async with connect() as client:
        rejection = body(await client.call_tool("run_command", {"command": command}))
        request = approvals.get_request(workspace, rejection["request_id"])
        token = grant(workspace, rejection["request_id"])
        result = body(await client.call_tool("run_command", {"command": command, "approval_token": token}))
    assert request.subject.kind == "shell"  # the same request 'safeshell -c' makes, so tokens are shared
    assert result["exit_code"] == 0
    assert result["approved_by"] == f"token for request {rejection['request_id']}"
    assert "trainctl versions restore" in result["snapshot"]
    assert not (workspace.current_model / "tokenizer.json").exists()


async def test_unforeseen_change_restored(connect, workspace: Workspace) -> None:
    """An unknown program handed a protected path runs (default policy), and its change is put back."""
    program = workspace.root / "zap"
    shutil.copy2(shutil.which("rm") or "/bin/rm", program)  # a binary the analysis has no semantics for
    async with connect() as client:
        result = body(await client.call_tool("run_command", {"command": "./zap current_model/tokenizer.json"}))
    assert result["exit_code"] == 0
    assert result["restored"] == ["current_model/tokenizer.json"]
    assert "current_model/tokenizer.json" in result["message"]
    assert (workspace.current_model / "tokenizer.json").read_bytes() == TINY_MODEL["tokenizer.json"]
    assert "restore" in [entry["event"] for entry in audit.read_entries(workspace)]


async def test_timeout_kills_process_group(connect, workspace: Workspace) -> None:
    marker = workspace.root / "child-survived"
    async with connect() as client:
        started = time.monotonic()
        result = body(
            await client.call_tool(
                "run_command", {"command": f"(sleep 30; touch {marker}) & sleep 30", "timeout_s": 1}
            )
        )
    assert result["timed_out"] is True
    assert result["exit_code"] is None
    assert time.monotonic() - started < 15
    assert not marker.exists()


async def test_output_capped_at_limit(connect) -> None:
    async with connect() as client:
        result = body(await client.call_tool("run_command", {"command": "head -c 200000 /dev/zero | tr '\\0' a"}))
    assert len(result["stdout"]) == 64 * 1024
    assert result["stdout_dropped_bytes"] == 200000 - 64 * 1024
