"""``safeshell -c`` as Claude Code's shell prefix, run the way Claude Code runs it.

Claude Code builds one line around the model's command (snapshot ``source``,
extglob off, ``eval``, ``pwd -P >| CWDFILE``) and, with
``CLAUDE_CODE_SHELL_PREFIX="/abs/safeshell -c"``, runs
``bash -c "'/abs/safeshell' -c '<line>'"``. These tests build that line the
same way and run it for real.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest

from safeshell.workspace import Workspace

EXTGLOB = "{ shopt -u extglob || setopt NO_EXTENDED_GLOB; } >/dev/null 2>&1 || true"


def claude_line(command: str, snapshot: Path, cwd_file: Path) -> str:
    """Build Claude Code's Bash tool line for a command without single quotes."""
    return " && ".join([
        f"source {snapshot} 2>/dev/null || true",
        EXTGLOB,
        f"eval {shlex.quote(command)} \\< /dev/null",
        f"pwd -P >| {cwd_file}",
    ])


def run_prefixed(venv_bin: Path, workspace: Workspace, line: str) -> subprocess.CompletedProcess[str]:
    prefixed = f"{shlex.quote(str(venv_bin / 'safeshell'))} -c {shlex.quote(line)}"
    return subprocess.run(
        ["bash", "-c", prefixed],
        cwd=workspace.root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SAFESHELL_WORKSPACE": ""},
        check=False,
    )


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    """A shell snapshot, as Claude Code writes one, defining a function that deletes weights."""
    directory = tmp_path / "home" / ".claude" / "shell-snapshots"
    directory.mkdir(parents=True)
    path = directory / "snapshot-bash-1764876000123-k3j9qz.sh"
    path.write_text(
        "# Snapshot file\n"
        "unalias -a 2>/dev/null || true\n"
        "tidy () {\n  rm -f current_model/model.safetensors\n}\n"
    )
    return path


def test_snapshot_function_delete_restored(workspace: Workspace, venv_bin: Path, snapshot: Path,
                                           tmp_path: Path) -> None:
    weights = workspace.current_model / "model.safetensors"
    before = weights.read_bytes()
    cwd_file = tmp_path / "claude-7f3a-cwd"

    result = run_prefixed(venv_bin, workspace, claude_line("tidy", snapshot, cwd_file))

    assert result.returncode == 122, result.stderr
    assert weights.read_bytes() == before
    assert "current_model/model.safetensors" in result.stderr


def test_allowed_command_runs_and_tracks_cwd(workspace: Workspace, venv_bin: Path, snapshot: Path,
                                             tmp_path: Path) -> None:
    cwd_file = tmp_path / "claude-12ab-cwd"
    result = run_prefixed(venv_bin, workspace, claude_line("cd inbox && ls", snapshot, cwd_file))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["done", "rejected", "skipped"]
    assert cwd_file.read_text().strip() == str(workspace.inbox)


def test_model_delete_rejected_before_running(workspace: Workspace, venv_bin: Path, snapshot: Path,
                                              tmp_path: Path) -> None:
    result = run_prefixed(venv_bin, workspace, claude_line("rm -rf current_model", snapshot,
                                                           tmp_path / "claude-99aa-cwd"))
    assert result.returncode == 120
    assert (workspace.current_model / "model.safetensors").exists()
    assert "rm -rf current_model" in result.stderr


def hook_request(workspace: Workspace, hook_process, sample) -> str:
    """Return the request ID the hook names for 'rm -rf current_model' under the prefix."""
    import json
    import re

    result = hook_process("claude-code", sample("claude-code", "bash_rm_model"),
                          env={"CLAUDE_CODE_SHELL_PREFIX": "/opt/venv/bin/safeshell -c"})
    reason = json.loads(result.stdout)["hookSpecificOutput"]["permissionDecisionReason"]
    return re.search(r"approve request ([0-9a-f]+)\.", reason).group(1)


def grant(workspace: Workspace, request_id: str) -> str:
    from safeshell import approvals, guard

    return approvals.grant_request(workspace, request_id, by="test",
                                   current_policy_version=guard.load_policy(workspace).version).text


def test_hook_request_token_accepted_by_run(workspace: Workspace, venv_bin: Path, hook_process, sample) -> None:
    token = grant(workspace, hook_request(workspace, hook_process, sample))
    rerun = f"cd {shlex.quote(str(workspace.root))} && {venv_bin / 'safeshell'} --approval {token} -c 'rm -rf current_model'"
    result = subprocess.run(["bash", "-c", rerun], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert not workspace.current_model.exists()


def test_approved_rerun_through_prefix_rejected(workspace: Workspace, venv_bin: Path, snapshot: Path,
                                                tmp_path: Path, hook_process, sample) -> None:
    """Through the shell prefix, the outer safeshell -c analyses the nested
    'safeshell --approval TOKEN -c COMMAND' like 'bash -c' and rejects it without a
    token of its own; the rerun carries the token as a leading
    SAFESHELL_APPROVAL_TOKEN=TOKEN assignment instead (test_token_rerun.py)."""
    token = grant(workspace, hook_request(workspace, hook_process, sample))
    command = f"cd {workspace.root} && safeshell --approval {token} -c \"rm -rf current_model\""
    result = run_prefixed(venv_bin, workspace, claude_line(command, snapshot, tmp_path / "claude-5e6f-cwd"))
    assert result.returncode == 120
    assert (workspace.current_model / "model.safetensors").exists()
