"""Verify after execute: stray changes to protected files are detected and undone."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from run_fixtures import MODEL_FILES, make_workspace, read_tree

from safeshell import verify_after
from safeshell.workspace import Workspace

CRITICAL = frozenset({"learning_rate", "batch_size"})


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws")


def _verify(workspace: Workspace, change) -> verify_after.VerifyReport:
    record = verify_after.take_record(workspace)
    change()
    return verify_after.verify_and_restore(record, critical_keys=CRITICAL)


def _verify_dir(workspace: Workspace) -> list[str]:
    directory = workspace.state_dir / "verify"
    return sorted(entry.name for entry in directory.iterdir()) if directory.is_dir() else []


def test_unchanged_state_leaves_no_record(workspace: Workspace) -> None:
    report = _verify(workspace, lambda: None)
    assert not report.changed
    assert _verify_dir(workspace) == []


def test_store_backed_record_touches_nothing(workspace: Workspace) -> None:
    weights = workspace.current_model / "model.safetensors"
    before = os.stat(weights)
    record = verify_after.take_record(workspace)
    assert not Path(record.directory).exists()
    assert all(state.digest and not state.linked for state in record.model_files.values())
    verify_after.discard(record)
    # ctime unchanged: the store's stat cache still matches, so no re-hash.
    assert os.stat(weights).st_ctime_ns == before.st_ctime_ns


def test_drifted_file_hard_linked(workspace: Workspace) -> None:
    weights = workspace.current_model / "model.safetensors"
    weights.write_bytes(b"drifted from v001")
    record = verify_after.take_record(workspace)
    linked = Path(record.directory) / "model" / "model.safetensors"
    assert os.stat(linked).st_ino == os.stat(weights).st_ino
    assert record.model_files["model.safetensors"].digest is None
    verify_after.discard(record)
    assert os.stat(weights).st_nlink == 1


@pytest.mark.parametrize("record_version", [True, False], ids=["store-backed", "hard-linked"])
def test_deleted_model_restored(tmp_path: Path, record_version: bool) -> None:
    import shutil

    workspace = make_workspace(tmp_path / "ws", record_version=record_version)
    modes = {name: os.stat(workspace.current_model / name).st_mode for name in MODEL_FILES}
    report = _verify(workspace, lambda: shutil.rmtree(workspace.current_model))

    assert read_tree(workspace.current_model) == MODEL_FILES
    assert sorted(report.restored) == [f"current_model/{name}" for name in sorted(MODEL_FILES)]
    assert report.unrestorable == []
    # Restored files share their inode with nothing else.
    assert {os.stat(workspace.current_model / name).st_nlink for name in MODEL_FILES} == {1}
    assert {name: os.stat(workspace.current_model / name).st_mode for name in MODEL_FILES} == modes


def test_moved_model_restored_as_copy(workspace: Workspace) -> None:
    moved = workspace.root / "old_model"
    report = _verify(workspace, lambda: os.rename(workspace.current_model, moved))

    assert read_tree(workspace.current_model) == MODEL_FILES
    assert read_tree(moved) == MODEL_FILES
    weights = "model.safetensors"
    assert os.stat(workspace.current_model / weights).st_ino != os.stat(moved / weights).st_ino
    assert len(report.restored) == len(MODEL_FILES)


def test_replaced_file_restored_and_kept_aside(workspace: Workspace) -> None:
    weights = workspace.current_model / "model.safetensors"

    def replace() -> None:
        replacement = workspace.root / "junk.bin"
        replacement.write_bytes(b"junk")
        os.replace(replacement, weights)

    report = _verify(workspace, replace)

    assert weights.read_bytes() == MODEL_FILES["model.safetensors"]
    assert report.displaced == ["current_model/model.safetensors"]
    assert (Path(report.record_dir) / "displaced" / "current_model" / "model.safetensors").read_bytes() == b"junk"


def test_added_file_moved_aside(workspace: Workspace) -> None:
    extra = workspace.current_model / "extra.bin"
    report = _verify(workspace, lambda: extra.write_bytes(b"x"))
    assert not extra.exists()
    assert report.displaced == ["current_model/extra.bin"]


def test_in_place_write_named_with_version(workspace: Workspace) -> None:
    weights = workspace.current_model / "model.safetensors"

    def overwrite() -> None:
        with weights.open("r+b") as handle:
            handle.write(b"\0" * 100)

    report = _verify(workspace, overwrite)

    assert report.unrestorable == ["current_model/model.safetensors"]
    assert report.rollback_version == "v001"
    message = verify_after.render_report(report, "python corrupt.py")
    assert "NOT restored (changed in place): current_model/model.safetensors" in message
    assert "trainctl versions restore v001" in message


def test_critical_config_change_restored(workspace: Workspace) -> None:
    original = workspace.config_file.read_bytes()

    def edit() -> None:
        config = json.loads(original)
        config["learning_rate"] = 0.5
        workspace.config_file.write_text(json.dumps(config))

    report = _verify(workspace, edit)
    assert workspace.config_file.read_bytes() == original
    assert report.restored == ["config.json"]


def test_noncritical_config_change_kept(workspace: Workspace) -> None:
    config = json.loads(workspace.config_file.read_bytes())
    config["logging_steps"] = 99

    report = _verify(workspace, lambda: workspace.config_file.write_text(json.dumps(config)))

    assert json.loads(workspace.config_file.read_bytes())["logging_steps"] == 99
    assert not report.changed
    assert report.accepted == ["config.json (keys logging_steps)"]


def test_policy_file_change_restored(workspace: Workspace) -> None:
    original = workspace.policy_file.read_bytes()
    report = _verify(workspace, lambda: workspace.policy_file.write_text("rules: []\n"))
    assert workspace.policy_file.read_bytes() == original
    assert report.restored == ["safeshell.yaml"]


def test_store_checkout_not_reverted(workspace: Workspace) -> None:
    from models import Store

    store = Store.for_workspace(workspace)
    (workspace.current_model / "model.safetensors").write_bytes(b"trained further")
    store.snapshot(reason="v002")

    report = _verify(workspace, lambda: store.checkout("v001"))

    assert not report.changed
    assert report.store_changed
    assert read_tree(workspace.current_model) == MODEL_FILES


def test_removed_backup_reported(workspace: Workspace) -> None:
    import shutil

    backup = workspace.models_dir / "backups" / "b0001"
    backup.mkdir(parents=True)
    (backup / "backup.json").write_text("{}")

    report = _verify(workspace, lambda: shutil.rmtree(backup))

    assert report.lost == ["models/backups/b0001"]
    assert report.changed
    assert "REMOVED, cannot be restored from the record: models/backups/b0001" in verify_after.render_report(
        report, "trainctl backups delete b0001"
    )


def test_new_version_not_reported(workspace: Workspace) -> None:
    from models import Store

    (workspace.current_model / "model.safetensors").write_bytes(b"new weights")
    report = _verify(workspace, lambda: Store.for_workspace(workspace).snapshot(reason="v002"))
    assert not report.changed


def test_discard_removes_links_without_following(workspace: Workspace, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("kept")
    record = verify_after.take_record(workspace)
    record_dir = Path(record.directory)
    (record_dir / "model" / "nested").mkdir(parents=True, exist_ok=True)
    (record_dir / "model" / "nested" / "file").write_text("x")
    (record_dir / "model" / "outside-link").symlink_to(outside, target_is_directory=True)
    verify_after.discard(record)
    assert not record_dir.exists()
    assert (outside / "keep.txt").read_text() == "kept"
