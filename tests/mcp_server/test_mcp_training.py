"""training_* tools and the queue tools, against the real status file, queue and daemon."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from safeshell.workspace import Workspace
from tests.mcp_server.conftest import body
from trainer.status import read_status

pytestmark = pytest.mark.anyio

DAEMON_START_TIMEOUT_S = 30


def write_data(workspace: Workspace, name: str, lines: int = 2) -> Path:
    path = workspace.root / "data" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text("".join(json.dumps({"text": f"line {i}"}) + "\n" for i in range(lines)))
    return path


async def test_status_without_daemon_reads_stopped(connect) -> None:
    async with connect() as client:
        status = body(await client.call_tool("training_status", {}))
    assert status["state"] == "stopped"
    assert status["daemon_running"] is False
    assert status["job"] is None


async def test_status_reports_job_progress(connect, workspace: Workspace) -> None:
    workspace.status_file.write_text(json.dumps({
        "format": 1, "state": "training", "daemon_pid": os.getpid(),
        "job": {"id": 3, "file": "inbox/x.jsonl", "step": 40, "max_steps": 120, "loss": 2.31, "extra": 1},
        "loss_history": [[step, 5.0 - step / 100] for step in range(0, 300, 10)],
        "queue_length": 2, "current_version": "v001",
    }))  # fmt: skip
    async with connect() as client:
        status = body(await client.call_tool("training_status", {}))
    assert status["state"] == "training"
    assert status["daemon_running"] is True
    assert status["job"]["step"] == 40
    assert status["job"]["loss"] == 2.31
    assert status["queue_length"] == 2
    assert len(status["loss_tail"]) == 20
    assert status["loss_tail"][-1] == [290.0, 2.1]


async def test_status_reports_diverged_loss_as_null(connect, workspace: Workspace) -> None:
    workspace.status_file.write_text(
        '{"format": 1, "state": "training", "daemon_pid": %d, "job": {"id": 1, "loss": NaN}, '
        '"loss_history": [[10, 2.5], [20, Infinity]]}' % os.getpid()
    )
    async with connect() as client:
        status = body(await client.call_tool("training_status", {}))
    assert status["job"]["loss"] is None
    assert status["loss_tail"] == [[10.0, 2.5], [20.0, None]]


async def test_status_with_wrong_types_is_error(connect, workspace: Workspace) -> None:
    workspace.status_file.write_text('{"format": 1, "state": "idle", "job": {"step": "many"}}')
    async with connect() as client:
        result = await client.call_tool("training_status", {})
    assert result.is_error is True
    assert "unexpected values" in body(result)["message"]


async def test_stop_without_daemon_returns_pending(connect, workspace: Workspace) -> None:
    async with connect() as client:
        started = time.monotonic()
        result = body(await client.call_tool("training_stop", {"wait_s": 30}))
    assert time.monotonic() - started < 10  # no daemon: no waiting for an acknowledgement
    assert result["acknowledged"] is False
    assert result["daemon_running"] is False
    assert (workspace.control_dir / "stop").exists()


async def test_resume_clears_pause(connect, workspace: Workspace) -> None:
    async with connect() as client:
        await client.call_tool("training_pause", {"wait_s": 0})
        assert (workspace.control_dir / "pause").exists()
        result = body(await client.call_tool("training_resume", {"wait_s": 0}))
    assert result["action"] == "resume"
    assert not (workspace.control_dir / "pause").exists()
    assert (workspace.control_dir / "resume").exists()


async def test_stop_acknowledged_by_running_daemon(connect, workspace: Workspace) -> None:
    daemon = subprocess.Popen(
        [sys.executable, "-m", "trainer.cli.main", "daemon", "--workspace", str(workspace.root)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + DAEMON_START_TIMEOUT_S
        while read_status(workspace).get("daemon_pid") != daemon.pid:
            assert daemon.poll() is None, daemon.stderr.read().decode() if daemon.stderr else ""
            assert time.monotonic() < deadline, "the daemon did not write its status in time"
            time.sleep(0.05)  # polling the status file: the daemon offers no other signal
        async with connect() as client:
            result = body(await client.call_tool("training_stop", {"wait_s": 30}))
        assert result["acknowledged"] is True
        assert result["daemon_running"] is True
        assert daemon.wait(timeout=30) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()


async def test_queue_add_list_reprioritize_remove(connect, workspace: Workspace) -> None:
    first = write_data(workspace, "first.jsonl")
    write_data(workspace, "second.jsonl", lines=3)
    async with connect() as client:
        added = body(await client.call_tool("queue_add", {"file": str(first)}))
        second = body(await client.call_tool("queue_add", {"file": "data/second.jsonl", "priority": "high"}))
        listed = body(await client.call_tool("queue_list", {}))
        changed = body(
            await client.call_tool("queue_set_priority", {"entry_id": added["entry"]["id"], "priority": 50})
        )
        reordered = body(await client.call_tool("queue_list", {}))
        removed = body(await client.call_tool("queue_remove", {"entry_id": second["entry"]["id"]}))
        remaining = body(await client.call_tool("queue_list", {}))

    assert added["entry"]["file"] == "inbox/first.jsonl"  # copied into the inbox
    assert added["entry"]["records"] == 2
    assert (workspace.inbox / "first.jsonl").exists()
    assert [entry["file"] for entry in listed["entries"]] == ["inbox/second.jsonl", "inbox/first.jsonl"]
    assert changed["entry"]["priority"] == 50
    assert [entry["file"] for entry in reordered["entries"]] == ["inbox/first.jsonl", "inbox/second.jsonl"]
    assert removed["entry"]["state"] == "removed"
    assert [entry["id"] for entry in remaining["entries"]] == [added["entry"]["id"]]


async def test_queue_add_twice_is_error(connect, workspace: Workspace) -> None:
    write_data(workspace, "once.jsonl")
    async with connect() as client:
        await client.call_tool("queue_add", {"file": "data/once.jsonl"})
        again = await client.call_tool("queue_add", {"file": "inbox/once.jsonl"})
    assert again.is_error is True
    assert body(again)["error"] == "QueueError"
