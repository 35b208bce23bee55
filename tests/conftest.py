"""Suite-wide fixtures: keep every test away from the real home directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_config_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point XDG_CONFIG_HOME (where the approval key lives) at a fresh directory."""
    config_home = tmp_path_factory.mktemp("xdg-config")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config_home))
    monkeypatch.delenv("SAFESHELL_WORKSPACE", raising=False)
    monkeypatch.delenv("SAFESHELL_APPROVAL_TOKEN", raising=False)
    monkeypatch.delenv("SAFESHELL_APPROVAL_KEY", raising=False)
    return config_home


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def venv_bin(repo_root: Path) -> Path:
    """Directory of the interpreter running the tests (holds the console scripts)."""
    import sys

    return Path(sys.executable).parent


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
