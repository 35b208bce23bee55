"""The tool list as clients see it: names, order, schemas, annotations.

tests/data/mcp/tools.json is the reviewed snapshot of tools/list. After an
intended change, rewrite it with
``SAFESHELL_UPDATE_SNAPSHOT=1 .venv/bin/pytest tests/mcp_server/test_mcp_tools_schema.py``
and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.anyio

SNAPSHOT = Path(__file__).resolve().parents[1] / "data" / "mcp" / "tools.json"
EXPECTED_ORDER = [
    "training_status", "training_stop", "training_pause", "training_resume", "training_skip",
    "queue_list", "queue_add", "queue_remove", "queue_set_priority",
    "version_list", "version_show", "version_rollback", "version_restore", "version_delete",
    "backup_create", "backup_list", "backup_verify", "backup_restore", "backup_delete",
    "config_get", "config_update",
    "policy_check", "run_command", "approval_status",
    "preflight", "job_status",
]  # fmt: skip
# Tools that change nothing; every other tool must say readOnlyHint false.
READ_ONLY = {
    "training_status", "queue_list", "version_list", "version_show", "backup_list", "config_get",
    "policy_check", "approval_status", "preflight", "job_status",
}  # fmt: skip
DESTRUCTIVE = {
    "training_skip", "queue_remove", "version_rollback", "version_restore", "version_delete",
    "backup_restore", "backup_delete", "config_update", "run_command",
}  # fmt: skip


async def listed_tools(connect) -> list[dict[str, Any]]:
    async with connect() as client:
        result = await client.list_tools()
    return [tool.model_dump(mode="json", by_alias=True, exclude_none=True) for tool in result.tools]


async def test_tool_list_matches_snapshot(connect) -> None:
    tools = await listed_tools(connect)
    if os.environ.get("SAFESHELL_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(json.dumps(tools, indent=2, sort_keys=True) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    assert [tool["name"] for tool in tools] == [tool["name"] for tool in expected]
    for tool, snapshot in zip(tools, expected, strict=True):
        assert tool == snapshot, f"tool {tool['name']} differs from {SNAPSHOT.name}"


async def test_tools_listed_in_stable_order(connect) -> None:
    tools = await listed_tools(connect)
    assert [tool["name"] for tool in tools] == EXPECTED_ORDER


async def test_every_annotation_set_truthfully(connect) -> None:
    for tool in await listed_tools(connect):
        annotations = tool["annotations"]
        name = tool["name"]
        assert set(annotations) >= {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"}, name
        assert annotations["readOnlyHint"] is (name in READ_ONLY), name
        assert annotations["destructiveHint"] is (name in DESTRUCTIVE), name
        assert annotations["openWorldHint"] is (name == "run_command"), name
        if annotations["readOnlyHint"]:
            assert annotations["idempotentHint"] is True, name


async def test_inputs_strict_outputs_typed(connect) -> None:
    for tool in await listed_tools(connect):
        name = tool["name"]
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", name), name
        assert tool["inputSchema"]["type"] == "object", name
        assert tool["inputSchema"]["additionalProperties"] is False, name
        assert tool["outputSchema"]["type"] == "object", name
        assert tool["description"], name


async def test_string_arguments_have_length_limits(connect) -> None:
    """Every free-text argument has maxLength or a pattern, so huge strings are rejected up front."""
    for tool in await listed_tools(connect):
        for field, schema in tool["inputSchema"].get("properties", {}).items():
            variants = schema.get("anyOf", [schema])
            for variant in variants:
                if variant.get("type") == "string" and "enum" not in variant:
                    assert "maxLength" in variant or "pattern" in variant, f"{tool['name']}.{field}"


async def test_every_tool_accepts_approval_token(connect) -> None:
    """A workspace policy can require approval for any tool, reads included."""
    for tool in await listed_tools(connect):
        assert "approval_token" in tool["inputSchema"]["properties"], tool["name"]
        assert "approval_token" not in tool["inputSchema"].get("required", []), tool["name"]
