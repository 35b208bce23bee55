"""Verification reports every missing, extra, truncated, altered or invalid file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models import CorruptStoreError, ProblemKind, Store
from safeshell.workspace import Workspace


def writable(path: Path) -> Path:
    os.chmod(path, 0o644)
    return path


def object_of(store: Store, version_id: str, relative: str) -> Path:
    entry = next(e for e in store.get(version_id).files if e.path == relative)
    return store.objects.path(entry.sha256)


def kinds(report) -> list[tuple[str, str]]:
    return sorted((problem.kind.value, Path(problem.path).name) for problem in report.problems)


def test_clean_store_verifies(two_versions: Store) -> None:
    report = two_versions.verify()
    assert report.ok
    assert report.checked_files == 4 + 3  # distinct objects, then working-copy files


def test_every_problem_is_reported(two_versions: Store, workspace: Workspace) -> None:
    flipped = writable(object_of(two_versions, "v001", "model.safetensors"))
    data = bytearray(flipped.read_bytes())
    data[7] ^= 0x80
    flipped.write_bytes(bytes(data))
    truncated = writable(object_of(two_versions, "v002", "config.json"))
    truncated.write_bytes(truncated.read_bytes()[:5])
    missing = object_of(two_versions, "v001", "tokenizer/vocab.json")
    missing.unlink()
    (two_versions.objects.root / "zz").mkdir()
    (two_versions.objects.root / "zz" / "stray").write_bytes(b"x")
    (workspace.current_model / "notes.txt").write_bytes(b"extra")

    report = two_versions.verify()
    assert kinds(report) == sorted(
        [
            ("altered", flipped.name),
            ("truncated", truncated.name),
            ("missing", missing.name),
            ("extra", "stray"),
            ("extra", "notes.txt"),
        ]
    )


def test_flipped_byte_is_altered(two_versions: Store) -> None:
    path = writable(object_of(two_versions, "v001", "model.safetensors"))
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))
    report = two_versions.verify("v001")
    assert [(p.kind, p.path) for p in report.problems] == [(ProblemKind.ALTERED, str(path))]


def test_truncated_object_is_truncated(two_versions: Store) -> None:
    path = writable(object_of(two_versions, "v001", "model.safetensors"))
    path.write_bytes(path.read_bytes()[:10])
    report = two_versions.verify("v001")
    assert [p.kind for p in report.problems] == [ProblemKind.TRUNCATED]
    assert "has 10 bytes" in report.problems[0].detail


def test_missing_object_is_missing(two_versions: Store) -> None:
    path = object_of(two_versions, "v002", "config.json")
    path.unlink()
    report = two_versions.verify("v002")
    assert [(p.kind, p.path) for p in report.problems] == [(ProblemKind.MISSING, str(path))]
    assert two_versions.verify("v001").ok


def test_working_copy_problems_are_typed(two_versions: Store, workspace: Workspace) -> None:
    model = workspace.current_model
    (model / "config.json").write_bytes(b"{}")
    (model / "tokenizer" / "vocab.json").unlink()
    (model / "extra.bin").write_bytes(b"1")
    weights = model / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[0] ^= 1
    weights.write_bytes(bytes(data))
    report = two_versions.verify()
    assert kinds(report) == [
        ("altered", "model.safetensors"),
        ("extra", "extra.bin"),
        ("missing", "vocab.json"),
        ("truncated", "config.json"),
    ]


def test_invalid_manifest_is_reported_by_name(two_versions: Store) -> None:
    manifest = two_versions.versions_dir / "v001" / "manifest.json"
    manifest.write_text('{"format": 1, "files": [')
    report = two_versions.verify()
    assert [(p.kind, p.scope) for p in report.problems] == [(ProblemKind.INVALID, "v001")]
    assert "not valid JSON" in report.problems[0].detail
    with pytest.raises(CorruptStoreError, match="manifest of v001.*not valid JSON") as info:
        two_versions.get("v001")
    assert "trainctl backups restore" in (info.value.hint or "")
    assert [v.id for v in two_versions.versions()] == ["v002"]


def test_unknown_format_is_invalid(two_versions: Store) -> None:
    metadata = two_versions.versions_dir / "v002" / "metadata.json"
    metadata.write_text('{"format": 7}')
    with pytest.raises(CorruptStoreError, match="unknown format 7"):
        two_versions.get("v002")


def test_extra_file_in_version_directory(two_versions: Store) -> None:
    (two_versions.versions_dir / "v001" / "stray.txt").write_text("x")
    report = two_versions.verify()
    assert [(p.kind, Path(p.path).name) for p in report.problems] == [(ProblemKind.EXTRA, "stray.txt")]


def test_invalid_pointer_is_reported(two_versions: Store) -> None:
    two_versions.pointer_file.write_text("garbage")
    report = two_versions.verify()
    assert [(p.kind, p.scope) for p in report.problems] == [(ProblemKind.INVALID, "pointer")]
