"""`safeshell approvals list|show|deny`."""

from __future__ import annotations

import json

import pytest
from approval_fixtures import Rejected

from safeshell import approvals
from safeshell.cli import approvals_cmd
from safeshell.workspace import Workspace


def _run(capsys: pytest.CaptureFixture[str], *arguments: str) -> tuple[int, str, str]:
    status = approvals_cmd.main(list(arguments))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_list_shows_open_request(workspace: Workspace, rejected: Rejected, capsys) -> None:
    status, out, _ = _run(capsys, "--workspace", str(workspace.root), "list")
    assert status == 0
    header, first = out.splitlines()[:2]
    assert header.split()[:2] == ["ID", "STATUS"]
    assert first.split()[:2] == [rejected.request.id, "open"]
    assert "current-model" in out
    assert "rm -rf current_model" in out


def test_list_json_is_parseable(workspace: Workspace, rejected: Rejected, capsys) -> None:
    status, out, _ = _run(capsys, "--workspace", str(workspace.root), "list", "--json")
    assert status == 0
    assert [item["id"] for item in json.loads(out)] == [rejected.request.id]


def test_show_prints_grant_command(workspace: Workspace, rejected: Rejected, capsys) -> None:
    status, out, _ = _run(capsys, "--workspace", str(workspace.root), "show", rejected.request.id)
    assert status == 0
    assert out.startswith(f"Approval request {rejected.request.id} (open;")
    assert out.rstrip().endswith(rejected.request.grant_command)


def test_deny_needs_no_terminal(workspace: Workspace, rejected: Rejected, capsys) -> None:
    status, out, _ = _run(capsys, "--workspace", str(workspace.root), "deny", rejected.request.id)
    assert status == 0
    assert approvals.get_request(workspace, rejected.request.id).status == "denied"


def test_unknown_id_exits_1(workspace: Workspace, capsys) -> None:
    status, _, err = _run(capsys, "--workspace", str(workspace.root), "show", "ffffffff")
    assert status == 1
    assert "no approval request 'ffffffff'" in err
