"""Benchmark the guard's decision time, in-process and as whole processes.

(a) In-process: ``guard.check_command`` per command of the corpus in
    tests/data/corpus/ (a built-in list when that folder is missing), after
    one warm-up pass; reports p50 and p99 in milliseconds.
(b) Whole process: ``safeshell check -- CMD`` and ``safeshell -c true``
    against ``python3 -I -S -c pass`` and ``bash -c true``, run interleaved
    round by round so machine noise hits all of them alike; reports medians
    and ratios to ``python3 -I -S -c pass``.

Run: .venv/bin/python bench/bench_guard.py [--rounds N] [--process-rounds N]
Targets: in-process p50 <= 0.5 ms; `safeshell check` median <= 3x python3 -I -S.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "data" / "corpus"

BUILTIN_COMMANDS = [
    "ls -la",
    "git status",
    "cat config.json",
    "rm -rf current_model",
    "cp -r current_model /tmp/copy",
    "python train.py --epochs 3",
    "cd current_model && rm model.safetensors",
    "echo '{}' > config.json",
    "bash -c 'rm -rf models/versions'",
    "find . -name '*.tmp' -delete",
    "pkill -9 -f trainctl",
    "grep -r loss logs/ | tail -20",
    "for f in inbox/*.jsonl; do wc -l $f; done",
    "tar czf /tmp/backup.tgz models/",
    "trainctl status",
]


def load_corpus() -> list[str]:
    """Return the corpus commands: *.txt (one per line), *.jsonl ({"command"}), *.sh (whole file)."""
    if not CORPUS.is_dir():
        return list(BUILTIN_COMMANDS)
    commands: list[str] = []
    for path in sorted(CORPUS.rglob("*")):
        if path.suffix == ".txt":
            for line in path.read_text(encoding="utf-8", errors="surrogateescape").splitlines():
                if line.strip() and not line.lstrip().startswith("#"):
                    commands.append(line)
        elif path.suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    record = json.loads(line)
                    if isinstance(record, dict) and isinstance(record.get("command"), str):
                        commands.append(record["command"])
        elif path.suffix == ".sh":
            commands.append(path.read_text(encoding="utf-8", errors="surrogateescape"))
    return commands or list(BUILTIN_COMMANDS)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def bench_in_process(root: Path, env: dict[str, str], commands: list[str], rounds: int) -> dict[str, float]:
    from safeshell.guard import check_command
    from safeshell.workspace import Workspace

    workspace = Workspace(root=root)
    for command in commands:  # warm-up: policy cache, tree-sitter parser, imports
        check_command(command, workspace=workspace, cwd=str(root), env=env)
    samples: list[float] = []
    for _ in range(rounds):
        for command in commands:
            started = time.perf_counter_ns()
            check_command(command, workspace=workspace, cwd=str(root), env=env)
            samples.append((time.perf_counter_ns() - started) / 1e6)
    return {
        "commands": len(commands),
        "samples": len(samples),
        "p50_ms": percentile(samples, 0.50),
        "p99_ms": percentile(samples, 0.99),
        "max_ms": max(samples),
    }


def bench_processes(root: Path, env: dict[str, str], rounds: int) -> dict[str, dict[str, float]]:
    safeshell = str(Path(sys.executable).parent / "safeshell")
    python3 = shutil.which("python3") or sys.executable
    bash = shutil.which("bash") or "/bin/bash"
    variants = {
        "python3 -I -S -c pass": [python3, "-I", "-S", "-c", "pass"],
        "bash -c true": [bash, "-c", "true"],
        "safeshell check -- ls -la": [safeshell, "check", "--", "ls -la"],
        "safeshell check -- rm -rf current_model": [safeshell, "check", "--", "rm -rf current_model"],
        "safeshell -c true": [safeshell, "-c", "true"],
    }
    timings: dict[str, list[float]] = {name: [] for name in variants}
    statuses: dict[str, int] = {}
    for _ in range(rounds):
        for name, argv in variants.items():
            started = time.perf_counter()
            completed = subprocess.run(argv, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            timings[name].append((time.perf_counter() - started) * 1000)
            statuses[name] = completed.returncode
    baseline = statistics.median(timings["python3 -I -S -c pass"])
    return {
        name: {
            "median_ms": statistics.median(values),
            "ratio_to_python": statistics.median(values) / baseline,
            "exit_status": statuses[name],
        }
        for name, values in timings.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20, help="in-process passes over the corpus (default 20)")
    parser.add_argument("--process-rounds", type=int, default=30, help="interleaved process rounds (default 30)")
    args = parser.parse_args()

    from safeshell.cli.init_cmd import create_layout

    with tempfile.TemporaryDirectory(prefix="bench-guard-") as scratch:
        root = (Path(scratch) / "ws").resolve()
        create_layout(root)
        (root / "current_model" / "model.safetensors").write_bytes(b"weights")
        home = Path(scratch) / "home"
        home.mkdir()
        env = {
            **os.environ,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "SAFESHELL_WORKSPACE": str(root),
        }
        commands = load_corpus()
        in_process = bench_in_process(root, env, commands, args.rounds)
        processes = bench_processes(root, env, args.process_rounds)

    print(f"in-process check_command over {in_process['commands']} commands x {args.rounds} rounds:")
    print(f"  p50 {in_process['p50_ms']:.3f} ms   p99 {in_process['p99_ms']:.3f} ms   max {in_process['max_ms']:.1f} ms")
    print(f"whole process, {args.process_rounds} interleaved rounds (median, ratio to python3 -I -S -c pass):")
    for name, row in processes.items():
        print(f"  {name:<42} {row['median_ms']:7.1f} ms  {row['ratio_to_python']:5.2f}x  (exit {row['exit_status']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
