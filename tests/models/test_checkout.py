"""Checkout, rollback and the working copy they build."""

from __future__ import annotations

import os

import pytest

from models import Store, StoreError, VerificationError, VersionNotFoundError
from safeshell.workspace import Workspace
from tests.models.conftest import TINY_MODEL, read_model


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
