"""The absolute commands written into assistants' settings.

Hooks run once per tool call, so their command avoids every start-up cost
that is not needed: the interpreter is named by its absolute path (resolving
``python`` or ``safeshell`` through ``PATH`` can hit a version-manager shim
that adds 100 ms or more), and it runs with ``-I -S`` and the import roots
spelled out, which skips ``site`` and the ``.pth`` processing of the
environment (an editable install's import finder alone costs tens of
milliseconds). The MCP server, started once per session, uses its console
script.
"""

from __future__ import annotations

import json
import shlex
import sys
import sysconfig
from pathlib import Path

import safeshell


def console_script(name: str) -> list[str]:
    """Return the argv that runs console script ``name`` of this installation."""
    candidate = Path(sys.executable).parent / name
    if candidate.is_file():
        return [str(candidate)]
    module = {"safeshell": "safeshell.cli.main", "safeshell-mcp": "mcp_server.main"}[name]
    return [sys.executable, "-m", module]


def hook_command(host: str, workspace: Path) -> str:
    """Return the shell command line a host runs as its pre-tool-use hook.

    The line contains ``HOST --workspace DIR`` and the word ``safeshell``, which
    is how :func:`is_hook_command` recognises it later. ``|| exit 2`` turns
    every other failure (a missing interpreter exits 127, a broken install 1)
    into the status that blocks the call, because hosts run the tool on any
    status but 0 and 2.
    """
    # Double quotes only, so shlex.join wraps the code in one pair of single quotes.
    code = (
        f"import sys;sys.path[:0]={json.dumps(import_roots())};"
        'from safeshell.cli.main import main;sys.exit(main(["hook",*sys.argv[1:]]))'
    )
    argv = [sys.executable, "-I", "-S", "-c", code, host, "--workspace", str(workspace)]
    return shlex.join(argv) + " || exit 2"


def is_hook_command(command: str, host: str) -> bool:
    """Tell whether a configured hook command runs ``safeshell hook HOST``."""
    return "safeshell" in command and (f" hook {host} " in command or f" {host} --workspace " in command)


def import_roots() -> list[str]:
    """Return the directories the hook imports from: safeshell's own, then the libraries'."""
    roots = [str(Path(safeshell.__file__).resolve().parent.parent)]
    for key in ("purelib", "platlib"):
        path = sysconfig.get_paths()[key]
        if path not in roots:
            roots.append(path)
    return roots


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
