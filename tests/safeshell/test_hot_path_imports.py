"""The guard's per-command entry points stay clear of slow-to-import modules.

``safeshell check``, ``safeshell -c`` and ``safeshell hook`` start an
interpreter for every command an assistant runs. Each module listed here adds
milliseconds to every one of them: ``dataclasses`` pulls in ``inspect``, and
``logging`` pulls in ``traceback`` and ``threading``. The decision paths of
``check`` and the hook also stay clear of the standard modules that together
cost more than the bare interpreter's start-up (``typing``, ``pathlib``,
``json`` with ``re`` and ``enum``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from safeshell.cli.init_cmd import create_layout

SLOW_TO_IMPORT = ("dataclasses", "inspect", "logging", "argparse", "yaml", "jsonschema", "torch", "mcp")
STANDARD_AVOIDED = ("typing", "pathlib", "json", "re", "enum", "shlex", "signal", "collections", "warnings")
REPOSITORY = Path(__file__).resolve().parents[2]
TIME_LIMIT_S = 60.0


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = (tmp_path / "ws").resolve()
    create_layout(root)
    return root


@pytest.fixture
def env(tmp_path: Path, isolated_config_home: Path, workspace: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(isolated_config_home),
            "SAFESHELL_WORKSPACE": str(workspace)}


def imported(argv: list[str], *, env: dict[str, str], cwd: Path, stdin: bytes = b"") -> set[str]:
    """Run ``argv`` under ``-X importtime`` twice (the first run caches the policy); return the modules."""
    command = [sys.executable, "-X", "importtime", *argv]
    for _ in range(2):
        result = subprocess.run(command, input=stdin, capture_output=True, env=env, cwd=cwd, timeout=TIME_LIMIT_S)
    assert result.returncode == 0, result.stderr.decode()
    return {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.decode().splitlines()
        if line.startswith("import time:") and "|" in line
    }


def without_site(arguments: list[str]) -> list[str]:
    """Return interpreter arguments that run ``safeshell ARGUMENTS`` as the hook command does (``-I -S``)."""
    search_path = [str(REPOSITORY), sysconfig.get_paths()["purelib"]]
    code = f"import sys;sys.path[:0]={search_path!r};from safeshell.cli.main import main;sys.exit(main({arguments!r}))"
    return ["-I", "-S", "-c", code]


def test_check_allow_imports_nothing_slow(workspace: Path, env: dict[str, str]) -> None:
    modules = imported(["-m", "safeshell.cli.main", "check", "--", "ls -la"], env=env, cwd=workspace)
    assert "safeshell.guard" in modules
    assert sorted(modules.intersection(SLOW_TO_IMPORT)) == []


@pytest.mark.parametrize("command", [["ls", "-la"], ["cat config.json | wc -l"]])
def test_check_allow_avoids_standard_modules(workspace: Path, env: dict[str, str], command: list[str]) -> None:
    modules = imported(without_site(["check", "--", *command]), env=env, cwd=workspace)
    assert "safeshell.guard" in modules
    assert sorted(modules.intersection(STANDARD_AVOIDED)) == []


def test_guarded_run_imports_nothing_slow(workspace: Path, env: dict[str, str]) -> None:
    modules = imported(["-m", "safeshell.cli.main", "-c", "true"], env=env, cwd=workspace)
    assert "safeshell.guard" in modules
    assert sorted(modules.intersection(SLOW_TO_IMPORT)) == []


def test_hook_allow_imports_nothing_slow(workspace: Path, env: dict[str, str]) -> None:
    payload = json.dumps({
        "session_id": "s", "transcript_path": "/dev/null", "cwd": str(workspace),
        "hook_event_name": "PreToolUse", "tool_name": "Read",
        "tool_input": {"file_path": str(workspace / "config.json")}, "tool_use_id": "t",
    }).encode()
    argv = ["-m", "safeshell.cli.main", "hook", "claude-code", "--workspace", str(workspace)]
    modules = imported(argv, env=env, cwd=workspace, stdin=payload)
    assert "safeshell.guard" in modules
    assert sorted(modules.intersection(SLOW_TO_IMPORT)) == []


def test_guarded_run_avoids_standard_modules(workspace: Path, env: dict[str, str]) -> None:
    (workspace / "current_model" / "model.safetensors").write_bytes(b"weights")
    modules = imported(without_site(["-c", "true"]), env=env, cwd=workspace)
    assert "safeshell.verify_after" in modules
    assert sorted(modules.intersection(STANDARD_AVOIDED)) == []


@pytest.mark.parametrize("tool_name,tool_input", [
    ("Read", {"file_path": "config.json"}),
    ("Bash", {"command": "ls -la"}),
    ("Edit", {"file_path": "config.json", "old_string": '"logging_steps": 5', "new_string": '"logging_steps": 10'}),
])
def test_hook_allow_avoids_standard_modules(
    workspace: Path, env: dict[str, str], tool_name: str, tool_input: dict[str, str]
) -> None:
    if "file_path" in tool_input:
        tool_input = {**tool_input, "file_path": str(workspace / tool_input["file_path"])}
    payload = json.dumps({
        "session_id": "s", "transcript_path": "/dev/null", "cwd": str(workspace),
        "hook_event_name": "PreToolUse", "tool_name": tool_name, "tool_input": tool_input, "tool_use_id": "t",
    }).encode()
    modules = imported(without_site(["hook", "claude-code"]), env=env, cwd=workspace, stdin=payload)
    assert "safeshell.guard" in modules
    assert sorted(modules.intersection(STANDARD_AVOIDED)) == []


def test_site_start_up_loads_no_import_finder() -> None:
    """The editable install is a path entry in a .pth file, not a finder module."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-c", "pass"],
                            capture_output=True, text=True, timeout=TIME_LIMIT_S)
    finders = [line for line in result.stderr.splitlines() if "__editable__" in line and "finder" in line]
    assert finders == []
