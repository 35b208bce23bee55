"""Deferred flush of a swapped-in working copy, and recovery of one left unsynced."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from models import Store, syncing
from safeshell.workspace import Workspace
from tests.models.conftest import TINY_MODEL, read_model


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def write_marker(store: Store, version_id: str, boot: str | None, *, text: str | None = None) -> Path:
    """Leave a marker as a process that died before its flush finished would."""
    store.unsynced_dir.mkdir(exist_ok=True)
    marker = store.unsynced_dir / f"swap-p{dead_pid()}-abc123.json"
    body = {"format": 1, "version": version_id, "boot_id": boot, "at": "2026-12-04T23:20:00.000000Z"}
    marker.write_text(json.dumps(body) if text is None else text, encoding="utf-8")
    return marker


def markers(store: Store) -> list[str]:
    return sorted(path.name for path in store.unsynced_dir.glob("*.json")) if store.unsynced_dir.is_dir() else []


def weights_inode(workspace: Workspace) -> int:
    return os.stat(workspace.current_model / "model.safetensors").st_ino


def test_rollback_flushes_then_drops_marker(two_versions: Store, workspace: Workspace) -> None:
    two_versions.rollback()
    syncing.wait_for_syncs()
    assert markers(two_versions) == []
    assert read_model(workspace.current_model) == TINY_MODEL


def test_marker_of_this_boot_is_flushed(two_versions: Store, workspace: Workspace) -> None:
    marker = write_marker(two_versions, "v002", syncing.boot_id())
    inode = weights_inode(workspace)
    fixed = two_versions.recover()
    assert any("flushed the working copy of v002" in line for line in fixed)
    assert not marker.exists()
    assert weights_inode(workspace) == inode


def test_restart_with_lost_bytes_rebuilds(two_versions: Store, workspace: Workspace) -> None:
    expected = read_model(workspace.current_model)
    write_marker(two_versions, "v002", "another-boot")
    weights = workspace.current_model / "model.safetensors"
    weights.write_bytes(b"\0" * 4)  # what a power loss can leave of an unflushed file
    fixed = two_versions.recover()
    assert any("rebuilt current_model/ as v002" in line for line in fixed)
    assert read_model(workspace.current_model) == expected
    assert two_versions.current_id() == "v002"
    assert markers(two_versions) == []


def test_restart_with_intact_copy_keeps_it(two_versions: Store, workspace: Workspace) -> None:
    write_marker(two_versions, "v002", "another-boot")
    inode = weights_inode(workspace)
    fixed = two_versions.recover()
    assert any("intact, now flushed" in line for line in fixed)
    assert weights_inode(workspace) == inode
    assert markers(two_versions) == []


def test_marker_of_replaced_version_is_dropped(two_versions: Store, workspace: Workspace) -> None:
    write_marker(two_versions, "v001", "another-boot")
    inode = weights_inode(workspace)
    fixed = two_versions.recover()
    assert any("a later checkout replaced that working copy" in line for line in fixed)
    assert weights_inode(workspace) == inode


def test_unreadable_marker_checks_current_copy(two_versions: Store, workspace: Workspace) -> None:
    write_marker(two_versions, "v002", None, text="{not json")
    (workspace.current_model / "model.safetensors").write_bytes(b"")
    fixed = two_versions.recover()
    assert any("rebuilt current_model/ as v002" in line for line in fixed)
    assert two_versions.verify().ok


@pytest.mark.parametrize("boot", [None, "another-boot"])
def test_live_process_marker_is_left_alone(two_versions: Store, boot: str | None) -> None:
    two_versions.unsynced_dir.mkdir(exist_ok=True)
    marker = two_versions.unsynced_dir / f"swap-p{os.getpid()}-abc123.json"
    marker.write_text(json.dumps({"format": 1, "version": "v002", "boot_id": boot, "at": "x"}), encoding="utf-8")
    two_versions.recover()
    assert marker.exists()
