"""Prune keeps the last N versions and everything a pointer, pin or job refers to."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from models import PruneRefusedError, Store
from safeshell.workspace import Workspace


def make_versions(store: Store, workspace: Workspace, count: int) -> None:
    for index in range(count):
        (workspace.current_model / "config.json").write_bytes(f'{{"step": {index}}}\n'.encode())
        store.snapshot(reason=f"step {index}")


def test_prune_keeps_last_versions(store: Store, workspace: Workspace) -> None:
    make_versions(store, workspace, 5)
    assert store.prune(2) == ["v001", "v002", "v003"]
    assert store.version_ids() == ["v004", "v005"]
    assert store.verify().ok
    referenced = {e.sha256 for v in store.versions() for e in v.files}
    assert {name for name, _ in store.objects.digests()} == referenced


def test_prune_keeps_current_pinned_and_protected(store: Store, workspace: Workspace) -> None:
    make_versions(store, workspace, 5)
    store.checkout("v002")
    store.pin("v001")
    assert store.prune(1, protected={"v003"}) == ["v004"]
    assert store.version_ids() == ["v001", "v002", "v003", "v005"]
    assert store.get("v001").pinned


def test_unpin_lets_prune_remove(store: Store, workspace: Workspace) -> None:
    make_versions(store, workspace, 3)
    store.pin("v001")
    store.unpin("v001")
    assert store.prune(1) == ["v001", "v002"]


def test_prune_keeps_running_job_versions(store: Store, workspace: Workspace) -> None:
    make_versions(store, workspace, 3)
    with store.job_lock({"v001"}):
        assert store.prune(1) == ["v002"]
    assert store.prune(1) == ["v001"]


def test_prune_ignores_dead_job_locks(store: Store, workspace: Workspace) -> None:
    make_versions(store, workspace, 3)
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    store.jobs_dir.mkdir(exist_ok=True)
    pid = int(child.stdout)
    (store.jobs_dir / f"job-p{pid}.json").write_text(f'{{"format": 1, "pid": {pid}, "versions": ["v001"]}}')
    assert store.prune(1) == ["v001", "v002"]


def test_prune_refuses_while_verification_fails(store: Store, workspace: Workspace) -> None:
    make_versions(store, workspace, 3)
    entry = store.get("v003").files[0]
    store.objects.path(entry.sha256).unlink()
    with pytest.raises(PruneRefusedError, match="1 problem") as info:
        store.prune(1)
    assert "trainctl versions verify" in (info.value.hint or "")
    assert store.version_ids() == ["v001", "v002", "v003"]


def test_prune_requires_positive_keep(store: Store, workspace: Workspace) -> None:
    make_versions(store, workspace, 2)
    with pytest.raises(PruneRefusedError, match="at least 1, got 0"):
        store.prune(0)
    assert len(store.version_ids()) == 2


def test_new_ids_continue_after_prune(store: Store, workspace: Workspace) -> None:
    make_versions(store, workspace, 3)
    store.prune(1)
    (workspace.current_model / "config.json").write_bytes(b"later")
    assert store.snapshot(reason="later").id == "v004"
    assert "v001" not in os.listdir(store.versions_dir)
