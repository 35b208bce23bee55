"""Run safeshell's main job end to end in a new workspace and time each step.

The scenario follows a user of safeshell: a workspace with the built-in
model, the training daemon, real text data and an automatic version. An
assistant then works through the MCP server and is stopped from deleting the
model or changing a critical setting. A human approves one delete in a
terminal, and the scenario undoes that delete, rolls back and stops the
daemon gracefully.

Usage: .venv/bin/python scripts/scenario.py [--workspace DIR] [--report FILE]

With --report, a JSON record of every step (name, seconds, facts checked) is
written for the end-to-end test. Exit status 0 when every step passed.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import pty
import re
import select
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

BIN = Path(sys.executable).parent
DOCSTRING_RECORDS = 320  # with the template's batch size of 8: 40 optimizer steps
TRAINING_TIMEOUT_S = 900.0
STEP_TIMEOUT_S = 120.0


class ScenarioError(Exception):
    """A step did not reach its expected outcome."""


@dataclass
class StepRecord:
    name: str
    seconds: float = 0.0
    ok: bool = False
    facts: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass
class Scenario:
    workspace: Path
    steps: list[StepRecord] = field(default_factory=list)
    daemon: subprocess.Popen[bytes] | None = None
    daemon_log: Path | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    def step(self, name: str, action: Callable[[StepRecord], None]) -> None:
        record = StepRecord(name=name)
        self.steps.append(record)
        number = len(self.steps)
        print(f"\n[{number:2d}] {name}", flush=True)
        started = time.monotonic()
        try:
            action(record)
            record.ok = True
        except Exception as exc:  # reported in the summary, then the run stops
            record.error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            record.seconds = time.monotonic() - started
            state = "ok" if record.ok else "FAILED"
            print(f"     {state} in {record.seconds:.1f} s", flush=True)


def run(argv: list[str], *, workspace: Path, check: bool = True, env: dict[str, str] | None = None,
        timeout: float = STEP_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    """Run one of the project's commands and fail the step on an unexpected exit status."""
    full_env = dict(os.environ)
    full_env["SAFESHELL_WORKSPACE"] = str(workspace)
    if env:
        full_env.update(env)
    result = subprocess.run(argv, capture_output=True, text=True, env=full_env, timeout=timeout, check=False)
    if check and result.returncode != 0:
        raise ScenarioError(
            f"{' '.join(argv)!r} exited with {result.returncode}:\n{result.stdout}\n{result.stderr}"
        )
    return result


