"""Read-only resources: training status, effective policy, daemon log tail, audit log tail."""

from __future__ import annotations

import json
import os
from pathlib import Path

from mcp.server.mcpserver import MCPServer

from mcp_server.tools.training import status_output
from safeshell import audit, guard
from safeshell.workspace import Workspace
from trainer.status import read_status

# The end of the newest daemon log that the log resource returns.
LOG_TAIL_BYTES = 64 * 1024
AUDIT_TAIL_ENTRIES = 100

STATUS_URI = "safeshell://status"
POLICY_URI = "safeshell://policy"
DAEMON_LOG_URI = "safeshell://logs/daemon"
AUDIT_URI = "safeshell://audit"


def register(server: MCPServer, workspace: Workspace) -> None:
    """Add the workspace's resources to ``server``."""

    @server.resource(
        STATUS_URI,
        name="training-status",
        title="Training status",
        description="The training daemon's status as training_status returns it (JSON).",
        mime_type="application/json",
    )
    def training_status() -> str:
        return status_output(read_status(workspace)).model_dump_json(indent=2)

    @server.resource(
        POLICY_URI,
        name="policy",
        title="Effective policy",
        description="The merged policy in force for this workspace, with its version and source files (JSON).",
        mime_type="application/json",
    )
    def policy() -> str:
        compiled = guard.load_policy(workspace)
        document = {
            "version": compiled.version,
            "source_files": list(compiled.source_files),
            "policy": compiled.document,
        }
        return json.dumps(document, indent=2, sort_keys=True, default=str)

    @server.resource(
        DAEMON_LOG_URI,
        name="daemon-log",
        title="Training daemon log (tail)",
        description=f"The last {LOG_TAIL_BYTES // 1024} KiB of the newest logs/daemon_YYYYMMDD.log.",
        mime_type="text/plain",
    )
    def daemon_log() -> str:
        return tail_newest_log(workspace.logs_dir, "daemon_*.log", LOG_TAIL_BYTES)

    @server.resource(
        AUDIT_URI,
        name="audit-log",
        title="Audit log (tail)",
        description=f"The last {AUDIT_TAIL_ENTRIES} entries of .safeshell/audit.jsonl, one JSON object per line.",
        mime_type="application/jsonl",
    )
    def audit_log() -> str:
        entries = audit.read_entries(workspace, tail=AUDIT_TAIL_ENTRIES)
        return "".join(json.dumps(entry, sort_keys=True) + "\n" for entry in entries)


def tail_newest_log(directory: Path, pattern: str, limit: int) -> str:
    """Return the last ``limit`` bytes of the newest file matching ``pattern``, starting at a line."""
    logs = sorted(directory.glob(pattern)) if directory.is_dir() else []
    if not logs:
        return f"(no {pattern} in {directory})\n"
    newest = logs[-1]
    with open(newest, "rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        start = max(0, size - limit)
        handle.seek(start)
        data = handle.read()
    if start > 0:
        # Drop the partial first line.
        data = data.split(b"\n", 1)[-1]
    return f"==> {newest.name} <==\n" + data.decode("utf-8", errors="replace")
