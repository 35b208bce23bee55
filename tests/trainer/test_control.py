"""Control requests and the status file, without a training job."""

from __future__ import annotations

import json
import os

import pytest

from safeshell.workspace import Workspace
from tests.trainer.conftest import trainctl
from trainer import control
from trainer.status import MAX_HISTORY, read_status, write_status, empty_status


def test_request_writes_control_file(workspace: Workspace) -> None:
    request = control.request(workspace, "stop")
    data = json.loads((workspace.control_dir / "stop").read_text())
    assert data["request_id"] == request.request_id
    assert control.read_request(workspace, "stop") == request


def test_resume_releases_pause(workspace: Workspace) -> None:
    control.request(workspace, "pause")
    control.request(workspace, "resume")
    assert not (workspace.control_dir / "pause").exists()
    assert (workspace.control_dir / "resume").exists()


def test_touched_file_counts_as_request(workspace: Workspace) -> None:
    (workspace.control_dir / "skip").touch()
    request = control.read_request(workspace, "skip")
    assert request is not None and request.source == "file"


def test_wait_without_daemon_returns_false(workspace: Workspace) -> None:
    request = control.request(workspace, "stop")
    assert control.wait_for_ack(workspace, "stop", 5.0, request_id=request.request_id) is False


def test_wait_sees_acknowledgement(workspace: Workspace) -> None:
    request = control.request(workspace, "pause")
    status = empty_status("paused")
    status["daemon_pid"] = os.getpid()
    status["control"] = {"requested": "pause", "acknowledged": "pause", "at": "now", "request_id": request.request_id}
    write_status(workspace, status)
    assert control.wait_for_ack(workspace, "pause", 5.0, request_id=request.request_id) is True
    assert control.wait_for_ack(workspace, "pause", 0.2, request_id="other") is False


def test_missing_status_reads_stopped(workspace: Workspace) -> None:
    status = read_status(workspace)
    assert status["state"] == "stopped"
    assert status["job"] is None


def test_dead_daemon_status_reads_stopped(workspace: Workspace) -> None:
    status = empty_status("training")
    status["daemon_pid"] = 2**22 + 12345  # above the default pid_max, so never a live process
    write_status(workspace, status)
    seen = read_status(workspace)
    assert seen["state"] == "stopped"
    assert seen["recorded_state"] == "training"


def test_corrupt_status_reads_unknown(workspace: Workspace) -> None:
    workspace.status_file.parent.mkdir(parents=True, exist_ok=True)
    workspace.status_file.write_text("{truncated")
    assert read_status(workspace)["state"] == "unknown"


def test_loss_history_bounded(workspace: Workspace) -> None:
    status = empty_status("training")
    status["daemon_pid"] = os.getpid()
    for step in range(MAX_HISTORY * 3):
        status["loss_history"].append([step, 1.0])
        write_status(workspace, status)
    history = read_status(workspace)["loss_history"]
    assert len(history) <= MAX_HISTORY
    assert history[-1] == [MAX_HISTORY * 3 - 1, 1.0]


def test_stop_wait_without_daemon_says_so(workspace: Workspace) -> None:
    result = trainctl(workspace, "stop", "--wait", "--timeout", "30")
    assert result.returncode == 1
    assert "no training daemon is running" in result.stderr
    assert "discards it" in result.stderr
    assert "within 30 s" not in result.stderr


@pytest.mark.parametrize("action,later", [("stop", "discards it"), ("pause", "keeps it")])
def test_request_without_daemon_says_so(workspace: Workspace, action: str, later: str) -> None:
    result = trainctl(workspace, action)
    assert result.returncode == 0
    assert f"trainctl {action}: no training daemon is running" in result.stderr
    assert later in result.stderr


def test_status_version_follows_store_pointer(workspace: Workspace) -> None:
    from models.store import Store

    store = Store.for_workspace(workspace)
    workspace.current_model.mkdir(exist_ok=True)
    (workspace.current_model / "weights.bin").write_bytes(b"first")
    first = store.snapshot(reason="first")
    (workspace.current_model / "weights.bin").write_bytes(b"second")
    second = store.snapshot(reason="second")
    status = empty_status("stopped")
    status["current_version"] = second.id
    write_status(workspace, status)

    # A rollback with no daemon running moves the pointer but writes no status.
    store.rollback()
    assert read_status(workspace)["current_version"] == first.id


def test_status_names_rejected_files(workspace: Workspace) -> None:
    rejected = workspace.inbox / "rejected"
    rejected.mkdir(parents=True, exist_ok=True)
    (rejected / "bad.jsonl").write_text("not json\n")
    (rejected / "bad.jsonl.reason.txt").write_text("rejected: line 1 is not JSON\n")
    result = trainctl(workspace, "status")
    assert result.returncode == 0
    assert "rejected files:  1 in inbox/rejected/, newest 'bad.jsonl'" in result.stdout
    assert "bad.jsonl.reason.txt" in result.stdout


def test_status_error_without_daemon_no_pid(workspace: Workspace) -> None:
    status = empty_status("error")
    status["daemon_pid"] = 2**22 + 12345  # above the default pid_max, so never a live process
    status["last_error"] = "model directory has no config.json"
    write_status(workspace, status)
    result = trainctl(workspace, "status")
    first_line = result.stdout.splitlines()[0]
    assert first_line == "state:           error (no daemon running)"


def test_status_shows_live_queue_length(workspace: Workspace) -> None:
    """The status file is written by the daemon; the queue length is read from the queue itself."""
    from trainer.queue import Queue

    data = workspace.inbox / "extra.jsonl"
    data.write_text('{"text": "hello"}\n')
    queue = Queue(workspace)
    try:
        queue.add(data)
    finally:
        queue.close()
    shown = trainctl(workspace, "status")
    assert "queue length:    1" in shown.stdout
