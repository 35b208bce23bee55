"""Fixtures for the monitor tests: workspaces and monitors on ephemeral ports."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from monitor_workspace import Client, TrainingWorkspace, build_training_workspace

from safeshell.workspace import Workspace
from trainer.monitor import MonitorServer


@pytest.fixture
def training(tmp_path: Path) -> TrainingWorkspace:
    return build_training_workspace(tmp_path / "ws", daemon_pid=os.getpid())


@pytest.fixture
def empty_workspace(tmp_path: Path) -> Workspace:
    """A directory with only a policy file: no state database, store, status or logs."""
    root = tmp_path / "empty"
    root.mkdir()
    (root / "safeshell.yaml").write_text("extends: default\n", encoding="utf-8")
    return Workspace(root.resolve())


@pytest.fixture
def serve() -> Iterator[Callable[[Workspace], Client]]:
    """Start monitors on ephemeral ports; each is shut down after the test."""
    servers: list[tuple[MonitorServer, threading.Thread]] = []

    def start(workspace: Workspace) -> Client:
        server = MonitorServer(workspace, port=0)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        servers.append((server, thread))
        return Client(server)

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
