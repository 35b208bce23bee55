"""The `safeshell` and `trainctl` entry points on mistyped arguments and closed pipes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from safeshell.cli import exit_codes
from safeshell.cli import main as safeshell_main
from safeshell.cli.init_cmd import create_layout
from trainer.cli import main as trainctl_main


def test_safeshell_typo_suggests_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    status = safeshell_main.main(["chek", "--", "ls"])
    error = capsys.readouterr().err
    assert status == exit_codes.USAGE
    assert "'chek'" in error
    assert "did you mean 'safeshell check'?" in error


def test_safeshell_unrelated_name_no_suggestion(capsys: pytest.CaptureFixture[str]) -> None:
    status = safeshell_main.main(["zzzz"])
    error = capsys.readouterr().err
    assert status == exit_codes.USAGE
    assert "did you mean" not in error
    assert "safeshell -- zzzz" in error


def test_safeshell_missing_action_exits_usage(capsys: pytest.CaptureFixture[str]) -> None:
    status = safeshell_main.main(["approvals"])
    error = capsys.readouterr().err
    assert status == exit_codes.USAGE
    assert "ACTION" in error


def test_trainctl_typo_suggests_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    status = trainctl_main.main(["stauts"])
    error = capsys.readouterr().err
    assert status == exit_codes.USAGE
    assert "did you mean 'trainctl status'?" in error


def test_closed_stdout_pipe_no_traceback(tmp_path: Path) -> None:
    root = (tmp_path / "ws").resolve()
    create_layout(root)
    process = subprocess.Popen(
        [sys.executable, "-m", "safeshell.cli.main", "policy", "show", "--workspace", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    # Closing the read end before the first write is what 'safeshell ... | head -0' does.
    process.stdout.close()
    _, error = process.communicate(timeout=120)
    assert "Traceback" not in error
    assert "BrokenPipeError" not in error
    assert process.returncode == 1


def test_trainctl_workspace_before_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = (tmp_path / "ws").resolve()
    create_layout(root)
    status = trainctl_main.main(["--workspace", str(root), "queue", "list"])
    assert status == 0
    assert "the queue is empty" in capsys.readouterr().out
    status = trainctl_main.main([f"--workspace={root}", "status"])
    assert status == 0
    assert "state:" in capsys.readouterr().out


def test_trainctl_workspace_without_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    status = trainctl_main.main(["--workspace", "/tmp"])
    assert status == exit_codes.USAGE
    assert "needs a subcommand" in capsys.readouterr().err


def test_safeshell_workspace_before_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    status = safeshell_main.main(["--workspace", "/tmp/ws", "check", "--", "ls"])
    error = capsys.readouterr().err
    assert status == exit_codes.USAGE
    assert "'safeshell check --workspace /tmp/ws ...'" in error
