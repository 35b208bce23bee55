"""Writing an assistant's hook and MCP server settings for a workspace.

Public surface:

- :func:`install` (``safeshell init DIR --assistant NAME``);
- :data:`ASSISTANTS`: the names ``install`` accepts;
- :class:`InstallResult`, :class:`IntegrationError`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from safeshell.integrations.files import IntegrationError
from safeshell.integrations.hosts import WRITERS, InstallResult

ASSISTANTS: tuple[str, ...] = tuple(WRITERS)

__all__ = ["ASSISTANTS", "InstallResult", "IntegrationError", "install"]


def install(
    workspace: Path,
    assistant: str,
    *,
    project: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> InstallResult:
    """Add safeshell's hook and MCP server to ``assistant``'s settings.

    ``project`` is the directory the assistant is started in (default: the
    workspace itself). Raises :class:`IntegrationError` for an unknown
    assistant or a settings file that cannot be merged (left untouched).
    """
    if assistant not in WRITERS:
        raise IntegrationError(
            f"unknown assistant {assistant!r}; expected one of: {', '.join(ASSISTANTS)}"
        )
    root = Path(os.path.realpath(workspace))
    return WRITERS[assistant](root, Path(project).absolute() if project else root, env or os.environ)
