"""Deleting one version: what it removes, what it refuses, and a SIGKILL in the middle."""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from models import DeleteRefusedError, PruneRefusedError, Store, VersionNotFoundError
from safeshell.workspace import Workspace
from tests.models.conftest import read_model, write_model

SHARED = {"tokenizer/vocab.json": b'{"a": 0, "b": 1}\n'}


def make_versions(store: Store, workspace: Workspace, count: int) -> dict[str, dict[str, bytes]]:
    """Record ``count`` versions that share tokenizer/vocab.json and differ in the weights."""
    models = {}
    for index in range(count):
        model = {**SHARED, "model.safetensors": random.Random(index).randbytes(4096), "config.json": f'{{"step": {index}}}\n'.encode()}
        write_model(workspace.current_model, model)
        models[store.snapshot(reason=f"step {index}").id] = model
    return models


def stored_digests(store: Store) -> set[str]:
    return {name for name, _ in store.objects.digests()}


def referenced_digests(store: Store) -> set[str]:
    return {entry.sha256 for version in store.versions() for entry in version.files}


def test_delete_middle_version(store: Store, workspace: Workspace) -> None:
    make_versions(store, workspace, 3)
    own = {entry.sha256 for entry in store.get("v002").files} - {
        entry.sha256 for vid in ("v001", "v003") for entry in store.get(vid).files
    }
    store.delete_version("v002")
    assert store.version_ids() == ["v001", "v003"]
    assert own and not own & stored_digests(store)
    assert stored_digests(store) == referenced_digests(store)
    assert store.verify().ok


def test_shared_objects_survive_delete(store: Store, workspace: Workspace) -> None:
    make_versions(store, workspace, 3)
    shared = next(e.sha256 for e in store.get("v001").files if e.path == "tokenizer/vocab.json")
    store.delete_version("v001")
    store.delete_version("v002")
    assert shared in stored_digests(store)
    assert store.verify().ok


def test_delete_newest_non_current(store: Store, workspace: Workspace) -> None:
    models = make_versions(store, workspace, 3)
    store.checkout("v002")
    store.delete_version("v003")
    assert store.version_ids() == ["v001", "v002"]
    assert store.current_id() == "v002"
    assert read_model(workspace.current_model) == models["v002"]
    assert store.verify().ok


def test_delete_parent_of_current(store: Store, workspace: Workspace) -> None:
    models = make_versions(store, workspace, 3)
    store.delete_version("v002")
    assert store.get("v003").parent == "v002"
    store.checkout("v001")
    store.checkout("v003")
    assert read_model(workspace.current_model) == models["v003"]
    assert store.verify().ok


def test_delete_refuses_current(store: Store, workspace: Workspace) -> None:
    make_versions(store, workspace, 2)
    with pytest.raises(DeleteRefusedError, match="'v002' is the current version") as info:
        store.delete_version("v002")
    assert "trainctl versions restore" in (info.value.hint or "")
    assert store.version_ids() == ["v001", "v002"]


def test_delete_refuses_pinned(store: Store, workspace: Workspace) -> None:
    make_versions(store, workspace, 2)
    store.pin("v001")
    with pytest.raises(DeleteRefusedError, match="'v001' is pinned") as info:
        store.delete_version("v001")
    assert "trainctl versions unpin v001" in (info.value.hint or "")
    assert store.version_ids() == ["v001", "v002"]


def test_delete_refuses_job_locked(store: Store, workspace: Workspace) -> None:
    make_versions(store, workspace, 2)
    with store.job_lock({"v001"}):
        with pytest.raises(DeleteRefusedError, match="'v001' is used by a running training job") as info:
            store.delete_version("v001")
    assert "trainctl status" in (info.value.hint or "")
    store.delete_version("v001")
    assert store.version_ids() == ["v002"]


