"""``trainctl init-model``: the built-in model as v001, and base models that do not load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models import Store
from safeshell.workspace import Workspace

from tests.trainer.conftest import trainctl, write_config


@pytest.mark.slow
def test_builtin_model_recorded_as_v001(model_template: Path) -> None:
    workspace = Workspace(model_template)
    version = Store.for_workspace(workspace).current()
    assert version.id == "v001"
    assert 1_000_000 <= version.metadata["parameters"] <= 5_000_000
    names = {path.name for path in workspace.current_model.iterdir()}
    assert {"config.json", "model.safetensors", "tokenizer.json", "chat_template.jinja"} <= names


def test_nonempty_current_model_rejected(workspace: Workspace) -> None:
    (workspace.current_model / "config.json").write_text("{}")
    result = trainctl(workspace, "init-model")
    assert result.returncode == 1
    assert "already has files" in result.stderr


def test_missing_base_model_named(workspace: Workspace, tmp_path: Path) -> None:
    write_config(workspace, {"base_model": str(tmp_path / "absent")})
    result = trainctl(workspace, "init-model")
    assert result.returncode == 1
    assert f"base_model {str(tmp_path / 'absent')!r}" in result.stderr
    assert list(workspace.current_model.iterdir()) == []


@pytest.mark.slow
def test_unloadable_base_model_named(workspace: Workspace, tmp_path: Path) -> None:
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text(json.dumps({"model_type": "llama", "vocab_size": 10}))
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    write_config(workspace, {"base_model": str(broken)})
    result = trainctl(workspace, "init-model")
    assert result.returncode == 1
    assert f"model directory {str(broken)!r} does not load" in result.stderr
    assert list(workspace.current_model.iterdir()) == []
    assert not (workspace.models_dir / "versions").exists() or not any((workspace.models_dir / "versions").iterdir())
