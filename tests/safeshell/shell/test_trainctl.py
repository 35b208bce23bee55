"""trainctl through the shell: the tool calls it stands for, decided like the MCP tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeshell.decision import Decision
from safeshell.guard import check_command, check_operations
from safeshell.operations import Operation, OperationKind
from safeshell.shell import analyze
from safeshell.workspace import Workspace


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root = (tmp_path_factory.mktemp("trainctl") / "ws").resolve()
    (root / "current_model").mkdir(parents=True)
    (root / "models" / "backups").mkdir(parents=True)
    (root / "home").mkdir()
    (root / "safeshell.yaml").write_text("extends: default\n", encoding="utf-8")
    return Workspace(root=root)


def _env(workspace: Workspace) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(workspace.root / "home")}


def _tool_calls(command: str, workspace: Workspace, cwd: Path | None = None) -> list[tuple[str, dict]]:
    analysis = analyze(command, cwd=str(cwd or workspace.root), env=_env(workspace))
    return [(op.detail["tool"], op.detail["arguments"]) for op in analysis.operations if op.kind is OperationKind.TOOL_CALL]


def _mcp_operations(tool: str, workspace: Workspace, deleted: str | None = None) -> list[Operation]:
    """The operations the MCP gate decides on for ``tool`` (its TOOL_CALL and its plan)."""
    paths = (str(workspace.root / deleted),) if deleted else ()
    operations = [Operation(OperationKind.TOOL_CALL, paths, source=tool, detail={"tool": tool, "arguments": {}})]
    if deleted:
        operations.append(Operation(OperationKind.DELETE, paths, source=tool))
    return operations


# (shell command, MCP tool, path its plan deletes)
EQUIVALENTS = [
    ("trainctl versions prune --keep 3", "versions_prune", None),
    ("trainctl versions restore v001", "version_restore", None),
    ("trainctl versions rollback", "version_rollback", None),
    ("trainctl backups restore b0001", "backup_restore", None),
    ("trainctl backups delete b0001", "backup_delete", "models/backups/b0001"),
    ("trainctl versions delete v001", "version_delete", "models/versions/v001"),
    ("trainctl status", "training_status", None),
    ("trainctl stop", "training_stop", None),
    ("trainctl pause --workspace .", "training_pause", None),
    ("trainctl queue list --json", "queue_list", None),
    ("trainctl versions list", "version_list", None),
    ("trainctl versions show v001", "version_show", None),
    ("trainctl backups verify b0001 --sample 10", "backup_verify", None),
    ("trainctl backups create --reason nightly", "backup_create", None),
]


@pytest.mark.parametrize(("command", "tool", "deleted"), EQUIVALENTS)
def test_trainctl_decided_like_its_tool(command: str, tool: str, deleted: str | None, workspace: Workspace) -> None:
    shell = check_command(command, workspace=workspace, cwd=str(workspace.root), env=_env(workspace))
    mcp = check_operations(_mcp_operations(tool, workspace, deleted), workspace=workspace)

    assert shell.decision is mcp.decision
    assert {match.rule for match in shell.matches} == {match.rule for match in mcp.matches}


@pytest.mark.parametrize(
    "command",
    [
        "trainctl versions prune --keep 1",
        "trainctl backups delete b0002",
        "trainctl versions delete v002",
        "trainctl versions restore v002",
        "trainctl versions rollback --json",
        "trainctl backups restore b0002",
    ],
)
def test_destructive_trainctl_requires_approval(command: str, workspace: Workspace) -> None:
    verdict = check_command(command, workspace=workspace, cwd=str(workspace.root), env=_env(workspace))

    assert verdict.decision is Decision.REQUIRE_APPROVAL


def test_backups_delete_names_backup_directory(workspace: Workspace) -> None:
    analysis = analyze("trainctl backups delete b0007", cwd=str(workspace.root), env=_env(workspace))

    deletes = [op.paths for op in analysis.operations if op.kind is OperationKind.DELETE]
    assert deletes == [(str(workspace.root / "models" / "backups" / "b0007"),)]


def test_versions_delete_names_version_directory(workspace: Workspace) -> None:
    analysis = analyze("trainctl versions delete v004", cwd=str(workspace.root), env=_env(workspace))

    deletes = [op.paths for op in analysis.operations if op.kind is OperationKind.DELETE]
    tools = [op.detail["tool"] for op in analysis.operations if op.kind is OperationKind.TOOL_CALL]
    assert deletes == [(str(workspace.root / "models" / "versions" / "v004"),)]
    assert tools == ["version_delete"]


def test_workspace_option_locates_deleted_backup(workspace: Workspace, tmp_path: Path) -> None:
    command = f"trainctl backups delete b0003 --workspace {workspace.root}"

    analysis = analyze(command, cwd=str(tmp_path), env=_env(workspace))

    deletes = [op.paths for op in analysis.operations if op.kind is OperationKind.DELETE]
    assert deletes == [(str(workspace.root / "models" / "backups" / "b0003"),)]


def test_tool_arguments_carry_ids(workspace: Workspace) -> None:
    assert _tool_calls("trainctl versions restore v004", workspace) == [("version_restore", {"version_id": "v004"})]
    assert _tool_calls("trainctl versions prune --keep 2", workspace) == [("versions_prune", {"keep": "2"})]
    assert _tool_calls("trainctl queue set-priority 3 high", workspace) == [("queue_set_priority", {"id": "3", "priority": "high"})]


@pytest.mark.parametrize(
    "command",
    [
        "python -m trainer.cli.main versions prune --keep 2",
        "python3 -u -m trainer.cli.main versions prune --keep 2",
        "python3 -mtrainer.cli.main versions prune --keep 2",
        ".venv/bin/python -X dev -m trainer.cli.main versions prune --keep 2",
        "sudo trainctl versions prune --keep 2",
        "bash -c 'trainctl versions prune --keep 2'",
    ],
)
def test_trainctl_spellings_reach_tool(command: str, workspace: Workspace) -> None:
    assert [tool for tool, _ in _tool_calls(command, workspace)] == ["versions_prune"]


def test_other_python_module_is_not_trainctl(workspace: Workspace) -> None:
    assert _tool_calls("python -m http.server versions prune", workspace) == []


@pytest.mark.parametrize(
    "command",
    [
        "trainctl daemon --once",
        "trainctl monitor --port 8765",
        "trainctl init-model",
        "trainctl versions snapshot --reason manual",
        "trainctl versions diff v001 v002",
        "trainctl versions verify",
        "trainctl backups list --json",
        "trainctl config show",
        "trainctl config validate",
        "trainctl resume",
        "trainctl skip",
        "trainctl queue add inbox/data.jsonl --priority high",
        "trainctl --help",
    ],
)
def test_graceful_trainctl_stays_allowed(command: str, workspace: Workspace) -> None:
    verdict = check_command(command, workspace=workspace, cwd=str(workspace.root), env=_env(workspace))

    assert verdict.decision is Decision.ALLOW, verdict.to_dict()


@pytest.mark.parametrize("command", ["trainctl config accept", "trainctl config accept --workspace .", "python -m trainer.cli.main config accept"])
def test_config_accept_is_an_approval(command: str, workspace: Workspace) -> None:
    verdict = check_command(command, workspace=workspace, cwd=str(workspace.root), env=_env(workspace))

    assert verdict.decision is Decision.DENY
    assert [match.rule for match in verdict.matches] == ["approve-command"]


def test_dynamic_subcommand_fails_closed(workspace: Workspace) -> None:
    analysis = analyze('trainctl versions "$ACTION" v001', cwd=str(workspace.root), env=_env(workspace))

    assert [(op.kind, op.resolved) for op in analysis.operations] == [(OperationKind.EXEC_DYNAMIC, False)]


def test_dynamic_backup_id_still_needs_approval(workspace: Workspace) -> None:
    verdict = check_command('trainctl backups delete "$ID"', workspace=workspace, cwd=str(workspace.root), env=_env(workspace))

    assert verdict.decision is Decision.REQUIRE_APPROVAL
    assert [match.rule for match in verdict.matches] == ["tool:backup_delete"]


@pytest.mark.parametrize(
    ("command", "decision"),
    [
        ("trainctl config set logging_steps 5", Decision.ALLOW),
        ("trainctl config set learning_rate 0.5", Decision.REQUIRE_APPROVAL),
        ('trainctl config set "$KEY" 0.5', Decision.REQUIRE_APPROVAL),
    ],
)
def test_config_set_decided_key_by_key(command: str, decision: Decision, workspace: Workspace) -> None:
    verdict = check_command(command, workspace=workspace, cwd=str(workspace.root), env=_env(workspace))

    assert verdict.decision is decision, verdict.to_dict()
