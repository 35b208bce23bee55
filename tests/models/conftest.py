"""Fixtures for the model store: a throwaway workspace with a tiny model directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models import Store
from safeshell.workspace import Workspace

TINY_MODEL = {
    "config.json": b'{"hidden_size": 8}\n',
    "model.safetensors": bytes(range(256)) * 64,
    "tokenizer/vocab.json": b'{"a": 0, "b": 1}\n',
}


def write_model(directory: Path, files: dict[str, bytes]) -> None:
    for relative, content in files.items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def read_model(directory: Path) -> dict[str, bytes]:
    """Map each file under ``directory`` (relative POSIX path) to its bytes."""
    found = {}
    for root, _dirs, names in os.walk(directory):
        for name in names:
            path = Path(root) / name
            found[path.relative_to(directory).as_posix()] = path.read_bytes()
    return found


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "safeshell.yaml").write_text("extends: default\n")
    write_model(root / "current_model", TINY_MODEL)
    return Workspace(root=root)


@pytest.fixture
def store(workspace: Workspace) -> Store:
    return Store.for_workspace(workspace)


@pytest.fixture
def two_versions(store: Store, workspace: Workspace) -> Store:
    """A store with v001 (TINY_MODEL) and v002 (config.json changed), v002 current."""
    store.snapshot(reason="first")
    (workspace.current_model / "config.json").write_bytes(b'{"hidden_size": 16}\n')
    store.snapshot(reason="second")
    return store
