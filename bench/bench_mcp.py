"""Benchmark the MCP server: tool round trips in process, and start-to-ready over stdio.

Round trips go through the SDK's in-process client in both protocol modes.
Beside them run the same tool called on the server object directly (no
client, no transport) and the bare status read it wraps, so the ratios show
where the time goes. Start-to-ready is measured from spawning
``safeshell-mcp`` to the initialize response on its stdout, next to
``python -c pass`` and ``python -c "import mcp.server.mcpserver"``.

Run: ``.venv/bin/python bench/bench_mcp.py [--calls N] [--starts N]``.
Targets: training_status p50 <= 2 ms in process; start-to-ready <= 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import anyio

REPO = Path(__file__).resolve().parent.parent
INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}},
}


def percentiles(samples: list[float]) -> tuple[float, float]:
    """Return (p50, p99) of ``samples`` in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


async def time_calls(call: Callable[[], Awaitable[object]], count: int) -> list[float]:
    for _ in range(min(20, count)):  # warm caches (policy, imports, SQLite pages)
        await call()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples


async def round_trips(workspace_root: Path, count: int) -> list[tuple[str, float, float]]:
    from mcp import Client

    from mcp_server.server import build_server
    from safeshell.workspace import Workspace
    from trainer.status import read_status

    workspace = Workspace(root=workspace_root)
    server = build_server(workspace)
    rows: list[tuple[str, float, float]] = []

    async def bare_read() -> object:
        return read_status(workspace)

    rows.append(("read_status() alone (baseline)", *percentiles(await time_calls(bare_read, count))))

    async def direct() -> object:
        return await server.call_tool("training_status", {})

    rows.append(("training_status, server.call_tool (no client)", *percentiles(await time_calls(direct, count))))

    for mode in ("legacy", "auto"):
        async with Client(server, mode=mode) as client:
            for tool, arguments in (
                ("training_status", {}),
                ("queue_list", {}),
                ("config_get", {}),
                ("policy_check", {"command": "rm -rf current_model"}),
                ("config_update", {"changes": {"learning_rate": 0.001}}),  # rejected: approval needed
            ):

                async def call(tool: str = tool, arguments: dict = arguments) -> object:
                    return await client.call_tool(tool, arguments)

                rows.append((f"{tool}, in-process client ({mode})", *percentiles(await time_calls(call, count))))
    return rows


def start_to_ready(workspace_root: Path, starts: int) -> list[tuple[str, float, float]]:
    python = sys.executable
    server = str(Path(python).parent / "safeshell-mcp")
    rows = []
    for label, argv, handshake in (
        ("python -c pass (baseline)", [python, "-c", "pass"], False),
        ("python -c 'import mcp.server.mcpserver' (baseline)", [python, "-c", "import mcp.server.mcpserver"], False),
        ("safeshell-mcp: spawn to initialize response", [server, "--workspace", str(workspace_root)], True),
    ):
        samples = []
        for _ in range(starts):
            samples.append(_one_start(argv, handshake))
        rows.append((label, statistics.median(samples) * 1000, max(samples) * 1000))
    return rows


def _one_start(argv: list[str], handshake: bool) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdin is not None and process.stdout is not None
    if handshake:
        process.stdin.write(json.dumps(INITIALIZE) + "\n")
        process.stdin.flush()
        response = json.loads(process.stdout.readline())
        elapsed = time.perf_counter() - started
        if "result" not in response:
            raise RuntimeError(f"initialize failed: {response}")
        process.stdin.close()
        process.wait(timeout=60)
        return elapsed
    process.communicate(timeout=60)
    return time.perf_counter() - started


def make_workspace(directory: Path) -> Path:
    root = directory / "ws"
    subprocess.run(
        [str(Path(sys.executable).parent / "safeshell"), "init", str(root), "--no-model"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return root.resolve()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500, help="timed calls per row (default 500)")
    parser.add_argument("--starts", type=int, default=5, help="server starts to time (default 5)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-mcp-") as temporary:
        # The approval key and every workspace file stay inside the temporary directory.
        os.environ["XDG_CONFIG_HOME"] = str(Path(temporary) / "config")
        os.environ.pop("SAFESHELL_WORKSPACE", None)
        root = make_workspace(Path(temporary))

        import logging

        logging.disable(logging.INFO)  # rejected calls log at INFO; keep the table readable
        trips = anyio.run(round_trips, root, args.calls)
        starts = start_to_ready(root, args.starts)

    print(f"in-process round trip ({args.calls} calls each)   p50 ms   p99 ms")
    for label, p50, p99 in trips:
        print(f"  {label:<58} {p50:7.2f}  {p99:7.2f}")
    print(f"start-to-ready ({args.starts} starts)              median ms   max ms")
    for label, median, worst in starts:
        print(f"  {label:<58} {median:7.0f}  {worst:7.0f}")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
