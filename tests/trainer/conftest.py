"""Fixtures for the training system: real workspaces, a real built-in model, real data."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from safeshell.cli.init_cmd import create_layout
from safeshell.workspace import Workspace
from trainer.config import load_config, record_accepted
from trainer.corpus import docstrings
from trainer.status import read_status

# Small enough for two busy CPU cores: each job trains for a few seconds.
# One intra-op thread per process: on a shared machine, torch's spinning worker threads slow a job down
# about threefold (measured: 20 steps of the built-in model, 2.9 s with one thread, 9.7 s with two).
JOB_ENVIRONMENT = {**os.environ, "OMP_NUM_THREADS": "1"}
TINY_TRAINING = {"max_steps": 16, "save_steps": 4, "logging_steps": 2, "batch_size": 4, "max_length": 48,
                 "learning_rate": 0.002, "warmup_steps": 0}


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A fresh workspace without a model."""
    root = tmp_path / "ws"
    create_layout(root)
    return Workspace(root.resolve())


@pytest.fixture(scope="session")
def model_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace whose current_model/ is the built-in model as v001 (built once per session)."""
    root = tmp_path_factory.mktemp("template") / "ws"
    create_layout(root)
    result = subprocess.run([sys.executable, "-m", "trainer.cli.main", "init-model", "--workspace", str(root)],
                            capture_output=True, text=True, timeout=300, env=JOB_ENVIRONMENT)
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def trained_workspace(tmp_path: Path, model_template: Path) -> Workspace:
    """A workspace with the built-in model and the tiny training config, accepted."""
    root = tmp_path / "ws"
    shutil.copytree(model_template, root, symlinks=True)
    workspace = Workspace(root.resolve())
    write_config(workspace, TINY_TRAINING)
    return workspace


def write_config(workspace: Workspace, changes: dict[str, Any], *, accept: bool = True) -> None:
    config = json.loads(workspace.config_file.read_text())
    config.update(changes)
    workspace.config_file.write_text(json.dumps(config, indent=2))
    if accept:
        record_accepted(workspace, load_config(workspace), accepted_by="test")


def write_docstring_data(path: Path, count: int = 48, offset: int = 0) -> Path:
    """Write ``count`` standard-library docstrings as {"text"} records."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        for text in itertools.islice(docstrings(), offset, offset + count):
            handle.write(json.dumps({"text": text}) + "\n")
    return path


def trainctl(workspace: Workspace, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trainer.cli.main", *args, "--workspace", str(workspace.root)],
                          capture_output=True, text=True, timeout=timeout, env=JOB_ENVIRONMENT)


def start_daemon(workspace: Workspace, *args: str) -> subprocess.Popen[str]:
    log = open(workspace.root / "daemon.out", "a")
    return subprocess.Popen([sys.executable, "-m", "trainer.cli.main", "daemon", "--poll", "0.1",
                             "--workspace", str(workspace.root), *args],
                            stdout=log, stderr=subprocess.STDOUT, text=True, env=JOB_ENVIRONMENT)


def daemon_log(workspace: Workspace) -> str:
    """Return every daemon log of the workspace, oldest day first (a run may cross midnight)."""
    return "".join(path.read_text() for path in sorted(workspace.logs_dir.glob("daemon_*.log")))


def wait_for(condition: Callable[[], Any], *, timeout: float, what: str) -> Any:
    """Poll ``condition`` until it returns a true value; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def wait_for_step(workspace: Workspace, step: int, timeout: float = 240) -> dict[str, Any]:
    def reached() -> dict[str, Any] | None:
        status = read_status(workspace)
        job = status.get("job") or {}
        return status if status["state"] == "training" and (job.get("step") or 0) >= step else None

    return wait_for(reached, timeout=timeout, what=f"training step {step}")


def daemon_output(workspace: Workspace) -> str:
    path = workspace.root / "daemon.out"
    return path.read_text() if path.exists() else ""


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False
