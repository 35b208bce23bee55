"""Measure the cost of the guarded run on the allow path, side by side with bash -c.

Usage: .venv/bin/python bench/bench_run.py [--rounds N] [--files N]

Each round runs, in turn: ``bash -c true``; ``safeshell check -- true`` (the
decision alone); ``safeshell -c true`` inside a workspace (decision, audit
record, verify-after-execute, fork of bash); ``safeshell -c true`` outside any
workspace (pass-through). Interleaving the variants keeps a noisy machine's
load from favouring one of them. Then the verify-after-execute record and
comparison is timed in process for a small and a large current_model/,
once recorded in the model store (files found in its stat cache need no hard
link) and once not (every file hard-linked and unlinked).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="rounds of the command-line variants (default 30)")
    parser.add_argument("--files", type=int, default=500, help="files in the large current_model/ (default 500)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-run-") as scratch:
        root = Path(scratch)
        os.environ["XDG_CONFIG_HOME"] = str(root / "xdg")
        workspace = _make_workspace(root / "ws", files=3)
        outside = root / "outside"
        outside.mkdir()

        variants = {
            "bash -c true": (["bash", "-c", "true"], workspace.root),
            "safeshell check -- true": ([str(BIN / "safeshell"), "check", "--", "true"], workspace.root),
            "safeshell -c true (workspace)": ([str(BIN / "safeshell"), "-c", "true"], workspace.root),
            "safeshell -c true (no workspace)": ([str(BIN / "safeshell"), "-c", "true"], outside),
        }
        for argv, cwd in variants.values():  # warm the policy cache and the page cache
            subprocess.run(argv, cwd=cwd, capture_output=True, check=False)
        wall: dict[str, list[float]] = {name: [] for name in variants}
        cpu: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(args.rounds):
            for name, (argv, cwd) in variants.items():
                elapsed, used = _run_once(argv, cwd)
                wall[name].append(elapsed)
                cpu[name].append(used)

        wall_base = statistics.median(wall["bash -c true"])
        cpu_base = statistics.median(cpu["bash -c true"])
        print(f"command line, median of {args.rounds} rounds (CPU = user + system of the process tree):")
        for name in variants:
            wall_ms = statistics.median(wall[name]) * 1000
            cpu_ms = statistics.median(cpu[name]) * 1000
            print(f"  {name:<34} wall {wall_ms:7.1f} ms (x{wall_ms / 1000 / wall_base:5.1f})"
                  f"   CPU {cpu_ms:7.1f} ms (x{cpu_ms / 1000 / cpu_base:5.1f})")

        print("verify-after-execute record + compare, in process, median of 50:")
        for files in (3, args.files):
            for store_backed in (True, False):
                target = _make_workspace(root / f"model-{files}-{store_backed}", files=files, store_backed=store_backed)
                how = "store-backed" if store_backed else "hard-linked "
                print(f"  current_model/ with {files:>4} files, {how}  {_time_verify(target) * 1e6:8.0f} us")
    return 0


def _run_once(argv: list[str], cwd: Path) -> tuple[float, float]:
    """Run ``argv``; return its wall time and the CPU time of it and its children, in seconds."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = 0  # reaped by wait4; keeps Popen from waiting again
    return elapsed, usage.ru_utime + usage.ru_stime


def _make_workspace(root: Path, *, files: int, store_backed: bool = True):
    from safeshell.cli.init_cmd import create_layout
    from safeshell.workspace import Workspace

    create_layout(root)
    for index in range(files):
        path = root / "current_model" / f"shard-{index:04d}.bin"
        path.write_bytes(os.urandom(4096))
    workspace = Workspace(root=root.resolve())
    if store_backed:
        from models import Store

        Store.for_workspace(workspace).snapshot(reason="benchmark model")
    return workspace


def _time_verify(workspace) -> float:
    from safeshell import verify_after

    samples = []
    for _ in range(50):
        started = time.perf_counter()
        record = verify_after.take_record(workspace)
        report = verify_after.verify_and_restore(record, critical_keys=frozenset())
        samples.append(time.perf_counter() - started)
        if report.changed:
            raise RuntimeError("the benchmark model changed while it was measured")
    return statistics.median(samples)


if __name__ == "__main__":
    sys.exit(main())
