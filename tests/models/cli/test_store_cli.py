"""``trainctl versions`` and ``trainctl backups`` through the real console script."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from safeshell.workspace import Workspace


@pytest.fixture
def trainctl(venv_bin: Path, workspace: Workspace):
    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = {key: value for key, value in os.environ.items() if key != "SAFESHELL_WORKSPACE"}
        return subprocess.run(
            [str(venv_bin / "trainctl"), *args], capture_output=True, text=True, cwd=cwd or workspace.root, env=env, timeout=120
        )

    return run


def test_snapshot_list_show_diff(trainctl, workspace: Workspace) -> None:
    first = trainctl("versions", "snapshot", "--reason", "first")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("recorded v001 (3 files")
    assert trainctl("versions", "snapshot").stdout.strip() == "current_model/ is unchanged: still v001"
    (workspace.current_model / "config.json").write_text("{}")
    assert trainctl("versions", "snapshot").returncode == 0

    listing = json.loads(trainctl("versions", "list", "--json").stdout)
    assert listing["current"] == "v002"
    assert [v["id"] for v in listing["versions"]] == ["v001", "v002"]
    shown = json.loads(trainctl("versions", "show", "v001", "--json").stdout)
    assert shown["reason"] == "first"
    assert len(shown["files"]) == 3
    diff = trainctl("versions", "diff", "v001", "v002")
    assert diff.stdout.splitlines() == ["M config.json", "1 file(s) differ between v001 and v002"]


def test_rollback_restore_verify(trainctl, workspace: Workspace) -> None:
    trainctl("versions", "snapshot")
    (workspace.current_model / "config.json").write_text("{}")
    trainctl("versions", "snapshot")
    rollback = trainctl("versions", "rollback")
    assert rollback.returncode == 0, rollback.stderr
    assert rollback.stdout.strip() == "rolled back to v001; undo with 'trainctl versions restore v002'"
    assert trainctl("versions", "restore", "v002").stdout.strip() == "current_model/ is now v002"
    verify = trainctl("versions", "verify")
    assert verify.returncode == 0
    assert verify.stdout.startswith("store: ok")


def test_verify_failure_exits_one(trainctl, workspace: Workspace) -> None:
    trainctl("versions", "snapshot")
    (workspace.current_model / "config.json").write_text("tampered tampered tampered")
    result = trainctl("versions", "verify", "--json")
    assert result.returncode == 1
    problems = json.loads(result.stdout)["problems"]
    assert [(p["kind"], Path(p["path"]).name) for p in problems] == [("altered", "config.json")]


def test_unknown_version_exits_one(trainctl) -> None:
    trainctl("versions", "snapshot")
    result = trainctl("versions", "restore", "v404")
    assert result.returncode == 1
    assert "no version 'v404'" in result.stderr
    assert "trainctl versions list" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_manifest_is_named(trainctl, workspace: Workspace) -> None:
    trainctl("versions", "snapshot")
    (workspace.models_dir / "versions" / "v001" / "manifest.json").write_text("{")
    result = trainctl("versions", "show", "v001")
    assert result.returncode == 1
    assert "manifest.json' is not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_error_exits_64(trainctl) -> None:
    assert trainctl("versions", "prune").returncode == 64
    assert trainctl("versions", "frobnicate").returncode == 64
    assert trainctl("backups", "verify").returncode == 64


def test_missing_workspace_exits_78(trainctl, tmp_path: Path) -> None:
    result = trainctl("versions", "list", cwd=tmp_path)
    assert result.returncode == 78
    assert "no workspace found" in result.stderr


def test_backups_commands(trainctl, tmp_path: Path) -> None:
    trainctl("versions", "snapshot")
    created = trainctl("backups", "create", "--reason", "test")
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("created b0001 of v001 at ")
    listed = json.loads(trainctl("backups", "list", "--json").stdout)
    assert [(b["id"], b["verified"]) for b in listed] == [("b0001", True)]
    assert trainctl("backups", "verify", "b0001", "--sample", "50").returncode == 0
    assert trainctl("backups", "restore", "b0001").stdout.strip() == "restored b0001; current_model/ is now v001"
    missing = trainctl("backups", "create", "--target", str(tmp_path / "absent"))
    assert missing.returncode == 1
    assert "does not exist" in missing.stderr
    assert trainctl("backups", "delete", "b0001").returncode == 0
    assert trainctl("backups", "verify", "b0001").returncode == 1


def test_empty_model_directory_message(trainctl, workspace: Workspace) -> None:
    for path in sorted(workspace.current_model.rglob("*"), reverse=True):
        path.rmdir() if path.is_dir() else path.unlink()
    result = trainctl("versions", "snapshot")
    assert result.returncode == 1
    assert "is empty; there is nothing to record" in result.stderr


def test_versions_delete_one_line(trainctl, workspace: Workspace) -> None:
    trainctl("versions", "snapshot")
    (workspace.current_model / "config.json").write_text('{"hidden_size": 16}\n')
    trainctl("versions", "snapshot")
    trainctl("versions", "restore", "v001")
    result = trainctl("versions", "delete", "v002")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "deleted v002 and the stored files no other version uses"
    listing = json.loads(trainctl("versions", "list", "--json").stdout)
    assert [version["id"] for version in listing["versions"]] == ["v001"]


def test_versions_delete_refused_exits_one(trainctl, workspace: Workspace) -> None:
    trainctl("versions", "snapshot")
    current = trainctl("versions", "delete", "v001")
    unknown = trainctl("versions", "delete", "v404")
    assert current.returncode == 1
    assert "'v001' is the current version" in current.stderr
    assert "trainctl versions restore" in current.stderr
    assert unknown.returncode == 1
    assert "no version 'v404'" in unknown.stderr
    assert "Traceback" not in current.stderr + unknown.stderr
    assert trainctl("versions", "verify").returncode == 0
