"""Approval requests: creation, reuse, expiry, denial, and the rejection message."""

from __future__ import annotations

import pytest
from approval_fixtures import Rejected, grant, reject

from safeshell import approvals, audit, guard
from safeshell.approvals import ApprovalSettings
from safeshell.approvals.describe import describe_request
from safeshell.errors import ApprovalError
from safeshell.operations import Operation, OperationKind
from safeshell.workspace import Workspace


def _events(workspace: Workspace, name: str) -> list[dict]:
    return [entry for entry in audit.read_entries(workspace) if entry["event"] == name]


def test_request_records_subject_and_rule(workspace: Workspace, rejected: Rejected) -> None:
    request = rejected.request
    assert len(request.id) == 8
    assert request.status == "open"
    assert request.rule == "current-model"
    assert request.subject == rejected.subject
    assert request.policy_version == guard.load_policy(workspace).version
    assert request.grant_command == f"safeshell approve {request.id} --workspace {workspace.root}"
    assert [event["request"] for event in _events(workspace, "request")] == [request.id]


def test_identical_operation_reuses_request(workspace: Workspace, rejected: Rejected) -> None:
    again = reject(workspace)
    assert again.request.id == rejected.request.id
    assert len(_events(workspace, "request")) == 1


def test_different_operation_gets_new_request(workspace: Workspace, rejected: Rejected) -> None:
    other = reject(workspace, "current_model/model.safetensors")
    assert other.request.id != rejected.request.id
    assert other.request.digest != rejected.request.digest


def test_granted_request_is_reused_until_used(workspace: Workspace, rejected: Rejected) -> None:
    token = grant(workspace, rejected)
    assert reject(workspace).request.id == rejected.request.id
    approvals.redeem_token(workspace, rejected.subject, rejected.verdict, token)
    fresh = reject(workspace)
    assert fresh.request.id != rejected.request.id
    assert fresh.request.status == "open"


def test_expired_request_recorded_and_replaced(workspace: Workspace) -> None:
    operation = Operation(OperationKind.DELETE, paths=(str(workspace.current_model),), source="rm -rf current_model")
    verdict = guard.check_operations([operation], workspace=workspace)
    subject = approvals.shell_subject(workspace, "rm -rf current_model", str(workspace.root), verdict)
    short = approvals.ensure_request(workspace, subject, verdict, settings=ApprovalSettings(request_ttl_s=0))

    replacement = approvals.ensure_request(workspace, subject, verdict)

    assert replacement.id != short.id
    assert approvals.get_request(workspace, short.id).status == "expired"
    assert [event["request"] for event in _events(workspace, "expire_request")] == [short.id]


def test_denial_recorded_and_audited(workspace: Workspace, rejected: Rejected) -> None:
    denied = approvals.deny_request(workspace, rejected.request.id, by="alice")
    assert (denied.status, denied.decided_by) == ("denied", "alice")
    assert _events(workspace, "deny_request")[0]["request"] == rejected.request.id
    with pytest.raises(ApprovalError, match="already denied"):
        approvals.deny_request(workspace, rejected.request.id, by="alice")
    with pytest.raises(ApprovalError, match="denied and cannot be granted"):
        grant(workspace, rejected)


def test_unknown_request_id_raises(workspace: Workspace) -> None:
    with pytest.raises(ApprovalError, match="no approval request 'deadbeef'"):
        approvals.get_request(workspace, "deadbeef")


def test_allowed_verdict_cannot_be_requested(workspace: Workspace) -> None:
    verdict = guard.check_operations([], workspace=workspace)
    subject = approvals.shell_subject(workspace, "true", str(workspace.root), verdict)
    with pytest.raises(ApprovalError, match="'allow'"):
        approvals.ensure_request(workspace, subject, verdict)


def test_grant_refuses_altered_request_row(workspace: Workspace, rejected: Rejected) -> None:
    """A request whose stored operation was edited after the fact cannot be granted."""
    from safeshell.approvals.requests import connect

    connection = connect(workspace)
    connection.execute(
        "UPDATE approval_requests SET subject_json = replace(subject_json, 'rm -rf current_model', 'ls') WHERE id = ?",
        (rejected.request.id,),
    )
    connection.close()
    with pytest.raises(ApprovalError, match="inconsistent"):
        grant(workspace, rejected)


def test_grant_refused_after_policy_change(workspace: Workspace, rejected: Rejected) -> None:
    with workspace.policy_file.open("a", encoding="utf-8") as policy:
        policy.write("critical_keys: [save_steps]\n")
    with pytest.raises(ApprovalError, match="policy changed"):
        grant(workspace, rejected)


def test_rejection_message_names_rule_and_grant(workspace: Workspace, rejected: Rejected) -> None:
    message = approvals.render_rejection(rejected.subject, rejected.verdict, rejected.request)
    lines = message.splitlines()
    assert lines[0] == "safeshell: rejected, approval required: rm -rf current_model"
    assert f"rule current-model (require_approval): delete of {workspace.current_model}" in lines[1]
    assert f"    {rejected.request.grant_command}" in lines
    assert f"    cd {workspace.root} && safeshell --approval TOKEN -c 'rm -rf current_model'" in lines


def test_rejection_dict_carries_request(workspace: Workspace, rejected: Rejected) -> None:
    data = approvals.rejection_dict(rejected.subject, rejected.verdict, rejected.request)
    assert data["decision"] == "require_approval"
    assert data["rule"] == "current-model"
    assert data["approval"]["request"] == rejected.request.id
    assert data["approval"]["grant_command"] == rejected.request.grant_command


def test_description_shows_paths_and_snapshot(workspace: Workspace, rejected: Rejected) -> None:
    text = describe_request(workspace, rejected.request, token_ttl_s=600)
    assert "  command:    rm -rf current_model" in text
    assert f"      {workspace.current_model}  (directory: 2 files, 4.0 KiB)" in text
    assert "current_model/ (2 files, 4.0 KiB) recorded as a model version" in text
    assert "valid once, for exactly this operation, for 10 min" in text


def test_list_shows_open_and_granted_only(workspace: Workspace, rejected: Rejected) -> None:
    other = reject(workspace, "current_model/model.safetensors")
    approvals.deny_request(workspace, other.request.id, by="test")
    assert [request.id for request in approvals.list_requests(workspace)] == [rejected.request.id]
    everything = approvals.list_requests(workspace, include_closed=True)
    assert {request.id for request in everything} == {rejected.request.id, other.request.id}


def test_long_command_is_not_echoed(workspace: Workspace) -> None:
    command = "rm -rf current_model # " + "x" * 50_000
    rejected = reject(workspace, command=command)
    request = rejected.request
    assert len(request.summary) <= approvals.requests.SUMMARY_LIMIT
    assert request.summary.endswith(f"({len(command)} characters in all)")
    template = approvals.run_command_template(request, token="<token>")
    assert "x" * 100 not in template
    assert f"<the same command as before, {len(command)} characters>" in template
    opened = _events(workspace, "request")
    assert max(len(str(event)) for event in opened) < 5_000
    assert approvals.get_request(workspace, request.id).subject.command == command
