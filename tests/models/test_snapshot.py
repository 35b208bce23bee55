"""Recording current_model/ and training output directories as versions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models import ModelDirectoryError, Store, VersionNotFoundError
from safeshell.workspace import Workspace
from tests.models.conftest import TINY_MODEL, write_model


def object_count(store: Store) -> int:
    return sum(1 for _ in store.objects.digests())


def test_first_snapshot_records_every_file(store: Store) -> None:
    version = store.snapshot(reason="first")
    assert version.id == "v001"
    assert version.parent is None
    assert [entry.path for entry in version.files] == sorted(TINY_MODEL)
    assert version.total_bytes == sum(len(content) for content in TINY_MODEL.values())
    assert store.current_id() == "v001"
    assert store.events()[-1]["to"] == "v001"


def test_unchanged_snapshot_returns_current_version(store: Store) -> None:
    first = store.snapshot(reason="first")
    again = store.snapshot(reason="again")
    assert again.id == first.id
    assert store.version_ids() == ["v001"]
    assert len(store.events()) == 1


def bytes_read_by_process() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("/proc/self/io has no rchar line")


def test_unchanged_snapshot_reads_no_file(store: Store, workspace: Workspace) -> None:
    (workspace.current_model / "model.safetensors").write_bytes(os.urandom(4 << 20))
    store.snapshot(reason="first")
    before = bytes_read_by_process()
    assert store.snapshot(reason="again").id == "v001"
    assert bytes_read_by_process() - before < 256 << 10  # manifests and caches only, not the 4 MiB


def test_changed_file_creates_child_version(store: Store, workspace: Workspace) -> None:
    store.snapshot(reason="first")
    objects_before = object_count(store)
    (workspace.current_model / "config.json").write_bytes(b'{"hidden_size": 16}\n')
    second = store.snapshot(reason="second", metadata={"metrics": {"loss": 1.5}})
    assert second.id == "v002"
    assert second.parent == "v001"
    assert second.metadata["metrics"] == {"loss": 1.5}
    assert "python" in second.metadata["libraries"]
    assert object_count(store) == objects_before + 1  # unchanged files are stored once


def test_rewrite_keeping_size_and_mtime_is_detected(store: Store, workspace: Workspace) -> None:
    store.snapshot(reason="first")
    config = workspace.current_model / "config.json"
    st = os.stat(config)
    config.write_bytes(b'{"hidden_size": 9}\n')
    os.utime(config, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert len(config.read_bytes()) == st.st_size
    assert store.snapshot(reason="second").id == "v002"


def test_metadata_cannot_override_reserved_keys(store: Store) -> None:
    version = store.snapshot(reason="real", metadata={"parent": "v999", "reason": "forged", "stop_reason": "completed"})
    assert version.parent is None
    assert version.reason == "real"
    assert version.metadata["stop_reason"] == "completed"


def test_missing_model_directory_is_rejected(store: Store, workspace: Workspace) -> None:
    os.rename(workspace.current_model, workspace.root / "elsewhere")
    with pytest.raises(ModelDirectoryError, match="current_model.*missing") as info:
        store.snapshot(reason="x")
    assert "trainctl versions restore" in (info.value.hint or "")
    assert store.version_ids() == []


def test_empty_model_directory_is_rejected(store: Store, workspace: Workspace) -> None:
    store.snapshot(reason="first")
    for path in sorted(workspace.current_model.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    with pytest.raises(ModelDirectoryError, match="is empty"):
        store.snapshot(reason="x")
    assert store.version_ids() == ["v001"]
    assert store.current_id() == "v001"


def test_commit_directory_keeps_pointer(store: Store, tmp_path: Path) -> None:
    store.snapshot(reason="first")
    output = tmp_path / "output"
    write_model(output, {**TINY_MODEL, "model.safetensors": b"trained"})
    version = store.commit_directory(output, parent="v001", reason="training", metadata={"stop_reason": "completed"})
    assert version.id == "v002"
    assert version.parent == "v001"
    assert store.current_id() == "v001"


def test_commit_directory_rejects_unknown_parent(store: Store, tmp_path: Path) -> None:
    write_model(tmp_path / "output", TINY_MODEL)
    with pytest.raises(VersionNotFoundError, match="v042"):
        store.commit_directory(tmp_path / "output", parent="v042", reason="x", metadata={})


def test_objects_are_read_only(store: Store) -> None:
    version = store.snapshot(reason="first")
    for entry in version.files:
        assert os.stat(store.objects.path(entry.sha256)).st_mode & 0o777 == 0o444


def test_get_unknown_version_names_it(store: Store) -> None:
    store.snapshot(reason="first")
    with pytest.raises(VersionNotFoundError, match="'v007'.*latest: v001"):
        store.get("v007")


def test_snapshot_with_damaged_current_manifest(store: Store, workspace: Workspace) -> None:
    store.snapshot(reason="first")
    (store.versions_dir / "v001" / "manifest.json").write_text("not json")
    version = store.snapshot(reason="rescue")
    assert version.id == "v002"
    assert version.parent == "v001"
    assert store.current_id() == "v002"
