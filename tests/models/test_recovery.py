"""Recovery finishes interrupted swaps and removes what dead writers left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from models import Store, fsutil, workcopy
from safeshell.workspace import Workspace
from tests.models.conftest import TINY_MODEL, read_model


def dead_pid() -> int:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    return int(child.stdout)


def start_swap(store: Store, version_id: str) -> dict:
    """Run a checkout up to the written journal (step 3), as a crash would leave it."""
    target = store.get(version_id)
    incoming = workcopy.incoming_path(store.current_model, version_id)
    workcopy.build_working_copy(store.objects, target, incoming)
    journal = {
        "format": 1,
        "target": version_id,
        "previous": store.current_id(),
        "reason": "test",
        "incoming": str(incoming),
        "incoming_inode": os.stat(incoming).st_ino,
    }
    fsutil.write_json_atomic(store.journal_file, journal)
    return journal


def assert_clean_checkout(store: Store, workspace: Workspace, version_id: str, files: dict) -> None:
    assert store.current_id() == version_id
    assert read_model(workspace.current_model) == files
    assert not store.journal_file.exists()
    assert [name for name in os.listdir(workspace.root) if name.startswith("current_model")] == ["current_model"]
    assert store.verify().ok


def test_journal_before_swap_rolls_forward(two_versions: Store, workspace: Workspace) -> None:
    start_swap(two_versions, "v001")
    fixed = two_versions.recover()
    assert fixed == ["finished an interrupted swap; current_model/ is v001"]
    assert_clean_checkout(two_versions, workspace, "v001", TINY_MODEL)


def test_swap_done_pointer_not_moved(two_versions: Store, workspace: Workspace) -> None:
    journal = start_swap(two_versions, "v001")
    assert fsutil.exchange(workspace.current_model, Path(journal["incoming"]))
    two_versions.recover()
    assert_clean_checkout(two_versions, workspace, "v001", TINY_MODEL)
    assert two_versions.events()[-1]["to"] == "v001"


def test_crash_between_two_renames(two_versions: Store, workspace: Workspace) -> None:
    journal = start_swap(two_versions, "v001")
    incoming = Path(journal["incoming"])
    os.rename(workspace.current_model, incoming.with_name(incoming.name.replace(".incoming-", ".old-")))
    assert not workspace.current_model.exists()
    two_versions.recover()
    assert_clean_checkout(two_versions, workspace, "v001", TINY_MODEL)


def test_next_operation_finishes_swap(two_versions: Store, workspace: Workspace) -> None:
    start_swap(two_versions, "v001")
    assert two_versions.snapshot(reason="after crash").id == "v001"
    assert_clean_checkout(two_versions, workspace, "v001", TINY_MODEL)


def test_stale_temporaries_are_removed(two_versions: Store, workspace: Workspace) -> None:
    pid = dead_pid()
    stale = [
        two_versions.objects.temp_dir / f".tmp-p{pid}-abc123",
        two_versions.versions_dir / f".tmp-v003-p{pid}-abc123",
        workspace.root / f"current_model.incoming-v001-p{pid}-abc123",
        two_versions.models_dir / f".CURRENT.tmp-p{pid}-abc123",
    ]
    live = two_versions.objects.temp_dir / f".tmp-p{os.getpid()}-abc123"
    for path in stale[:1] + stale[3:] + [live]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"partial")
    for path in stale[1:3]:
        path.mkdir()
    fixed = two_versions.recover()
    assert len(fixed) == 4
    assert not any(path.exists() for path in stale)
    assert live.exists()  # a live process may still be writing it


def test_dead_job_lock_is_released(two_versions: Store) -> None:
    pid = dead_pid()
    two_versions.jobs_dir.mkdir()
    lock = two_versions.jobs_dir / f"job-p{pid}.json"
    lock.write_text(json.dumps({"format": 1, "pid": pid, "versions": ["v001"]}))
    assert two_versions.recover() == [f"released the job lock {lock.name} of a process that no longer runs"]
    assert not lock.exists()


def test_missing_event_is_logged(two_versions: Store) -> None:
    fsutil.write_json_atomic(two_versions.pointer_file, {"format": 1, "version": "v001"})
    assert two_versions.recover() == ["logged the pointer move to v001 that a crash left unrecorded"]
    assert two_versions.events()[-1]["event"] == "recovered"
    assert two_versions.recover() == []


def test_recover_on_clean_store_does_nothing(two_versions: Store) -> None:
    assert two_versions.recover() == []


def test_recover_without_wait_skips_busy_lock(two_versions: Store) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, filelock; lock = filelock.FileLock(sys.argv[1]); lock.acquire(); print('held', flush=True); sys.stdin.read()", str(two_versions.models_dir / "store.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        fsutil.write_json_atomic(two_versions.pointer_file, {"format": 1, "version": "v001"})
        assert two_versions.recover(wait=False) == []
    finally:
        holder.communicate("", timeout=30)
    assert two_versions.recover(wait=False) == ["logged the pointer move to v001 that a crash left unrecorded"]


def test_stale_trash_is_removed(two_versions: Store) -> None:
    stale = two_versions.trash_dir / f"working-copy-p{dead_pid()}-abc123"
    live = two_versions.trash_dir / f"working-copy-p{os.getpid()}-abc123"
    for path in (stale, live):
        (path / "tokenizer").mkdir(parents=True)
        (path / "tokenizer" / "vocab.json").write_bytes(b"{}")
    assert two_versions.recover() == [f"removed the temporary {str(stale)!r}"]
    assert not stale.exists()
    assert live.exists()  # this process may still be removing it


def test_interrupted_swap_discards_old_copy(two_versions: Store, workspace: Workspace) -> None:
    journal = start_swap(two_versions, "v001")
    assert fsutil.exchange(workspace.current_model, Path(journal["incoming"]))
    two_versions.recover()
    workcopy.wait_for_removals()
    assert_clean_checkout(two_versions, workspace, "v001", TINY_MODEL)
    assert os.listdir(two_versions.trash_dir) == []
