"""version_* and backup_* tools against a real model store, and background jobs."""

from __future__ import annotations

import pytest

from models.store import Store
from safeshell import approvals
from safeshell.workspace import Workspace
from tests.mcp_server.conftest import TINY_MODEL, body, grant

pytestmark = pytest.mark.anyio


async def approved(client, workspace: Workspace, tool: str, arguments: dict) -> dict:
    """Call ``tool``, have a human grant the resulting request, and call it again with the token."""
    rejection = body(await client.call_tool(tool, arguments))
    assert rejection["decision"] == "require_approval", rejection
    token = grant(workspace, rejection["request_id"])
    result = await client.call_tool(tool, {**arguments, "approval_token": token})
    assert result.is_error is False, result.content
    return body(result)


async def test_versions_listed_and_shown(connect, two_versions: Workspace) -> None:
    async with connect() as client:
        listing = body(await client.call_tool("version_list", {}))
        newest = body(await client.call_tool("version_list", {"limit": 1}))
        shown = body(await client.call_tool("version_show", {"version_id": "v001"}))
        missing = await client.call_tool("version_show", {"version_id": "v999"})
    assert listing["current"] == "v002"
    assert [(v["id"], v["parent"], v["current"]) for v in listing["versions"]] == [
        ("v001", None, False),
        ("v002", "v001", True),
    ]
    assert [v["id"] for v in newest["versions"]] == ["v002"]
    assert newest["total"] == 2
    assert sorted(f["path"] for f in shown["files"]) == sorted(TINY_MODEL)
    assert shown["files_truncated"] is False
    assert body(missing)["error"] == "VersionNotFoundError"


async def test_restore_with_token_swaps_model(connect, two_versions: Workspace) -> None:
    workspace = two_versions
    async with connect() as client:
        result = await approved(client, workspace, "version_restore", {"version_id": "v001"})
    assert result["version"]["id"] == "v001"
    assert result["previous"] == "v002"
    assert (workspace.current_model / "config.json").read_bytes() == TINY_MODEL["config.json"]


async def test_delete_needs_approval_and_keeps_current(connect, two_versions: Workspace) -> None:
    workspace = two_versions
    store = Store.for_workspace(workspace)
    (workspace.current_model / "config.json").write_bytes(b'{"model_type": "llama", "hidden_size": 32}\n')
    store.snapshot(reason="third version")
    async with connect() as client:
        rejection = body(await client.call_tool("version_delete", {"version_id": "v001"}))
        deleted = await approved(client, workspace, "version_delete", {"version_id": "v001"})
    assert rejection["rule"] == "tool:version_delete"
    assert deleted["deleted"] == "v001"
    assert store.version_ids() == ["v002", "v003"]


async def test_delete_of_current_version_refused_first(connect, two_versions: Workspace) -> None:
    """The store's refusal comes before an approval request, so no human is asked in vain."""
    workspace = two_versions
    store = Store.for_workspace(workspace)
    (workspace.current_model / "config.json").write_bytes(b'{"hidden_size": 32}\n')
    store.snapshot(reason="third version")
    store.pin("v002")
    async with connect() as client:
        current = await client.call_tool("version_delete", {"version_id": "v003"})
        pinned = await client.call_tool("version_delete", {"version_id": "v002"})
        with store.job_lock({"v001"}):
            in_use = await client.call_tool("version_delete", {"version_id": "v001"})
    assert "current version" in body(current)["message"]
    assert "pinned" in body(pinned)["message"]
    assert "running training job" in body(in_use)["message"]
    assert approvals.list_requests(workspace) == []
    assert store.version_ids() == ["v001", "v002", "v003"]


async def test_delete_newest_non_current_version(connect, two_versions: Workspace) -> None:
    workspace = two_versions
    store = Store.for_workspace(workspace)
    store.checkout("v001")
    async with connect() as client:
        deleted = await approved(client, workspace, "version_delete", {"version_id": "v002"})
    assert deleted["deleted"] == "v002"
    assert store.version_ids() == ["v001"]
    assert store.verify().ok


async def test_backup_create_verify_restore_delete(connect, two_versions: Workspace) -> None:
    workspace = two_versions
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(done: float, total: float | None, message: str | None) -> None:
        progress.append((done, total, message))

    async with connect() as client:
        created = body(
            await client.call_tool("backup_create", {"version_id": "v001", "reason": "test"}, progress_callback=on_progress)
        )
        backup_id = created["backup"]["id"]
        listing = body(await client.call_tool("backup_list", {}))
        verified = body(await client.call_tool("backup_verify", {"backup_id": backup_id}))
        restored = await approved(client, workspace, "backup_restore", {"backup_id": backup_id})
        deleted = await approved(client, workspace, "backup_delete", {"backup_id": backup_id})
        after = body(await client.call_tool("backup_list", {}))

    assert created["job"]["state"] == "succeeded"
    assert created["backup"]["verified"] is True
    assert created["backup"]["version_id"] == "v001"
    assert progress and progress[-1][0] == progress[-1][1] == 1
    assert [backup["id"] for backup in listing["backups"]] == [backup_id]
    assert verified["report"]["ok"] is True
    assert verified["report"]["checked_files"] == len(TINY_MODEL)
    assert restored["version"]["id"] == "v001"
    assert Store.for_workspace(workspace).current_id() == "v001"
    assert deleted["deleted"] == backup_id
    assert after["backups"] == []


async def test_backup_job_handle_then_status(connect, workspace: Workspace) -> None:
    async with connect() as client:
        started = body(await client.call_tool("backup_create", {"wait_s": 0}))
        job_id = started["job"]["job_id"]
        finished = body(await client.call_tool("job_status", {"job_id": job_id, "wait_s": 50}))
    assert started["job"]["tool"] == "backup_create"
    assert started["job"]["state"] in ("running", "succeeded")
    assert finished["state"] == "succeeded"
    assert finished["result"]["version_id"] == "v001"
    assert finished["result"]["verified"] is True


async def test_failed_backup_job_reports_error(connect, workspace: Workspace) -> None:
    async with connect() as client:
        result = body(await client.call_tool("backup_create", {"version_id": "v404"}))
    assert result["job"]["state"] == "failed"
    assert result["job"]["error"]["error"] == "VersionNotFoundError"
    assert result["backup"] is None


async def test_verify_reports_damaged_backup(connect, workspace: Workspace) -> None:
    async with connect() as client:
        backup = body(await client.call_tool("backup_create", {}))["backup"]
        objects = sorted((workspace.root / backup["target"] / backup["id"] / "objects").rglob("*"))
        damaged = next(path for path in objects if path.is_file())
        damaged.chmod(0o644)
        damaged.write_bytes(b"garbage")
        report = body(await client.call_tool("backup_verify", {"backup_id": backup["id"]}))["report"]
    assert report["ok"] is False
    assert report["problem_count"] == 1
    assert report["problems"][0]["kind"] in ("altered", "truncated")
