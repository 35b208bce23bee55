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

from safeshell.errors import WorkspaceError
from safeshell.workspace import POLICY_FILE, STATE_DIR, WORKSPACE_ENV, Workspace, absolute, find_workspace, parents

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Mapping


def locate_workspace(explicit: str | None, cwd: str, env: Mapping[str, str]) -> Workspace | None:
    """Return the workspace for a call, ``None`` outside any, or raise :class:`WorkspaceError`."""
    if explicit is not None:
        return find_workspace(explicit)
    from_env = env.get(WORKSPACE_ENV)
    if from_env:
        return find_workspace(from_env)

    for candidate in parents(absolute(cwd)):
        if os.path.isfile(os.path.join(candidate, POLICY_FILE)):
            return Workspace(root=os.path.realpath(candidate))
        if os.path.isdir(os.path.join(candidate, STATE_DIR)):
            raise WorkspaceError(
                f"{str(candidate)!r} has a {STATE_DIR}/ directory but no {POLICY_FILE}: "
                "the workspace policy is missing",
                hint=f"ask the user to restore {POLICY_FILE} (or run 'safeshell init {candidate}')",
            )
    return None
