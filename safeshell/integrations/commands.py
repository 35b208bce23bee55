"""The absolute commands written into assistants' settings.

Hooks run once per tool call, so they name the ``safeshell`` console script
beside the running interpreter by its absolute path: resolving ``safeshell``
through ``PATH`` can hit a version-manager shim that adds 100 ms or more to
every call. Without a console script there, ``python -m`` with the absolute
interpreter path is used.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path


def console_script(name: str) -> list[str]:
    """Return the argv that runs console script ``name`` of this installation."""
    candidate = Path(sys.executable).parent / name
    if candidate.is_file():
        return [str(candidate)]
    module = {"safeshell": "safeshell.cli.main", "safeshell-mcp": "mcp_server.main"}[name]
    return [sys.executable, "-m", module]


def hook_command(host: str, workspace: Path) -> str:
    """Return the shell command line a host runs as its pre-tool-use hook."""
    argv = [*console_script("safeshell"), "hook", host, "--workspace", str(workspace)]
    return shlex.join(argv)


def mcp_server_entry(workspace: Path) -> dict[str, object]:
    """Return the ``{"command", "args"}`` entry that starts the MCP server."""
    argv = [*console_script("safeshell-mcp"), "--workspace", str(workspace)]
    return {"command": argv[0], "args": argv[1:]}


def shell_prefix() -> str:
    """Return the ``CLAUDE_CODE_SHELL_PREFIX`` value that runs commands through safeshell.

    Claude Code splits the prefix at its last " -" and quotes the part before
    as one program path, so the value is the unquoted script path and "-c".
    """
    return f"{console_script('safeshell')[0]} -c"
