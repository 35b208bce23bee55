"""Backups: created and read back before being marked verified, verified, restored, deleted."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from models import BackupError, Store, VerificationError
from models.backup import BACKUP_ID
from safeshell.workspace import Workspace
from tests.models.conftest import TINY_MODEL, read_model
from tests.models.mounts import tmpfs


def backup_object(backup_dir: Path, relative: str, record: dict) -> Path:
    entry = next(item for item in record["manifest"]["files"] if item["path"] == relative)
    path = backup_dir / "objects" / entry["sha256"][:2] / entry["sha256"]
    os.chmod(path, 0o644)
    return path


def test_backup_is_verified_and_listed(two_versions: Store) -> None:
    backup = two_versions.create_backup(kind="manual", reason="before experiment")
    assert backup.id == "b0001"
    assert backup.version_id == "v002"
    assert backup.verified
    assert backup.target == two_versions.default_backup_target
    assert [b.id for b in two_versions.backups()] == ["b0001"]
    record = json.loads((backup.target / "b0001" / "backup.json").read_text())
    assert record["verified"] is True
    assert record["manifest"]["version"] == "v002"


def test_backup_to_configured_target(workspace: Workspace, tmp_path: Path) -> None:
    target = tmp_path / "other-disk"
    target.mkdir()
    workspace.config_file.write_text(json.dumps({"backup_target": str(target)}))
    store = Store.for_workspace(workspace)
    store.snapshot(reason="first")
    backup = store.create_backup()
    assert (target / backup.id / "backup.json").is_file()
    assert store.backups()[0].target == target


def test_missing_target_is_rejected(two_versions: Store, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="does not exist") as info:
        two_versions.create_backup(target=tmp_path / "absent")
    assert "backup_target" in (info.value.hint or "")
    assert two_versions.backups() == []


def test_read_only_target_is_rejected(two_versions: Store, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", size_kib=256, read_only=True) as target:
        with pytest.raises(BackupError, match="not writable|failed"):
            two_versions.create_backup(target=target)
    assert two_versions.backups() == []
    assert not list(two_versions.refs_dir.glob("*.json"))


def test_full_target_marks_nothing_verified(two_versions: Store, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "small", size_kib=8) as target:
        with pytest.raises(BackupError, match="failed") as info:
            two_versions.create_backup(target=target)
        assert "free space" in (info.value.hint or "")
        assert os.listdir(target) == []
    assert two_versions.backups() == []


def test_backup_of_corrupt_version_aborts(two_versions: Store) -> None:
    entry = two_versions.get("v002").files[0]
    path = two_versions.objects.path(entry.sha256)
    os.chmod(path, 0o644)
    path.write_bytes(b"rot")
    with pytest.raises(VerificationError, match="backup b0001 aborted"):
        two_versions.create_backup()
    assert two_versions.backups() == []
    assert [n for n in os.listdir(two_versions.default_backup_target) if not n.startswith(".")] == []


def test_corrupt_backup_fails_verify_and_restore(two_versions: Store) -> None:
    backup = two_versions.create_backup()
    directory = backup.target / backup.id
    record = json.loads((directory / "backup.json").read_text())
    path = backup_object(directory, "model.safetensors", record)
    data = bytearray(path.read_bytes())
    data[3] ^= 0x10
    path.write_bytes(bytes(data))

    report = two_versions.verify_backup(backup.id)
    assert [p.kind.value for p in report.problems] == ["altered"]
    assert not two_versions.backups()[0].verified
    with pytest.raises(BackupError, match="not marked verified"):
        two_versions.restore_backup(backup.id)


def test_sample_verify_rotates(two_versions: Store) -> None:
    backup = two_versions.create_backup()
    seen = set()
    for _ in range(3):
        report = two_versions.verify_backup(backup.id, sample_percent=34)
        assert report.ok
        assert report.checked_files == 2  # ceil(3 objects * 34%)
        seen.add(json.loads((two_versions.refs_dir / f"{backup.id}.json").read_text())["sample_offset"])
    assert len(seen) == 3


def test_sample_percent_out_of_range(two_versions: Store) -> None:
    backup = two_versions.create_backup()
    with pytest.raises(BackupError, match="got -5"):
        two_versions.verify_backup(backup.id, sample_percent=-5)


def test_restore_checks_out_backed_up_version(two_versions: Store, workspace: Workspace) -> None:
    backup = two_versions.create_backup("v001")
    version = two_versions.restore_backup(backup.id)
    assert version.id == "v001"
    assert read_model(workspace.current_model) == TINY_MODEL
    assert two_versions.verify().ok


def test_restore_after_version_was_pruned(two_versions: Store, workspace: Workspace) -> None:
    backup = two_versions.create_backup("v001")
    two_versions.prune(1)
    assert two_versions.version_ids() == ["v002"]
    version = two_versions.restore_backup(backup.id)
    assert version.id == "v003"
    assert version.metadata["restored_from"] == {"backup": "b0001", "version": "v001"}
    assert read_model(workspace.current_model) == TINY_MODEL
    assert two_versions.verify().ok


def test_restore_repairs_damaged_objects(two_versions: Store, workspace: Workspace) -> None:
    backup = two_versions.create_backup("v001")
    entry = next(e for e in two_versions.get("v001").files if e.path == "config.json")
    path = two_versions.objects.path(entry.sha256)
    os.chmod(path, 0o644)
    path.write_bytes(b"XX" + path.read_bytes()[2:])
    assert not two_versions.verify("v001").ok
    assert two_versions.restore_backup(backup.id).id == "v001"
    assert two_versions.verify().ok
    assert read_model(workspace.current_model) == TINY_MODEL


def test_delete_backup(two_versions: Store) -> None:
    first = two_versions.create_backup()
    second = two_versions.create_backup("v001")
    two_versions.delete_backup(first.id)
    assert [b.id for b in two_versions.backups()] == [second.id]
    assert not (first.target / first.id).exists()
    with pytest.raises(BackupError, match="no backup 'b0001'"):
        two_versions.delete_backup(first.id)


def test_backup_ids_are_sequential(two_versions: Store) -> None:
    ids = [two_versions.create_backup().id for _ in range(3)]
    assert ids == ["b0001", "b0002", "b0003"]
    assert all(BACKUP_ID.match(backup_id) for backup_id in ids)
