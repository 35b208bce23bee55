"""Finding the workspace a hooked tool call belongs to.

The configured hook command names its workspace (``--workspace DIR``, written
by ``safeshell init --assistant``); otherwise ``SAFESHELL_WORKSPACE``, then the
payload's cwd and its parents. A call whose cwd lies in no workspace is
allowed: safeshell protects nothing there. A directory that has a
``.safeshell/`` state directory but no ``safeshell.yaml`` is a workspace
whose policy was removed, and every call from inside it is blocked.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from safeshell.errors import WorkspaceError
from safeshell.workspace import POLICY_FILE, WORKSPACE_ENV, Workspace, find_workspace

STATE_DIR = ".safeshell"


def locate_workspace(explicit: str | None, cwd: str, env: Mapping[str, str]) -> Workspace | None:
    """Return the workspace for a call, ``None`` outside any, or raise :class:`WorkspaceError`."""
    if explicit is not None:
        return find_workspace(explicit)
    from_env = env.get(WORKSPACE_ENV)
    if from_env:
        return find_workspace(from_env)

    start = Path(cwd)
    for candidate in (start, *start.parents):
        if (candidate / POLICY_FILE).is_file():
            return Workspace(root=Path(os.path.realpath(candidate)))
        if (candidate / STATE_DIR).is_dir():
            raise WorkspaceError(
                f"{str(candidate)!r} has a {STATE_DIR}/ directory but no {POLICY_FILE}: "
                "the workspace policy is missing",
                hint=f"ask the user to restore {POLICY_FILE} (or run 'safeshell init {candidate}')",
            )
    return None
