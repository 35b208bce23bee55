"""The policy gate: allowed, approval-required and denied calls; approval tokens."""

from __future__ import annotations

import json

import pytest

from models.store import Store
from safeshell import approvals, audit
from safeshell.workspace import Workspace
from tests.mcp_server.conftest import body, grant

pytestmark = pytest.mark.anyio

CRITICAL_CHANGE = {"changes": {"learning_rate": 0.001}}


def config(workspace: Workspace) -> dict:
    return json.loads(workspace.config_file.read_text())


async def test_allowed_call_runs(connect, workspace: Workspace) -> None:
    async with connect() as client:
        result = await client.call_tool("config_update", {"changes": {"save_steps": 100}})
    assert result.is_error is False
    assert body(result)["changed"][0]["key"] == "save_steps"
    assert config(workspace)["save_steps"] == 100


async def test_critical_change_requires_approval(connect, workspace: Workspace) -> None:
    before = workspace.config_file.read_text()
    async with connect() as client:
        result = await client.call_tool("config_update", CRITICAL_CHANGE)
    rejection = body(result)
    assert result.is_error is True
    assert rejection["decision"] == "require_approval"
    assert rejection["rule"] == "config-critical-keys"
    assert rejection["request_id"]
    assert f"safeshell approve {rejection['request_id']}" in rejection["how_to_approve"]
    assert rejection["message"]
    assert workspace.config_file.read_text() == before


async def test_rejection_reuses_open_request(connect, workspace: Workspace) -> None:
    async with connect() as client:
        first = body(await client.call_tool("config_update", CRITICAL_CHANGE))
        second = body(await client.call_tool("config_update", CRITICAL_CHANGE))
        grant(workspace, first["request_id"])
        granted = body(await client.call_tool("config_update", CRITICAL_CHANGE))
    assert first["request_id"] == second["request_id"]
    assert "is waiting" in second["message"]
    assert granted["request_id"] == first["request_id"]
    assert "already granted" in granted["message"]


async def test_denied_call_rejected_even_with_token(connect, workspace: Workspace) -> None:
    workspace.policy_file.write_text(
        "extends: default\n"
        "tool_rules:\n"
        "  training_skip: {decision: deny, reason: Skipping is switched off here., hint: Use training_stop.}\n"
    )
    async with connect() as client:
        plain = await client.call_tool("training_skip", {"wait_s": 0})
        with_token = await client.call_tool("training_skip", {"wait_s": 0, "approval_token": "ss1.x"})
    for result in (plain, with_token):
        rejection = body(result)
        assert result.is_error is True
        assert rejection["decision"] == "deny"
        assert rejection["rule"] == "tool:training_skip"
        assert rejection["request_id"] is None
        assert rejection["how_to_approve"] is None
    assert not (workspace.control_dir / "skip").exists()


async def test_read_tool_approvable_by_token(connect, workspace: Workspace) -> None:
    """A workspace policy may put a read behind approval; the token argument still works there."""
    workspace.policy_file.write_text(
        "extends: default\n"
        "tool_rules:\n"
        "  training_status: {decision: require_approval, reason: Status is private here., hint: Ask the user.}\n"
    )
    async with connect() as client:
        rejection = body(await client.call_tool("training_status", {}))
        token = grant(workspace, rejection["request_id"])
        result = await client.call_tool("training_status", {"approval_token": token})
    assert rejection["rule"] == "tool:training_status"
    assert result.is_error is False
    assert body(result)["state"] == "stopped"


async def test_valid_token_runs_call(connect, workspace: Workspace) -> None:
    async with connect() as client:
        request_id = body(await client.call_tool("config_update", CRITICAL_CHANGE))["request_id"]
        token = grant(workspace, request_id)
        accepted = await client.call_tool("config_update", {**CRITICAL_CHANGE, "approval_token": token})

    assert accepted.is_error is False
    assert body(accepted)["accepted"] is True
    assert config(workspace)["learning_rate"] == 0.001
    assert "token_used" in [entry["event"] for entry in audit.read_entries(workspace)]


async def test_token_accepted_only_once(connect, two_versions: Workspace) -> None:
    workspace = two_versions
    async with connect() as client:
        request_id = body(await client.call_tool("version_rollback", {}))["request_id"]
        token = grant(workspace, request_id)
        accepted = await client.call_tool("version_rollback", {"approval_token": token})
        replayed = await client.call_tool("version_rollback", {"approval_token": token})

    assert body(accepted)["version"]["id"] == "v001"
    assert replayed.is_error is True
    assert body(replayed)["token_check"] == "replayed"
    assert Store.for_workspace(workspace).current_id() == "v001"
    assert "token_rejected" in [entry["event"] for entry in audit.read_entries(workspace)]


async def test_token_for_other_arguments_rejected(connect, workspace: Workspace) -> None:
    async with connect() as client:
        request_id = body(await client.call_tool("config_update", CRITICAL_CHANGE))["request_id"]
        token = grant(workspace, request_id)
        other = await client.call_tool("config_update", {"changes": {"learning_rate": 0.5}, "approval_token": token})
    assert other.is_error is True
    assert body(other)["token_check"] == "operation"
    assert config(workspace)["learning_rate"] == 0.0005


