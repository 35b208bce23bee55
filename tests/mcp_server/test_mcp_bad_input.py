"""Bad input gets a clear tool error (isError, never a protocol error) and changes nothing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from safeshell.workspace import Workspace
from tests.mcp_server.conftest import body

pytestmark = pytest.mark.anyio


def snapshot_tree(root: Path) -> dict[str, bytes]:
    """Map every file under the workspace, except the state database, caches and logs, to its content."""
    found = {}
    for directory, _dirs, names in os.walk(root):
        for name in names:
            path = Path(directory) / name
            relative = path.relative_to(root).as_posix()
            if relative.startswith((".safeshell/state.db", ".safeshell/cache/", "logs/")):
                continue
            found[relative] = path.read_bytes()
    return found


def text(result) -> str:
    return result.content[0].text


async def test_unknown_tool_is_tool_error(connect) -> None:
    async with connect() as client:
        result = await client.call_tool("format_disk", {})
    assert result.is_error is True
    assert "Unknown tool: format_disk" in text(result)


@pytest.mark.parametrize(
    ("tool", "arguments", "field", "complaint"),
    [
        ("queue_add", {}, "file", "Field required"),
        ("queue_add", {"file": "inbox/x.jsonl", "force": True}, "force", "Extra inputs are not permitted"),
        ("queue_remove", {"entry_id": "3"}, "entry_id", "valid integer"),  # no coercion from text
        ("queue_remove", {"entry_id": True}, "entry_id", "valid integer"),  # nor from booleans
        ("queue_add", {"file": "x", "priority": "urgent"}, "priority", "priority"),
        ("version_show", {"version_id": "../v001"}, "version_id", "String should match pattern"),
        ("config_update", {"changes": '{"seed": 1}'}, "changes", "valid dictionary"),  # no JSON pre-parsing
        ("training_stop", {"wait_s": 3600}, "wait_s", "less than or equal to 60"),
        ("run_command", {"command": "x" * 70000}, "command", "at most 65536 characters"),
        ("queue_add", {"file": "y" * 5000}, "file", "at most 4096 characters"),
        ("config_update", {"changes": {"backup_target": "z" * 100000}}, "backup_target", "longer than 4096"),
    ],
)
async def test_invalid_arguments_rejected(connect, workspace: Workspace, tool, arguments, field, complaint) -> None:
    before = snapshot_tree(workspace.root)
    async with connect() as client:
        result = await client.call_tool(tool, arguments)
    assert result.is_error is True
    assert field in text(result)
    assert complaint in text(result)
    assert len(text(result)) < 4000  # a huge value is not echoed back whole
    assert snapshot_tree(workspace.root) == before


@pytest.mark.parametrize(
    "path",
    [
        "/etc/passwd",  # absolute, outside
        "../outside.jsonl",  # traversal
        "inbox/../../outside.jsonl",  # traversal through a real directory
        "inbox/escape.jsonl",  # a symlink leading out (created below)
        "inbox/nul\x00.jsonl",  # NUL byte
    ],
)
async def test_queue_path_outside_workspace_rejected(connect, workspace: Workspace, path: str) -> None:
    outside = workspace.root.parent / "outside.jsonl"
    outside.write_text('{"text": "hello"}\n')
    (workspace.inbox / "escape.jsonl").symlink_to(outside)
    before = snapshot_tree(workspace.root)
    async with connect() as client:
        result = await client.call_tool("queue_add", {"file": path})
        listing = body(await client.call_tool("queue_list", {}))
    assert result.is_error is True
    assert body(result)["error"] == "ToolArgumentError"
    assert "file" in body(result)["message"]
    assert listing["entries"] == []
    assert snapshot_tree(workspace.root) == before


async def test_invalid_jsonl_rejected_unchanged(connect, workspace: Workspace) -> None:
    data = workspace.inbox / "broken.jsonl"
    data.write_text('{"text": "fine"}\n{"text": "unterminated\n')
    before = snapshot_tree(workspace.root)
    async with connect() as client:
        result = await client.call_tool("queue_add", {"file": "inbox/broken.jsonl"})
        listing = body(await client.call_tool("queue_list", {}))
    error = body(result)
    assert result.is_error is True
    assert error["error"] == "DataError"
    assert "broken.jsonl:2" in error["message"]
    assert listing["entries"] == []
    assert snapshot_tree(workspace.root) == before


async def test_unknown_config_key_rejected(connect, workspace: Workspace) -> None:
    before = workspace.config_file.read_bytes()
    async with connect() as client:
        result = await client.call_tool("config_update", {"changes": {"learning_rat": 0.1}})
        invalid = await client.call_tool("config_update", {"changes": {"batch_size": -4}})
    assert body(result)["error"] == "ConfigError"
    assert "learning_rat" in body(result)["message"]
    assert body(invalid)["error"] == "ConfigError"
    assert "batch_size" in body(invalid)["message"]
    assert workspace.config_file.read_bytes() == before


async def test_policy_check_needs_one_subject(connect) -> None:
    async with connect() as client:
        neither = await client.call_tool("policy_check", {})
        both = await client.call_tool("policy_check", {"command": "ls", "tool": "queue_list"})
    for result in (neither, both):
        assert result.is_error is True
        assert "exactly one of 'command'" in text(result)


async def test_unknown_job_is_tool_error(connect) -> None:
    async with connect() as client:
        result = await client.call_tool("job_status", {"job_id": "job-00000000"})
    assert body(result)["error"] == "ToolArgumentError"
    assert "job-00000000" in body(result)["message"]
