"""The daemon without training: lock, idle controls, held queue, pre-flight failures."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

from safeshell.workspace import Workspace
from trainer.queue import Queue
from trainer.status import read_status

from tests.trainer.conftest import daemon_log, start_daemon, trainctl, wait_for, write_config


def queue_one(workspace: Workspace) -> None:
    (workspace.inbox / "a.jsonl").write_text(json.dumps({"text": "some text"}) + "\n")
    Queue(workspace).add(workspace.inbox / "a.jsonl")


def test_second_daemon_rejected_then_stop(workspace: Workspace) -> None:
    daemon = start_daemon(workspace)
    try:
        wait_for(lambda: read_status(workspace)["daemon_pid"] == daemon.pid, timeout=60, what="daemon start")
        second = trainctl(workspace, "daemon", "--once")
        assert second.returncode == 1
        assert f"another daemon (pid {daemon.pid})" in second.stderr

        stop = trainctl(workspace, "stop", "--wait", "--timeout", "60")
        assert stop.returncode == 0, stop.stderr
        assert "stop acknowledged" in stop.stdout
        assert daemon.wait(timeout=60) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
    assert read_status(workspace)["state"] == "stopped"
    assert not (workspace.control_dir / "stop").exists()
    log = daemon_log(workspace)
    assert "control stop acknowledged" in log


def test_stale_lock_of_dead_daemon_released(workspace: Workspace) -> None:
    (workspace.state_dir / "daemon.lock").write_text("999999999\n")
    result = trainctl(workspace, "daemon", "--once")
    assert result.returncode == 0, result.stderr


def test_unaccepted_config_holds_queue(workspace: Workspace) -> None:
    queue_one(workspace)
    write_config(workspace, {"learning_rate": 0.5}, accept=False)
    result = trainctl(workspace, "daemon", "--once")
    assert result.returncode == 78
    assert "critical keys changed without acceptance (learning_rate: 0.0005 -> 0.5)" in result.stderr
    assert [entry.state for entry in Queue(workspace).list()] == ["queued"]
    assert (workspace.inbox / "a.jsonl").exists()


def test_invalid_config_holds_queue(workspace: Workspace) -> None:
    queue_one(workspace)
    write_config(workspace, {"batch_size": 0}, accept=False)
    result = trainctl(workspace, "daemon", "--once")
    assert result.returncode == 78
    status = read_status(workspace)
    assert status["state"] == "error"
    assert "key 'batch_size': invalid value 0" in status["last_error"]
    assert [entry.state for entry in Queue(workspace).list()] == ["queued"]


def test_broken_model_holds_queue(workspace: Workspace) -> None:
    queue_one(workspace)
    model = workspace.current_model
    (model / "config.json").write_text(json.dumps({"model_type": "llama"}))
    (model / "tokenizer.json").write_text("{}")
    (model / "model.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\": ")
    result = trainctl(workspace, "daemon", "--once")
    assert result.returncode == 1
    status = read_status(workspace)
    assert "model.safetensors" in status["last_error"]
    assert "corrupt header" in status["last_error"]
    assert [entry.state for entry in Queue(workspace).list()] == ["queued"]


def test_idle_pause_holds_until_resume(workspace: Workspace) -> None:
    pause = trainctl(workspace, "pause")
    assert pause.returncode == 0
    queue_one(workspace)
    held = trainctl(workspace, "daemon", "--once")
    assert held.returncode == 0
    assert read_status(workspace)["state"] == "paused"
    assert [entry.state for entry in Queue(workspace).list()] == ["queued"]
    trainctl(workspace, "resume")
    assert not (workspace.control_dir / "pause").exists()


def test_status_and_queue_commands(workspace: Workspace) -> None:
    queue_one(workspace)
    listing = trainctl(workspace, "queue", "list", "--json")
    assert [entry["state"] for entry in json.loads(listing.stdout)] == ["queued"]
    status = trainctl(workspace, "status", "--json")
    assert json.loads(status.stdout)["state"] == "stopped"
    usage = subprocess.run([sys.executable, "-m", "trainer.cli.main", "queue", "frobnicate"],
                           capture_output=True, text=True)
    assert usage.returncode == 64


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_signal_stops_idle_daemon(workspace: Workspace, signum: signal.Signals) -> None:
    daemon = start_daemon(workspace)
    try:
        wait_for(lambda: read_status(workspace)["daemon_pid"] == daemon.pid, timeout=60, what="daemon start")
        daemon.send_signal(signum)
        assert daemon.wait(timeout=60) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
    assert read_status(workspace)["state"] == "stopped"
    log = daemon_log(workspace)
    assert f"signal {signum.name} received: stopping" in log
