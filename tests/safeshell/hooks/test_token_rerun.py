"""An approved command rerun through the safeshell shell prefix with a leading token assignment.

With ``CLAUDE_CODE_SHELL_PREFIX="/abs/safeshell -c"`` the assistant cannot pass
``--approval``; it reruns ``SAFESHELL_APPROVAL_TOKEN=TOKEN COMMAND`` instead.
The hook lets that through only when the token approves COMMAND, and the
outer ``safeshell -c`` redeems it and decides on COMMAND without the
assignment. These tests run the hook, ``safeshell -c`` and ``safeshell
check`` for real.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

from safeshell import approvals, guard
from safeshell.hooks import run_hook
from safeshell.workspace import Workspace

PREFIX_ENV = {"CLAUDE_CODE_SHELL_PREFIX": "/opt/venv/bin/safeshell -c"}


def hook(workspace: Workspace, sample, command: str) -> dict | None:
    """Return the hook's output for a Bash call of ``command`` under the prefix (None: allowed)."""
    payload = sample("claude-code", "bash_rm_model")
    payload["tool_input"]["command"] = command
    answer = run_hook("claude-code", json.dumps(payload).encode(), workspace=None, env=PREFIX_ENV)
    return json.loads(answer.stdout)["hookSpecificOutput"] if answer.stdout else None


def request_and_grant(workspace: Workspace, sample, command: str) -> str:
    """Let the hook open the request for ``command``; grant it as the human would; return the token."""
    output = hook(workspace, sample, command)
    request_id = re.search(r"approve request ([0-9a-f]+)\.", output["permissionDecisionReason"]).group(1)
    return approvals.grant_request(workspace, request_id, by="test",
                                   current_policy_version=guard.load_policy(workspace).version).text


def run_prefixed(venv_bin: Path, workspace: Workspace, command: str, cwd_file: Path) -> subprocess.CompletedProcess[str]:
    """Run ``command`` the way Claude Code's Bash tool does under the safeshell prefix."""
    line = f"eval {shlex.quote(command)} \\< /dev/null && pwd -P >| {cwd_file}"
    prefixed = f"{shlex.quote(str(venv_bin / 'safeshell'))} -c {shlex.quote(line)}"
    return subprocess.run(["bash", "-c", prefixed], cwd=workspace.root, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "SAFESHELL_WORKSPACE": ""}, check=False)


def test_reason_shows_token_assignment_rerun(workspace: Workspace, sample) -> None:
    reason = hook(workspace, sample, "rm -rf current_model")["permissionDecisionReason"]

    assert reason.endswith("  SAFESHELL_APPROVAL_TOKEN=<token> rm -rf current_model")
    assert "ss1" not in reason


def test_token_assignment_reruns_approved_command(workspace: Workspace, sample, venv_bin: Path,
                                                  tmp_path: Path) -> None:
    token = request_and_grant(workspace, sample, "rm -rf current_model")
    rerun = f"SAFESHELL_APPROVAL_TOKEN={token} rm -rf current_model"

    assert hook(workspace, sample, rerun) is None
    result = run_prefixed(venv_bin, workspace, rerun, tmp_path / "claude-1a2b-cwd")

    assert result.returncode == 0, result.stderr
    assert not workspace.current_model.exists()


def test_spent_token_rejected_on_second_rerun(workspace: Workspace, sample, venv_bin: Path, tmp_path: Path) -> None:
    token = request_and_grant(workspace, sample, "rm -f current_model/model.safetensors")
    rerun = f"SAFESHELL_APPROVAL_TOKEN='{token}' rm -f current_model/model.safetensors"
    first = run_prefixed(venv_bin, workspace, rerun, tmp_path / "claude-3c4d-cwd")
    assert first.returncode == 0, first.stderr
    (workspace.current_model / "model.safetensors").write_bytes(b"retrained")

    second = run_prefixed(venv_bin, workspace, rerun, tmp_path / "claude-3c4d-cwd")
    output = hook(workspace, sample, rerun)

    assert second.returncode == 120
    assert (workspace.current_model / "model.safetensors").read_bytes() == b"retrained"
    assert output["permissionDecision"] == "deny"
    assert "The approval token was not accepted" in output["permissionDecisionReason"]


def test_token_for_other_command_rejected(workspace: Workspace, sample, venv_bin: Path, tmp_path: Path) -> None:
    token = request_and_grant(workspace, sample, "rm -f current_model/config.json")
    rerun = f"SAFESHELL_APPROVAL_TOKEN={token} rm -rf current_model"

    output = hook(workspace, sample, rerun)
    result = run_prefixed(venv_bin, workspace, rerun, tmp_path / "claude-5e6f-cwd")

    assert output["permissionDecision"] == "deny"
    assert "The approval token was not accepted" in output["permissionDecisionReason"]
    assert result.returncode == 120
    assert (workspace.current_model / "model.safetensors").exists()


def test_check_reports_assigned_token(workspace: Workspace, sample, venv_bin: Path) -> None:
    token = request_and_grant(workspace, sample, "rm -rf current_model")
    command = f"SAFESHELL_APPROVAL_TOKEN={token} rm -rf current_model"

    result = subprocess.run([str(venv_bin / "safeshell"), "check", "--json", "--workspace", str(workspace.root),
                             "--cwd", str(workspace.root), "--", command],
                            capture_output=True, text=True, timeout=120, check=False)
    report = json.loads(result.stdout)

    assert (report["command"], report["token"]["ok"]) == ("rm -rf current_model", True)
    assert workspace.current_model.exists()


def test_plain_safeshell_c_strips_assignment(workspace: Workspace, sample, venv_bin: Path) -> None:
    command = 'rm -f current_model/config.json && echo "[${SAFESHELL_APPROVAL_TOKEN-}]"'
    token = request_and_grant(workspace, sample, command)
    env = {key: value for key, value in os.environ.items() if key != "SAFESHELL_APPROVAL_TOKEN"}

    result = subprocess.run([str(venv_bin / "safeshell"), "-c", f"SAFESHELL_APPROVAL_TOKEN={token} {command}"],
                            cwd=workspace.root, capture_output=True, text=True, timeout=120, env=env, check=False)

    assert (result.returncode, result.stdout) == (0, "[]\n"), result.stderr
    assert not (workspace.current_model / "config.json").exists()
