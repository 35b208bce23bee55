"""The inbox scan: settled files only, rejected files kept with a reason."""

from __future__ import annotations

import fcntl
import json
import logging
import os

import pytest

from safeshell.workspace import Workspace
from trainer.intake import Inbox
from trainer.queue import Queue


def test_file_taken_after_two_equal_scans(workspace: Workspace) -> None:
    inbox = Inbox(workspace, Queue(workspace))
    path = workspace.inbox / "a.jsonl"
    path.write_text(json.dumps({"text": "half"}) + "\n")
    first = inbox.scan()
    assert first.unsettled == 1
    assert first.queued == []
    with open(path, "a") as handle:  # the copy goes on between the scans
        handle.write(json.dumps({"text": "rest"}) + "\n")
    assert inbox.scan().queued == []
    taken = inbox.scan()
    assert [entry.name for entry in taken.queued] == ["a.jsonl"]
    assert taken.queued[0].records == 2


def test_partial_and_hidden_names_ignored(workspace: Workspace) -> None:
    inbox = Inbox(workspace, Queue(workspace))
    for name in (".hidden.jsonl", "a.jsonl.part", "b.jsonl.tmp", "notes.txt"):
        (workspace.inbox / name).write_text(json.dumps({"text": "x"}) + "\n")
    inbox.scan()
    report = inbox.scan()
    assert report.queued == []
    assert report.unsettled == 0
    assert (workspace.inbox / "a.jsonl.part").exists()


def test_other_extension_logged_once(workspace: Workspace, caplog: pytest.LogCaptureFixture) -> None:
    inbox = Inbox(workspace, Queue(workspace))
    (workspace.inbox / "chat.json").write_text(json.dumps({"text": "x"}) + "\n")
    (workspace.inbox / "a.jsonl.part").write_text(json.dumps({"text": "x"}) + "\n")
    with caplog.at_level(logging.WARNING, logger="trainer.intake"):
        inbox.scan()
        inbox.scan()
    warnings = [record.getMessage() for record in caplog.records]
    assert warnings == ["ignoring inbox/chat.json: only *.jsonl files are queued; rename it to chat.jsonl "
                        "if it is JSON Lines"]
    assert (workspace.inbox / "chat.json").exists()


def test_locked_file_waits_for_writer(workspace: Workspace) -> None:
    inbox = Inbox(workspace, Queue(workspace))
    path = workspace.inbox / "a.jsonl"
    path.write_text(json.dumps({"text": "x"}) + "\n")
    with open(path, "rb") as writer:
        fcntl.flock(writer, fcntl.LOCK_EX)
        inbox.scan()
        assert inbox.scan().queued == []
    assert len(inbox.scan().queued) == 1


def test_invalid_file_rejected_with_reason(workspace: Workspace) -> None:
    inbox = Inbox(workspace, Queue(workspace))
    (workspace.inbox / "bad.jsonl").write_text('{"text": "fine"}\n{"text": ""}\n')
    (workspace.inbox / "good.jsonl").write_text('{"text": "fine"}\n')
    inbox.scan()
    report = inbox.scan()
    assert [entry.name for entry in report.queued] == ["good.jsonl"]
    rejected = workspace.inbox / "rejected" / "bad.jsonl"
    assert rejected.read_text() == '{"text": "fine"}\n{"text": ""}\n'
    reason = (workspace.inbox / "rejected" / "bad.jsonl.reason.txt").read_text()
    assert "line: 2" in reason
    assert "field 'text' is empty" in reason
    assert not (workspace.inbox / "bad.jsonl").exists()


def test_rejected_name_collision_keeps_both(workspace: Workspace) -> None:
    inbox = Inbox(workspace, Queue(workspace))
    for _ in range(2):
        (workspace.inbox / "bad.jsonl").write_bytes(b"\xff\xfe\n")
        inbox.scan()
        inbox.scan()
    assert sorted(os.listdir(workspace.inbox / "rejected")) == [
        "bad.2.jsonl", "bad.2.jsonl.reason.txt", "bad.jsonl", "bad.jsonl.reason.txt"]
