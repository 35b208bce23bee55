"""Checking and redeeming approval tokens: every bad token is rejected and consumes nothing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from approval_fixtures import Rejected, grant, make_workspace, model_contents, reject

from safeshell import approvals, audit, guard
from safeshell.approvals import tokens
from safeshell.errors import TokenError
from safeshell.operations import Operation, OperationKind
from safeshell.workspace import Workspace


def _flip(text: str, index: int) -> str:
    """Change one character of ``text`` to another character of the base64url alphabet."""
    replacement = "A" if text[index] != "A" else "B"
    return text[:index] + replacement + text[index + 1:]


def _redeem_fails(workspace: Workspace, rejected: Rejected, token: str) -> TokenError:
    before = model_contents(workspace)
    with pytest.raises(TokenError) as failure:
        approvals.redeem_token(workspace, rejected.subject, rejected.verdict, token)
    assert model_contents(workspace) == before
    return failure.value


def test_valid_token_redeemed_once(workspace: Workspace, rejected: Rejected) -> None:
    token = grant(workspace, rejected)

    check = approvals.check_token(workspace, rejected.subject, rejected.verdict, token)
    assert (check.ok, check.check) == (True, "ok")
    grant_record = approvals.redeem_token(workspace, rejected.subject, rejected.verdict, token)

    assert grant_record.request.id == rejected.request.id
    assert grant_record.request.status == "used"
    assert _redeem_fails(workspace, rejected, token).check == "replayed"
    events = [entry["event"] for entry in audit.read_entries(workspace)]
    assert events.count("token_used") == 1
    assert events.count("token_rejected") == 1


def test_check_token_consumes_nothing(workspace: Workspace, rejected: Rejected) -> None:
    token = grant(workspace, rejected)
    for _ in range(3):
        assert approvals.check_token(workspace, rejected.subject, rejected.verdict, token).ok
    assert approvals.get_request(workspace, rejected.request.id).status == "granted"


@pytest.mark.parametrize(
    ("mutate", "expected_check"),
    [
        # a MAC character changed (not the last, whose low bits must be zero)
        (lambda token: _flip(token, len(token) - 5), "signature"),
        # a nonce character changed: the MAC no longer matches
        (lambda token: _flip(token, token.rindex(".") - 3), "signature"),
        # the expiry pushed one second later
        (lambda token: token.replace(token.split(".")[2], str(int(token.split(".")[2]) + 1)), "signature"),
        # cut short
        (lambda token: token[: len(token) // 2], "format"),
        # the MAC field cut short by one character
        (lambda token: token[:-1], "format"),
        # another format version
        (lambda token: "ss2" + token[3:], "format"),
        # not a token at all
        (lambda token: "please-let-me-in", "format"),
        # empty
        (lambda token: "", "format"),
        # a well-formed token for a request id that does not exist
        (lambda token: token.replace(token.split(".")[1], "00000000"), "unknown_request"),
    ],
)
def test_altered_token_rejected(workspace: Workspace, rejected: Rejected, mutate, expected_check: str) -> None:
    token = grant(workspace, rejected)
    altered = mutate(token)
    assert altered != token

    assert _redeem_fails(workspace, rejected, altered).check == expected_check
    # The genuine token is still unused and still works.
    assert approvals.get_request(workspace, rejected.request.id).status == "granted"
    assert approvals.redeem_token(workspace, rejected.subject, rejected.verdict, token)


def test_forged_token_rejected(workspace: Workspace, rejected: Rejected) -> None:
    grant(workspace, rejected)
    forged = tokens.mint(
        b"\x01" * 32,
        request_id=rejected.request.id,
        digest=rejected.request.digest,
        policy_version=rejected.request.policy_version,
        expires_at=2_000_000_000,
    ).text()

    assert _redeem_fails(workspace, rejected, forged).check == "signature"
    assert [entry["check"] for entry in audit.read_entries(workspace) if entry["event"] == "token_rejected"] == [
        "signature"
    ]


def test_token_for_other_operation_rejected(workspace: Workspace, rejected: Rejected) -> None:
    token = grant(workspace, rejected)
    other = reject(workspace, "current_model/model.safetensors")

    with pytest.raises(TokenError) as failure:
        approvals.redeem_token(workspace, other.subject, other.verdict, token)
    assert failure.value.check == "operation"
    assert approvals.get_request(workspace, rejected.request.id).status == "granted"


def test_token_for_other_command_text_rejected(workspace: Workspace, rejected: Rejected) -> None:
    token = grant(workspace, rejected)
    # Same operations, different command text: the subject differs.
    same_effect = reject(workspace, command="rm -r -f current_model")

    with pytest.raises(TokenError) as failure:
        approvals.redeem_token(workspace, same_effect.subject, same_effect.verdict, token)
    assert failure.value.check == "operation"


def test_token_from_other_workspace_rejected(tmp_path: Path, workspace: Workspace, rejected: Rejected) -> None:
    token = grant(workspace, rejected)
    other_workspace = make_workspace(tmp_path / "other")
    other = reject(other_workspace)

    with pytest.raises(TokenError) as failure:
        approvals.redeem_token(other_workspace, other.subject, other.verdict, token)
    assert failure.value.check == "unknown_request"
    assert model_contents(other_workspace) == model_contents(workspace)


def test_copied_request_row_still_rejected(tmp_path: Path, workspace: Workspace, rejected: Rejected) -> None:
    """A state database copied into another workspace does not make a token valid there."""
    token = grant(workspace, rejected)
    other_workspace = make_workspace(tmp_path / "other")
    other_workspace.state_dir.mkdir(exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(workspace.state_db) + suffix)
        if source.exists():
            shutil.copyfile(source, str(other_workspace.state_db) + suffix)
    other = reject(other_workspace)

    with pytest.raises(TokenError) as failure:
        approvals.redeem_token(other_workspace, other.subject, other.verdict, token)
    assert failure.value.check == "operation"


def test_expired_token_rejected(workspace: Workspace, rejected: Rejected) -> None:
    token = grant(workspace, rejected, token_ttl_s=0)
    assert _redeem_fails(workspace, rejected, token).check == "expired"
    assert approvals.get_request(workspace, rejected.request.id).status == "expired"


def test_token_under_older_policy_rejected(workspace: Workspace, rejected: Rejected) -> None:
    token = grant(workspace, rejected)
    with workspace.policy_file.open("a", encoding="utf-8") as policy:
        policy.write("critical_keys: [save_steps]\n")
    changed = reject(workspace)
    assert changed.verdict.policy_version != rejected.verdict.policy_version

    with pytest.raises(TokenError) as failure:
        approvals.redeem_token(workspace, rejected.subject, changed.verdict, token)
    assert failure.value.check == "policy_changed"


def test_denied_request_token_rejected(workspace: Workspace, rejected: Rejected) -> None:
    token = grant(workspace, rejected)
    approvals.deny_request(workspace, rejected.request.id, by="test")
    assert _redeem_fails(workspace, rejected, token).check == "denied"


def test_regrant_supersedes_earlier_token(workspace: Workspace, rejected: Rejected) -> None:
    first = grant(workspace, rejected)
    second = grant(workspace, rejected)
    assert _redeem_fails(workspace, rejected, first).check == "superseded"
    assert approvals.redeem_token(workspace, rejected.subject, rejected.verdict, second)


def test_ungranted_request_rejects_token(workspace: Workspace, rejected: Rejected) -> None:
    forged = tokens.mint(
        b"\x02" * 32,
        request_id=rejected.request.id,
        digest=rejected.request.digest,
        policy_version=rejected.request.policy_version,
        expires_at=2_000_000_000,
    ).text()
    assert _redeem_fails(workspace, rejected, forged).check == "not_granted"


def test_missing_key_rejects_token(workspace: Workspace, rejected: Rejected, isolated_config_home: Path) -> None:
    token = grant(workspace, rejected)
    (isolated_config_home / "safeshell" / "approval.key").unlink()
    failure = _redeem_fails(workspace, rejected, token)
    assert failure.check == "key"
    assert "missing" in failure.message


def test_unreadable_key_rejects_token(
    workspace: Workspace, rejected: Rejected, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = grant(workspace, rejected)
    not_a_directory = tmp_path / "plain-file"
    not_a_directory.write_text("x")
    monkeypatch.setenv("SAFESHELL_APPROVAL_KEY", str(not_a_directory / "approval.key"))
    failure = _redeem_fails(workspace, rejected, token)
    assert failure.check == "key"
    assert "cannot be read" in failure.message


def test_loose_key_permissions_reject_token(
    workspace: Workspace, rejected: Rejected, isolated_config_home: Path
) -> None:
    token = grant(workspace, rejected)
    key = isolated_config_home / "safeshell" / "approval.key"
    os.chmod(key, 0o644)
    failure = _redeem_fails(workspace, rejected, token)
    assert failure.check == "key"
    assert "chmod 600" in str(failure)


def test_allowed_and_denied_verdicts_take_no_token(workspace: Workspace, rejected: Rejected) -> None:
    token = grant(workspace, rejected)
    allowed = guard.check_operations([], workspace=workspace)
    check = approvals.check_token(workspace, rejected.subject, allowed, token)
    assert (check.ok, check.check) == (False, "not_required")

    write_policy = Operation(OperationKind.WRITE, paths=(str(workspace.policy_file),), source="echo x > safeshell.yaml")
    denied = guard.check_operations([write_policy], workspace=workspace)
    check = approvals.check_token(workspace, rejected.subject, denied, token)
    assert (check.ok, check.check) == (False, "policy_denies")
