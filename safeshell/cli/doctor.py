"""``safeshell doctor``: check that the configured assistant hooks really block.

For each assistant settings file in the workspace that configures a
``safeshell hook`` command, the exact command line is run the way the host
runs it (``bash -c COMMAND`` in the project directory, payload on stdin)
with canned payloads: destructive calls must be blocked, a benign one
allowed, and a malformed payload must block too. The result is a table and
an exit status: 0 when every check passes, 1 when one fails, 78 when no
hook is configured.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from safeshell.cli import exit_codes

# Seconds one hook run may take before the check counts as failed.
RUN_TIMEOUT_S = 60


@dataclass(frozen=True)
class HostSettings:
    host: str
    settings: str  # relative to the project directory
    event: str


HOST_SETTINGS = (
    HostSettings("claude-code", ".claude/settings.json", "PreToolUse"),
    HostSettings("codex", ".codex/hooks.json", "PreToolUse"),
    HostSettings("gemini", ".gemini/settings.json", "BeforeTool"),
)


@dataclass(frozen=True)
class Probe:
    """One canned call and what the hook must answer: "block" or "allow"."""

    name: str
    expect: str
    tool: dict[str, str]  # host -> tool name
    arguments: dict[str, object]
    raw: bytes | None = None  # sent instead of a payload (malformed input)


def probes(workspace: Path) -> list[Probe]:
    shell = {"claude-code": "Bash", "codex": "Bash", "gemini": "run_shell_command"}
    write = {"claude-code": "Write", "codex": "apply_patch", "gemini": "write_file"}
    return [
        Probe("delete the model", "block", shell, {"command": "rm -rf current_model"}),
        Probe("overwrite the policy", "block", write, {
            "file_path": str(workspace / "safeshell.yaml"),
            "content": "rules: []\n",
            "command": "*** Begin Patch\n*** Delete File: safeshell.yaml\n*** End Patch\n",
        }),
        Probe("list the workspace", "allow", shell, {"command": "ls -la"}),
        Probe("malformed payload", "block", shell, {}, raw=b"{not json"),
    ]


def payload(host: str, probe: Probe, workspace: Path) -> bytes:
    if probe.raw is not None:
        return probe.raw
    tool = probe.tool[host]
    if tool == "apply_patch":
        arguments = {"command": probe.arguments["command"]}
    elif tool in ("Write", "write_file"):
        arguments = {"file_path": probe.arguments["file_path"], "content": probe.arguments["content"]}
    else:
        arguments = {"command": probe.arguments["command"]}
    body: dict[str, object] = {
        "session_id": "safeshell-doctor",
        "transcript_path": None,
        "cwd": str(workspace),
        "hook_event_name": "BeforeTool" if host == "gemini" else "PreToolUse",
        "tool_name": tool,
        "tool_input": arguments,
    }
    if host != "gemini":
        body["permission_mode"] = "default"
        body["tool_use_id"] = "toolu_safeshell_doctor"
    return json.dumps(body).encode("utf-8")


def outcome(host: str, completed: subprocess.CompletedProcess[bytes]) -> str:
    """Classify a hook run as "block", "ask" (Claude Code asks the user) or "allow"."""
    if completed.returncode == 2:
        return "block"
    if completed.returncode != 0:
        return f"error (exit {completed.returncode}, the host runs the tool)"
    text = completed.stdout.decode("utf-8", "replace").strip()
    if not text:
        return "allow"
    try:
        answer = json.loads(text)
    except json.JSONDecodeError:
        return "error (stdout is not JSON)"
    if host == "gemini":
        return "block" if answer.get("decision") in ("deny", "block") else "allow"
    decision = (answer.get("hookSpecificOutput") or {}).get("permissionDecision")
    return {"deny": "block", "ask": "ask"}.get(decision, "allow")


def run_checks(workspace: Path, project: Path) -> tuple[list[tuple[str, str, str, str, bool, str]], int]:
    """Return the table rows and the number of hook commands found.

    A row is (host, check, expected, got, passed, what the hook wrote on stderr).
    """
    from safeshell.integrations.files import IntegrationError, hook_commands, load_object

    rows: list[tuple[str, str, str, str, bool, str]] = []
    found = 0
    for host in HOST_SETTINGS:
        path = project / host.settings
        if not path.exists():
            continue
        try:
            settings = load_object(path)
        except IntegrationError as exc:
            rows.append((host.host, "read settings", "valid JSON", str(exc), False, ""))
            continue
        for command in hook_commands(settings, host.event, host.host):
            found += 1
            for probe in probes(workspace):
                try:
                    completed = subprocess.run(
                        ["bash", "-c", command],
                        input=payload(host.host, probe, workspace),
                        capture_output=True,
                        cwd=project,
                        env={**os.environ, "CLAUDE_PROJECT_DIR": str(project)},
                        timeout=RUN_TIMEOUT_S,
                        check=False,
                    )
                    got = outcome(host.host, completed)
                    stderr = completed.stderr.decode("utf-8", "replace").strip()
                except subprocess.TimeoutExpired:
                    got, stderr = f"error (no response within {RUN_TIMEOUT_S} s)", ""
                passed = got == probe.expect or (probe.expect == "block" and got == "ask")
                rows.append((host.host, probe.name, probe.expect, got, passed, stderr))
    return rows, found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="safeshell doctor",
        description="Run canned tool calls through each configured assistant hook and report "
        "whether destructive calls are really blocked.",
        epilog="exit status: 0 all checks pass, 1 a check failed, 78 no hook configured or no workspace",
    )
    parser.add_argument("--workspace", metavar="DIR", help="the workspace (default: found from the cwd)")
    parser.add_argument("--project", metavar="DIR", help="where the assistant settings live (default: the workspace)")
    args = parser.parse_args(argv)

    from safeshell.errors import WorkspaceError
    from safeshell.workspace import find_workspace

    try:
        workspace = find_workspace(args.workspace)
    except WorkspaceError as exc:
        print(f"safeshell doctor: {exc}", file=sys.stderr)
        return exit_codes.CONFIG
    project = Path(args.project).absolute() if args.project else workspace.root

    rows, found = run_checks(workspace.root, project)
    if not found:
        print(
            f"safeshell doctor: no 'safeshell hook' command is configured under {str(project)!r}",
            file=sys.stderr,
        )
        print(f"hint: run 'safeshell init {workspace.root} --assistant claude-code'", file=sys.stderr)
        return exit_codes.CONFIG

    header = ("ASSISTANT", "CHECK", "EXPECTED", "GOT", "RESULT")
    table = [header] + [(host, name, expect, got, "pass" if ok else "FAIL") for host, name, expect, got, ok, _ in rows]
    widths = [max(len(row[column]) for row in table) for column in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    failed = [row for row in rows if not row[4]]
    print(f"{len(rows) - len(failed)} passed, {len(failed)} failed")
    for host, name, _expect, _got, _ok, stderr in failed:
        if stderr:
            print(f"{host} {name}: the hook wrote: {stderr.splitlines()[-1][:300]}")
    for host in sorted({row[0] for row in failed}):
        print(f"hint: rerun 'safeshell init {workspace.root} --assistant {host}' to rewrite its hook command")
    return exit_codes.OK if not failed else exit_codes.ERROR
