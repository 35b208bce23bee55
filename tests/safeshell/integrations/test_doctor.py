"""``safeshell doctor`` runs the configured hook commands and reports pass/fail."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from safeshell.cli.init_cmd import create_layout
from safeshell.integrations import install


def doctor(venv_bin: Path, workspace: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv_bin / "safeshell"), "doctor", "--workspace", str(workspace)],
        capture_output=True, text=True, timeout=300, check=False,
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    create_layout(workspace)
    (workspace / "current_model" / "model.safetensors").write_bytes(b"weights")
    return workspace.resolve()


def test_doctor_passes_real_hook(root: Path, venv_bin: Path) -> None:
    install(root, "claude-code")
    completed = doctor(venv_bin, root)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0].split() == ["ASSISTANT", "CHECK", "EXPECTED", "GOT", "RESULT"]
    assert lines[-1] == "4 passed, 0 failed"


def test_doctor_fails_hook_that_lets_everything_run(root: Path, venv_bin: Path) -> None:
    settings = root / ".claude" / "settings.json"
    settings.parent.mkdir()
    # Looks like a safeshell hook to the doctor, but ignores its input and exits 0.
    command = "cat >/dev/null; exit 0 # safeshell hook claude-code --workspace x"
    settings.write_text(json.dumps({"hooks": {"PreToolUse": [
        {"matcher": "*", "hooks": [{"type": "command", "command": command}]}]}}))
    completed = doctor(venv_bin, root)
    assert completed.returncode == 1
    lines = completed.stdout.splitlines()
    summary = next(index for index, line in enumerate(lines) if line.endswith(" failed"))
    rows = [line.split() for line in lines[1:summary]]
    assert [row[-1] for row in rows] == ["FAIL", "FAIL", "pass", "FAIL"]
    assert lines[summary + 1:] == [f"hint: rerun 'safeshell init {root} --assistant claude-code' to rewrite its hook command"]
    assert lines[summary] == "1 passed, 3 failed"


def test_doctor_without_hooks_exits_config(root: Path, venv_bin: Path) -> None:
    completed = doctor(venv_bin, root)
    assert completed.returncode == 78
    assert "no 'safeshell hook' command is configured" in completed.stderr


def test_doctor_shows_why_a_hook_failed(root: Path, venv_bin: Path) -> None:
    settings = root / ".claude" / "settings.json"
    settings.parent.mkdir()
    command = "echo 'python: No such file or directory' >&2; exit 127 # safeshell hook claude-code --workspace x"
    settings.write_text(json.dumps({"hooks": {"PreToolUse": [
        {"matcher": "*", "hooks": [{"type": "command", "command": command}]}]}}))
    completed = doctor(venv_bin, root)
    assert completed.returncode == 1
    assert "claude-code list the workspace: the hook wrote: python: No such file or directory" in completed.stdout
