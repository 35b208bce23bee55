"""Each rule of the shipped default policy, decided on operations as adapters build them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from safeshell.decision import Decision
from safeshell.guard import check_operations
from safeshell.operations import Operation, OperationKind
from safeshell.workspace import Workspace

K = OperationKind


def decide(workspace: Workspace, *operations: Operation) -> tuple[str, str | None]:
    verdict = check_operations(list(operations), workspace=workspace)
    return verdict.decision.label, verdict.primary.rule if verdict.primary else None


def op(kind: OperationKind, *paths: str, **detail: object) -> Operation:
    return Operation(kind, paths=tuple(paths), source="test", detail=detail)


@pytest.mark.parametrize(
    ("kind", "relative", "expected"),
    [
        (K.DELETE, "current_model", ("require_approval", "current-model")),
        (K.DELETE, "current_model/model.safetensors", ("require_approval", "current-model")),
        (K.WRITE, "current_model/config.json", ("require_approval", "current-model")),
        (K.CREATE, "current_model/new.bin", ("require_approval", "current-model")),
        (K.TRUNCATE, "current_model/model.safetensors", ("require_approval", "current-model")),
        (K.CHMOD, "current_model", ("require_approval", "current-model")),
        (K.MOVE, "current_model", ("require_approval", "current-model")),
        (K.READ, "current_model/model.safetensors", ("allow", None)),
        (K.DELETE, "models/versions/v001", ("require_approval", "model-versions")),
        (K.DELETE, "models/objects", ("require_approval", "model-versions")),
        (K.WRITE, "models/backups/b0001/manifest.json", ("require_approval", "model-backups")),
        (K.READ, "models/backups/b0001/manifest.json", ("allow", None)),
        (K.WRITE, "config.json", ("require_approval", "config-file")),
        (K.DELETE, "config.json", ("require_approval", "config-file")),
        (K.READ, "config.json", ("allow", None)),
        (K.WRITE, "safeshell.yaml", ("deny", "policy-file")),
        (K.DELETE, "safeshell.yaml", ("require_approval", "policy-file-removal")),
        (K.DELETE, ".safeshell/audit.jsonl", ("deny", "guard-files")),
        (K.TRUNCATE, ".safeshell/state.db", ("deny", "guard-files")),
        (K.WRITE, ".safeshell/cache/policy.json", ("deny", "guard-files")),
        (K.READ, ".safeshell/audit.jsonl", ("allow", None)),
        (K.WRITE, "inbox/data.jsonl", ("allow", None)),
        (K.DELETE, "logs/daemon_20261204.log", ("allow", None)),
        # Deleting a parent reaches everything below it; the guard's files are
        # then reached indirectly, which needs approval instead of being denied.
        (K.DELETE, "models", ("require_approval", "model-versions")),
        (K.DELETE, ".", ("require_approval", "guard-files")),
        (K.MOVE, ".safeshell", ("deny", "guard-files")),
    ],
)
def test_workspace_path_rules(
    workspace: Workspace, kind: OperationKind, relative: str, expected: tuple[str, str | None]
) -> None:
    path = os.path.normpath(str(workspace.root / relative))
    assert decide(workspace, op(kind, path)) == expected


def test_write_into_workspace_root_allowed(workspace: Workspace) -> None:
    """Writing a new file next to the protected ones does not reach them."""
    assert decide(workspace, op(K.CREATE, str(workspace.root / "notes.txt"))) == ("allow", None)


def test_delete_of_workspace_parent_denied(workspace: Workspace) -> None:
    assert decide(workspace, op(K.DELETE, str(workspace.root.parent))) == ("require_approval", "guard-files")


def test_move_into_current_model_requires_approval(workspace: Workspace, tmp_path: Path) -> None:
    moved = op(K.MOVE, str(tmp_path / "x.bin"), destination=str(workspace.root / "current_model" / "x.bin"))
    assert decide(workspace, moved) == ("require_approval", "current-model")


def test_copy_out_of_current_model_allowed(workspace: Workspace, tmp_path: Path) -> None:
    copied = [
        op(K.READ, str(workspace.root / "current_model")),
        op(K.CREATE, str(tmp_path / "copy")),
    ]
    assert decide(workspace, *copied) == ("allow", None)


@pytest.mark.parametrize("target", ["/", "/usr", "/etc", "/home", "~"])
def test_catastrophic_targets_denied(workspace: Workspace, target: str) -> None:
    path = os.path.expanduser(target)
    assert decide(workspace, op(K.DELETE, path)) == ("deny", "catastrophic-target")


def test_catastrophic_rule_is_exact(workspace: Workspace, tmp_path: Path) -> None:
    """A file below /tmp is not a catastrophic target; only /tmp itself is."""
    assert decide(workspace, op(K.DELETE, str(tmp_path / "scratch"))) == ("allow", None)


def test_symlinked_protected_path_matches(workspace: Workspace, tmp_path: Path) -> None:
    """Rule paths are resolved like operation paths, so a symlinked workspace still matches."""
    link = tmp_path / "link-to-ws"
    link.symlink_to(workspace.root)
    linked = Workspace(root=link)
    real_model = os.path.realpath(link / "current_model")
    assert decide(linked, op(K.DELETE, real_model)) == ("require_approval", "current-model")


def test_approval_key_read_denied(workspace: Workspace, isolated_config_home: Path) -> None:
    key = isolated_config_home / "safeshell" / "approval.key"
    assert decide(workspace, op(K.READ, str(key))) == ("deny", "approval-key-read")
    assert decide(workspace, op(K.WRITE, str(key))) == ("deny", "guard-files")


def test_approval_key_from_environment_denied(
    workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "keys" / "guard.key"
    monkeypatch.setenv("SAFESHELL_APPROVAL_KEY", str(key))
    assert decide(workspace, op(K.READ, str(key))) == ("deny", "approval-key-read")


def test_approve_operation_denied(workspace: Workspace) -> None:
    approve = Operation(K.APPROVE, source="safeshell approve a1b2c3d4")
    assert decide(workspace, approve) == ("deny", "approve-command")


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (["logging_steps", "save_steps"], ("allow", None)),
        (["learning_rate"], ("require_approval", "config-critical-keys")),
        (["save_steps", "base_model"], ("require_approval", "config-critical-keys")),
    ],
)
def test_config_change_by_critical_keys(
    workspace: Workspace, keys: list[str], expected: tuple[str, str | None]
) -> None:
    change = op(K.CONFIG_CHANGE, str(workspace.config_file), changed_keys=keys)
    assert decide(workspace, change) == expected


def test_config_change_without_keys_requires_approval(workspace: Workspace) -> None:
    """A change that does not say which keys it touches is treated as touching all."""
    change = op(K.CONFIG_CHANGE, str(workspace.config_file))
    assert decide(workspace, change) == ("require_approval", "config-critical-keys")


@pytest.mark.parametrize(
    ("tool", "expected"),
    [
        ("training_status", ("allow", None)),
        ("config_update", ("allow", None)),
        ("version_delete", ("require_approval", "tool:version_delete")),
        ("backup_delete", ("require_approval", "tool:backup_delete")),
        ("backup_restore", ("require_approval", "tool:backup_restore")),
        ("version_restore", ("require_approval", "tool:version_restore")),
        ("no_such_tool", ("require_approval", "unknown-tool")),
    ],
)
def test_tool_rules(workspace: Workspace, tool: str, expected: tuple[str, str | None]) -> None:
    call = Operation(K.TOOL_CALL, source=tool, detail={"tool": tool, "arguments": {}})
    assert decide(workspace, call) == expected


def test_destructive_tools_forbid_elicitation(workspace: Workspace) -> None:
    from safeshell.guard import load_policy

    policy = load_policy(workspace)
    for tool in ("version_delete", "backup_delete", "backup_restore", "version_restore"):
        assert policy.rule_allows_elicitation(f"tool:{tool}") is False
    assert policy.rule_allows_elicitation("config-critical-keys") is True
    assert policy.rule_allows_ask("current-model") is True
    assert policy.rule_allows_ask("guard-files") is False
    assert policy.rule_allows_elicitation("no-such-rule") is False


@pytest.mark.parametrize(
    ("signal", "targets", "expected"),
    [
        ("KILL", ["trainctl"], ("require_approval", "kill-training-daemon")),
        ("9", ["trainer.daemon"], ("require_approval", "kill-training-daemon")),
        ("SIGKILL", ["-1"], ("require_approval", "kill-training-daemon")),
        ("TERM", ["trainctl"], ("allow", None)),
        ("KILL", ["nginx"], ("allow", None)),
    ],
)
def test_kill_by_name(workspace: Workspace, signal: str, targets: list[str], expected: tuple[str, str | None]) -> None:
    kill = Operation(K.KILL, source="kill", detail={"signal": signal, "targets": targets})
    assert decide(workspace, kill) == expected


def test_kill_daemon_pid_from_status(workspace: Workspace) -> None:
    """The pid in status/training_status.json is the daemon, whatever it is called."""
    process = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        workspace.status_file.write_text(f'{{"format": 1, "state": "training", "daemon_pid": {process.pid}}}')
        kill = Operation(K.KILL, source="kill -9", detail={"signal": "KILL", "targets": [str(process.pid)]})
        assert decide(workspace, kill) == ("require_approval", "kill-training-daemon")
        other = Operation(K.KILL, source="kill -9", detail={"signal": "KILL", "targets": [str(process.pid + 100000)]})
        assert decide(workspace, other) == ("allow", None)
    finally:
        process.stdin.close()  # type: ignore[union-attr]
        process.wait(timeout=10)


def test_kill_running_trainer_by_pid(workspace: Workspace, tmp_path: Path) -> None:
    """A running process started as `python -m trainer.daemon` is found by scanning /proc."""
    package = tmp_path / "pkg" / "trainer"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "daemon.py").write_text("import sys\nsys.stdin.read()\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "trainer.daemon"], stdin=subprocess.PIPE, cwd=tmp_path / "pkg"
    )
    try:
        kill = Operation(K.KILL, source="kill -9", detail={"signal": "KILL", "targets": [str(process.pid)]})
        assert decide(workspace, kill) == ("require_approval", "kill-training-daemon")
        # pkill -9 python would reach the daemon, which runs under python.
        by_name = Operation(K.KILL, source="pkill -9 python", detail={"signal": "KILL", "targets": ["python"]})
        assert decide(workspace, by_name) == ("require_approval", "kill-training-daemon")
    finally:
        process.stdin.close()  # type: ignore[union-attr]
        process.wait(timeout=10)


def test_unresolved_kill_requires_approval(workspace: Workspace) -> None:
    kill = Operation(K.KILL, source="kill -9 $PID", resolved=False, detail={"signal": "KILL"})
    assert decide(workspace, kill) == ("require_approval", "kill-training-daemon")


def test_unresolved_delete_fails_closed(workspace: Workspace) -> None:
    """An unresolved delete could reach any protected path, so it needs approval."""
    delete = Operation(K.DELETE, source="rm -rf $X", resolved=False)
    verdict = check_operations([delete], workspace=workspace)
    assert verdict.decision is Decision.REQUIRE_APPROVAL
    assert verdict.primary is not None
    assert verdict.primary.rule == "unresolved"
    assert "treated as touching every protected path" in verdict.primary.reason


def test_unresolved_exec_dynamic_fails_closed(workspace: Workspace) -> None:
    dynamic = Operation(K.EXEC_DYNAMIC, source='eval "$CMD"', resolved=False)
    assert decide(workspace, dynamic) == ("require_approval", "unresolved")


def test_unresolved_read_of_key_denied(workspace: Workspace) -> None:
    read = Operation(K.READ, source="cat $F", resolved=False)
    assert decide(workspace, read) == ("require_approval", "approval-key-read")


def test_unknown_program_option(workspace: Workspace) -> None:
    """An unknown program handed a protected path runs by default; a policy can block it."""
    handed = Operation(
        K.READ, paths=(str(workspace.current_model / "x"),), source="mytool current_model/x",
        detail={"unknown_program": True},
    )
    assert decide(workspace, handed) == ("allow", None)
    workspace.policy_file.write_text("extends: default\nsettings:\n  unknown_program_with_protected_path: require_approval\n")
    assert decide(workspace, handed) == ("require_approval", "unknown-program")


def test_strictest_decision_wins(workspace: Workspace) -> None:
    operations = [
        op(K.READ, str(workspace.config_file)),
        op(K.DELETE, str(workspace.current_model)),
        op(K.WRITE, str(workspace.policy_file)),
    ]
    verdict = check_operations(operations, workspace=workspace)
    assert verdict.decision is Decision.DENY
    assert [match.rule for match in verdict.matches] == ["policy-file", "current-model"]


def test_key_read_with_moved_config_home_denied(workspace: Workspace, tmp_path: Path) -> None:
    """Setting XDG_CONFIG_HOME and HOME elsewhere does not unprotect the account's real key."""
    import pwd

    real_key = Path(pwd.getpwuid(os.getuid()).pw_dir) / ".config" / "safeshell" / "approval.key"
    moved = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    verdict = check_operations([op(K.READ, str(real_key))], workspace=workspace, env=moved)
    assert (verdict.decision.label, verdict.primary.rule if verdict.primary else None) == ("deny", "approval-key-read")


def test_rule_on_tool_call_paths(workspace: Workspace) -> None:
    """A workspace rule listing tool_call protects paths that tools touch."""
    workspace.policy_file.write_text(
        "extends: default\n"
        "rules:\n"
        "  - id: raw-data-tools\n"
        "    decision: deny\n"
        "    operations: [tool_call]\n"
        "    paths: [data/raw]\n"
        "    reason: raw data is read-only\n"
        "    hint: work on a copy\n"
    )
    touching = Operation(K.TOOL_CALL, paths=(str(workspace.root / "data" / "raw" / "a.jsonl"),), source="queue_add",
                         detail={"tool": "queue_add"})
    elsewhere = Operation(K.TOOL_CALL, paths=(str(workspace.inbox / "a.jsonl"),), source="queue_add",
                          detail={"tool": "queue_add"})
    assert decide(workspace, touching) == ("deny", "raw-data-tools")
    assert decide(workspace, elsewhere) == ("allow", None)
