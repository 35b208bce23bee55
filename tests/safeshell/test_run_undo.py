"""Pre-operation snapshots: an approved destructive command can be undone."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from run_fixtures import MODEL_FILES, make_workspace, read_tree

from safeshell import audit, undo
from safeshell.operations import Operation, OperationKind
from safeshell.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws")


def _operation(kind: OperationKind, *paths: Path, resolved: bool = True) -> Operation:
    return Operation(kind, paths=tuple(str(path) for path in paths), source="test", resolved=resolved)


def test_model_delete_snapshots_through_store(workspace: Workspace) -> None:
    from models import Store

    (workspace.current_model / "model.safetensors").write_bytes(b"trained for weeks")
    snapshot = undo.take_snapshot(
        workspace, [_operation(OperationKind.DELETE, workspace.current_model)], snapshot_id="a1b2c3d4", reason="test"
    )
    assert snapshot is not None
    assert snapshot.model_version == "v002"
    shutil.rmtree(workspace.current_model)

    Store.for_workspace(workspace).checkout("v002")

    assert read_tree(workspace.current_model)["model.safetensors"] == b"trained for weeks"
    assert "undo with 'trainctl versions restore v002'" in snapshot.restore_hint(workspace)
    entries = [entry for entry in audit.read_entries(workspace) if entry["event"] == "snapshot"]
    assert [(entry["snapshot"], entry["model_version"]) for entry in entries] == [("a1b2c3d4", "v002")]


def test_unchanged_model_reuses_version(workspace: Workspace) -> None:
    snapshot = undo.take_snapshot(
        workspace, [_operation(OperationKind.DELETE, workspace.current_model)], snapshot_id="a1", reason="test"
    )
    assert snapshot.model_version == "v001"


def test_deleted_files_kept_as_hard_links(workspace: Workspace) -> None:
    backups = workspace.models_dir / "backups" / "b0001"
    backups.mkdir(parents=True)
    (backups / "blob").write_bytes(b"backup data")

    snapshot = undo.take_snapshot(
        workspace, [_operation(OperationKind.DELETE, backups)], snapshot_id="b1", reason="test"
    )

    kept = snapshot.files_dir / "models" / "backups" / "b0001" / "blob"
    assert os.stat(kept).st_ino == os.stat(backups / "blob").st_ino
    assert snapshot.model_version is None
    shutil.rmtree(backups)
    assert kept.read_bytes() == b"backup data"


def test_overwritten_file_kept_as_copy(workspace: Workspace) -> None:
    original = workspace.config_file.read_bytes()
    snapshot = undo.take_snapshot(
        workspace, [_operation(OperationKind.WRITE, workspace.config_file)], snapshot_id="c1", reason="test"
    )
    kept = snapshot.files_dir / "config.json"
    assert os.stat(kept).st_ino != os.stat(workspace.config_file).st_ino
    workspace.config_file.write_text("{}")
    assert kept.read_bytes() == original


def test_unresolved_operation_snapshots_model_and_config(workspace: Workspace) -> None:
    plan = undo.plan_snapshot(workspace, [_operation(OperationKind.EXEC_DYNAMIC, resolved=False)])
    assert plan.model
    assert plan.model_files == len(MODEL_FILES)
    assert list(plan.copy) == ["config.json"]


def test_reads_need_no_snapshot(workspace: Workspace) -> None:
    operations = [_operation(OperationKind.READ, workspace.current_model)]
    assert undo.plan_snapshot(workspace, operations).empty
    assert undo.take_snapshot(workspace, operations, snapshot_id="d1", reason="test") is None


def test_parent_delete_covers_model(workspace: Workspace) -> None:
    plan = undo.plan_snapshot(workspace, [_operation(OperationKind.DELETE, workspace.root)])
    assert plan.model
    assert "config.json" in plan.link
    assert not any(path.startswith(".safeshell") or path.startswith("current_model") for path in plan.link)