def tree_digests(directory: Path) -> dict[str, str]:
    """Return {relative path: sha256} of every file under ``directory``."""
    digests: dict[str, str] = {}
    for path in sorted(directory.rglob("*")):
        if path.is_file():
            digests[str(path.relative_to(directory))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def wait_until(predicate: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.5) -> None:
    """Poll ``predicate`` until it holds; the daemon offers no event to wait on across processes."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise ScenarioError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def read_status(workspace: Path) -> dict[str, Any]:
    try:
        return json.loads((workspace / "status" / "training_status.json").read_text())
    except (OSError, ValueError):
        return {}


# --- steps -----------------------------------------------------------------------


def create_workspace(scenario: Scenario, record: StepRecord) -> None:
    result = run([str(BIN / "safeshell"), "init", str(scenario.workspace)], workspace=scenario.workspace,
                 timeout=600)
    print("     " + result.stdout.strip().replace("\n", "\n     "))
    model = scenario.workspace / "current_model"
    digests = tree_digests(model)
    if not digests:
        raise ScenarioError(f"'safeshell init' left {model} empty")
    scenario.facts["initial_model"] = digests
    versions = list_versions(scenario)
    record.facts["model_files"] = sorted(digests)
    record.facts["versions"] = [version["id"] for version in versions]
    if [version["id"] for version in versions] != ["v001"]:
        raise ScenarioError(f"expected the built-in model as version v001, found {versions!r}")


def start_daemon(scenario: Scenario, record: StepRecord) -> None:
    log = scenario.workspace / "logs" / "scenario_daemon_output.log"
    scenario.daemon_log = log
    handle = log.open("wb")
    env = dict(os.environ, SAFESHELL_WORKSPACE=str(scenario.workspace))
    scenario.daemon = subprocess.Popen(
        [str(BIN / "trainctl"), "daemon", "--workspace", str(scenario.workspace)],
        stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
    )
    wait_until(
        lambda: read_status(scenario.workspace).get("daemon_pid") == scenario.daemon.pid
        or scenario.daemon.poll() is not None,
        timeout=STEP_TIMEOUT_S, what="the daemon to report its pid in the status file",
    )
    if scenario.daemon.poll() is not None:
        raise ScenarioError(f"the daemon exited with {scenario.daemon.returncode}; see {log}")
    record.facts["daemon_pid"] = scenario.daemon.pid
    print(f"     daemon pid {scenario.daemon.pid}, state {read_status(scenario.workspace).get('state')!r}")


def drop_data(scenario: Scenario, record: StepRecord) -> None:
    from trainer.corpus import docstrings

    records = []
    for text in docstrings():
        records.append(json.dumps({"text": text}))
        if len(records) == DOCSTRING_RECORDS:
            break
    # Written under a temporary name and renamed, as a careful user's copy would be.
    partial = scenario.workspace / "inbox" / ".stdlib_docs.jsonl.part"
    partial.write_text("\n".join(records) + "\n", encoding="utf-8")
    final = scenario.workspace / "inbox" / "stdlib_docs.jsonl"
    partial.rename(final)
    record.facts["records"] = len(records)
    record.facts["bytes"] = final.stat().st_size
    print(f"     {len(records)} docstrings from the standard library, {final.stat().st_size} bytes -> {final}")


def watch_training(scenario: Scenario, record: StepRecord) -> None:
    done = scenario.workspace / "inbox" / "done" / "stdlib_docs.jsonl"
    last_step = -1
    losses: list[float] = []
    deadline = time.monotonic() + TRAINING_TIMEOUT_S
    while not done.exists():
        if scenario.daemon is not None and scenario.daemon.poll() is not None:
            raise ScenarioError(f"the daemon exited with {scenario.daemon.returncode}; see {scenario.daemon_log}")
        if time.monotonic() > deadline:
            raise ScenarioError(f"training did not finish within {TRAINING_TIMEOUT_S:.0f} s")
        status = read_status(scenario.workspace)
        job = status.get("job") or {}
        step = job.get("step")
        if isinstance(step, int) and step != last_step and job.get("loss") is not None:
            last_step = step
            losses.append(float(job["loss"]))
            rate = job.get("tokens_per_second") or 0
            print(f"     step {step}/{job.get('max_steps')}  loss {job['loss']:.3f}  {rate:.0f} tokens/s", flush=True)
        if status.get("state") == "error":
            raise ScenarioError(f"training failed: {status.get('last_error')!r}")
        time.sleep(0.5)
    history = read_status(scenario.workspace).get("loss_history") or []
    record.facts["loss_history"] = history
    if len(history) < 2 or not history[-1][1] < history[0][1]:
        raise ScenarioError(f"loss did not go down: {history!r}")
    print(f"     loss {history[0][1]:.3f} -> {history[-1][1]:.3f} over {history[-1][0]} steps")


def check_version(scenario: Scenario, record: StepRecord) -> None:
    versions = list_versions(scenario)
    ids = [version["id"] for version in versions]
    record.facts["versions"] = ids
    if len(ids) < 2:
        raise ScenarioError(f"no new version after training: {ids!r}")
    latest = versions[-1]
    shown = json.loads(run([str(BIN / "trainctl"), "versions", "show", latest["id"], "--json"],
                           workspace=scenario.workspace).stdout)
    metadata = shown.get("metadata", {})
    record.facts["latest"] = latest["id"]
    record.facts["metadata_keys"] = sorted(metadata)
    scenario.facts["trained_version"] = latest["id"]
    scenario.facts["trained_model"] = tree_digests(scenario.workspace / "current_model")
    if scenario.facts["trained_model"] == scenario.facts["initial_model"]:
        raise ScenarioError("current_model/ did not change after training")
    print(f"     versions {', '.join(ids)}; {latest['id']} is live, metadata: {', '.join(sorted(metadata))}")


def list_versions(scenario: Scenario) -> list[dict[str, Any]]:
    result = run([str(BIN / "trainctl"), "versions", "list", "--json"], workspace=scenario.workspace)
    data = json.loads(result.stdout)
    return data["versions"] if isinstance(data, dict) else data


async def assistant_session(scenario: Scenario, record: StepRecord) -> None:
    from mcp import Client, StdioServerParameters

    server = StdioServerParameters(
        command=str(BIN / "safeshell-mcp"),
        # WARNING keeps the server's start-up lines out of the scenario's output.
        args=["--workspace", str(scenario.workspace), "--log-level", "WARNING"],
        env={"XDG_CONFIG_HOME": os.environ.get("XDG_CONFIG_HOME", "")},
    )
    async with Client(server) as client:
        status = await call(client, "training_status", {})
        record.facts["status_state"] = status["state"]
        print(f"     training_status: state {status['state']!r}, version {status.get('current_version')!r}")

        rejected = await call(client, "run_command", {"command": "rm -rf current_model"}, expect_error=True)
        record.facts["rm_decision"] = rejected["decision"]
        scenario.facts["rm_request"] = rejected.get("request_id")
        print(f"     run_command 'rm -rf current_model': {rejected['decision']}, request {rejected.get('request_id')}")
        if rejected["decision"] != "require_approval" or not rejected.get("request_id"):
            raise ScenarioError(f"expected require_approval with a request id, got {rejected!r}")

        critical = await call(client, "config_update", {"changes": {"learning_rate": 0.1}}, expect_error=True)
        record.facts["critical_config_decision"] = critical["decision"]
        print(f"     config_update learning_rate=0.1: {critical['decision']}")
        if critical["decision"] != "require_approval":
            raise ScenarioError(f"a critical config change was not held for approval: {critical!r}")

        benign = await call(client, "config_update", {"changes": {"logging_steps": 2}})
        config = json.loads((scenario.workspace / "config.json").read_text())
        record.facts["benign_config_applied"] = config.get("logging_steps") == 2
        print(f"     config_update logging_steps=2: applied ({benign.get('message', '')})")
        if config.get("logging_steps") != 2 or config.get("learning_rate") == 0.1:
            raise ScenarioError(f"config.json is not as expected after the updates: {config!r}")


async def call(client: Any, tool: str, arguments: dict[str, Any], *, expect_error: bool = False) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    # Successful calls carry structured content; rejections carry their body
    # as a JSON text block after the human-readable one.
    body = result.structured_content or {}
    for block in reversed(result.content if not body else []):
        text = getattr(block, "text", "")
        try:
            parsed = json.loads(text)
        except ValueError:
            continue
        if isinstance(parsed, dict):
            body = parsed
            break
    if not body and result.content:
        body = {"message": getattr(result.content[0], "text", "")}
    if bool(result.is_error) != expect_error:
        raise ScenarioError(f"{tool}({arguments!r}) returned isError={result.is_error}: {body!r}")
    return body


def approve_in_terminal(scenario: Scenario, record: StepRecord) -> None:
    request_id = scenario.facts["rm_request"]
    output = drive_approve(scenario.workspace, request_id, answer="approve")
    match = re.search(r"^(ss1\.\S+)\s*$", output, re.MULTILINE)
    if match is None:
        match = re.search(r"Token[^\n]*:\s*\n\s*(\S+)", output)
    if match is None:
        raise ScenarioError(f"no token in the output of 'safeshell approve':\n{output}")
    scenario.facts["token"] = match.group(1)
    record.facts["granted"] = request_id
    print(f"     the human typed 'approve' at the terminal prompt for request {request_id}; a token was printed")


def drive_approve(workspace: Path, request_id: str, *, answer: str) -> str:
    """Run ``safeshell approve`` on a pseudo-terminal and type ``answer`` at its prompt."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["SAFESHELL_WORKSPACE"] = str(workspace)
        os.execv(str(BIN / "safeshell"), [str(BIN / "safeshell"), "approve", request_id,
                                          "--workspace", str(workspace)])
    output = bytearray()
    answered = False
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        output.extend(chunk)
        if not answered and b"Type " in output and output.rstrip().endswith(b":"):
            os.write(fd, answer.encode() + b"\n")
            answered = True
    os.close(fd)
    _, status = os.waitpid(pid, 0)
    text = output.decode("utf-8", "replace").replace("\r\n", "\n")
    if os.waitstatus_to_exitcode(status) != 0:
        raise ScenarioError(f"'safeshell approve {request_id}' failed:\n{text}")
    return text


async def run_with_token(scenario: Scenario, record: StepRecord) -> None:
    from mcp import Client, StdioServerParameters

    before_versions = [version["id"] for version in list_versions(scenario)]
    server = StdioServerParameters(
        command=str(BIN / "safeshell-mcp"),
        # WARNING keeps the server's start-up lines out of the scenario's output.
        args=["--workspace", str(scenario.workspace), "--log-level", "WARNING"],
        env={"XDG_CONFIG_HOME": os.environ.get("XDG_CONFIG_HOME", "")},
    )
    async with Client(server) as client:
        result = await call(client, "run_command",
                            {"command": "rm -rf current_model", "approval_token": scenario.facts["token"]})
    record.facts["exit_status"] = result.get("exit_code")
    if result.get("exit_code") != 0:
        raise ScenarioError(f"the approved delete did not succeed: {result!r}")
    if (scenario.workspace / "current_model").exists():
        raise ScenarioError("current_model/ still exists after the approved delete")
    snapshot = find_snapshot_event(scenario.workspace)
    record.facts["snapshot"] = snapshot
    scenario.facts["snapshot_version"] = snapshot.get("model_version")
    after_versions = [version["id"] for version in list_versions(scenario)]
    record.facts["versions_before"] = before_versions
    record.facts["versions_after"] = after_versions
    print(f"     the delete ran (exit status {record.facts['exit_status']}); snapshot "
          f"{snapshot.get('snapshot')!r} recorded current_model/ as {snapshot.get('model_version')!r} first")


def find_snapshot_event(workspace: Path) -> dict[str, Any]:
    audit = workspace / ".safeshell" / "audit.jsonl"
    for line in reversed(audit.read_text().splitlines()):
        event = json.loads(line)
        if event.get("event") == "snapshot":
            return event
    raise ScenarioError(f"no snapshot event in {audit}")


def undo_delete(scenario: Scenario, record: StepRecord) -> None:
    version = scenario.facts.get("snapshot_version") or scenario.facts["trained_version"]
    result = run([str(BIN / "trainctl"), "versions", "restore", str(version)], workspace=scenario.workspace)
    print(f"     {result.stdout.strip()}")
    restored = tree_digests(scenario.workspace / "current_model")
    record.facts["identical_to_trained"] = restored == scenario.facts["trained_model"]
    if restored != scenario.facts["trained_model"]:
        raise ScenarioError("the restored current_model/ differs from the trained model")
    print(f"     current_model/ is byte for byte the trained model ({len(restored)} files)")


def rollback(scenario: Scenario, record: StepRecord) -> None:
    result = run([str(BIN / "trainctl"), "versions", "restore", "v001"], workspace=scenario.workspace)
    print(f"     {result.stdout.strip()}")
    rolled = tree_digests(scenario.workspace / "current_model")
    record.facts["identical_to_v001"] = rolled == scenario.facts["initial_model"]
    if rolled != scenario.facts["initial_model"]:
        raise ScenarioError("after the rollback current_model/ differs from version v001")
    print(f"     current_model/ is byte for byte version v001 ({len(rolled)} files)")


def stop_daemon(scenario: Scenario, record: StepRecord) -> None:
    result = run([str(BIN / "trainctl"), "stop", "--wait", "--timeout", "60"], workspace=scenario.workspace)
    for line in result.stdout.strip().splitlines():
        print(f"     {line}")
    if scenario.daemon is None:
        raise ScenarioError("no daemon was started")
    try:
        code = scenario.daemon.wait(timeout=STEP_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        raise ScenarioError("the daemon did not exit after 'trainctl stop'") from exc
    record.facts["daemon_exit_status"] = code
    if code != 0:
        raise ScenarioError(f"the daemon exited with {code}; see {scenario.daemon_log}")
    print(f"     the daemon exited with status {code}")


def print_summary(scenario: Scenario, total: float) -> None:
    print("\nSummary")
    width = max(len(step.name) for step in scenario.steps)
    for number, step in enumerate(scenario.steps, 1):
        state = "ok" if step.ok else "FAILED"
        print(f"  {number:2d}. {step.name.ljust(width)}  {step.seconds:7.1f} s  {state}")
    print(f"  total {total:.1f} s; workspace {scenario.workspace}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, help="new workspace directory (default: a temporary one)")
    parser.add_argument("--report", type=Path, help="write a JSON record of every step to this file")
    args = parser.parse_args(argv)

    workspace = args.workspace or Path(tempfile.mkdtemp(prefix="safeshell-scenario-")) / "workspace"
    if workspace.exists() and any(workspace.iterdir()):
        parser.error(f"--workspace {str(workspace)!r} is not empty; name a new directory")
    # The approval key lives outside the workspace; the scenario keeps its own.
    os.environ.setdefault("XDG_CONFIG_HOME", str(workspace.parent / "config-home"))
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    scenario = Scenario(workspace=workspace.absolute())
    started = time.monotonic()
    ok = False
    try:
        scenario.step("create the workspace with the built-in model", lambda r: create_workspace(scenario, r))
        scenario.step("start the training daemon", lambda r: start_daemon(scenario, r))
        scenario.step("drop real text data into inbox/", lambda r: drop_data(scenario, r))
        scenario.step("watch the training", lambda r: watch_training(scenario, r))
        scenario.step("check the automatic version", lambda r: check_version(scenario, r))
        scenario.step("assistant session over MCP", lambda r: asyncio.run(assistant_session(scenario, r)))
        scenario.step("human approves the delete in a terminal", lambda r: approve_in_terminal(scenario, r))
        scenario.step("run the delete with the token", lambda r: asyncio.run(run_with_token(scenario, r)))
        scenario.step("undo the delete from its snapshot", lambda r: undo_delete(scenario, r))
        scenario.step("roll back to the built-in model v001", lambda r: rollback(scenario, r))
        scenario.step("stop the daemon gracefully", lambda r: stop_daemon(scenario, r))
        ok = True
    except Exception as exc:
        print(f"\nscenario failed: {exc}", file=sys.stderr)
    finally:
        if scenario.daemon is not None and scenario.daemon.poll() is None:
            scenario.daemon.terminate()
            try:
                scenario.daemon.wait(timeout=60)
            except subprocess.TimeoutExpired:
                scenario.daemon.kill()
        total = time.monotonic() - started
        print_summary(scenario, total)
        if args.report:
            args.report.write_text(json.dumps({
                "ok": ok,
                "total_seconds": total,
                "workspace": str(scenario.workspace),
                "steps": [step.__dict__ for step in scenario.steps],
            }, indent=2, default=str))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
