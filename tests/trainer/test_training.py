"""Training end to end with the built-in model: versions, control, recovery, bit-exact resume.

Every job trains the same data with the same arguments, so every path (plain,
stopped and resumed, killed and recovered) must produce the same weights.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest

from models import Store
from safeshell.workspace import Workspace
from trainer import control
from trainer.checkpoints import MARKER, read_marker
from trainer.queue import Queue
from trainer.status import read_status

from tests.trainer.conftest import (TINY_TRAINING, daemon_log, daemon_output, start_daemon, trainctl, wait_for,
                                    wait_for_step, write_config, write_docstring_data)

pytestmark = pytest.mark.slow

WEIGHTS = "model.safetensors"


def job_dir(workspace: Workspace, entry_id: int) -> Path:
    return workspace.state_dir / "jobs" / f"job-{entry_id:04d}"


def weights(workspace: Workspace) -> bytes:
    return (workspace.current_model / WEIGHTS).read_bytes()


def acknowledged(workspace: Workspace, request: control.ControlRequest) -> bool:
    return control.wait_for_ack(workspace, request.action, 240, request_id=request.request_id)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory, model_template: Path) -> Workspace:
    """One uninterrupted run of the daemon on docstring data, next to a vanished and an invalid file."""
    root = tmp_path_factory.mktemp("reference") / "ws"
    shutil.copytree(model_template, root, symlinks=True)
    workspace = Workspace(root.resolve())
    write_config(workspace, TINY_TRAINING)

    vanishing = write_docstring_data(workspace.inbox / "vanishing.jsonl", count=4)
    Queue(workspace).add(vanishing, "high")
    vanishing.unlink()
    (workspace.inbox / "broken.jsonl").write_bytes(b'{"text": "fine"}\n{"text": "cut off\n')
    write_docstring_data(workspace.inbox / "docs.jsonl")

    result = trainctl(workspace, "daemon", "--once")
    assert result.returncode == 0, result.stderr
    return workspace


def test_training_records_new_version(reference: Workspace, model_template: Path) -> None:
    workspace = reference
    store = Store.for_workspace(workspace)
    version = store.current()
    assert version.id == "v002"
    assert version.parent == "v001"
    metadata = version.metadata
    assert metadata["steps"] == TINY_TRAINING["max_steps"]
    assert metadata["tokens"] > 0
    assert metadata["data_files"][0]["file"] == "docs.jsonl"
    assert len(metadata["data_files"][0]["sha256"]) == 64
    assert metadata["loss"]["last"] < metadata["loss"]["first"]
    assert metadata["final_loss"] == metadata["loss"]["last"]
    assert metadata["libraries"]["torch"]
    assert metadata["started_at"] < metadata["ended_at"]

    assert weights(workspace) != (model_template / "current_model" / WEIGHTS).read_bytes()
    assert (workspace.inbox / "done" / "docs.jsonl").exists()
    assert store.verify().ok

    history = {entry.name: entry for entry in Queue(workspace).history()}
    assert history["vanishing.jsonl"].state == "missing"
    assert "disappeared while queued" in history["vanishing.jsonl"].error
    assert history["docs.jsonl"].state == "done"
    reason = (workspace.inbox / "rejected" / "broken.jsonl.reason.txt").read_text()
    assert "line: 2" in reason
    assert "not JSON" in reason

    status = read_status(workspace)
    assert status["current_version"] == "v002"
    assert status["loss_history"][-1][0] == TINY_TRAINING["max_steps"]


def test_stop_then_resume_is_bit_identical(trained_workspace: Workspace, reference: Workspace) -> None:
    workspace = trained_workspace
    before = weights(workspace)
    write_docstring_data(workspace.inbox / "docs.jsonl")
    daemon = start_daemon(workspace)
    try:
        wait_for_step(workspace, 2)
        request = control.request(workspace, "stop")
        assert acknowledged(workspace, request), daemon_output(workspace)
        assert daemon.wait(timeout=120) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()

    status = read_status(workspace)
    assert status["state"] == "stopped"
    step = status["job"]["step"]
    assert step < TINY_TRAINING["max_steps"]
    checkpoint = job_dir(workspace, 1) / "output" / f"checkpoint-{step}"
    assert read_marker(checkpoint).world_size == 1
    assert weights(workspace) == before
    entry = Queue(workspace).list()[0]
    assert (entry.state, entry.head) == ("queued", True)

    result = trainctl(workspace, "daemon", "--once")
    assert result.returncode == 0, result.stderr
    assert json.loads((job_dir(workspace, 1) / "result.json").read_text())["resumed_from"] == str(checkpoint)
    assert weights(workspace) == weights(reference)


def test_pause_holds_queue_and_skip_keeps_model(trained_workspace: Workspace) -> None:
    workspace = trained_workspace
    before = weights(workspace)
    write_docstring_data(workspace.inbox / "a.jsonl")
    write_docstring_data(workspace.inbox / "b.jsonl", offset=48)
    daemon = start_daemon(workspace)
    try:
        wait_for_step(workspace, 2)
        pause = control.request(workspace, "pause")
        assert acknowledged(workspace, pause)
        wait_for(lambda: read_status(workspace)["state"] == "paused" and read_status(workspace)["job"] is not None
                 and Queue(workspace).running() == [], timeout=120, what="the paused job to exit")
        entries = Queue(workspace).list()
        assert [(entry.name, entry.state) for entry in entries] == [("a.jsonl", "queued"), ("b.jsonl", "queued")]
        assert entries[0].head

        resume = control.request(workspace, "resume")
        assert acknowledged(workspace, resume)
        wait_for(lambda: Queue(workspace).running(), timeout=120, what="the job to restart")
        wait_for_step(workspace, 2)
        skip = control.request(workspace, "skip")
        assert acknowledged(workspace, skip)
        # Requested while the skipped job exits, so the daemon stops before it starts b.jsonl.
        stop = control.request(workspace, "stop")
        assert acknowledged(workspace, stop)
        assert daemon.wait(timeout=120) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
    assert (workspace.inbox / "skipped" / "a.jsonl").exists()
    assert [(entry.name, entry.state) for entry in Queue(workspace).list()] == [("b.jsonl", "queued")]
    assert weights(workspace) == before
    assert Store.for_workspace(workspace).current_id() == "v001"
    log = daemon_log(workspace)
    for line in ("control pause carried out", "control resume received", "control skip carried out",
                 "control stop acknowledged"):
        assert line in log


def test_killed_job_resumes_from_checkpoint(trained_workspace: Workspace, reference: Workspace) -> None:
    workspace = trained_workspace
    write_docstring_data(workspace.inbox / "docs.jsonl")
    daemon = start_daemon(workspace, "--once")
    try:
        wait_for(lambda: (job_dir(workspace, 1) / "output" / "checkpoint-4" / MARKER).exists(), timeout=240,
                 what="the first complete checkpoint")
        job_pid = wait_for_step(workspace, 5)["job"]["pid"]
        os.kill(job_pid, signal.SIGKILL)
        assert daemon.wait(timeout=300) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
    result = json.loads((job_dir(workspace, 1) / "result.json").read_text())
    assert result["outcome"] == "completed"
    assert result["resumed_from"] is not None
    log = daemon_log(workspace)
    assert "job 1 interrupted" in log
    assert weights(workspace) == weights(reference)


def test_killed_daemon_recovered_by_next(trained_workspace: Workspace, reference: Workspace) -> None:
    workspace = trained_workspace
    before = weights(workspace)
    write_docstring_data(workspace.inbox / "docs.jsonl")
    daemon = start_daemon(workspace)
    try:
        wait_for_step(workspace, 2)
        daemon.kill()
        daemon.wait(timeout=60)
    finally:
        if daemon.poll() is None:
            daemon.kill()
    assert weights(workspace) == before
    assert Store.for_workspace(workspace).verify().ok

    # The orphaned job saves a checkpoint when it sees the daemon gone; the next daemon waits for it.
    result = trainctl(workspace, "daemon", "--once")
    assert result.returncode == 0, result.stderr
    log = daemon_log(workspace)
    assert "interrupted by the previous daemon's exit" in log
    assert json.loads((job_dir(workspace, 1) / "result.json").read_text())["resumed_from"] is not None
    assert weights(workspace) == weights(reference)


def test_torchrun_two_processes_stop_resume(trained_workspace: Workspace) -> None:
    workspace = trained_workspace
    write_config(workspace, {"launcher": "torchrun", "num_processes": 2, "max_steps": 6})
    write_docstring_data(workspace.inbox / "docs.jsonl")
    daemon = start_daemon(workspace)
    try:
        wait_for_step(workspace, 2, timeout=300)
        request = control.request(workspace, "stop")
        assert acknowledged(workspace, request), daemon_output(workspace)
        assert daemon.wait(timeout=120) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
    step = read_status(workspace)["job"]["step"]
    marker = read_marker(job_dir(workspace, 1) / "output" / f"checkpoint-{step}")
    assert marker.world_size == 2
    assert "rng_state_1.pth" in marker.files

    write_config(workspace, {"launcher": "python"})
    refused = trainctl(workspace, "daemon", "--once")
    assert refused.returncode == 1
    assert "written by 2 processes, this job runs 1" in read_status(workspace)["last_error"]

    write_config(workspace, {"launcher": "torchrun", "num_processes": 2})
    resumed = trainctl(workspace, "daemon", "--once")
    assert resumed.returncode == 0, resumed.stderr
    assert Store.for_workspace(workspace).current_id() == "v002"


def test_failed_job_keeps_model_and_file(trained_workspace: Workspace) -> None:
    workspace = trained_workspace
    before = weights(workspace)
    write_config(workspace, {"max_length": 8})
    # Each prompt fills max_length, so no completion token is left to train on.
    record = {"prompt": "a prompt that is much longer than eight tokens " * 4, "completion": "yes"}
    (workspace.inbox / "masked.jsonl").write_text(json.dumps(record) + "\n")
    result = trainctl(workspace, "daemon", "--once")
    assert result.returncode == 0, result.stderr

    assert weights(workspace) == before
    failed = workspace.inbox / "failed" / "masked.jsonl"
    assert json.loads(failed.read_text()) == record
    reason = (workspace.inbox / "failed" / "masked.jsonl.reason.txt").read_text()
    assert "no record has a token left to train on" in reason
    entry = Queue(workspace).history()[0]
    assert entry.state == "failed"
    assert "max_length" in read_status(workspace)["last_error"]
    log = daemon_log(workspace)
    assert "job 1 failed" in log
