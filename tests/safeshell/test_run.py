"""`safeshell -c` and `safeshell --`: a drop-in for bash -c that checks first."""

from __future__ import annotations

import json
import shlex
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from run_fixtures import MODEL_FILES, console_script, make_workspace, read_tree, safeshell

from safeshell import audit
from safeshell.cli import exit_codes
from safeshell.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws")


def test_allowed_command_passes_through(workspace: Workspace) -> None:
    result = subprocess.run(
        [console_script("safeshell"), "-c", "read line; echo \"got $line\"; echo oops >&2; exit 7"],
        cwd=workspace.root,
        input="hello\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (7, "got hello\n", "oops\n")


def test_positional_arguments_reach_command(workspace: Workspace) -> None:
    result = safeshell("-c", 'echo "$0|$1|$2"', "name", "one", "two words", cwd=workspace.root)
    assert (result.returncode, result.stdout) == (0, "name|one|two words\n")


def test_program_form_runs_without_shell(workspace: Workspace) -> None:
    result = safeshell("--", "printf", "%s;", "a b", "$HOME", cwd=workspace.root)
    assert (result.returncode, result.stdout) == (0, "a b;$HOME;")


def test_missing_program_exits_127(workspace: Workspace) -> None:
    result = safeshell("--", "no-such-program-xyz", cwd=workspace.root)
    assert result.returncode == 127
    assert "no-such-program-xyz" in result.stderr


def test_killed_command_exits_128_plus_signal(workspace: Workspace) -> None:
    result = safeshell("-c", "kill -USR1 $$", cwd=workspace.root)
    assert result.returncode == 128 + signal.SIGUSR1


def test_sigterm_forwarded_to_command_group(workspace: Workspace) -> None:
    # The command starts a background job, prints its pid and waits; SIGTERM to
    # safeshell must reach both the shell and the background job.
    process = subprocess.Popen(
        [console_script("safeshell"), "-c", "sleep 300 & echo $!; wait"],
        cwd=workspace.root,
        stdout=subprocess.PIPE,
        text=True,
    )
    background = int(process.stdout.readline())
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 128 + signal.SIGTERM
    assert _gone(background)


def _gone(pid: int) -> bool:
    """Return whether ``pid`` has exited (a zombie waiting for its reaper counts as exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    if state == "Z":
        return True
    # Not yet delivered on a loaded machine: wait for the exit with pidfd (no sleeping).
    import select

    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([pidfd], [], [], 30)[0])
    finally:
        os.close(pidfd)


def test_command_reads_from_terminal(workspace: Workspace) -> None:
    # On a terminal the command's process group becomes the foreground group,
    # so reading the terminal does not stop it with SIGTTIN.
    sys.path.insert(0, str(Path(__file__).parent / "approvals"))
    try:
        from pty_driver import run_in_terminal
    finally:
        sys.path.pop(0)
    run = run_in_terminal([console_script("safeshell"), "-c", "printf 'name? '; read name; echo \"hi $name\""],
                          answer="ada", cwd=str(workspace.root), prompt=b"name? ")
    assert run.status == 0, run.output
    assert "hi ada" in run.output


def test_rejected_command_does_not_run(workspace: Workspace) -> None:
    result = safeshell("-c", "rm -rf current_model && touch ran", cwd=workspace.root)

    assert result.returncode == exit_codes.APPROVAL_REQUIRED
    assert read_tree(workspace.current_model) == MODEL_FILES
    assert not (workspace.root / "ran").exists()
    request_id = result.stderr.split("Approval request ")[1].split()[0]
    assert f"safeshell approve {request_id} --workspace {workspace.root}" in result.stderr
    assert "rule current-model (require_approval)" in result.stderr


def test_denied_command_exits_121(workspace: Workspace) -> None:
    result = safeshell("-c", "rm -rf .safeshell", cwd=workspace.root)
    assert result.returncode == exit_codes.DENIED
    assert workspace.audit_log.exists()
    assert "No approval can allow this" in result.stderr


def test_decisions_recorded_in_audit(workspace: Workspace) -> None:
    safeshell("-c", "true", cwd=workspace.root)
    safeshell("-c", "rm -rf current_model", cwd=workspace.root)
    decisions = [(entry["source"], entry["decision"]) for entry in audit.read_entries(workspace)
                 if entry["event"] == "decision"]
    assert decisions == [("run", "allow"), ("run", "require_approval")]


def test_outside_workspace_runs_with_notice(tmp_path: Path) -> None:
    result = safeshell("-c", "echo plain", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == "plain\n"
    assert result.stderr.startswith("safeshell: no workspace")
    assert len(result.stderr.splitlines()) == 1


def test_outside_workspace_strict_rejects(tmp_path: Path) -> None:
    result = safeshell("-c", "touch ran", cwd=tmp_path, env={"SAFESHELL_STRICT": "1"})
    assert result.returncode == exit_codes.CONFIG
    assert not (tmp_path / "ran").exists()


def test_invalid_policy_runs_nothing(workspace: Workspace) -> None:
    workspace.policy_file.write_text("rules: [\n")
    result = safeshell("-c", "touch ran", cwd=workspace.root)
    assert result.returncode == exit_codes.CONFIG
    assert not (workspace.root / "ran").exists()


def test_usage_errors_exit_64(workspace: Workspace) -> None:
    assert safeshell("-c", cwd=workspace.root).returncode == exit_codes.USAGE
    assert safeshell("--approval", cwd=workspace.root).returncode == exit_codes.USAGE
    assert safeshell("--bogus", "-c", "true", cwd=workspace.root).returncode == exit_codes.USAGE


def test_allowed_script_deletion_restored(workspace: Workspace) -> None:
    # make is a program the analysis has no semantics for, so it cannot see
    # the recipe delete the weights; verify-after-execute puts them back.
    (workspace.root / "Makefile").write_text("clean:\n\trm -f current_model/model.safetensors\n")

    result = safeshell("-c", "make -s clean", cwd=workspace.root)

    assert result.returncode == exit_codes.RESTORED
    assert read_tree(workspace.current_model) == MODEL_FILES
    assert "restored: current_model/model.safetensors" in result.stderr
    restores = [entry for entry in audit.read_entries(workspace) if entry["event"] == "restore"]
    assert restores[0]["restored"] == ["current_model/model.safetensors"]


def test_failed_command_keeps_its_status(workspace: Workspace) -> None:
    (workspace.root / "Makefile").write_text("clean:\n\trm -f current_model/model.safetensors\n\tfalse\n")
    result = safeshell("-c", "make -s clean", cwd=workspace.root)
    assert result.returncode == 2  # make's own failure status
    assert read_tree(workspace.current_model) == MODEL_FILES


def test_noncritical_config_edit_kept(workspace: Workspace) -> None:
    script = workspace.root / "Makefile"
    script.write_text("tune:\n\tsed -i 's/\"logging_steps\": 5/\"logging_steps\": 9/' config.json\n")
    result = safeshell("-c", "make -s tune", cwd=workspace.root)
    assert result.returncode == 0, result.stderr
    assert json.loads(workspace.config_file.read_text())["logging_steps"] == 9


def _wrapper_line(snapshot: Path, command: str, cwd_file: Path) -> str:
    """Build the one-line wrapper Claude Code runs through its shell prefix."""
    return f"source {snapshot} 2>/dev/null || true && eval {shlex.quote(command)} && pwd -P >| {cwd_file}"


def test_wrapper_snapshot_checked_too(workspace: Workspace, tmp_path: Path) -> None:
    # Any process can write a file named like a host's shell snapshot, so the
    # snapshot a wrapper line sources is checked along with its command.
    snapshots = tmp_path / "shell-snapshots"
    snapshots.mkdir()
    harmful = snapshots / "snapshot-bash-1-abc.sh"
    harmful.write_text("rm current_model/model.safetensors\n")

    result = safeshell("-c", _wrapper_line(harmful, "ls", tmp_path / "claude-ab12-cwd"), cwd=workspace.root)

    assert result.returncode == exit_codes.APPROVAL_REQUIRED
    assert "rule current-model" in result.stderr
    assert read_tree(workspace.current_model) == MODEL_FILES


def test_wrapper_with_plain_snapshot_runs(workspace: Workspace, tmp_path: Path) -> None:
    snapshots = tmp_path / "shell-snapshots"
    snapshots.mkdir()
    plain = snapshots / "snapshot-bash-2-def.sh"
    plain.write_text("alias ll='ls -la'\nexport PATH=/usr/bin:/bin\n")

    result = safeshell("-c", _wrapper_line(plain, "echo fine", tmp_path / "claude-ab12-cwd"), cwd=workspace.root)

    assert (result.returncode, result.stdout) == (0, "fine\n")
