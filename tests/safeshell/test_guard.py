"""The guard API: check_command through the real shell analysis, check_operations."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from safeshell.cli.init_cmd import create_layout
from safeshell.decision import Decision
from safeshell.errors import PolicyError
from safeshell.guard import check_command, check_command_detailed, check_operations, load_policy
from safeshell.operations import Operation, OperationKind
from safeshell.workspace import Workspace


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
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(isolated_config_home), "PATH": os.environ.get("PATH", "")}


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("ls -la current_model", ("allow", None)),
        ("cp -r current_model /tmp/model-copy", ("allow", None)),
        ("rm -rf current_model", ("require_approval", "current-model")),
        ("cd current_model && rm model.safetensors", ("require_approval", "current-model")),
        ("bash -c 'rm -rf current_model'", ("require_approval", "current-model")),
        ("echo '{}' > config.json", ("require_approval", "config-file")),
        ("rm -rf .", ("require_approval", "guard-files")),
        ("rm safeshell.yaml", ("require_approval", "policy-file-removal")),
        ("echo 'rules: []' > safeshell.yaml", ("deny", "policy-file")),
        ("rm -rf .safeshell", ("deny", "guard-files")),
        ('eval "$CLEANUP"', ("require_approval", "unresolved")),
        ("rm -rf /", ("deny", "catastrophic-target")),
        ("safeshell approve a1b2c3d4", ("deny", "approve-command")),
    ],
)
def test_check_command_decisions(
    workspace: Workspace, env: dict[str, str], command: str, expected: tuple[str, str | None]
) -> None:
    verdict = check_command(command, workspace=workspace, cwd=str(workspace.root), env=env)
    assert (verdict.decision.label, verdict.primary.rule if verdict.primary else None) == expected


def test_delete_of_workspace_by_absolute_path(workspace: Workspace, env: dict[str, str], tmp_path: Path) -> None:
    verdict = check_command(f"rm -rf {workspace.root}", workspace=workspace, cwd=str(tmp_path), env=env)
    assert verdict.decision is Decision.REQUIRE_APPROVAL
    assert {match.rule for match in verdict.matches} >= {"guard-files", "current-model", "config-file"}


def test_verdict_carries_policy_version(workspace: Workspace, env: dict[str, str]) -> None:
    verdict = check_command("ls", workspace=workspace, cwd=str(workspace.root), env=env)
    assert verdict.policy_version == load_policy(workspace).version


def test_detailed_check_lists_commands(workspace: Workspace, env: dict[str, str]) -> None:
    result = check_command_detailed(
        "cd current_model && ls", workspace=workspace, cwd=str(workspace.root), env=env, include_allow=True
    )
    assert [command.argv[0] for command in result.commands] == ["cd", "ls"]
    assert result.verdict.decision is Decision.ALLOW


def test_invalid_policy_raises_not_allows(workspace: Workspace, env: dict[str, str]) -> None:
    workspace.policy_file.write_text("extends: nothing-like-this\n")
    with pytest.raises(PolicyError):
        check_command("ls", workspace=workspace, cwd=str(workspace.root), env=env)


def test_check_operations_combines_strictest(workspace: Workspace) -> None:
    operations = [
        Operation(OperationKind.TOOL_CALL, source="version_delete", detail={"tool": "version_delete"}),
        Operation(OperationKind.DELETE, paths=(str(workspace.models_dir / "versions" / "v001"),), source="version_delete"),
        Operation(OperationKind.READ, paths=(str(workspace.config_file),)),
    ]
    verdict = check_operations(operations, workspace=workspace)
    assert verdict.decision is Decision.REQUIRE_APPROVAL
    assert {match.rule for match in verdict.matches} == {"tool:version_delete", "model-versions"}
    assert verdict.operations == tuple(operations)


def test_unknown_program_setting_applies(workspace: Workspace, env: dict[str, str]) -> None:
    """By default an unknown program runs; a stricter setting catches it being handed the model."""
    command = "mytool --input=current_model/model.safetensors --out /tmp/report.txt"
    default = check_command(command, workspace=workspace, cwd=str(workspace.root), env=env)
    assert default.decision is Decision.ALLOW

    workspace.policy_file.write_text(
        "extends: default\nsettings:\n  unknown_program_with_protected_path: require_approval\n"
    )
    strict = check_command(command, workspace=workspace, cwd=str(workspace.root), env=env)
    assert strict.decision is Decision.REQUIRE_APPROVAL
    assert strict.primary is not None
    assert strict.primary.rule == "unknown-program"
    assert strict.primary.path == str(workspace.current_model / "model.safetensors")
    # Known programs are decided by their own semantics, not by this setting.
    known = check_command("cat current_model/config.json", workspace=workspace, cwd=str(workspace.root), env=env)
    assert known.decision is Decision.ALLOW
