"""Time the monitor's JSON API on a small and on a large workspace, side by side.

The small workspace has a 40-point loss history, 4 queued files and a short
log. The large one has a 50,000-point loss history, 10,000 queued files and a
20 MB daemon log. Each round requests every endpoint of both workspaces once,
in turn, over keep-alive connections, so machine noise hits both alike.

    .venv/bin/python bench/bench_monitor.py --rounds 30
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

from safeshell import statedb
from safeshell.workspace import Workspace
from trainer import queue as queue_module
from trainer.monitor import MonitorServer

ENDPOINTS = ["/api/status", "/api/queue", "/api/versions", "/api/backups", "/api/approvals", "/api/log?lines=200"]


def build(root: Path, *, history: int, queued: int, log_lines: int) -> Workspace:
    root.mkdir(parents=True)
    (root / "safeshell.yaml").write_text("extends: default\n", encoding="utf-8")
    workspace = Workspace(root)

    status = {
        "format": 1, "state": "training", "updated_at": "2026-12-04T19:50:00Z", "daemon_pid": os.getpid(),
        "job": {"id": 1, "file": "inbox/a.jsonl", "step": history * 10, "max_steps": history * 20, "loss": 1.0},
        "loss_history": [[step * 10, 5.0 / (1 + step / 100)] for step in range(1, history + 1)],
        "eval_loss_history": [], "queue_length": queued, "current_version": None, "last_error": None,
        "control": {"requested": None, "acknowledged": None, "at": None},
    }
    workspace.status_file.parent.mkdir()
    workspace.status_file.write_text(json.dumps(status), encoding="utf-8")

    connection = statedb.connect(workspace.state_db, queue_module.SCHEMA)
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(
        "INSERT INTO trainer_queue (file, priority, state, added_at, updated_at, digest, lines, records, size) "
        "VALUES (?, 0, 'queued', '2026-12-04T19:00:00Z', '2026-12-04T19:00:00Z', ?, 1, 1, 10)",
        [(str(workspace.inbox / f"f{n:05d}.jsonl"), "0" * 64) for n in range(queued)],
    )
    connection.execute("COMMIT")
    connection.close()

    workspace.logs_dir.mkdir()
    line = "2026-12-04 19:50:00,000 INFO trainer.job: step 400 loss 1.9 lr 0.0002 tokens/s 1830.5 " + "x" * 120 + "\n"
    (workspace.logs_dir / "daemon_20261204.log").write_text(line * log_lines, encoding="utf-8")
    return workspace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="requests per endpoint and workspace (default 30)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as temporary:
        cases = {
            "small": build(Path(temporary) / "small", history=40, queued=4, log_lines=20),
            "large": build(Path(temporary) / "large", history=50_000, queued=10_000, log_lines=100_000),
        }
        servers = {name: MonitorServer(workspace, port=0) for name, workspace in cases.items()}
        for server in servers.values():
            threading.Thread(target=server.serve_forever, daemon=True).start()
        connections = {name: http.client.HTTPConnection("127.0.0.1", server.port) for name, server in servers.items()}

        timings: dict[tuple[str, str], list[float]] = {}
        sizes: dict[tuple[str, str], int] = {}
        for _ in range(args.rounds):
            for endpoint in ENDPOINTS:
                for name, connection in connections.items():
                    started = time.perf_counter()
                    connection.request("GET", endpoint)
                    response = connection.getresponse()
                    body = response.read()
                    timings.setdefault((endpoint, name), []).append((time.perf_counter() - started) * 1000)
                    sizes[(endpoint, name)] = len(body)
                    if response.status != 200:
                        raise SystemExit(f"{endpoint} on {name}: HTTP {response.status}")

        print("| endpoint | small ms (median) | large ms (median) | x small | large body KiB |")
        print("| --- | ---: | ---: | ---: | ---: |")
        for endpoint in ENDPOINTS:
            small = statistics.median(timings[(endpoint, "small")])
            large = statistics.median(timings[(endpoint, "large")])
            print(f"| `{endpoint}` | {small:.1f} | {large:.1f} | {large / small:.1f} | "
                  f"{sizes[(endpoint, 'large')] / 1024:.0f} |")
        for server in servers.values():
            server.shutdown()
            server.server_close()


if __name__ == "__main__":
    main()
