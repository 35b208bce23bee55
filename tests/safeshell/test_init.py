"""`safeshell init`: creates the workspace layout, idempotent, never overwrites."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from safeshell.cli.init_cmd import FOLDERS, create_layout
from safeshell.guard import load_policy
from safeshell.workspace import Workspace


def run_init(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "safeshell.cli.main", "init", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_init_creates_layout(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    result = run_init(str(root), "--no-model")
    assert result.returncode == 0, result.stderr
    for folder in FOLDERS:
        assert (root / folder).is_dir(), folder
    assert "extends: default" in (root / "safeshell.yaml").read_text().splitlines()
    template = Path(__file__).resolve().parents[2] / "safeshell" / "templates" / "config.json"
    assert json.loads((root / "config.json").read_text()) == json.loads(template.read_text())
    assert "created  safeshell.yaml" in result.stdout
    assert "skipped (--no-model)" in result.stdout
    # The policy it writes is valid and protects the model.
    policy = load_policy(Workspace(root=root.resolve()))
    assert policy.rule("current-model") is not None


def test_init_copies_claude_md_when_shipped(tmp_path: Path) -> None:
    template = Path(__file__).resolve().parents[2] / "safeshell" / "templates" / "CLAUDE.md"
    create_layout(tmp_path / "ws")
    assert (tmp_path / "ws" / "CLAUDE.md").is_file() == template.is_file()


def test_init_never_overwrites(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    (root / "safeshell.yaml").write_text("extends: default\ncritical_keys: [save_steps]\n")
    (root / "config.json").write_text('{"learning_rate": 0.1}')
    result = run_init(str(root), "--no-model")
    assert result.returncode == 0, result.stderr
    assert (root / "safeshell.yaml").read_text() == "extends: default\ncritical_keys: [save_steps]\n"
    assert (root / "config.json").read_text() == '{"learning_rate": 0.1}'
    assert "kept     safeshell.yaml" in result.stdout
    assert "kept     config.json" in result.stdout


def test_init_is_idempotent(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    first = create_layout(root)
    snapshot = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    second = create_layout(root)
    assert second.created == []
    assert sorted(second.kept) == sorted(first.created)
    assert {path: path.read_bytes() for path in root.rglob("*") if path.is_file()} == snapshot


def test_init_keeps_existing_model(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / "current_model").mkdir(parents=True)
    (root / "current_model" / "weights.bin").write_bytes(b"weights")
    result = run_init(str(root))
    assert result.returncode == 0, result.stderr
    assert "kept the existing files in current_model/" in result.stdout
    assert (root / "current_model" / "weights.bin").read_bytes() == b"weights"


def test_init_into_file_fails_cleanly(tmp_path: Path) -> None:
    target = tmp_path / "afile"
    target.write_text("x")
    result = run_init(str(target), "--no-model")
    assert result.returncode == 1
    assert "cannot create the workspace" in result.stderr
    assert "Traceback" not in result.stderr
