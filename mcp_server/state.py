"""The state every tool call of one server shares: the workspace, the tools and the background jobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mcp_server.jobs import JobRegistry
from safeshell.workspace import Workspace

if TYPE_CHECKING:
    from mcp_server.registry import ToolSpec


@dataclass
class ServerState:
    """The state of one MCP server; the workspace is fixed when the server starts."""

    workspace: Workspace
    specs: dict[str, "ToolSpec"] = field(default_factory=dict)  # by tool name, in listing order
    jobs: JobRegistry = field(default_factory=JobRegistry)
