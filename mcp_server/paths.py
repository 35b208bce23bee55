"""Resolution of paths that tool arguments name.

A path argument is taken relative to the workspace root (or absolute), every
symlink is followed, and the result must lie inside the workspace. A path
that escapes through ``..`` or a symlink, or contains a NUL byte, is
rejected before anything is read or changed.
"""

from __future__ import annotations

import os
from pathlib import Path

from mcp_server.errors import ToolArgumentError
from safeshell.workspace import Workspace


def resolve_inside(workspace: Workspace, value: str, *, argument: str) -> Path:
    """Return the real absolute path of ``value`` inside the workspace.

    Raises :class:`ToolArgumentError` naming ``argument`` when the path
    contains a NUL byte or resolves outside the workspace root.
    """
    if "\x00" in value:
        raise ToolArgumentError(f"argument {argument!r}: the path contains a NUL byte")
    if not value.strip():
        raise ToolArgumentError(f"argument {argument!r}: the path is empty")

    root = Path(os.path.realpath(workspace.root))
    candidate = Path(value).expanduser()
    if not candidate.is_absolute():
        candidate = root / candidate
    real = Path(os.path.realpath(candidate))
    if real != root and not real.is_relative_to(root):
        raise ToolArgumentError(
            f"argument {argument!r}: {value!r} resolves to {str(real)!r}, which is outside the workspace {str(root)!r}",
            hint="name a file inside the workspace (symlinks are followed before this check)",
        )
    return real


def resolve_file_inside(workspace: Workspace, value: str, *, argument: str) -> Path:
    """Like :func:`resolve_inside`, and the path must be an existing regular file."""
    real = resolve_inside(workspace, value, argument=argument)
    if not real.exists():
        raise ToolArgumentError(f"argument {argument!r}: {value!r} does not exist")
    if not real.is_file():
        raise ToolArgumentError(f"argument {argument!r}: {value!r} is not a regular file")
    return real


def relative_to_root(workspace: Workspace, path: Path) -> str:
    """Return ``path`` relative to the workspace root, for messages and records."""
    root = Path(os.path.realpath(workspace.root))
    try:
        return str(path.relative_to(root)) or "."
    except ValueError:
        return str(path)
