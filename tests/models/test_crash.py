"""SIGKILL a process in the middle of store operations; the store must stay consistent.

Each trial starts a child that performs one operation, kills it with SIGKILL
after a random delay (the kill moment is the experiment, not a wait), then
recovers and checks: verification passes, current_model/ is exactly the old or
the new version, and every earlier version is unchanged.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from models import Store
from tests.models.conftest import read_model, write_model

TRIALS = 50
MAX_DELAY_S = 0.04
CHILD = """
import sys
from pathlib import Path
from models import Store
store = Store(Path(sys.argv[1]), Path(sys.argv[2]))
operation = sys.argv[3]
print("ready", flush=True)
if operation == "snapshot":
    store.snapshot(reason="crash test")
elif operation == "rollback":
    store.rollback()
elif operation == "restore":
    store.checkout("v001", reason="crash test")
elif operation == "backup":
    store.create_backup(kind="manual")
elif operation == "restore_backup":
    store.restore_backup(sys.argv[4])
print("done", flush=True)
"""

MODEL_A = {
    "config.json": b'{"hidden_size": 8}\n',
    "model.safetensors": random.Random(1).randbytes(1 << 20),
    "tokenizer/vocab.json": b'{"a": 0}\n',
}
MODEL_B = {**MODEL_A, "config.json": b'{"hidden_size": 16}\n', "model.safetensors": random.Random(2).randbytes(1 << 20)}


def run_and_kill(store: Store, operation: str, delay_s: float, *extra: str) -> bool:
    """Run ``operation`` in a child, SIGKILL it after ``delay_s``; return True if it finished first."""
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(store.models_dir), str(store.current_model), operation, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], 30)
    assert ready and child.stdout.readline().strip() == "ready", child.stderr.read() if child.stderr else ""
    readable, _, _ = select.select([child.stdout], [], [], delay_s)
    os.kill(child.pid, signal.SIGKILL)
    output = child.stdout.read()
    child.wait()
    return bool(readable) and "done" in output


def manifests(store: Store) -> dict[str, bytes]:
    return {vid: (store.versions_dir / vid / "manifest.json").read_bytes() for vid in store.version_ids()}


@pytest.fixture
def crash_store(tmp_path: Path) -> Store:
    write_model(tmp_path / "current_model", MODEL_A)
    store = Store(tmp_path / "models", tmp_path / "current_model")
    store.snapshot(reason="A")
    write_model(tmp_path / "current_model", MODEL_B)
    store.snapshot(reason="B")
    return store


def assert_consistent(store: Store, before: dict[str, bytes]) -> None:
    store.recover()
    report = store.verify()
    assert report.ok, [str(problem) for problem in report.problems]
    after = manifests(store)
    assert {vid: after[vid] for vid in before} == before
    assert read_model(store.current_model) in (MODEL_A, MODEL_B)


@pytest.mark.slow
@pytest.mark.parametrize("operation", ["rollback", "restore", "restore_backup"])
def test_kill_during_swap_keeps_one_version(crash_store: Store, operation: str) -> None:
    rng = random.Random(f"swap-{operation}")
    backup_id = crash_store.create_backup("v001").id if operation == "restore_backup" else ""
    interrupted = 0
    for _trial in range(TRIALS):
        before = manifests(crash_store)
        finished = run_and_kill(crash_store, operation, rng.uniform(0, MAX_DELAY_S), backup_id)
        interrupted += not finished
        assert_consistent(crash_store, before)
        assert crash_store.version_ids() == ["v001", "v002"]  # a clean working copy never becomes a version
        assert read_model(crash_store.current_model) == (MODEL_A if crash_store.current_id() == "v001" else MODEL_B)
        crash_store.checkout("v002")
    assert interrupted >= TRIALS // 5, f"only {interrupted} of {TRIALS} kills landed before the operation ended"


@pytest.mark.slow
def test_kill_during_snapshot_keeps_versions(crash_store: Store) -> None:
    rng = random.Random("snapshot")
    interrupted = 0
    for trial in range(TRIALS):
        before = manifests(crash_store)
        pointer_before = crash_store.current_id()
        changed = {**MODEL_B, "model.safetensors": rng.randbytes(1 << 20), "step.txt": str(trial).encode()}
        write_model(crash_store.current_model, changed)
        finished = run_and_kill(crash_store, "snapshot", rng.uniform(0, MAX_DELAY_S))
        interrupted += not finished
        crash_store.recover()
        assert crash_store.verify(working_copy=False).ok
        assert {vid: manifests(crash_store)[vid] for vid in before} == before
        assert read_model(crash_store.current_model) == changed
        if crash_store.current_id() != pointer_before:
            assert crash_store.verify().ok  # the new pointer names exactly the working copy
        crash_store.snapshot(reason="settle")
        assert crash_store.verify().ok
    assert interrupted >= TRIALS // 5, f"only {interrupted} of {TRIALS} kills landed before the snapshot ended"


@pytest.mark.slow
def test_kill_during_backup_leaves_no_half_backup(crash_store: Store) -> None:
    rng = random.Random("backup")
    interrupted = 0
    seen: set[str] = set()
    for _trial in range(TRIALS):
        before = manifests(crash_store)
        finished = run_and_kill(crash_store, "backup", rng.uniform(0, MAX_DELAY_S))
        interrupted += not finished
        assert_consistent(crash_store, before)
        backups = crash_store.backups()
        assert all(backup.verified for backup in backups)
        if backups and backups[-1].id not in seen:
            assert crash_store.verify_backup(backups[-1].id).ok
            seen.add(backups[-1].id)
        target = crash_store.default_backup_target
        leftovers = [name for name in os.listdir(target) if name.startswith(".")] if target.exists() else []
        assert leftovers == []
    assert interrupted >= TRIALS // 5, f"only {interrupted} of {TRIALS} kills landed before the backup ended"