async def test_token_for_other_tool_rejected(connect, workspace: Workspace) -> None:
    async with connect() as client:
        request_id = body(await client.call_tool("config_update", CRITICAL_CHANGE))["request_id"]
        token = grant(workspace, request_id)
        result = await client.call_tool("version_rollback", {"approval_token": token})
    assert body(result)["token_check"] == "operation"


@pytest.mark.parametrize(
    ("mangle", "check"),
    [
        (lambda token, other_id: "not-a-token", "format"),  # wrong shape
        (lambda token, other_id: token.replace(token.split(".")[1], "0" * 8), "unknown_request"),
        (lambda token, other_id: token.replace(token.split(".")[1], other_id), "not_granted"),  # open request
        (lambda token, other_id: token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"), "signature"),
    ],
)
async def test_forged_token_rejected(connect, workspace: Workspace, mangle, check: str) -> None:
    async with connect() as client:
        request_id = body(await client.call_tool("config_update", CRITICAL_CHANGE))["request_id"]
        token = grant(workspace, request_id)
        other_id = body(await client.call_tool("config_update", {"changes": {"seed": 7}}))["request_id"]
        result = await client.call_tool("config_update", {**CRITICAL_CHANGE, "approval_token": mangle(token, other_id)})
    assert result.is_error is True
    assert body(result)["token_check"] == check
    assert config(workspace)["learning_rate"] == 0.0005


async def test_token_of_denied_request_rejected(connect, workspace: Workspace) -> None:
    async with connect() as client:
        request_id = body(await client.call_tool("config_update", CRITICAL_CHANGE))["request_id"]
        token = grant(workspace, request_id)
        approvals.deny_request(workspace, request_id, by="test human")
        result = await client.call_tool("config_update", {**CRITICAL_CHANGE, "approval_token": token})
    assert body(result)["token_check"] == "denied"


async def test_superseded_token_rejected(connect, workspace: Workspace) -> None:
    async with connect() as client:
        request_id = body(await client.call_tool("config_update", CRITICAL_CHANGE))["request_id"]
        first = grant(workspace, request_id)
        grant(workspace, request_id)
        result = await client.call_tool("config_update", {**CRITICAL_CHANGE, "approval_token": first})
    assert body(result)["token_check"] == "superseded"


async def test_token_rejected_after_policy_change(connect, workspace: Workspace) -> None:
    async with connect() as client:
        request_id = body(await client.call_tool("config_update", CRITICAL_CHANGE))["request_id"]
        token = grant(workspace, request_id)
        workspace.policy_file.write_text("extends: default\ncritical_keys: [save_steps]\n")
        result = await client.call_tool("config_update", {**CRITICAL_CHANGE, "approval_token": token})
    assert body(result)["token_check"] == "policy_changed"


async def test_decisions_recorded_in_audit_log(connect, workspace: Workspace) -> None:
    async with connect() as client:
        await client.call_tool("config_update", {"changes": {"save_steps": 100}})
        await client.call_tool("config_update", CRITICAL_CHANGE)
        await client.call_tool("training_status", {})
    decisions = [entry for entry in audit.read_entries(workspace) if entry["event"] == "decision"]
    assert [(entry["source"], entry["tool"], entry["decision"]) for entry in decisions] == [
        ("mcp", "config_update", "allow"),
        ("mcp", "config_update", "require_approval"),
    ]
    assert decisions[1]["request_id"]


async def test_policy_check_dry_runs_tool_call(connect, workspace: Workspace) -> None:
    before = workspace.config_file.read_text()
    async with connect() as client:
        result = await client.call_tool(
            "policy_check", {"tool": "config_update", "arguments": {"changes": {"batch_size": 4}}}
        )
        restore = await client.call_tool(
            "policy_check", {"tool": "version_restore", "arguments": {"version_id": "v001"}}
        )
    verdict = body(result)
    assert verdict["decision"] == "require_approval"
    assert verdict["rule"] == "config-critical-keys"
    assert verdict["elicitation_allowed"] is True
    assert [op["kind"] for op in verdict["operations"]] == ["tool_call", "config_change"]
    assert body(restore)["elicitation_allowed"] is False
    assert workspace.config_file.read_text() == before
    assert approvals.list_requests(workspace) == []


async def test_approval_status_reports_request(connect, workspace: Workspace) -> None:
    async with connect() as client:
        request_id = body(await client.call_tool("config_update", CRITICAL_CHANGE))["request_id"]
        opened = body(await client.call_tool("approval_status", {"request_id": request_id}))
        grant(workspace, request_id)
        granted = body(await client.call_tool("approval_status", {"request_id": request_id}))
        unknown = await client.call_tool("approval_status", {"request_id": "00000000"})
    assert opened["status"] == "open"
    assert opened["rule"] == "config-critical-keys"
    assert granted["status"] == "granted"
    assert granted["decided_by"] == "test human"
    assert unknown.is_error is True
    assert body(unknown)["error"] == "ApprovalError"
