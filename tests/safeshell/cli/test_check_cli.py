"""`safeshell check` and `safeshell explain` as real processes: JSON, exit codes, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from safeshell import audit
from safeshell.cli import exit_codes
from safeshell.cli.init_cmd import create_layout
from safeshell.workspace import Workspace

TIME_LIMIT_S = 60.0


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    root = (tmp_path / "ws").resolve()
    create_layout(root)
    (root / "current_model" / "model.safetensors").write_bytes(b"weights")
    return Workspace(root=root)


@pytest.fixture
def env(tmp_path: Path, isolated_config_home: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    return {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(isolated_config_home)}


def safeshell(
    *args: str | bytes, env: dict[str, str], cwd: Path | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "safeshell.cli.main", *args],
        input=stdin,
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=TIME_LIMIT_S * 2,
    )
    assert time.monotonic() - started < TIME_LIMIT_S
    assert b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")
    return result


def check_json(workspace: Workspace, env: dict[str, str], *command: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = safeshell("check", "--json", "--workspace", str(workspace.root), "--cwd", str(workspace.root), "--", *command, env=env)
    return result.returncode, json.loads(result.stdout)


def test_allow_prints_json(workspace: Workspace, env: dict[str, str]) -> None:
    status, data = check_json(workspace, env, "ls -la current_model")
    assert status == exit_codes.OK
    assert data["decision"] == "allow"
    assert data["rule"] is None
    assert data["request_id"] is None
    assert data["message"] == "allow"
    assert any(operation["kind"] == "read" for operation in data["operations"])
    assert len(data["policy_version"]) == 64


def test_require_approval_opens_request(workspace: Workspace, env: dict[str, str]) -> None:
    status, data = check_json(workspace, env, "rm -rf current_model")
    assert status == exit_codes.APPROVAL_REQUIRED
    assert data["decision"] == "require_approval"
    assert data["rule"] == "current-model"
    assert data["request_id"]
    assert f"safeshell approve {data['request_id']}" in data["message"]
    # The same command again reuses the open request.
    _, again = check_json(workspace, env, "rm -rf current_model")
    assert again["request_id"] == data["request_id"]


def test_deny_exit_status(workspace: Workspace, env: dict[str, str]) -> None:
    status, data = check_json(workspace, env, "truncate", "-s", "0", ".safeshell/audit.jsonl")
    assert status == exit_codes.DENIED
    assert data["decision"] == "deny"
    assert data["rule"] == "guard-files"
    assert data["request_id"] is None


def test_decisions_are_audited(workspace: Workspace, env: dict[str, str]) -> None:
    check_json(workspace, env, "ls")
    check_json(workspace, env, "rm -rf current_model")
    entries = [entry for entry in audit.read_entries(workspace) if entry["event"] == "decision"]
    assert [(entry["decision"], entry["source"]) for entry in entries] == [
        ("allow", "check"),
        ("require_approval", "check"),
    ]
    assert entries[1]["command"] == "rm -rf current_model"
    assert audit.verify(workspace).ok


def test_text_output_names_rule(workspace: Workspace, env: dict[str, str]) -> None:
    result = safeshell("check", "--workspace", str(workspace.root), "--cwd", str(workspace.root), "--", "rm -rf current_model", env=env)
    assert result.returncode == exit_codes.APPROVAL_REQUIRED
    assert b"current-model" in result.stdout


def test_workspace_found_from_cwd(workspace: Workspace, env: dict[str, str]) -> None:
    result = safeshell("check", "--", "rm -rf current_model", env=env, cwd=workspace.root / "inbox")
    # From inbox/, current_model is a relative path that does not exist there.
    assert result.returncode == exit_codes.OK
    result = safeshell("check", "--", "rm -rf ../current_model", env=env, cwd=workspace.root / "inbox")
    assert result.returncode == exit_codes.APPROVAL_REQUIRED


def test_missing_workspace_is_config_error(tmp_path: Path, env: dict[str, str]) -> None:
    result = safeshell("check", "--", "ls", env=env, cwd=tmp_path)
    assert result.returncode == exit_codes.CONFIG
    assert b"no workspace found" in result.stderr


def test_invalid_policy_is_config_error(workspace: Workspace, env: dict[str, str]) -> None:
    workspace.policy_file.write_text("extends: default\nrules:\n  - id: x\n    decision: sometimes\n")
    result = safeshell("check", "--json", "--workspace", str(workspace.root), "--", "ls", env=env)
    assert result.returncode == exit_codes.CONFIG
    assert f"{workspace.policy_file}:3".encode() in result.stderr
    assert json.loads(result.stdout)["decision"] is None


def test_deleted_policy_is_config_error(workspace: Workspace, env: dict[str, str]) -> None:
    safeshell("check", "--workspace", str(workspace.root), "--", "ls", env=env)
    workspace.policy_file.unlink()
    result = safeshell("check", "--workspace", str(workspace.root), "--", "ls", env=env)
    assert result.returncode == exit_codes.CONFIG


@pytest.mark.parametrize(
    "args",
    [
        [],  # no command
        ["--", ],  # nothing after --
        ["--bogus", "--", "ls"],  # unknown option
        ["--cwd"],  # option without its value
    ],
)
def test_usage_errors(workspace: Workspace, env: dict[str, str], args: list[str]) -> None:
    result = safeshell("check", *args, env=env, cwd=workspace.root)
    assert result.returncode == exit_codes.USAGE
    assert b"usage: safeshell check" in result.stderr


def test_help_lists_exit_codes(env: dict[str, str]) -> None:
    result = safeshell("check", "--help", env=env)
    assert result.returncode == 0
    for code in (b"120", b"121", b"78", b"64"):
        assert code in result.stdout


def test_empty_command_allowed(workspace: Workspace, env: dict[str, str]) -> None:
    status, data = check_json(workspace, env, "")
    assert status == exit_codes.OK
    assert data["operations"] == []


@pytest.mark.parametrize(
    "payload",
    [
        b"rm -rf current_model\x00 && ls",  # a NUL byte, which no real argv can carry
        b"rm -rf \xff\xfe current_model",  # invalid UTF-8
        b"echo " + b"A" * (1 << 20),  # a 1 MiB command
        b"$(" * 5000,  # deep, unterminated nesting
    ],
)
def test_hostile_input_decided_quickly(workspace: Workspace, env: dict[str, str], payload: bytes) -> None:
    result = safeshell(
        "check", "--json", "--stdin", "--workspace", str(workspace.root), "--cwd", str(workspace.root),
        env=env, stdin=payload,
    )
    data = json.loads(result.stdout)
    assert data["decision"] in ("allow", "require_approval", "deny")
    assert result.returncode == {"allow": 0, "require_approval": 120, "deny": 121}[data["decision"]]


def test_nul_command_not_allowed(workspace: Workspace, env: dict[str, str]) -> None:
    result = safeshell(
        "check", "--json", "--stdin", "--workspace", str(workspace.root), "--cwd", str(workspace.root),
        env=env, stdin=b"rm -rf current_model\x00",
    )
    assert json.loads(result.stdout)["decision"] != "allow"


def test_invalid_utf8_argument_decided(workspace: Workspace, env: dict[str, str]) -> None:
    result = safeshell(
        "check", "--json", "--workspace", str(workspace.root), "--cwd", str(workspace.root),
        "--", b"rm -rf current_model/\xff", env=env,
    )
    data = json.loads(result.stdout)
    assert data["decision"] == "require_approval"


def test_explain_shows_everything(workspace: Workspace, env: dict[str, str]) -> None:
    result = safeshell(
        "explain", "--workspace", str(workspace.root), "--cwd", str(workspace.root),
        "--", "cd current_model && rm -f model.safetensors", env=env,
    )
    text = result.stdout.decode()
    assert result.returncode == exit_codes.APPROVAL_REQUIRED
    assert "simple commands" in text
    assert str(workspace.root / "current_model" / "model.safetensors") in text
    assert "current-model" in text
    assert text.rstrip().endswith("decision: require_approval")
    # explain records nothing.
    assert audit.read_entries(workspace) == []


def imported_modules(workspace: Workspace, env: dict[str, str], command: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "safeshell.cli.main", "check", "--", command],
        capture_output=True,
        text=True,
        env=env,
        cwd=workspace.root,
        timeout=TIME_LIMIT_S,
    )
    return {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_hot_path_imports_stay_light(workspace: Workspace, env: dict[str, str]) -> None:
    imported_modules(workspace, env, "ls -la")  # the first run compiles and caches the policy
    modules = imported_modules(workspace, env, "ls -la")
    assert "safeshell.guard" in modules
    for heavy in ("yaml", "jsonschema", "tree_sitter", "safeshell.shell.parser", "torch", "transformers", "mcp", "argparse", "sqlite3"):
        assert heavy not in modules, heavy


def test_full_analysis_skips_policy_compilers(workspace: Workspace, env: dict[str, str]) -> None:
    imported_modules(workspace, env, "rm -rf current_model")
    modules = imported_modules(workspace, env, "rm -rf current_model")
    assert "safeshell.shell.walker" in modules  # the full analysis ran
    for heavy in ("yaml", "jsonschema", "torch", "transformers", "mcp"):
        assert heavy not in modules, heavy
