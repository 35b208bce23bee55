"""`safeshell policy validate|show` and `safeshell audit verify|show` as real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from safeshell import audit
from safeshell.cli import exit_codes
from safeshell.cli.init_cmd import create_layout
from safeshell.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    root = (tmp_path / "ws").resolve()
    create_layout(root)
    return Workspace(root=root)


def safeshell(*args: str, workspace: Workspace) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "safeshell.cli.main", *args, "--workspace", str(workspace.root)],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def test_policy_validate_default(workspace: Workspace) -> None:
    result = safeshell("policy", "validate", "--json", workspace=workspace)
    data = json.loads(result.stdout)
    assert data["failures"] == []
    assert data["ok"] is True
    assert data["examples"] > 20
    assert result.returncode == exit_codes.OK


def test_policy_validate_reports_failing_example(workspace: Workspace) -> None:
    workspace.policy_file.write_text(
        "extends: default\n"
        "rules:\n"
        "  - id: datasets\n"
        "    decision: require_approval\n"
        "    operations: [delete]\n"
        "    paths: [data]\n"
        "    reason: raw data\n"
        "    hint: ask first\n"
        "    examples:\n"
        "      match: ['rm -rf data', 'ls data']\n"
    )
    result = safeshell("policy", "validate", workspace=workspace)
    assert result.returncode == exit_codes.CONFIG
    assert f"{workspace.policy_file}:3: rule 'datasets': example 'ls data' should match" in result.stderr
    assert "'rm -rf data'" not in result.stderr


def test_policy_validate_invalid_file(workspace: Workspace) -> None:
    workspace.policy_file.write_text("extends: default\nsettings:\n  unknown_tool: perhaps\n")
    result = safeshell("policy", "validate", workspace=workspace)
    assert result.returncode == exit_codes.CONFIG
    assert f"{workspace.policy_file}:3: key 'settings.unknown_tool'" in result.stderr


def test_policy_show_json(workspace: Workspace) -> None:
    result = safeshell("policy", "show", "--json", workspace=workspace)
    data = json.loads(result.stdout)
    assert result.returncode == 0
    assert len(data["version"]) == 64
    assert data["files"][0] == str(workspace.policy_file)
    assert any(rule["id"] == "current-model" for rule in data["policy"]["rules"])


def test_policy_show_text(workspace: Workspace) -> None:
    result = safeshell("policy", "show", workspace=workspace)
    assert result.returncode == 0
    assert "id: current-model" in result.stdout


def test_audit_verify_and_tamper(workspace: Workspace) -> None:
    for index in range(3):
        audit.append(workspace, "decision", decision="allow", index=index)
    result = safeshell("audit", "verify", workspace=workspace)
    assert result.returncode == 0
    assert "3 entries" in result.stdout

    lines = workspace.audit_log.read_bytes().splitlines()
    lines[0] = lines[0].replace(b'"allow"', b'"deny"')
    workspace.audit_log.write_bytes(b"\n".join(lines) + b"\n")
    result = safeshell("audit", "verify", workspace=workspace)
    assert result.returncode == exit_codes.ERROR
    assert f"{workspace.audit_log}:2:" in result.stdout


def test_audit_show_tail(workspace: Workspace) -> None:
    for index in range(4):
        audit.append(workspace, "decision", decision="allow", index=index)
    result = safeshell("audit", "show", "--tail", "2", "--json", workspace=workspace)
    assert [json.loads(line)["index"] for line in result.stdout.splitlines()] == [2, 3]