def test_delete_refuses_unknown_id(store: Store, workspace: Workspace) -> None:
    make_versions(store, workspace, 2)
    for bad in ("v404", "../v001", "v1"):
        with pytest.raises(VersionNotFoundError, match="no version") as info:
            store.delete_version(bad)
        assert repr(bad) in info.value.message
        assert "trainctl versions list" in (info.value.hint or "")
    assert store.version_ids() == ["v001", "v002"]


def test_delete_refuses_while_verification_fails(store: Store, workspace: Workspace) -> None:
    make_versions(store, workspace, 3)
    entry = next(e for e in store.get("v003").files if e.path == "model.safetensors")
    store.objects.path(entry.sha256).unlink()
    with pytest.raises(DeleteRefusedError, match="delete refused: the store has 1 problem") as info:
        store.delete_version("v001")
    assert not isinstance(info.value, PruneRefusedError)
    assert "trainctl versions verify" in (info.value.hint or "")
    assert store.version_ids() == ["v001", "v002", "v003"]


CHILD = """
import sys
from pathlib import Path
from models import Store
store = Store(Path(sys.argv[1]), Path(sys.argv[2]))
print("ready", flush=True)
store.delete_version(sys.argv[3])
print("done", flush=True)
"""
TRIALS = 12
MAX_DELAY_S = 0.03


def kill_during_delete(store: Store, version_id: str, delay_s: float) -> bool:
    """Delete ``version_id`` in a child, SIGKILL it after ``delay_s``; return True if it finished first."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(store.models_dir), str(store.current_model), version_id],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], 30)
    assert ready and child.stdout.readline().strip() == "ready", child.stderr.read() if child.stderr else ""
    # The kill moment is the experiment: select returns early only when the child prints "done".
    finished, _, _ = select.select([child.stdout], [], [], delay_s)
    os.kill(child.pid, signal.SIGKILL)
    output = child.stdout.read()
    child.wait()
    return bool(finished) and "done" in output


@pytest.mark.slow
def test_kill_during_delete_leaves_verifiable_store(tmp_path: Path) -> None:
    rng = random.Random("delete")
    outcomes = {"finished": 0, "interrupted": 0}
    for trial in range(TRIALS):
        models_dir, current_model = tmp_path / f"models-{trial}", tmp_path / f"current-{trial}"
        store = Store(models_dir, current_model)
        for index in range(3):
            write_model(current_model, {**SHARED, "model.safetensors": rng.randbytes(1 << 20), "n": str(index).encode()})
            store.snapshot(reason=f"step {index}")
        kept = {vid: (models_dir / "versions" / vid / "manifest.json").read_bytes() for vid in ("v001", "v003")}
        live = read_model(current_model)

        finished = kill_during_delete(store, "v002", rng.uniform(0, MAX_DELAY_S))
        outcomes["finished" if finished else "interrupted"] += 1

        store.recover()
        report = store.verify()
        assert report.ok, [str(problem) for problem in report.problems]
        assert {vid: (models_dir / "versions" / vid / "manifest.json").read_bytes() for vid in kept} == kept
        assert store.version_ids() in (["v001", "v002", "v003"], ["v001", "v003"])
        assert not [name for name in os.listdir(models_dir / "versions") if name.startswith(".")]
        assert read_model(current_model) == live
        # Whatever the crash left, finishing the delete leaves exactly the referenced objects.
        if "v002" in store.version_ids():
            store.delete_version("v002")
        store.prune(2)
        assert stored_digests(store) == referenced_digests(store)
    assert outcomes["interrupted"] >= 1, outcomes


def test_deleted_newest_id_never_reused(store: Store, workspace: Workspace) -> None:
    make_versions(store, workspace, 3)
    store.checkout("v002")
    store.delete_version("v003")
    assert Store(store.models_dir, store.current_model).highest_id_number() == 3
    (workspace.current_model / "config.json").write_bytes(b'{"step": 99}\n')
    assert store.snapshot(reason="after delete").id == "v004"
