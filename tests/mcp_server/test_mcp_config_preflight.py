"""config_get, config_update's file handling, preflight, and the resources."""

from __future__ import annotations

import json
import os

import pytest

from safeshell.workspace import Workspace
from tests.mcp_server.conftest import body
from trainer import config as trainer_config

pytestmark = pytest.mark.anyio


async def test_config_get_reports_critical_keys(connect) -> None:
    async with connect() as client:
        view = body(await client.call_tool("config_get", {}))
    assert view["values"]["learning_rate"] == 0.0005
    assert "learning_rate" in view["critical_keys"]
    assert "save_steps" not in view["critical_keys"]
    assert view["unaccepted_changes"] == []


async def test_config_update_writes_atomically(connect, workspace: Workspace) -> None:
    inode = os.stat(workspace.config_file).st_ino
    async with connect() as client:
        result = body(await client.call_tool("config_update", {"changes": {"save_steps": 25, "logging_steps": 2}}))
    written = json.loads(workspace.config_file.read_text())
    assert [change["key"] for change in result["changed"]] == ["logging_steps", "save_steps"]
    assert written["save_steps"] == 25
    assert written["logging_steps"] == 2
    assert os.stat(workspace.config_file).st_ino != inode  # replaced by rename, not rewritten in place
    assert not [name for name in os.listdir(workspace.root) if name.endswith(".tmp")]
    trainer_config.load_config(workspace)  # still valid for the trainer


async def test_unchanged_value_writes_nothing(connect, workspace: Workspace) -> None:
    before = workspace.config_file.stat().st_mtime_ns
    async with connect() as client:
        result = body(await client.call_tool("config_update", {"changes": {"learning_rate": 0.0005}}))
    assert result["changed"] == []
    assert workspace.config_file.stat().st_mtime_ns == before


async def test_preflight_reports_each_check(connect, workspace: Workspace) -> None:
    async with connect() as client:
        result = body(await client.call_tool("preflight", {"load_model": False}))
    checks = {check["name"]: check for check in result["checks"]}
    assert list(checks) == ["config", "config_accepted", "model_files", "disk", "last_backup"]
    assert checks["config"]["ok"] is True
    assert checks["model_files"]["ok"] is True
    assert checks["last_backup"]["ok"] is False  # no backup yet
    assert result["ok"] is False
    assert result["free_disk_gb"] > 0


async def test_preflight_sees_broken_model_and_backup(connect, workspace: Workspace) -> None:
    async with connect() as client:
        await client.call_tool("backup_create", {})
        (workspace.current_model / "model.safetensors").write_bytes(b"\x10")
        result = body(await client.call_tool("preflight", {"load_model": False}))
    checks = {check["name"]: check for check in result["checks"]}
    assert checks["model_files"]["ok"] is False
    assert "truncated" in checks["model_files"]["detail"]
    assert checks["last_backup"]["ok"] is True
    assert result["last_backup_id"] == "b0001"
    assert 0 <= result["last_backup_age_hours"] < 1


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["auto"])  # the child process does not depend on the protocol mode
async def test_preflight_loads_model_in_child(connect, workspace: Workspace) -> None:
    """The fake model has valid files but no real weights, so transformers refuses it in the child."""
    async with connect() as client:
        result = body(await client.call_tool("preflight", {"load_timeout_s": 300}))
    checks = {check["name"]: check for check in result["checks"]}
    assert checks["model_load"]["ok"] is False
    assert "does not load" in checks["model_load"]["detail"]


async def test_resources_listed_and_read(connect, workspace: Workspace) -> None:
    (workspace.logs_dir / "daemon_20261204.log").write_text("old line\nnewest line\n")
    async with connect() as client:
        await client.call_tool("config_update", {"changes": {"save_steps": 10}})
        listed = await client.list_resources()
        contents = {str(resource.uri): (await client.read_resource(str(resource.uri))).contents[0].text
                    for resource in listed.resources}  # fmt: skip
    assert list(contents) == [
        "safeshell://status",
        "safeshell://policy",
        "safeshell://logs/daemon",
        "safeshell://audit",
    ]
    assert json.loads(contents["safeshell://status"])["state"] == "stopped"
    policy = json.loads(contents["safeshell://policy"])
    assert "config-critical-keys" in [rule["id"] for rule in policy["policy"]["rules"]]
    assert contents["safeshell://logs/daemon"].endswith("newest line\n")
    audit_lines = [json.loads(line) for line in contents["safeshell://audit"].splitlines()]
    assert audit_lines[-1]["tool"] == "config_update"
