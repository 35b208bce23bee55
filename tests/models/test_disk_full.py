"""A full disk fails the operation with a message and leaves everything stored as it was."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models import DiskFullError, Store
from tests.models.conftest import read_model
from tests.models.mounts import tmpfs


@pytest.fixture
def small_workspace(tmp_path: Path):
    with tmpfs(tmp_path / "disk", size_kib=640) as root:
        (root / "current_model").mkdir()
        (root / "current_model" / "weights.bin").write_bytes(os.urandom(200 << 10))
        (root / "current_model" / "config.json").write_bytes(b"{}")
        yield root


def test_snapshot_on_full_disk_changes_nothing(small_workspace: Path) -> None:
    store = Store(small_workspace / "models", small_workspace / "current_model")
    store.snapshot(reason="first")
    (small_workspace / "current_model" / "weights.bin").write_bytes(os.urandom(200 << 10))
    filler = small_workspace / "filler"
    filler.write_bytes(b"\0" * (100 << 10))

    with pytest.raises(DiskFullError, match="no space left") as info:
        store.snapshot(reason="second")
    assert "prune" in (info.value.hint or "")
    assert store.version_ids() == ["v001"]
    assert store.current_id() == "v001"
    assert os.listdir(store.objects.temp_dir) == []
    assert store.verify(working_copy=False).ok


def test_checkout_on_full_disk_keeps_working_copy(small_workspace: Path) -> None:
    store = Store(small_workspace / "models", small_workspace / "current_model")
    store.snapshot(reason="first")
    (small_workspace / "current_model" / "config.json").write_bytes(b'{"changed": true}')
    store.snapshot(reason="second")
    before = read_model(small_workspace / "current_model")
    (small_workspace / "filler").write_bytes(b"\0" * (150 << 10))

    with pytest.raises(DiskFullError):
        store.checkout("v001")
    assert read_model(small_workspace / "current_model") == before
    assert store.current_id() == "v002"
    assert not [name for name in os.listdir(small_workspace) if ".incoming-" in name]
    assert store.verify().ok
