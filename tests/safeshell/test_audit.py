"""The hash-chained audit log: appends, verification, tampering, concurrent writers."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from safeshell import audit
from safeshell.errors import AuditError
from safeshell.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    (root / ".safeshell").mkdir(parents=True)
    (root / "safeshell.yaml").write_text("extends: default\n")
    return Workspace(root=root)


def fill(workspace: Workspace, count: int) -> list[bytes]:
    for index in range(count):
        audit.append(workspace, "decision", decision="allow", command=f"echo {index}")
    return workspace.audit_log.read_bytes().splitlines()


def rewrite(workspace: Workspace, lines: list[bytes]) -> None:
    workspace.audit_log.write_bytes(b"".join(line + b"\n" for line in lines))


def problem_lines(workspace: Workspace) -> list[int]:
    return [problem.line for problem in audit.verify(workspace).problems]


def test_append_chains_entries(workspace: Workspace) -> None:
    lines = fill(workspace, 3)
    entries = [json.loads(line) for line in lines]
    assert [entry["seq"] for entry in entries] == [1, 2, 3]
    assert entries[0]["prev"] == audit.GENESIS
    assert entries[2]["prev"] == audit._digest(lines[1])
    assert entries[1]["event"] == "decision"
    assert entries[1]["command"] == "echo 1"
    assert entries[0]["time"].endswith("Z")
    report = audit.verify(workspace)
    assert report.ok
    assert report.entries == 3


def test_empty_log_verifies(workspace: Workspace) -> None:
    report = audit.verify(workspace)
    assert report.ok
    assert report.entries == 0


def test_edited_line_detected(workspace: Workspace) -> None:
    lines = fill(workspace, 5)
    lines[1] = lines[1].replace(b'"allow"', b'"deny"')
    rewrite(workspace, lines)
    # The edit breaks the next line's link to it.
    assert problem_lines(workspace) == [3]


def test_edited_last_line_detected(workspace: Workspace) -> None:
    lines = fill(workspace, 3)
    lines[2] = lines[2].replace(b'"allow"', b'"deny"')
    rewrite(workspace, lines)
    assert problem_lines(workspace) == [3]


def test_removed_line_detected(workspace: Workspace) -> None:
    lines = fill(workspace, 5)
    del lines[2]
    rewrite(workspace, lines)
    assert 3 in problem_lines(workspace)


def test_removed_first_line_detected(workspace: Workspace) -> None:
    lines = fill(workspace, 3)
    rewrite(workspace, lines[1:])
    assert 1 in problem_lines(workspace)


def test_removed_tail_detected(workspace: Workspace) -> None:
    lines = fill(workspace, 4)
    rewrite(workspace, lines[:2])
    report = audit.verify(workspace)
    assert not report.ok
    assert "records 4 lines" in report.problems[0].message


def test_inserted_line_detected(workspace: Workspace) -> None:
    lines = fill(workspace, 3)
    forged = json.dumps({"seq": 2, "time": "2026-01-01T00:00:00Z", "event": "grant", "prev": audit._digest(lines[0])})
    lines.insert(1, forged.encode())
    rewrite(workspace, lines)
    assert 3 in problem_lines(workspace)


def test_reordered_lines_detected(workspace: Workspace) -> None:
    lines = fill(workspace, 4)
    lines[1], lines[2] = lines[2], lines[1]
    rewrite(workspace, lines)
    assert problem_lines(workspace)[:2] == [2, 3]


def test_garbage_line_detected(workspace: Workspace) -> None:
    lines = fill(workspace, 2)
    lines.insert(1, b"not json at all")
    rewrite(workspace, lines)
    problems = audit.verify(workspace).problems
    assert problems[0].line == 2
    assert "not valid JSON" in problems[0].message


def test_append_refuses_damaged_tail(workspace: Workspace) -> None:
    lines = fill(workspace, 2)
    lines[-1] = b'{"torn'
    rewrite(workspace, lines)
    with pytest.raises(AuditError, match="damaged"):
        audit.append(workspace, "decision")


def test_read_entries_tail(workspace: Workspace) -> None:
    fill(workspace, 5)
    assert [entry["seq"] for entry in audit.read_entries(workspace, tail=2)] == [4, 5]


def _append_many(root: str, writer: int, count: int) -> None:
    workspace = Workspace(root=Path(root))
    for index in range(count):
        audit.append(workspace, "decision", writer=writer, index=index)


def test_concurrent_appenders_keep_chain(workspace: Workspace) -> None:
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_append_many, args=(str(workspace.root), writer, 40)) for writer in range(4)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=120)
        assert process.exitcode == 0
    report = audit.verify(workspace)
    assert report.ok, report.problems
    assert report.entries == 160
    entries = audit.read_entries(workspace)
    for writer in range(4):
        mine = [entry["index"] for entry in entries if entry["writer"] == writer]
        assert mine == list(range(40))
