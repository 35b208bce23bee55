"""Fixtures for hook tests: a real workspace and recorded host payloads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from safeshell.cli.init_cmd import create_layout
from safeshell.workspace import Workspace

DATA = Path(__file__).resolve().parents[2] / "data" / "hooks"


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A workspace made by ``safeshell init`` (no model build) with one model file."""
    root = tmp_path / "ws"
    create_layout(root)
    (root / "current_model" / "model.safetensors").write_bytes(b"weights")
    (root / "current_model" / "config.json").write_text('{"n_layer": 2}\n')
    return Workspace(root=Path(os.path.realpath(root)))


@pytest.fixture
def sample(workspace: Workspace) -> Callable[[str, str], dict[str, Any]]:
    """Load a recorded payload with ``${WORKSPACE}`` replaced by the workspace root."""

    def load(host: str, name: str) -> dict[str, Any]:
        text = (DATA / host / f"{name}.json").read_text(encoding="utf-8")
        return json.loads(text.replace("${WORKSPACE}", str(workspace.root)))

    return load


@pytest.fixture
def hook_process(venv_bin: Path) -> Callable[..., subprocess.CompletedProcess[bytes]]:
    """Run the real ``safeshell hook HOST`` as the host would, payload on stdin."""

    def run(host: str, payload: bytes | dict[str, Any], *args: str, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
        raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
        script = venv_bin / "safeshell"
        argv = [str(script)] if script.exists() else [sys.executable, "-m", "safeshell.cli.main"]
        return subprocess.run(
            [*argv, "hook", host, *args],
            input=raw,
            capture_output=True,
            env={**os.environ, **(env or {})},
            timeout=timeout,
            check=False,
        )

    return run

