"""Settings writers, one per assistant, for ``safeshell init --assistant NAME``.

Each writer adds the pre-tool-use hook (where the assistant documents one)
and the ``safeshell-mcp --workspace DIR`` server to the files that
assistant reads:

- claude-code: ``.claude/settings.json`` (``hooks.PreToolUse``, every tool)
  and ``.mcp.json`` (``mcpServers``), in the project directory;
- codex: ``.codex/hooks.json`` (``hooks.PreToolUse``) and
  ``.codex/config.toml`` (``[mcp_servers.safeshell]``); Codex loads both only
  for a trusted project and runs a hook only after the user trusts it (/hooks);
- gemini: ``.gemini/settings.json`` (``hooks.BeforeTool``, ``mcpServers``,
  ``tools.enableHooks``);
- cursor: ``.cursor/mcp.json`` (``mcpServers``) only;
- claude-desktop: the user's ``claude_desktop_config.json`` (``mcpServers``)
  only; Claude Desktop has no hooks and no project settings.
"""

from __future__ import annotations

import json
import os
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from safeshell.integrations import commands
from safeshell.integrations.files import (
    SERVER_NAME,
    IntegrationError,
    child_object,
    load_object,
    upsert_hook,
    upsert_server,
    write_object,
    write_text_atomic,
)

# Seconds a host waits for the hook (Claude Code and Codex count seconds,
# Gemini CLI milliseconds). The hook itself gives up after 20 s.
HOOK_TIMEOUT_S = 30


