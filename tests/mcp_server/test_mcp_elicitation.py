"""In-client confirmation (elicitation) for rules that allow it.

Under ``legacy`` the server sends elicitation/create in the middle of the
call; under ``auto`` (2026-07-28) it returns an input_required result and the
client retries with its response. The client callback is the same for both.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp_types import ElicitRequestParams, ElicitResult

from models.store import Store
from safeshell import audit
from safeshell.workspace import Workspace
from tests.mcp_server.conftest import body

pytestmark = pytest.mark.anyio

CRITICAL_CHANGE = {"changes": {"learning_rate": 0.002}}


class ScriptedUser:
    """An elicitation callback that responds with a fixed action and records each message it was shown."""

    def __init__(self, action: str, content: dict[str, Any] | None = None) -> None:
        self.action = action
        self.content = content
        self.messages: list[str] = []

    async def __call__(self, context: Any, params: ElicitRequestParams) -> ElicitResult:
        self.messages.append(params.message)
        return ElicitResult(action=self.action, content=self.content)


def learning_rate(workspace: Workspace) -> float:
    return json.loads(workspace.config_file.read_text())["learning_rate"]


async def test_confirmation_accepted_runs_call(connect, workspace: Workspace) -> None:
    user = ScriptedUser("accept", {"approve": True})
    async with connect(elicitation_callback=user) as client:
        result = await client.call_tool("config_update", CRITICAL_CHANGE)
    assert result.is_error is False
    assert body(result)["accepted"] is True
    assert learning_rate(workspace) == 0.002
    assert len(user.messages) == 1
    assert "config_update" in user.messages[0]
    grants = [entry for entry in audit.read_entries(workspace) if entry["event"] == "grant"]
    assert grants[-1]["by"] == "MCP client confirmation (elicitation)"


async def test_confirmation_declined_rejects_call(connect, workspace: Workspace) -> None:
    user = ScriptedUser("decline")
    async with connect(elicitation_callback=user) as client:
        result = await client.call_tool("config_update", CRITICAL_CHANGE)
    rejection = body(result)
    assert result.is_error is True
    assert rejection["decision"] == "require_approval"
    assert rejection["request_id"]
    assert "declined" in rejection["message"]
    assert learning_rate(workspace) == 0.0005


async def test_unchecked_confirmation_counts_as_decline(connect, workspace: Workspace) -> None:
    user = ScriptedUser("accept", {"approve": False})
    async with connect(elicitation_callback=user) as client:
        result = await client.call_tool("config_update", CRITICAL_CHANGE)
    assert result.is_error is True
    assert "declined" in body(result)["message"]
    assert learning_rate(workspace) == 0.0005


async def test_confirmation_cancelled_rejects_call(connect, workspace: Workspace) -> None:
    user = ScriptedUser("cancel")
    async with connect(elicitation_callback=user) as client:
        result = await client.call_tool("config_update", CRITICAL_CHANGE)
    assert "cancelled" in body(result)["message"]
    assert learning_rate(workspace) == 0.0005


async def test_client_without_elicitation_gets_instructions(connect, workspace: Workspace) -> None:
    async with connect() as client:
        result = await client.call_tool("config_update", CRITICAL_CHANGE)
    rejection = body(result)
    assert rejection["decision"] == "require_approval"
    assert "safeshell approve" in rejection["how_to_approve"]
    assert learning_rate(workspace) == 0.0005


async def test_restore_never_offers_confirmation(connect, two_versions: Workspace) -> None:
    """The default policy does not let a client's dialog approve a restore."""
    user = ScriptedUser("accept", {"approve": True})
    async with connect(elicitation_callback=user) as client:
        result = await client.call_tool("version_restore", {"version_id": "v001"})
    assert result.is_error is True
    assert body(result)["rule"] == "tool:version_restore"
    assert user.messages == []
    assert Store.for_workspace(two_versions).current_id() == "v002"


async def test_rollback_confirmed_in_client(connect, two_versions: Workspace) -> None:
    user = ScriptedUser("accept", {"approve": True})
    async with connect(elicitation_callback=user) as client:
        result = await client.call_tool("version_rollback", {})
    assert body(result)["version"]["id"] == "v001"
    assert Store.for_workspace(two_versions).current_id() == "v001"
