"""The approval key: created private and atomically, every problem an error."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from safeshell.approvals import keys
from safeshell.errors import TokenError


def test_key_created_private(isolated_config_home: Path) -> None:
    key = keys.load_or_create_key()
    path = isolated_config_home / "safeshell" / "approval.key"
    assert keys.key_path() == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) == keys.KEY_BYTES
    assert keys.load_or_create_key() == key
    assert [entry.name for entry in path.parent.iterdir()] == ["approval.key"]


def test_explicit_key_path_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFESHELL_APPROVAL_KEY", str(tmp_path / "keys" / "k"))
    keys.load_or_create_key()
    assert (tmp_path / "keys" / "k").is_file()


def test_racing_creators_agree_on_key(isolated_config_home: Path) -> None:
    script = "from safeshell.approvals import keys; print(keys.load_or_create_key().hex())"
    processes = [
        subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for _ in range(4)
    ]
    outputs = {process.communicate(timeout=60)[0].strip() for process in processes}
    assert len(outputs) == 1
    assert outputs == {keys.load_key().hex()}


def test_missing_key_is_error() -> None:
    with pytest.raises(TokenError, match="is missing") as failure:
        keys.load_key()
    assert failure.value.check == "key"


def test_loose_key_is_error(isolated_config_home: Path) -> None:
    keys.load_or_create_key()
    path = keys.key_path()
    os.chmod(path, 0o640)
    with pytest.raises(TokenError, match="mode 0640") as failure:
        keys.load_key()
    assert failure.value.hint == f"run 'chmod 600 {path}'"


def test_malformed_key_is_error(isolated_config_home: Path) -> None:
    path = keys.key_path()
    path.parent.mkdir(parents=True)
    path.write_text("not hex\n")
    os.chmod(path, 0o600)
    with pytest.raises(TokenError, match="malformed"):
        keys.load_key()


def test_key_directory_is_error(isolated_config_home: Path) -> None:
    keys.key_path().mkdir(parents=True)
    with pytest.raises(TokenError, match="not a regular file"):
        keys.load_key()


def test_key_inside_workspace_is_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFESHELL_APPROVAL_KEY", str(tmp_path / "ws" / "approval.key"))
    with pytest.raises(TokenError, match="inside the workspace"):
        keys.load_or_create_key(workspace_root=tmp_path / "ws")
    assert not (tmp_path / "ws" / "approval.key").exists()
