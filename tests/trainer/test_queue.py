"""The SQLite queue: run order, priorities, removal, concurrent writers."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from safeshell.workspace import Workspace
from trainer.errors import DataError, QueueError
from trainer.queue import Queue, parse_priority


def data_file(directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(json.dumps({"text": f"content of {name}"}) + "\n")
    return path


def test_run_order_priority_arrival_name(workspace: Workspace) -> None:
    queue = Queue(workspace)
    for name in ("c.jsonl", "a.jsonl", "b.jsonl"):
        data_file(workspace.inbox, name)
    # a.jsonl and b.jsonl arrive later than c.jsonl but a.jsonl has high priority.
    queue.add(workspace.inbox / "c.jsonl")
    queue.add(workspace.inbox / "b.jsonl", "low")
    queue.add(workspace.inbox / "a.jsonl", "high")
    data_file(workspace.inbox, "d.jsonl")
    queue.add(workspace.inbox / "d.jsonl", 0)
    assert [entry.name for entry in queue.list()] == ["a.jsonl", "c.jsonl", "d.jsonl", "b.jsonl"]


def test_requeued_entry_runs_first(workspace: Workspace) -> None:
    queue = Queue(workspace)
    first = queue.add(data_file(workspace.inbox, "first.jsonl"), "low")
    queue.add(data_file(workspace.inbox, "second.jsonl"), "high")
    queue.mark_running(first.id, parent_version="v001")
    queue.requeue_at_head(first.id)
    assert queue.next_queued().id == first.id
    assert queue.get(first.id).parent_version == "v001"


def test_add_copies_outside_file_into_inbox(workspace: Workspace, tmp_path: Path) -> None:
    outside = data_file(tmp_path / "elsewhere", "x.jsonl")
    entry = Queue(workspace).add(outside, "normal")
    assert Path(entry.file) == workspace.inbox / "x.jsonl"
    assert outside.exists()
    assert entry.records == 1


def test_add_invalid_file_raises_data_error(workspace: Workspace) -> None:
    bad = workspace.inbox / "bad.jsonl"
    bad.write_text("not json\n")
    with pytest.raises(DataError, match="bad.jsonl:1: not JSON"):
        Queue(workspace).add(bad)
    assert Queue(workspace).list() == []


def test_add_twice_rejected(workspace: Workspace) -> None:
    queue = Queue(workspace)
    path = data_file(workspace.inbox, "a.jsonl")
    entry = queue.add(path)
    with pytest.raises(QueueError, match=f"already queued as entry {entry.id}"):
        queue.add(path)


def test_remove_moves_file_aside(workspace: Workspace) -> None:
    queue = Queue(workspace)
    entry = queue.add(data_file(workspace.inbox, "a.jsonl"))
    removed = queue.remove(entry.id)
    assert removed.state == "removed"
    assert Path(removed.file) == workspace.inbox / "removed" / "a.jsonl"
    assert Path(removed.file).exists()
    assert queue.list() == []


def test_remove_running_entry_rejected(workspace: Workspace) -> None:
    queue = Queue(workspace)
    entry = queue.add(data_file(workspace.inbox, "a.jsonl"))
    queue.mark_running(entry.id, parent_version=None)
    with pytest.raises(QueueError, match="trainctl skip"):
        queue.remove(entry.id)


def test_set_priority_reorders(workspace: Workspace) -> None:
    queue = Queue(workspace)
    first = queue.add(data_file(workspace.inbox, "a.jsonl"))
    second = queue.add(data_file(workspace.inbox, "b.jsonl"))
    queue.set_priority(second.id, "high")
    assert [entry.id for entry in queue.list()] == [second.id, first.id]


def test_unknown_entry_and_priority_rejected(workspace: Workspace) -> None:
    queue = Queue(workspace)
    with pytest.raises(QueueError, match="no queue entry with id 42"):
        queue.remove(42)
    with pytest.raises(QueueError, match="invalid priority 'urgent'"):
        parse_priority("urgent")
    assert parse_priority("HIGH") == 10
    assert parse_priority("-3") == -3


def _add_many(root: str, names: list[str]) -> None:
    queue = Queue(Workspace(Path(root)))
    for name in names:
        queue.add(Path(root) / "inbox" / name)


def test_concurrent_adds_all_recorded(workspace: Workspace) -> None:
    names = [f"f{index:02d}.jsonl" for index in range(24)]
    for name in names:
        data_file(workspace.inbox, name)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_add_many, args=(str(workspace.root), names[index::3])) for index in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    entries = Queue(workspace).list()
    assert sorted(entry.name for entry in entries) == names
    assert len({entry.id for entry in entries}) == len(names)


def _mixed_queue(workspace: Workspace) -> Queue:
    """A queue of 12 entries: mixed priorities, one running, one requeued at the head."""
    queue = Queue(workspace)
    priorities = ("low", "normal", "high", 5)
    entries = [
        queue.add(data_file(workspace.inbox, f"f{index:02d}.jsonl"), priorities[index % len(priorities)])
        for index in range(12)
    ]
    queue.mark_running(entries[3].id, parent_version=None)
    queue.mark_running(entries[7].id, parent_version=None)
    queue.requeue_at_head(entries[7].id)
    return queue


def test_page_slices_match_list(workspace: Workspace) -> None:
    queue = _mixed_queue(workspace)
    everything = queue.list()
    assert everything[0].state == "running"
    for offset in range(0, 13):
        for limit in (1, 5, 100):
            entries, total = queue.page(offset, limit)
            assert [e.id for e in entries] == [e.id for e in everything[offset : offset + limit]]
            assert total == len(everything)


def test_page_total_counts_active_only(workspace: Workspace) -> None:
    queue = _mixed_queue(workspace)
    removed = queue.list()[-1]
    queue.remove(removed.id)
    entries, total = queue.page(0, 100)
    assert total == 11
    assert removed.id not in {e.id for e in entries}
    assert queue.state_counts() == {"running": 1, "queued": 10}


def test_page_bounds(workspace: Workspace) -> None:
    queue = _mixed_queue(workspace)
    assert queue.page(12, 10) == ([], 12)
    assert queue.page(1000, 10) == ([], 12)
    assert queue.page(0, 0) == ([], 12)
    assert len(queue.page(10, 100)[0]) == 2
    with pytest.raises(ValueError, match="offset"):
        queue.page(-1, 10)
    with pytest.raises(ValueError, match="limit"):
        queue.page(0, -1)


def test_page_of_empty_queue(workspace: Workspace) -> None:
    assert Queue(workspace).page(0, 100) == ([], 0)
