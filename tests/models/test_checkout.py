"""Checkout, rollback and the working copy they build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from models import Store, StoreError, VerificationError, VersionNotFoundError, workcopy
from safeshell.workspace import Workspace
from tests.models.conftest import TINY_MODEL, read_model, write_model
from tests.models.mounts import xfs_with_reflinks


def test_rollback_restores_parent_files(two_versions: Store, workspace: Workspace) -> None:
    version = two_versions.rollback()
    assert version.id == "v001"
    assert read_model(workspace.current_model) == TINY_MODEL
    assert two_versions.current_id() == "v001"
    assert two_versions.events()[-1]["event"] == "checkout"
    assert two_versions.verify().ok


def test_checkout_can_undo_rollback(two_versions: Store, workspace: Workspace) -> None:
    two_versions.rollback()
    two_versions.checkout("v002")
    assert (workspace.current_model / "config.json").read_bytes() == b'{"hidden_size": 16}\n'
    assert two_versions.current_id() == "v002"


def test_drifted_model_becomes_version_first(two_versions: Store, workspace: Workspace) -> None:
    (workspace.current_model / "extra.txt").write_bytes(b"live work")
    two_versions.checkout("v001")
    assert two_versions.version_ids() == ["v001", "v002", "v003"]
    drift = two_versions.get("v003")
    assert drift.parent == "v002"
    assert "extra.txt" in [entry.path for entry in drift.files]
    two_versions.checkout("v003")
    assert (workspace.current_model / "extra.txt").read_bytes() == b"live work"


def test_rollback_after_drift_returns_to_last_version(two_versions: Store, workspace: Workspace) -> None:
    (workspace.current_model / "config.json").write_bytes(b"edited by hand")
    assert two_versions.rollback().id == "v002"
    assert two_versions.version_ids() == ["v001", "v002", "v003"]


def test_working_copy_is_not_linked_to_store(two_versions: Store, workspace: Workspace) -> None:
    two_versions.rollback()
    for entry in two_versions.get("v001").files:
        live = os.stat(workspace.current_model / entry.path)
        stored = os.stat(two_versions.objects.path(entry.sha256))
        assert live.st_ino != stored.st_ino
        assert live.st_nlink == 1
        assert live.st_mode & 0o777 == 0o644


def test_checkout_unknown_version_changes_nothing(two_versions: Store, workspace: Workspace) -> None:
    before = read_model(workspace.current_model)
    with pytest.raises(VersionNotFoundError, match="'v099'"):
        two_versions.checkout("v099")
    assert read_model(workspace.current_model) == before
    assert two_versions.current_id() == "v002"


def test_checkout_rejects_corrupt_version(two_versions: Store, workspace: Workspace) -> None:
    weights = next(e for e in two_versions.get("v001").files if e.path == "model.safetensors")
    path = two_versions.objects.path(weights.sha256)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01
    path.write_bytes(bytes(data))
    before = read_model(workspace.current_model)

    with pytest.raises(VerificationError, match="v001 failed verification") as info:
        two_versions.rollback()
    assert [problem.kind.value for problem in info.value.report.problems] == ["altered"]
    assert "trainctl backups restore" in (info.value.hint or "")
    assert read_model(workspace.current_model) == before
    assert two_versions.current_id() == "v002"
    assert not [name for name in os.listdir(workspace.root) if ".incoming-" in name]


def test_checkout_rejects_missing_object(two_versions: Store, workspace: Workspace) -> None:
    # config.json differs between v001 and v002, so the working copy cannot re-supply it.
    config = next(e for e in two_versions.get("v001").files if e.path == "config.json")
    two_versions.objects.path(config.sha256).unlink()
    with pytest.raises(VerificationError, match="missing"):
        two_versions.checkout("v001")
    assert two_versions.current_id() == "v002"


def test_rollback_of_first_version_is_rejected(store: Store) -> None:
    store.snapshot(reason="first")
    with pytest.raises(StoreError, match="v001 has no parent"):
        store.rollback()


def test_checkout_into_missing_model_directory(two_versions: Store, workspace: Workspace) -> None:
    os.rename(workspace.current_model, workspace.root / "gone")
    two_versions.checkout("v001")
    assert read_model(workspace.current_model) == TINY_MODEL
    assert two_versions.verify().ok


def test_snapshot_after_checkout_hashes_nothing(two_versions: Store) -> None:
    two_versions.rollback()
    cache = two_versions._read_cache()
    assert cache is not None
    assert sorted(cache) == sorted(TINY_MODEL)
    assert two_versions.snapshot(reason="again").id == "v001"


def test_checkout_over_empty_directories(two_versions: Store, workspace: Workspace) -> None:
    for path in sorted(workspace.current_model.rglob("*"), reverse=True):
        if path.is_file():
            path.unlink()
    assert (workspace.current_model / "tokenizer").is_dir()
    two_versions.checkout("v001")
    assert read_model(workspace.current_model) == TINY_MODEL
    assert two_versions.version_ids() == ["v001", "v002"]


def workspace_entries(workspace: Workspace) -> list[str]:
    return sorted(name for name in os.listdir(workspace.root) if name.startswith("current_model"))


def test_replaced_copy_is_removed_after_checkout(two_versions: Store, workspace: Workspace) -> None:
    two_versions.rollback()
    assert workspace_entries(workspace) == ["current_model"]
    workcopy.wait_for_removals()
    assert not workcopy.removals_pending()
    assert os.listdir(two_versions.trash_dir) == []


def test_replaced_copy_removed_in_place_without_trash(two_versions: Store, workspace: Workspace) -> None:
    # A file where the trash directory belongs makes the rename fail, as on another file system.
    two_versions.trash_dir.write_bytes(b"")
    two_versions.rollback()
    workcopy.wait_for_removals()
    assert workspace_entries(workspace) == ["current_model"]
    assert read_model(workspace.current_model) == TINY_MODEL


def test_process_exit_waits_for_removal(two_versions: Store, workspace: Workspace) -> None:
    (workspace.current_model / "model.safetensors").write_bytes(os.urandom(8 << 20))
    two_versions.snapshot(reason="large")
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from models import Store; "
            "Store(Path(sys.argv[1]), Path(sys.argv[2])).checkout('v001')",
            str(two_versions.models_dir),
            str(workspace.current_model),
        ],
        capture_output=True,
        text=True,
    )
    assert child.returncode == 0, child.stderr
    assert os.listdir(two_versions.trash_dir) == []
    assert workspace_entries(workspace) == ["current_model"]
    assert read_model(workspace.current_model) == TINY_MODEL


def test_checkout_of_many_files_verifies_each(store: Store, workspace: Workspace) -> None:
    files = {f"shard-{index:02d}.bin": os.urandom(1000 + index) for index in range(12)}
    write_model(workspace.current_model, files)
    store.snapshot(reason="many files")
    (workspace.current_model / "shard-05.bin").write_bytes(b"changed")
    store.snapshot(reason="one changed")
    damaged = [entry for entry in store.get("v001").files if entry.path in ("shard-03.bin", "shard-09.bin")]
    for entry in damaged:
        path = store.objects.path(entry.sha256)
        os.chmod(path, 0o644)
        path.write_bytes(b"x" + path.read_bytes()[1:])

    with pytest.raises(VerificationError) as info:
        store.checkout("v001")
    problems = info.value.report.problems
    assert [problem.path for problem in problems] == [str(store.objects.path(entry.sha256)) for entry in damaged]
    assert info.value.report.checked_files == len(TINY_MODEL) + len(files)
    assert workspace_entries(workspace) == ["current_model"]
    assert store.current_id() == "v002"


def test_working_copy_is_a_reflink_clone(tmp_path: Path) -> None:
    with xfs_with_reflinks(tmp_path / "xfs", size_mib=512) as root:
        write_model(root / "current_model", {**TINY_MODEL, "model.safetensors": os.urandom(32 << 20)})
        store = Store(root / "models", root / "current_model")
        version = store.snapshot(reason="first")
        incoming = workcopy.incoming_path(store.current_model, version.id)
        free_before = shutil.disk_usage(root).free
        report = workcopy.build_working_copy(store.objects, version, incoming)
        used = free_before - shutil.disk_usage(root).free
        assert report.ok
        assert used < (4 << 20), f"building used {used} bytes; a reflink clone of 32 MiB uses almost none"
        assert read_model(incoming) == read_model(store.current_model)
        weights = next(entry for entry in version.files if entry.path == "model.safetensors")
        assert os.stat(incoming / "model.safetensors").st_ino != os.stat(store.objects.path(weights.sha256)).st_ino
        with open(incoming / "model.safetensors", "r+b") as handle:
            handle.write(b"rewritten in place")
        assert store.objects.check(weights.sha256, weights.size) is None
