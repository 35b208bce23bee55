"""Workspaces and an HTTP client for the monitor tests.

Workspaces are built with the real queue, store, status file and approvals.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models import Store
from safeshell import approvals, guard, statedb
from safeshell.cli import init_cmd
from safeshell.operations import Operation, OperationKind, Subject
from safeshell.workspace import Workspace
from trainer import queue as queue_module
from trainer.monitor import MonitorServer
from trainer.status import empty_status, write_status

# A log line that is not valid UTF-8 and carries markup; the page must show it as text.
HOSTILE_LOG_LINE = b"2026-12-04 19:49:58 WARNING trainer.daemon: bad bytes \xff\xfe <img src=x onerror=alert(1)>"
HOSTILE_FILE_NAME = "<img src=x onerror=alert(1)>.jsonl"
LOSS_HISTORY = [[step, round(4.2 * 0.985 ** (step / 10) + 0.03 * ((step // 10) % 3), 4)] for step in range(10, 410, 10)]
EVAL_LOSS_HISTORY = [[100, 3.4], [200, 2.9], [300, 2.6], [400, 2.45]]


@dataclass
class TrainingWorkspace:
    """A workspace in the middle of a training run, and what was put into it."""

    workspace: Workspace
    running_file: str  # relative to the workspace root
    queued_files: list[str]  # run order
    version_ids: list[str]
    final_losses: dict[str, float]
    verified_backup: str
    unverified_backup: str
    approval_id: str
    approval_command: str


def make_workspace(root: Path) -> Workspace:
    """Create a workspace with ``safeshell init --no-model``."""
    assert init_cmd.main(["--no-model", str(root)]) == 0
    return Workspace(root.resolve())


def write_training_status(workspace: Workspace, *, daemon_pid: int, running_file: str, **changes: Any) -> None:
    status = empty_status("training")
    status.update(
        daemon_pid=daemon_pid,
        job={
            "id": 1, "file": running_file, "step": 400, "max_steps": 1000, "epoch": 0.4, "loss": LOSS_HISTORY[-1][1],
            "learning_rate": 0.0002, "tokens_per_second": 1830.5, "eta_seconds": 3725,
            "started_at": "2026-12-04T19:00:00Z",
        },
        loss_history=LOSS_HISTORY,
        eval_loss_history=EVAL_LOSS_HISTORY,
        queue_length=3,
        current_version="v003",
    )
    status.update(changes)
    write_status(workspace, status)


def build_training_workspace(root: Path, *, daemon_pid: int) -> TrainingWorkspace:
    workspace = make_workspace(root)

    # Versions: the initial model and two finished trainings.
    store = Store.for_workspace(workspace)
    (workspace.current_model / "config.json").write_text('{"model_type": "tiny"}\n', encoding="utf-8")
    (workspace.current_model / "model.safetensors").write_bytes(b"\x00" * 4096)
    store.snapshot(reason="built-in model")
    final_losses = {"v002": 2.4137, "v003": 1.8702}
    for index, (version_id, loss) in enumerate(final_losses.items()):
        (workspace.current_model / "model.safetensors").write_bytes(bytes([index + 1]) * 8192)
        store.snapshot(
            reason=f"training on inbox/done/part-{index}.jsonl",
            metadata={
                "training_data": [{"file": f"inbox/done/part-{index}.jsonl", "sha256": "0" * 64, "lines": 120}],
                "metrics": {"train_loss": loss},
                "stop_reason": "completed",
            },
        )
    version_ids = [version.id for version in store.versions()]

    # Backups: one verified, one whose copy was damaged after it was made.
    verified = store.create_backup("v002", kind="scheduled", reason="nightly").id
    damaged = store.create_backup("v003", kind="manual", reason="before rollback")
    for path in (damaged.target / damaged.id).rglob("*"):
        if path.is_file() and path.name != "backup.json":
            path.chmod(0o644)
            path.write_bytes(b"damaged")
            break
    store.verify_backup(damaged.id)

    # Queue: the running file plus three waiting files in priority order.
    names = ["current-run.jsonl", "urgent-fix.jsonl", HOSTILE_FILE_NAME, "later.jsonl"]
    priorities = ["normal", "high", "normal", "low"]
    queue = queue_module.Queue(workspace)
    entries = []
    for name, priority in zip(names, priorities):
        path = workspace.inbox / name
        path.write_text("".join(json.dumps({"text": f"{name} line {n}"}) + "\n" for n in range(5)), encoding="utf-8")
        entries.append(queue.add(path, priority))
    queue.mark_running(entries[0].id, parent_version="v003")
    queue.close()

    # An approval request, opened the way the MCP server opens one for a config change.
    operation = Operation(
        OperationKind.CONFIG_CHANGE, paths=(str(workspace.config_file),), source="config_update",
        detail={"changed_keys": ["learning_rate"]},
    )
    verdict = guard.check_operations([operation], workspace=workspace)
    subject = Subject(
        kind="tool_call", workspace=str(workspace.root), operations=(operation,), tool="config_update",
        arguments={"learning_rate": 0.001},
    )
    request = approvals.ensure_request(workspace, subject, verdict)

    running_file = f"inbox/{names[0]}"
    write_training_status(workspace, daemon_pid=daemon_pid, running_file=running_file)
    log = workspace.logs_dir / "daemon_20261204.log"
    log.write_bytes(
        b"2026-12-04 19:00:00 INFO trainer.daemon: daemon started (pid %d)\n" % daemon_pid
        + b"2026-12-04 19:00:01 INFO trainer.daemon: training inbox/current-run.jsonl\n"
        + HOSTILE_LOG_LINE + b"\n"
        + b"2026-12-04 19:50:00 INFO trainer.job: step 400 loss 1.9\n"
    )

    return TrainingWorkspace(
        workspace=workspace,
        running_file=running_file,
        queued_files=[f"inbox/{name}" for name in names[1:]],
        version_ids=version_ids,
        final_losses=final_losses,
        verified_backup=verified,
        unverified_backup=damaged.id,
        approval_id=request.id,
        approval_command=request.grant_command,
    )


def fill_queue(workspace: Workspace, count: int) -> None:
    """Insert ``count`` queued entries in one transaction, in the queue's own table."""
    connection = statedb.connect(workspace.state_db, queue_module.SCHEMA)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(
            "INSERT INTO trainer_queue (file, priority, state, added_at, updated_at, digest, lines, records, size) "
            "VALUES (?, 0, 'queued', ?, ?, ?, 1, 1, 10)",
            [
                (str(workspace.inbox / f"bulk-{n:05d}.jsonl"), f"2026-12-04T19:{n // 600:02d}:00.000Z",
                 "2026-12-04T19:00:00.000Z", "0" * 64)
                for n in range(count)
            ],
        )
        connection.execute("COMMIT")
    finally:
        connection.close()


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Client:
    """An HTTP client for one running monitor, with full control over headers."""

    def __init__(self, server: MonitorServer) -> None:
        self.server = server
        self.host = f"127.0.0.1:{server.port}"

    def request(self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes | None = None) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            connection.request(method, path, body=body, headers={"Host": self.host, **(headers or {})})
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()

    def get(self, path: str, **headers: str) -> Reply:
        return self.request("GET", path, headers)

    def control(self, action: str, secret: str | None) -> Reply:
        headers = {"Authorization": f"Bearer {secret}"} if secret is not None else {}
        return self.request("POST", f"/api/control/{action}", headers)
