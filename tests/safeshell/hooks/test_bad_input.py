"""Bad payloads and internal failures block the call, with a reason, in bounded time."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from safeshell.hooks import run_hook
from safeshell.hooks.model import HookAnswer
from safeshell.workspace import Workspace


def answer(raw: bytes, workspace: Workspace | None = None, host: str = "claude-code") -> HookAnswer:
    return run_hook(host, raw, workspace=str(workspace.root) if workspace else None, env={})


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        # nothing on stdin
        (b"", "safeshell blocked this call: empty hook payload: expected one JSON object on stdin\n"),
        (b"  \n", "safeshell blocked this call: empty hook payload: expected one JSON object on stdin\n"),
        # broken JSON names the place
        (b'{"tool_name": ', "safeshell blocked this call: hook payload is not valid JSON: "
                            "Expecting value at line 1 column 15\n"),
        # Latin-1 bytes
        (b'{"tool_name": "Bash\xe9"}', "safeshell blocked this call: hook payload is not UTF-8: "
                                        "invalid byte at offset 19\n"),
        # another top-level type
        (b"[1, 2]", "safeshell blocked this call: hook payload must be a JSON object, not list\n"),
        # no tool_input
        (b'{"tool_name": "Bash", "cwd": "/tmp"}', "safeshell blocked this call: payload field "
                                                 "'tool_input' is missing or not an object (got NoneType)\n"),
        # relative cwd
        (b'{"tool_name": "Bash", "tool_input": {"command": "ls"}, "cwd": "ws"}',
         "safeshell blocked this call: payload field 'cwd' must be an absolute path, not 'ws'\n"),
    ],
)
def test_bad_payload_blocks_with_reason(raw: bytes, reason: str) -> None:
    assert answer(raw) == HookAnswer("", reason, 2)


def test_wrong_event_blocks() -> None:
    raw = json.dumps({"hook_event_name": "PostToolUse", "tool_name": "Bash",
                      "tool_input": {"command": "ls"}, "cwd": "/tmp"}).encode()
    result = answer(raw)
    assert result.exit_code == 2
    assert "handles only 'PreToolUse'" in result.stderr


def test_bash_without_command_blocks(tmp_path: Path) -> None:
    raw = json.dumps({"tool_name": "Bash", "tool_input": {"description": "x"}, "cwd": str(tmp_path)}).encode()
    result = answer(raw)
    assert result.exit_code == 2
    assert "Bash tool_input field 'command' is missing" in result.stderr


def test_oversized_payload_blocks_quickly(workspace: Workspace, hook_process) -> None:
    content = "x" * (10 * 1024 * 1024)
    payload = {"tool_name": "Write", "cwd": str(workspace.root),
               "tool_input": {"file_path": str(workspace.root / "big.txt"), "content": content}}
    started = time.monotonic()
    result = hook_process("claude-code", payload)
    elapsed = time.monotonic() - started
    assert result.returncode == 2
    assert result.stdout == b""
    assert b"hook payload too large: more than 8388608 bytes on stdin" in result.stderr
    assert elapsed < 10


def test_unknown_tool_without_paths_allowed(workspace: Workspace, sample) -> None:
    payload = sample("claude-code", "todo_write")
    assert answer(json.dumps(payload).encode(), workspace) == HookAnswer("", "", 0)


def test_missing_policy_blocks(workspace: Workspace, sample) -> None:
    (workspace.root / "safeshell.yaml").unlink()
    result = answer(json.dumps(sample("claude-code", "write_notes")).encode())
    assert result.exit_code == 2
    assert "has a .safeshell/ directory but no safeshell.yaml" in result.stderr


def test_missing_named_workspace_blocks(tmp_path: Path, sample) -> None:
    result = run_hook("claude-code", json.dumps(sample("claude-code", "write_notes")).encode(),
                      workspace=str(tmp_path / "nowhere"), env={})
    assert result.exit_code == 2
    assert "which has no safeshell.yaml" in result.stderr


def test_invalid_policy_blocks(workspace: Workspace, sample) -> None:
    (workspace.root / "safeshell.yaml").write_text("extends: default\nrules: [ {id: broken\n")
    result = answer(json.dumps(sample("claude-code", "write_notes")).encode(), workspace)
    assert result.exit_code == 2
    assert result.stderr.startswith("safeshell blocked this call: ")
    assert "safeshell.yaml" in result.stderr


def test_outside_workspace_allowed(sample) -> None:
    payload = sample("claude-code", "outside_workspace")
    assert answer(json.dumps(payload).encode()) == HookAnswer("", "", 0)


def test_internal_failure_blocks(workspace: Workspace, sample, monkeypatch: pytest.MonkeyPatch) -> None:
    import safeshell.hooks.decide as decide_module

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(decide_module, "file_operations", explode)
    result = answer(json.dumps(sample("claude-code", "write_notes")).encode(), workspace)
    assert result.exit_code == 2
    assert result.stderr.startswith("safeshell hook failed (RuntimeError: disk on fire)")


@pytest.mark.parametrize("host", ["codex", "gemini"])
def test_other_hosts_block_malformed_payload(host: str, hook_process) -> None:
    result = hook_process(host, b"{nope")
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.startswith(b"safeshell blocked this call: hook payload is not valid JSON")


def test_misconfigured_hook_command_blocks(hook_process) -> None:
    result = hook_process("claude-code", b"{}", "--no-such-option")
    assert result.returncode == 2


def test_stalled_stdin_times_out(venv_bin) -> None:
    import os
    import subprocess

    process = subprocess.Popen(
        [str(venv_bin / "safeshell"), "hook", "claude-code"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env={**os.environ, "SAFESHELL_HOOK_TIMEOUT_S": "1"},
    )
    process.stdin.write(b'{"tool_name": "Bash",')  # never finished, never closed
    process.stdin.flush()
    try:
        process.wait(timeout=30)  # stdin stays open: only the hook's own time limit ends it
        stdout, stderr = process.stdout.read(), process.stderr.read()
    finally:
        process.kill()
        process.stdin.close()
    assert process.returncode == 2
    assert stdout == b""
    assert stderr == b"safeshell: the hook did not finish within 1 s, so the call is blocked\n"


def test_hook_imports_no_heavy_library(workspace: Workspace, sample, venv_bin) -> None:
    import os
    import subprocess

    payload = json.dumps(sample("claude-code", "bash_rm_model")).encode()
    # The first call compiles the policy into its cache (YAML and schema work);
    # every later call must start from the cache.
    run_hook("claude-code", payload, workspace=None, env=dict(os.environ))
    completed = subprocess.run(
        [str(venv_bin / "python"), "-X", "importtime", "-m", "safeshell.cli.main", "hook", "claude-code"],
        input=payload, capture_output=True, env={**os.environ}, check=False,
    )
    assert completed.returncode == 0
    imported = {line.split("|")[-1].strip() for line in completed.stderr.decode().splitlines() if "|" in line}
    assert "safeshell.shell.walker" in imported  # the shell analysis really ran
    for heavy in ("torch", "transformers", "mcp", "jsonschema", "yaml"):
        assert heavy not in imported
