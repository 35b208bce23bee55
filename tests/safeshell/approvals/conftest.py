"""Fixtures for approval tests (helpers live in approval_fixtures.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from approval_fixtures import Rejected, make_workspace, reject

from safeshell.workspace import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws")


@pytest.fixture
def rejected(workspace: Workspace) -> Rejected:
    return reject(workspace)
