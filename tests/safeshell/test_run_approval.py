"""Approval tokens on the guarded run: bad tokens run nothing, a good one runs once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from run_fixtures import MODEL_FILES, console_script, make_workspace, read_tree, safeshell

from safeshell import approvals, audit, guard
from safeshell.approvals import ApprovalSettings, tokens
from safeshell.cli import exit_codes
from safeshell.workspace import Workspace

PTY_HELPERS = str(Path(__file__).parent / "approvals")
# Deletes one weight file and leaves a mark, so a test can tell whether it ran.
COMMAND = "rm current_model/model.safetensors && echo ran >> ran.log"


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws")


def _request_id(stderr: str) -> str:
    return stderr.split("Approval request ")[1].split()[0]


def _grant(workspace: Workspace, request_id: str, *, token_ttl_s: int = 600) -> str:
    policy = guard.load_policy(workspace)
    return approvals.grant_request(
        workspace, request_id, by="test", current_policy_version=policy.version,
        settings=ApprovalSettings(token_ttl_s=token_ttl_s),
    ).text


def _rejected_then_granted(workspace: Workspace, **grant_options: int) -> str:
    first = safeshell("-c", COMMAND, cwd=workspace.root)
    assert first.returncode == exit_codes.APPROVAL_REQUIRED, first.stderr
    return _grant(workspace, _request_id(first.stderr), **grant_options)


def _assert_nothing_ran(workspace: Workspace, result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == exit_codes.APPROVAL_REQUIRED, result.stderr
    assert read_tree(workspace.current_model) == MODEL_FILES
    assert not (workspace.root / "ran.log").exists()


def test_token_runs_command_once(workspace: Workspace) -> None:
    token = _rejected_then_granted(workspace)

    result = safeshell("--approval", token, "-c", COMMAND, cwd=workspace.root)
    assert result.returncode == 0, result.stderr
    assert (workspace.root / "ran.log").read_text() == "ran\n"
    assert "undo with 'trainctl versions restore v001'" in result.stderr

    (workspace.current_model / "model.safetensors").write_bytes(MODEL_FILES["model.safetensors"])
    replay = safeshell("--approval", token, "-c", COMMAND, cwd=workspace.root)
    assert replay.returncode == exit_codes.APPROVAL_REQUIRED
    assert "approval token rejected (replayed)" in replay.stderr
    assert (workspace.root / "ran.log").read_text() == "ran\n"


def test_token_from_environment_accepted(workspace: Workspace) -> None:
    token = _rejected_then_granted(workspace)
    result = safeshell("-c", COMMAND + "; echo \"${SAFESHELL_APPROVAL_TOKEN:-unset}\"", cwd=workspace.root,
                       env={"SAFESHELL_APPROVAL_TOKEN": token})
    # The command text differs from the granted one, so the token does not apply.
    assert "approval token rejected (operation)" in result.stderr
    result = safeshell("-c", COMMAND, cwd=workspace.root, env={"SAFESHELL_APPROVAL_TOKEN": token})
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("mutate", "check"),
    [
        # one MAC character changed (not the last, whose low bits must be zero)
        (lambda token: token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:], "signature"),
        (lambda token: token[:40], "format"),  # truncated
        (lambda token: token.replace(token.split(".")[1], "12345678"), "unknown_request"),
    ],
)
def test_bad_token_runs_nothing(workspace: Workspace, mutate, check: str) -> None:
    token = _rejected_then_granted(workspace)
    result = safeshell("--approval", mutate(token), "-c", COMMAND, cwd=workspace.root)
    _assert_nothing_ran(workspace, result)
    assert f"approval token rejected ({check})" in result.stderr
    rejected = [entry["check"] for entry in audit.read_entries(workspace) if entry["event"] == "token_rejected"]
    assert rejected == [check]


def test_forged_token_runs_nothing(workspace: Workspace) -> None:
    first = safeshell("-c", COMMAND, cwd=workspace.root)
    request = approvals.get_request(workspace, _request_id(first.stderr))
    forged = tokens.mint(b"\x07" * 32, request_id=request.id, digest=request.digest,
                         policy_version=request.policy_version, expires_at=2_000_000_000).text()
    _assert_nothing_ran(workspace, safeshell("--approval", forged, "-c", COMMAND, cwd=workspace.root))


def test_expired_token_runs_nothing(workspace: Workspace) -> None:
    token = _rejected_then_granted(workspace, token_ttl_s=0)
    result = safeshell("--approval", token, "-c", COMMAND, cwd=workspace.root)
    _assert_nothing_ran(workspace, result)
    assert "approval token rejected (expired)" in result.stderr


def test_token_for_other_command_runs_nothing(workspace: Workspace) -> None:
    token = _rejected_then_granted(workspace)
    other = "rm current_model/config.json && echo ran >> ran.log"
    result = safeshell("--approval", token, "-c", other, cwd=workspace.root)
    _assert_nothing_ran(workspace, result)
    assert "approval token rejected (operation)" in result.stderr


def test_token_in_other_directory_runs_nothing(workspace: Workspace) -> None:
    token = _rejected_then_granted(workspace)
    result = safeshell("--approval", token, "-c", "cd .. && cd ws && " + COMMAND, cwd=workspace.root)
    _assert_nothing_ran(workspace, result)


def test_token_in_other_workspace_runs_nothing(tmp_path: Path, workspace: Workspace) -> None:
    token = _rejected_then_granted(workspace)
    other = make_workspace(tmp_path / "other")
    result = safeshell("--approval", token, "-c", COMMAND, cwd=other.root)
    _assert_nothing_ran(other, result)
    assert "approval token rejected (unknown_request)" in result.stderr


def test_token_after_policy_edit_runs_nothing(workspace: Workspace) -> None:
    token = _rejected_then_granted(workspace)
    with workspace.policy_file.open("a", encoding="utf-8") as policy:
        policy.write("critical_keys: [save_steps]\n")
    result = safeshell("--approval", token, "-c", COMMAND, cwd=workspace.root)
    _assert_nothing_ran(workspace, result)
    assert "approval token rejected (policy_changed)" in result.stderr


def test_missing_key_runs_nothing(workspace: Workspace, isolated_config_home: Path) -> None:
    token = _rejected_then_granted(workspace)
    (isolated_config_home / "safeshell" / "approval.key").unlink()
    result = safeshell("--approval", token, "-c", COMMAND, cwd=workspace.root)
    _assert_nothing_ran(workspace, result)
    assert "approval token rejected (key)" in result.stderr


def test_unreadable_key_runs_nothing(workspace: Workspace, tmp_path: Path) -> None:
    token = _rejected_then_granted(workspace)
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    result = safeshell("--approval", token, "-c", COMMAND, cwd=workspace.root,
                       env={"SAFESHELL_APPROVAL_KEY": str(blocker / "approval.key")})
    _assert_nothing_ran(workspace, result)
    assert "approval token rejected (key)" in result.stderr


def test_token_cannot_override_deny(workspace: Workspace) -> None:
    token = _rejected_then_granted(workspace)
    result = safeshell("--approval", token, "-c", "rm -rf .safeshell", cwd=workspace.root)
    assert result.returncode == exit_codes.DENIED
    assert workspace.audit_log.exists()


@pytest.mark.slow
def test_racing_runs_accept_token_once(workspace: Workspace) -> None:
    token = _rejected_then_granted(workspace)
    # All processes block on one pipe and start together when it closes.
    read_end, write_end = os.pipe()
    gate = (
        f"import os, sys; os.read({read_end}, 1); sys.path.remove(''); "
        "from safeshell.cli.main import main; sys.exit(main(sys.argv[1:]))"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", gate, "--approval", token, "-c", COMMAND],
            cwd=workspace.root, pass_fds=(read_end,), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(6)
    ]
    os.close(read_end)
    os.close(write_end)
    statuses = sorted(process.wait(timeout=120) for process in processes)
    for process in processes:
        process.stdout.close()
        process.stderr.close()

    assert statuses == [0] + [exit_codes.APPROVAL_REQUIRED] * 5
    assert (workspace.root / "ran.log").read_text() == "ran\n"
    used = [entry for entry in audit.read_entries(workspace) if entry["event"] == "token_used"]
    assert len(used) == 1


@pytest.mark.slow
def test_round_trip_rejected_approved_undone(workspace: Workspace) -> None:
    sys.path.insert(0, PTY_HELPERS)
    try:
        from pty_driver import run_in_terminal, safeshell_argv
    finally:
        sys.path.remove(PTY_HELPERS)
    (workspace.current_model / "model.safetensors").write_bytes(b"weeks of training")
    trained = read_tree(workspace.current_model)

    rejected = safeshell("-c", "rm -rf current_model", cwd=workspace.root)
    assert rejected.returncode == exit_codes.APPROVAL_REQUIRED
    request_id = _request_id(rejected.stderr)

    approval = run_in_terminal(safeshell_argv("approve", request_id, "--workspace", str(workspace.root)),
                               answer=request_id)
    assert approval.status == 0, approval.output
    token = next(line.strip() for line in approval.output.splitlines() if line.startswith("ss1."))

    approved = safeshell("--approval", token, "-c", "rm -rf current_model", cwd=workspace.root)
    assert approved.returncode == 0, approved.stderr
    assert not workspace.current_model.exists()
    version = approved.stderr.split("undo with 'trainctl versions restore ")[1].split("'")[0]
    assert version == "v002"

    restore = subprocess.run(
        [console_script("trainctl"), "versions", "restore", version, "--workspace", str(workspace.root)],
        capture_output=True, text=True, timeout=120,
    )
    assert restore.returncode == 0, restore.stderr
    assert read_tree(workspace.current_model) == trained
    events = [entry["event"] for entry in audit.read_entries(workspace)]
    for expected in ("request", "grant", "token_used", "snapshot"):
        assert expected in events
