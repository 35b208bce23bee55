"""Fixtures for policy tests: real workspaces created by `safeshell init`'s layout code."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeshell.cli.init_cmd import create_layout
from safeshell.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """A fresh workspace with the default layout and `extends: default`."""
    root = (tmp_path / "ws").resolve()
    create_layout(root)
    return Workspace(root=root)
