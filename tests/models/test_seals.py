"""Object seals: a checkout skips hashing an object whose stat is unchanged since it last hashed right."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from models import Store, VerificationError, fsutil, objects
from models.objects import RACY_WINDOW_NS, SEALS_SLACK, stat_key
from safeshell.workspace import Workspace
from tests.models.conftest import TINY_MODEL, read_model


@pytest.fixture
def hash_calls(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every file the store hashes, while still hashing it."""
    calls: list[Path] = []
    real = fsutil.hash_file

    def counting(path: Path) -> tuple[str, int]:
        calls.append(Path(path))
        return real(path)

    monkeypatch.setattr(fsutil, "hash_file", counting)
    return calls


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust seals at once, as if the objects had been written more than RACY_WINDOW_NS ago."""
    monkeypatch.setattr(objects, "RACY_WINDOW_NS", 0)


def weights_digest(store: Store, version_id: str) -> str:
    return next(entry.sha256 for entry in store.get(version_id).files if entry.path == "model.safetensors")


def forge_seal(store: Store, digest: str) -> None:
    """Seal the object as it is now, as if its bytes had rotted on disk after a correct seal."""
    line = {"sha256": digest, "stat": stat_key(os.stat(store.objects.path(digest))),
            "at": time.time_ns() + 2 * RACY_WINDOW_NS}
    with open(store.objects.seals_file, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(line) + "\n")


def corrupt(store: Store, digest: str) -> None:
    path = store.objects.path(digest)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[0] ^= 0x01
    path.write_bytes(bytes(data))
    os.chmod(path, 0o444)


def test_snapshot_seals_new_objects(two_versions: Store, settled: None) -> None:
    seals = two_versions.objects.load_seals()
    for entry in two_versions.get("v001").files:
        assert entry.sha256 in seals
        assert two_versions.objects.is_sealed(seals, entry.sha256, entry.size)


def test_rollback_of_sealed_version_hashes_nothing(two_versions: Store, workspace: Workspace,
                                                   hash_calls: list[Path], settled: None) -> None:
    two_versions.rollback()
    assert read_model(workspace.current_model) == TINY_MODEL
    objects_hashed = [path for path in hash_calls if path.parent.parent == two_versions.objects.root]
    assert objects_hashed == []


def test_edited_object_is_hashed_and_rejected(two_versions: Store, workspace: Workspace) -> None:
    corrupt(two_versions, weights_digest(two_versions, "v001"))
    before = read_model(workspace.current_model)
    with pytest.raises(VerificationError, match="v001 failed verification"):
        two_versions.rollback()
    assert read_model(workspace.current_model) == before


def test_fresh_seal_is_not_trusted(two_versions: Store, hash_calls: list[Path]) -> None:
    """A write in the same clock tick as the seal can keep every stat value, so a fresh seal is rechecked."""
    digest = weights_digest(two_versions, "v001")
    two_versions.rollback()
    assert two_versions.objects.path(digest) in hash_calls


def test_write_right_after_seal_is_caught(two_versions: Store, workspace: Workspace) -> None:
    corrupt(two_versions, weights_digest(two_versions, "v001"))  # within the racy window of the snapshot
    with pytest.raises(VerificationError, match="v001 failed verification"):
        two_versions.rollback()


def test_unsealed_object_is_hashed_then_sealed(two_versions: Store, hash_calls: list[Path]) -> None:
    two_versions.objects.seals_file.unlink()
    two_versions.rollback()
    digest = weights_digest(two_versions, "v001")
    assert two_versions.objects.path(digest) in hash_calls
    assert digest in two_versions.objects.load_seals()


def test_verify_revokes_seal_of_rotted_object(two_versions: Store, workspace: Workspace) -> None:
    digest = weights_digest(two_versions, "v001")
    corrupt(two_versions, digest)
    forge_seal(two_versions, digest)  # the checkout alone would now trust the object
    report = two_versions.verify()
    assert not report.ok
    assert digest not in two_versions.objects.load_seals()
    with pytest.raises(VerificationError, match="v001 failed verification"):
        two_versions.rollback()


def test_torn_seal_line_is_ignored(two_versions: Store, workspace: Workspace) -> None:
    with open(two_versions.objects.seals_file, "a", encoding="utf-8") as handle:
        handle.write('{"sha256": "abc", "st')
    seals = two_versions.objects.load_seals()
    assert "abc" not in seals
    two_versions.rollback()
    assert read_model(workspace.current_model) == TINY_MODEL


def test_seal_log_is_compacted(two_versions: Store) -> None:
    digest = weights_digest(two_versions, "v001")
    for _ in range(SEALS_SLACK + 10):
        two_versions.objects.seal([digest])
    seals = two_versions.objects.load_seals()
    lines = two_versions.objects.seals_file.read_text(encoding="utf-8").splitlines()
    assert digest in seals
    assert len(lines) == len(seals)
