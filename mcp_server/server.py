"""The server factory: one MCP server bound to one training workspace."""

from __future__ import annotations

import logging

from mcp.server.mcpserver import Context, MCPServer

from mcp_server import resources
from mcp_server.gate import run_tool
from mcp_server.registry import ToolInput, ToolSpec, build_tools
from mcp_server.state import ServerState
from mcp_server.tools import all_specs
from safeshell import __version__
from safeshell.workspace import Workspace

logger = logging.getLogger(__name__)

SERVER_NAME = "safeshell"
INSTRUCTIONS = """\
Operate a long-running model training safely. Every tool call is checked \
against the workspace's safeshell policy before it does anything.

- Read first: training_status, queue_list, version_list, backup_list, \
config_get, preflight. policy_check decides on a command or tool call without \
running it.
- Prefer the graceful controls (training_stop, training_pause) over killing \
processes, and run_command over any other shell.
- A call the policy rejects returns isError with a structured body: \
"decision" is "require_approval" or "deny". For require_approval, show the \
user the "how_to_approve" text: a human runs 'safeshell approve ID' on a \
terminal and gives you the printed token; then repeat the same call with \
approval_token set. No tool can approve anything. A denied call cannot be \
approved.
- backup_create, backup_verify and backup_restore may return a job handle; \
poll it with job_status.
"""


def build_server(workspace: Workspace) -> MCPServer:
    """Build the server for ``workspace``; the workspace never comes from a tool argument."""
    specs = all_specs()
    state = ServerState(workspace=workspace, specs={spec.name: spec for spec in specs})

    async def bind(spec: ToolSpec, arguments: ToolInput, ctx: Context):
        return await run_tool(state, spec, arguments, ctx)

    server = MCPServer(
        SERVER_NAME,
        title="safeshell",
        instructions=INSTRUCTIONS,
        version=__version__,
        tools=build_tools(specs, bind),
        warn_on_duplicate_tools=True,
    )
    resources.register(server, workspace)
    logger.info("MCP server for workspace %s: %d tools", workspace.root, len(specs))
    return server
