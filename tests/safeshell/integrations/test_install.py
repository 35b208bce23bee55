"""Settings writers: merging with the user's files, absolute commands, invalid files untouched."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from safeshell.cli.init_cmd import create_layout
from safeshell.integrations import IntegrationError, install
from safeshell.integrations.commands import console_script, hook_command


@pytest.fixture
def root(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    create_layout(workspace)
    return workspace.resolve()


def test_claude_code_settings_written(root: Path) -> None:
    result = install(root, "claude-code")
    settings = json.loads((root / ".claude" / "settings.json").read_text())
    mcp = json.loads((root / ".mcp.json").read_text())
    assert settings == {"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [{
        "type": "command", "command": hook_command("claude-code", root), "timeout": 30}]}]}}
    assert mcp == {"mcpServers": {"safeshell": {
        "command": console_script("safeshell-mcp")[0], "args": ["--workspace", str(root)]}}}
    assert result.files == [(root / ".claude" / "settings.json", "created"), (root / ".mcp.json", "created")]


def test_shell_prefix_note_names_workspace(root: Path) -> None:
    result = install(root, "claude-code")
    note = next(note for note in result.notes if "CLAUDE_CODE_SHELL_PREFIX" in note)
    snippet = json.loads(note[note.index("{"):note.index("}") + 1])
    assert snippet == {"CLAUDE_CODE_SHELL_PREFIX": f"{console_script('safeshell')[0]} -c", "SAFESHELL_WORKSPACE": str(root)}


def test_commands_are_absolute(root: Path) -> None:
    assert Path(console_script("safeshell-mcp")[0]).is_absolute()
    argv = shlex.split(hook_command("codex", root))
    assert argv[:4] == [sys.executable, "-I", "-S", "-c"]
    assert argv[5:] == ["codex", "--workspace", str(root), "||", "exit", "2"]


def test_missing_interpreter_still_blocks(root: Path) -> None:
    command = hook_command("claude-code", root).replace(sys.executable, str(root / "gone" / "python3"), 1)
    completed = subprocess.run(["bash", "-c", command], input="{}", capture_output=True, text=True, check=False)
    assert completed.returncode == 2
    assert "gone/python3" in completed.stderr


def test_hook_command_runs_without_site(root: Path) -> None:
    payload = json.dumps({"tool_name": "Write", "cwd": str(root), "tool_input": {
        "file_path": str(root / "safeshell.yaml"), "content": "rules: []"}})
    completed = subprocess.run(["bash", "-c", hook_command("claude-code", root)], input=payload,
                               capture_output=True, text=True, check=False,
                               env={"PATH": "/usr/bin:/bin", "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"]})
    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["hookSpecificOutput"]["permissionDecision"] == "deny"


def test_user_entries_kept_and_rerun_idempotent(root: Path) -> None:
    settings_file = root / ".claude" / "settings.json"
    settings_file.parent.mkdir()
    user = {
        "permissions": {"allow": ["Bash(git status)"]},
        "hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "lint-hook"}]}],
                  "PostToolUse": [{"matcher": "Edit", "hooks": [{"type": "command", "command": "fmt"}]}]},
    }
    settings_file.write_text(json.dumps(user))
    (root / ".mcp.json").write_text(json.dumps({"mcpServers": {"github": {"command": "gh-mcp"}}}))

    install(root, "claude-code")
    second = install(root, "claude-code")

    settings = json.loads(settings_file.read_text())
    assert settings["permissions"] == user["permissions"]
    assert settings["hooks"]["PostToolUse"] == user["hooks"]["PostToolUse"]
    assert settings["hooks"]["PreToolUse"][0] == user["hooks"]["PreToolUse"][0]
    assert len(settings["hooks"]["PreToolUse"]) == 2
    assert set(json.loads((root / ".mcp.json").read_text())["mcpServers"]) == {"github", "safeshell"}
    assert [state for _, state in second.files] == ["unchanged", "unchanged"]


def test_moved_workspace_updates_own_entry(root: Path, tmp_path: Path) -> None:
    install(root, "claude-code", project=tmp_path / "project")
    other = tmp_path / "ws2"
    create_layout(other)
    result = install(other, "claude-code", project=tmp_path / "project")
    groups = json.loads((tmp_path / "project" / ".claude" / "settings.json").read_text())["hooks"]["PreToolUse"]
    assert len(groups) == 1
    assert groups[0]["hooks"][0]["command"] == hook_command("claude-code", other.resolve())
    assert result.files[0][1] == "updated"


@pytest.mark.parametrize("text", ["{not json", "[1, 2]"])
def test_invalid_settings_left_untouched(root: Path, text: str) -> None:
    settings_file = root / ".claude" / "settings.json"
    settings_file.parent.mkdir()
    settings_file.write_text(text)
    with pytest.raises(IntegrationError, match="left untouched"):
        install(root, "claude-code")
    assert settings_file.read_text() == text
    assert not (root / ".mcp.json").exists()


def test_hooks_of_wrong_type_left_untouched(root: Path) -> None:
    settings_file = root / ".gemini" / "settings.json"
    settings_file.parent.mkdir()
    settings_file.write_text('{"hooks": []}')
    with pytest.raises(IntegrationError, match="'hooks' is a list, expected an object"):
        install(root, "gemini")
    assert settings_file.read_text() == '{"hooks": []}'


def test_codex_files_written(root: Path) -> None:
    config = root / ".codex" / "config.toml"
    config.parent.mkdir()
    config.write_text('model = "gpt-5.2"\n[mcp_servers.docs]\ncommand = "docs-mcp"\n')
    install(root, "codex")
    install(root, "codex")
    parsed = tomllib.loads(config.read_text())
    assert parsed["model"] == "gpt-5.2"
    assert parsed["mcp_servers"]["docs"] == {"command": "docs-mcp"}
    assert parsed["mcp_servers"]["safeshell"] == {
        "command": console_script("safeshell-mcp")[0], "args": ["--workspace", str(root)]}
    hooks = json.loads((root / ".codex" / "hooks.json").read_text())
    assert hooks["hooks"]["PreToolUse"][0]["hooks"][0]["command"] == hook_command("codex", root)
    assert "matcher" not in hooks["hooks"]["PreToolUse"][0]


def test_codex_conflicting_server_left_untouched(root: Path) -> None:
    config = root / ".codex" / "config.toml"
    config.parent.mkdir()
    original = '[mcp_servers.safeshell]\ncommand = "/old/safeshell-mcp"\n'
    config.write_text(original)
    with pytest.raises(IntegrationError, match="already has \\[mcp_servers.safeshell\\]"):
        install(root, "codex")
    assert config.read_text() == original


def test_gemini_settings_enable_hooks(root: Path) -> None:
    install(root, "gemini")
    settings = json.loads((root / ".gemini" / "settings.json").read_text())
    assert settings["tools"] == {"enableHooks": True}
    hook = settings["hooks"]["BeforeTool"][0]["hooks"][0]
    assert hook == {"name": "safeshell", "type": "command", "command": hook_command("gemini", root),
                    "timeout": 30000}


def test_cursor_gets_mcp_server_only(root: Path) -> None:
    install(root, "cursor")
    assert set(json.loads((root / ".cursor" / "mcp.json").read_text())) == {"mcpServers"}


def test_claude_desktop_uses_user_config(root: Path, tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    result = install(root, "claude-desktop", env=env)
    path = result.files[0][0]
    expected = (home / "Library" / "Application Support" / "Claude" if sys.platform == "darwin"
                else home / ".config" / "Claude") / "claude_desktop_config.json"
    assert path == expected
    assert "safeshell" in json.loads(path.read_text())["mcpServers"]


def test_unknown_assistant_rejected(root: Path) -> None:
    with pytest.raises(IntegrationError, match="unknown assistant 'vim'"):
        install(root, "vim")


def test_init_cli_installs_assistant(tmp_path: Path, venv_bin: Path) -> None:
    target = tmp_path / "cli-ws"
    completed = subprocess.run(
        [str(venv_bin / "safeshell"), "init", str(target), "--no-model", "--assistant", "claude-code"],
        capture_output=True, text=True, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "assistant: claude-code" in completed.stdout
    assert (target / ".claude" / "settings.json").is_file()
