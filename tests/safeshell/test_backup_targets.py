"""Backups outside the workspace are protected like models/backups/."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from models import Store
from safeshell import guard
from safeshell.cli.init_cmd import create_layout
from safeshell.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    root = (tmp_path / "ws").resolve()
    create_layout(root)
    (root / "current_model" / "model.safetensors").write_bytes(b"weights")
    return Workspace(root)


def decide(workspace: Workspace, command: str) -> tuple[str, str | None]:
    env = {"PATH": os.environ["PATH"], "HOME": str(workspace.root.parent / "home")}
    verdict = guard.check_command(command, workspace=workspace, cwd=str(workspace.root), env=env)
    return verdict.decision.label, verdict.primary.rule if verdict.primary else None


def set_backup_target(workspace: Workspace, target: Path) -> None:
    config = json.loads(workspace.config_file.read_text(encoding="utf-8"))
    config["backup_target"] = str(target)
    workspace.config_file.write_text(json.dumps(config, indent=2), encoding="utf-8")


def test_configured_target_is_protected(workspace: Workspace, tmp_path: Path) -> None:
    target = tmp_path / "backup disk ü"
    target.mkdir()
    set_backup_target(workspace, target)
    assert decide(workspace, f"rm -rf '{target}'") == ("require_approval", "model-backups")
    assert decide(workspace, f"mv '{target}' /tmp/elsewhere") == ("require_approval", "model-backups")
    assert decide(workspace, f"ls -la '{target}'") == ("allow", None)
    assert decide(workspace, f"rm -rf '{tmp_path / 'unrelated'}'") == ("allow", None)


def test_one_off_backup_target_is_protected(workspace: Workspace, tmp_path: Path) -> None:
    store = Store.for_workspace(workspace)
    store.snapshot(reason="first")
    target = tmp_path / "usb"
    target.mkdir()
    backup = store.create_backup(kind="manual", target=target)
    assert decide(workspace, f"rm -rf {target / backup.id}") == ("require_approval", "model-backups")
    assert decide(workspace, f"rm -rf {target}") == ("require_approval", "model-backups")
    assert decide(workspace, f"touch {target / 'notes.txt'}") == ("allow", None)


def test_new_backup_is_protected_in_running_process(workspace: Workspace, tmp_path: Path) -> None:
    """A long-running process (MCP server, daemon) protects backups created after its first decision."""
    assert decide(workspace, f"rm -rf {tmp_path / 'later' / 'b0001'}") == ("allow", None)
    store = Store.for_workspace(workspace)
    store.snapshot(reason="first")
    target = tmp_path / "later"
    target.mkdir()
    backup = store.create_backup(kind="manual", target=target)
    assert decide(workspace, f"rm -rf {target / backup.id}") == ("require_approval", "model-backups")


def test_backup_target_is_critical_key(workspace: Workspace) -> None:
    policy = guard.load_policy(workspace)
    assert "backup_target" in policy.critical_keys
