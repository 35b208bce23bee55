"""The `safeshell` and `trainctl` entry points on mistyped or missing arguments."""

from __future__ import annotations

import pytest

from safeshell.cli import exit_codes
from safeshell.cli import main as safeshell_main
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
