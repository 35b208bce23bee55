"""`safeshell approve` on a real terminal, and its refusal without one."""

from __future__ import annotations

import subprocess

from approval_fixtures import Rejected
from pty_driver import run_in_terminal, safeshell_argv

from safeshell import approvals, audit
from safeshell.workspace import Workspace


def _approve(workspace: Workspace, request_id: str, answer: str | None):
    return run_in_terminal(safeshell_argv("approve", request_id, "--workspace", str(workspace.root)), answer=answer)


def test_typed_id_grants_working_token(workspace: Workspace, rejected: Rejected) -> None:
    run = _approve(workspace, rejected.request.id, rejected.request.id)

    assert run.status == 0, run.output
    assert "  command:    rm -rf current_model" in run.output
    assert "rules:\r\n    current-model (require_approval)" in run.output
    token = next(line.strip() for line in run.output.splitlines() if line.startswith("ss1."))
    assert f"safeshell --approval {token} -c 'rm -rf current_model'" in run.output
    assert approvals.redeem_token(workspace, rejected.subject, rejected.verdict, token)
    grants = [entry for entry in audit.read_entries(workspace) if entry["event"] == "grant"]
    assert [entry["request"] for entry in grants] == [rejected.request.id]


def test_word_approve_grants(workspace: Workspace, rejected: Rejected) -> None:
    run = _approve(workspace, rejected.request.id, "approve")
    assert run.status == 0, run.output
    assert approvals.get_request(workspace, rejected.request.id).status == "granted"


def test_bare_enter_grants_nothing(workspace: Workspace, rejected: Rejected) -> None:
    run = _approve(workspace, rejected.request.id, "")
    assert run.status == 1
    assert "Not approved" in run.output
    assert "ss1." not in run.output
    assert approvals.get_request(workspace, rejected.request.id).status == "open"


def test_typed_deny_denies(workspace: Workspace, rejected: Rejected) -> None:
    run = _approve(workspace, rejected.request.id, "deny")
    assert run.status == 0, run.output
    assert approvals.get_request(workspace, rejected.request.id).status == "denied"


def test_unknown_request_id_fails(workspace: Workspace) -> None:
    run = _approve(workspace, "0badc0de", answer=None)
    assert run.status == 1
    assert "no approval request '0badc0de'" in run.output


def test_approve_refused_without_terminal(workspace: Workspace, rejected: Rejected) -> None:
    # A new session has no controlling terminal, and stdin is not a terminal:
    # the position an assistant's tool call is in.
    result = subprocess.run(
        safeshell_argv("approve", rejected.request.id, "--workspace", str(workspace.root)),
        input="approve\n",
        capture_output=True,
        text=True,
        start_new_session=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "a process without a controlling terminal cannot approve" in result.stderr
    assert "ss1." not in result.stdout + result.stderr
    assert approvals.get_request(workspace, rejected.request.id).status == "open"