@dataclass
class InstallResult:
    """The files one writer touched, each marked "created", "updated" or "unchanged"."""

    assistant: str
    files: list[tuple[Path, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def install_claude_code(workspace: Path, project: Path, env: Mapping[str, str]) -> InstallResult:
    result = InstallResult("claude-code")
    group = {
        "matcher": "*",
        "hooks": [{"type": "command", "command": commands.hook_command("claude-code", workspace), "timeout": HOOK_TIMEOUT_S}],
    }
    _merge_json(project / ".claude" / "settings.json", result, lambda data, path: upsert_hook(
        data, "PreToolUse", group, host="claude-code", path=path))
    _merge_json(project / ".mcp.json", result, lambda data, path: upsert_server(
        data, commands.mcp_server_entry(workspace), path=path))
    # SAFESHELL_WORKSPACE too: Claude Code quotes the whole prefix before its
    # last " -" as one program path, so the prefix cannot carry --workspace,
    # and without it a command run from outside the workspace is unchecked.
    env_snippet = {"CLAUDE_CODE_SHELL_PREFIX": commands.shell_prefix(), "SAFESHELL_WORKSPACE": str(workspace)}
    result.notes.append(
        "optional: add "
        f'"env": {json.dumps(env_snippet)} to .claude/settings.json so every Bash command also runs '
        "through safeshell -c (verify-after-execute), from any directory; see docs/integrations.md"
    )
    return result


def install_codex(workspace: Path, project: Path, env: Mapping[str, str]) -> InstallResult:
    result = InstallResult("codex")
    group = {
        "hooks": [{"type": "command", "command": commands.hook_command("codex", workspace), "timeout": HOOK_TIMEOUT_S}],
    }
    _merge_json(project / ".codex" / "hooks.json", result, lambda data, path: upsert_hook(
        data, "PreToolUse", group, host="codex", path=path))
    _merge_codex_toml(project / ".codex" / "config.toml", commands.mcp_server_entry(workspace), result)
    result.notes.append("Codex runs project hooks only in a trusted project after you trust them with /hooks")
    return result


def install_gemini(workspace: Path, project: Path, env: Mapping[str, str]) -> InstallResult:
    result = InstallResult("gemini")
    group = {
        "matcher": "*",
        "hooks": [{
            "name": "safeshell",
            "type": "command",
            "command": commands.hook_command("gemini", workspace),
            "timeout": HOOK_TIMEOUT_S * 1000,
        }],
    }

    def merge(data: dict, path: Path) -> bool:
        changed = upsert_hook(data, "BeforeTool", group, host="gemini", path=path)
        changed |= upsert_server(data, commands.mcp_server_entry(workspace), path=path)
        tools = child_object(data, "tools", path=path, where="")
        if tools.get("enableHooks") is False:
            result.notes.append(f"{path}: tools.enableHooks is false, so Gemini CLI runs no hook; left as set")
        elif "enableHooks" not in tools:
            tools["enableHooks"] = True
            changed = True
        return changed

    _merge_json(project / ".gemini" / "settings.json", result, merge)
    return result


def install_cursor(workspace: Path, project: Path, env: Mapping[str, str]) -> InstallResult:
    result = InstallResult("cursor")
    _merge_json(project / ".cursor" / "mcp.json", result, lambda data, path: upsert_server(
        data, commands.mcp_server_entry(workspace), path=path))
    result.notes.append("Cursor gets the MCP server only; no pre-tool hook is installed for it")
    return result


def install_claude_desktop(workspace: Path, project: Path, env: Mapping[str, str]) -> InstallResult:
    result = InstallResult("claude-desktop")
    _merge_json(claude_desktop_config(env), result, lambda data, path: upsert_server(
        data, commands.mcp_server_entry(workspace), path=path))
    result.notes.append("restart Claude Desktop to load the server; it has no hooks, so use the MCP tools")
    return result


def claude_desktop_config(env: Mapping[str, str]) -> Path:
    """Return where Claude Desktop reads its configuration on this platform."""
    home = Path(env.get("HOME") or os.path.expanduser("~"))
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "Claude" / "claude_desktop_config.json"
    if sys.platform == "win32":
        return Path(env.get("APPDATA") or home / "AppData" / "Roaming") / "Claude" / "claude_desktop_config.json"
    config_home = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    return config_home / "Claude" / "claude_desktop_config.json"


WRITERS: dict[str, Callable[[Path, Path, Mapping[str, str]], InstallResult]] = {
    "claude-code": install_claude_code,
    "codex": install_codex,
    "gemini": install_gemini,
    "cursor": install_cursor,
    "claude-desktop": install_claude_desktop,
}


def _merge_json(path: Path, result: InstallResult, merge: Callable[[dict, Path], bool]) -> None:
    existed = path.exists()
    data = load_object(path)
    if merge(data, path) or not existed:
        write_object(path, data)
        result.files.append((path, "updated" if existed else "created"))
    else:
        result.files.append((path, "unchanged"))


def _merge_codex_toml(path: Path, entry: dict[str, object], result: InstallResult) -> None:
    """Append ``[mcp_servers.safeshell]`` to config.toml unless it is already there."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise IntegrationError(f"{str(path)!r}: invalid TOML ({exc}); the file was left untouched") from exc

    servers = parsed.get("mcp_servers", {})
    existing = servers.get(SERVER_NAME) if isinstance(servers, dict) else None
    wanted = {"command": entry["command"], "args": entry["args"]}
    if existing is not None:
        if {key: existing.get(key) for key in wanted} == wanted:
            result.files.append((path, "unchanged"))
            return
        raise IntegrationError(
            f"{str(path)!r} already has [mcp_servers.{SERVER_NAME}] with other settings; left untouched",
            hint=f"remove that table and run 'safeshell init --assistant codex' again",
        )

    block = (
        f"\n[mcp_servers.{SERVER_NAME}]\n"
        f"command = {_toml_string(str(entry['command']))}\n"
        f"args = [{', '.join(_toml_string(str(arg)) for arg in entry['args'])}]\n"  # type: ignore[union-attr]
    )
    separator = "" if not text or text.endswith("\n") else "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path, text + separator + block)
    result.files.append((path, "updated" if text else "created"))


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
