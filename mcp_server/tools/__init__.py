"""The server's tools, in the order ``tools/list`` returns them."""

from __future__ import annotations

from mcp_server.registry import ToolSpec
from mcp_server.tools import backups, config, guard, jobs, preflight, queue, shell, training, versions


def all_specs() -> list[ToolSpec]:
    """Return every tool specification; the order is part of the server's interface."""
    return [
        *training.SPECS,
        *queue.SPECS,
        *versions.SPECS,
        *backups.SPECS,
        *config.SPECS,
        guard.SPECS[0],  # policy_check
        *shell.SPECS,  # run_command
        guard.SPECS[1],  # approval_status
        *preflight.SPECS,
        *jobs.SPECS,
    ]
