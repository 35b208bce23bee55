"""Reading, merging and writing an assistant's JSON settings file.

The user's entries are never dropped: safeshell adds or updates only its own
entries (the MCP server named ``safeshell``, hook entries whose command runs
``safeshell hook``). A file that exists but is not a JSON object is an
error and stays untouched. Writes are atomic (temporary file, fsync,
rename), so a crash leaves the old file or the new one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from safeshell.errors import SafeshellError
from safeshell.integrations.commands import is_hook_command

SERVER_NAME = "safeshell"


class IntegrationError(SafeshellError):
    """An assistant's settings file cannot be read, merged or written."""


def load_object(path: Path) -> dict[str, Any]:
    """Return the JSON object in ``path`` (``{}`` when missing); raise on invalid content."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise IntegrationError(f"cannot read {str(path)!r}: {exc}") from exc
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise IntegrationError(
            f"{path}:{exc.lineno}:{exc.colno}: invalid JSON ({exc.msg}); the file was left untouched",
            hint="fix the file and run the command again",
        ) from exc
    if not isinstance(value, dict):
        raise IntegrationError(f"{str(path)!r} contains a JSON {type(value).__name__}, not an object; left untouched")
    return value


def write_object(path: Path, value: dict[str, Any]) -> None:
    """Write ``value`` as indented JSON, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
    write_text_atomic(path, text)


def write_text_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` through a temporary file and a rename."""
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def child_object(parent: dict[str, Any], key: str, *, path: Path, where: str) -> dict[str, Any]:
    """Return ``parent[key]`` as an object, creating it when missing."""
    value = parent.setdefault(key, {})
    if not isinstance(value, dict):
        raise IntegrationError(
            f"{str(path)!r}: {where}{key!r} is a {type(value).__name__}, expected an object; left untouched"
        )
    return value


def upsert_server(config: dict[str, Any], entry: dict[str, Any], *, path: Path, key: str = "mcpServers") -> bool:
    """Set the ``safeshell`` MCP server entry; return whether anything changed."""
    servers = child_object(config, key, path=path, where="")
    if servers.get(SERVER_NAME) == entry:
        return False
    servers[SERVER_NAME] = entry
    return True


def upsert_hook(
    settings: dict[str, Any],
    event: str,
    group: dict[str, Any],
    *,
    host: str,
    path: Path,
) -> bool:
    """Add or update the hook group whose commands all run ``safeshell hook HOST``.

    ``settings["hooks"][event]`` is a list of ``{"matcher", "hooks": [...]}``
    groups (Claude Code, Codex and Gemini CLI share this shape). Groups of the
    user's are kept as they are. Returns whether anything changed.
    """
    hooks = child_object(settings, "hooks", path=path, where="")
    groups = hooks.setdefault(event, [])
    if not isinstance(groups, list):
        raise IntegrationError(
            f"{str(path)!r}: hooks.{event} is a {type(groups).__name__}, expected a list; left untouched"
        )
    for index, existing in enumerate(groups):
        commands = _group_commands(existing)
        if commands and all(is_hook_command(command, host) for command in commands):
            if existing == group:
                return False
            groups[index] = group
            return True
    groups.append(group)
    return True


def hook_commands(settings: dict[str, Any], event: str, host: str) -> list[str]:
    """Return every configured hook command for ``event`` that runs ``safeshell hook HOST``."""
    hooks = settings.get("hooks")
    if not isinstance(hooks, dict) or not isinstance(hooks.get(event), list):
        return []
    return [
        command for group in hooks[event] for command in _group_commands(group) if is_hook_command(command, host)
    ]


def _group_commands(group: Any) -> list[str]:
    if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
        return []
    return [
        hook["command"]
        for hook in group["hooks"]
        if isinstance(hook, dict) and isinstance(hook.get("command"), str)
    ]
