"""config.json: schema validation, critical-key acceptance, ``trainctl config``."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys

import pytest

from safeshell.workspace import Workspace
from trainer.config import check_accepted, load_config, unaccepted_changes, validate
from trainer.errors import ConfigError

from tests.trainer.conftest import trainctl, write_config


@pytest.mark.parametrize(
    ("changes", "key", "problem"),
    [
        ({"learning_rte": 0.1}, "learning_rte", "unknown key"),  # a misspelled key
        ({"learning_rate": 0}, "learning_rate", "less than or equal to the minimum"),
        ({"learning_rate": -0.001}, "learning_rate", "invalid value -0.001"),
        ({"batch_size": 0}, "batch_size", "invalid value 0"),
        ({"batch_size": 2.5}, "batch_size", "is not of type 'integer'"),
        ({"precision": "fp8"}, "precision", "invalid value 'fp8'"),
        ({"max_steps": 0}, "max_steps", "invalid value 0"),
        ({"launcher": "mpirun"}, "launcher", "invalid value 'mpirun'"),
    ],
)
def test_invalid_config_names_key(workspace: Workspace, changes: dict, key: str, problem: str) -> None:
    write_config(workspace, changes, accept=False)
    with pytest.raises(ConfigError) as caught:
        load_config(workspace)
    assert caught.value.key == key
    assert problem in caught.value.message
    assert str(workspace.config_file) in caught.value.message


def test_syntax_error_names_line(workspace: Workspace) -> None:
    workspace.config_file.write_text('{\n  "seed": 1,\n  "batch_size": ,\n}\n')
    with pytest.raises(ConfigError, match="line 3 column 17: invalid JSON"):
        load_config(workspace)


def test_missing_keys_take_defaults(workspace: Workspace) -> None:
    workspace.config_file.write_text('{"seed": 7}')
    config = load_config(workspace)
    assert config.seed == 7
    assert config.batch_size == 8


def test_critical_change_needs_acceptance(workspace: Workspace) -> None:
    write_config(workspace, {"learning_rate": 0.1, "logging_steps": 3}, accept=False)
    config = load_config(workspace)
    changes = unaccepted_changes(workspace, config)
    assert [(c.key, c.old, c.new) for c in changes] == [("learning_rate", 0.0005, 0.1)]
    with pytest.raises(ConfigError, match="learning_rate: 0.0005 -> 0.1"):
        check_accepted(workspace, config)


def test_noncritical_change_needs_no_acceptance(workspace: Workspace) -> None:
    write_config(workspace, {"logging_steps": 3, "save_total_limit": 5}, accept=False)
    check_accepted(workspace, load_config(workspace))


def test_accept_without_terminal_rejected(workspace: Workspace) -> None:
    write_config(workspace, {"learning_rate": 0.1}, accept=False)
    result = trainctl(workspace, "config", "accept")
    assert result.returncode == 1
    assert "needs a terminal" in result.stderr
    with pytest.raises(ConfigError):
        check_accepted(workspace, load_config(workspace))


def run_on_terminal(arguments: list[str], answer: bytes) -> tuple[int, str]:
    pid, descriptor = pty.fork()
    if pid == 0:
        os.execv(sys.executable, [sys.executable, "-m", "trainer.cli.main", *arguments])
    output = b""
    sent = False
    while True:
        try:
            chunk = os.read(descriptor, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
        if not sent and b"Type 'yes'" in output:
            os.write(descriptor, answer)
            sent = True
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), output.decode(errors="replace")


def test_accept_on_terminal_records_change(workspace: Workspace) -> None:
    write_config(workspace, {"learning_rate": 0.1}, accept=False)
    status, output = run_on_terminal(["config", "accept", "--workspace", str(workspace.root)], b"yes\n")
    assert status == 0, output
    assert "critical  learning_rate: 0.0005 -> 0.1" in output
    check_accepted(workspace, load_config(workspace))
    audit = workspace.audit_log.read_text()
    assert "config_accept" in audit


def test_accept_declined_changes_nothing(workspace: Workspace) -> None:
    write_config(workspace, {"learning_rate": 0.1}, accept=False)
    status, output = run_on_terminal(["config", "accept", "--workspace", str(workspace.root)], b"no\n")
    assert status == 1
    assert "not accepted" in output
    with pytest.raises(ConfigError):
        check_accepted(workspace, load_config(workspace))


def test_config_validate_and_show_commands(workspace: Workspace) -> None:
    write_config(workspace, {"batch_size": 0}, accept=False)
    invalid = trainctl(workspace, "config", "validate")
    assert invalid.returncode == 78
    assert "key 'batch_size'" in invalid.stderr

    write_config(workspace, {"batch_size": 16}, accept=False)
    assert trainctl(workspace, "config", "validate").returncode == 0
    shown = trainctl(workspace, "config", "show", "--json")
    data = json.loads(shown.stdout)
    assert data["config"]["batch_size"] == 16
    assert data["changes"] == [{"key": "batch_size", "old": 8, "new": 16, "critical": True}]


def test_validate_lists_every_invalid_key() -> None:
    with pytest.raises(ConfigError) as caught:
        validate({"batch_size": 0, "logging_steps": "five"}, source="config.json")
    message = caught.value.message
    assert "key 'batch_size'" in str(caught.value)
    assert "1 more problem(s):" in message
    assert "key 'logging_steps': invalid value 'five'" in message
