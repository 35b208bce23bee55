"""Benchmark the guard's decision time, in-process and as whole processes.

(a) In-process: ``guard.check_command`` per command of the corpus in
    tests/data/corpus/ (a built-in list when it cannot be loaded), in the
    corpus fixture workspace, after one warm-up pass. It reports p50 and p99
    in milliseconds.
(b) Whole process: ``safeshell check -- CMD`` and ``safeshell -c true``
    against ``python3 -I -S -c pass`` and ``bash -c true``, run interleaved
    round by round so machine noise hits all of them alike; reports medians
    and ratios to ``python3 -I -S -c pass``, for wall time and for CPU time
    (user + system of the child, which a busy machine distorts less).

Run: .venv/bin/python bench/bench_guard.py [--rounds N] [--process-rounds N]
Targets: in-process p50 <= 0.5 ms; `safeshell check` median <= 3x python3 -I -S.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

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


def load_corpus() -> list[tuple[str, str]]:
    """Return (command, cwd relative to the workspace) for every case of the corpus files."""
    try:
        from tests.safeshell.shell.corpus_fixture import corpus_cases
    except ImportError:
        return [(command, ".") for command in BUILTIN_COMMANDS]
    cases = [(case["command"], case.get("cwd", ".")) for case in corpus_cases()]
    return cases or [(command, ".") for command in BUILTIN_COMMANDS]


def build_workspace(root: Path) -> dict[str, str]:
    """Create the corpus fixture (or a plain workspace) under ``root``; return the case environment."""
    from safeshell.cli.init_cmd import create_layout

    root.mkdir(parents=True)
    try:
        from tests.safeshell.shell.corpus_fixture import build_fixture
    except ImportError:
        create_layout(root)
        home = root / "home"
        home.mkdir()
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}
    env = build_fixture(root)
    create_layout(root)
    return env


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def bench_in_process(root: Path, env: dict[str, str], cases: list[tuple[str, str]], rounds: int) -> dict[str, float]:
    from safeshell.guard import check_command
    from safeshell.workspace import Workspace

    from safeshell.policy.cache import RACY_WINDOW_NS

    workspace = Workspace(root=root)
    # A policy file written less than the racy window ago is re-hashed on
    # every load; a real workspace's policy is older than that, so wait once.
    time.sleep(RACY_WINDOW_NS / 1e9 + 0.1)
    for command, cwd in cases:  # warm-up: policy cache, tree-sitter parser, imports
        check_command(command, workspace=workspace, cwd=str(root / cwd), env=env)
    samples: list[float] = []
    for _ in range(rounds):
        for command, cwd in cases:
            started = time.perf_counter_ns()
            check_command(command, workspace=workspace, cwd=str(root / cwd), env=env)
            samples.append((time.perf_counter_ns() - started) / 1e6)
    # The policy's share: evaluating operations already found by the analysis.
    from safeshell.guard import check_operations
    from safeshell.shell import analyze

    analyzed = [analyze(command, cwd=str(root / cwd), env=env).operations for command, cwd in cases]
    policy_samples: list[float] = []
    for _ in range(rounds):
        for operations in analyzed:
            started = time.perf_counter_ns()
            check_operations(operations, workspace=workspace, env=env)
            policy_samples.append((time.perf_counter_ns() - started) / 1e6)
    return {
        "commands": len(cases),
        "samples": len(samples),
        "p50_ms": percentile(samples, 0.50),
        "p99_ms": percentile(samples, 0.99),
        "max_ms": max(samples),
        "policy_p50_ms": percentile(policy_samples, 0.50),
        "policy_p99_ms": percentile(policy_samples, 0.99),
    }


def bench_processes(root: Path, env: dict[str, str], rounds: int) -> dict[str, dict[str, float]]:
    safeshell = str(Path(sys.executable).parent / "safeshell")
    # The interpreter behind the venv, not a version-manager shim that is a script.
    python3 = os.path.realpath(sys.executable)
    bash = shutil.which("bash") or "/bin/bash"
    variants = {
        "python3 -I -S -c pass": [python3, "-I", "-S", "-c", "pass"],
        "bash -c true": [bash, "-c", "true"],
        # The floor of any console script: the venv's interpreter with site.
        "venv python -c pass (site)": [sys.executable, "-c", "pass"],
        # The standard modules the guard used to import (typing for NamedTuple
        # records, pathlib for Workspace, json with re and enum), for comparison.
        "venv python: import re json shlex fcntl pathlib typing": [
            sys.executable, "-c", "import re, json, shlex, fcntl, pathlib, typing"],
        "safeshell check -- ls -la": [safeshell, "check", "--", "ls -la"],
        # Not a plain read, so the quick screen passes it to the full tree-sitter analysis.
        "safeshell check -- git status": [safeshell, "check", "--", "git status"],
        "safeshell check -- python train.py --epochs 3": [safeshell, "check", "--", "python train.py --epochs 3"],
        "safeshell check -- rm -rf current_model": [safeshell, "check", "--", "rm -rf current_model"],
        "safeshell -c true": [safeshell, "-c", "true"],
    }
    timings: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    statuses: dict[str, int] = {}
    for _ in range(rounds):
        for name, argv in variants.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            completed = subprocess.run(argv, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            timings[name].append((time.perf_counter() - started) * 1000)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu[name].append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
            statuses[name] = completed.returncode
    baseline = statistics.median(timings["python3 -I -S -c pass"])
    cpu_baseline = statistics.median(cpu["python3 -I -S -c pass"])
    return {
        name: {
            "median_ms": statistics.median(values),
            "ratio_to_python": statistics.median(values) / baseline,
            "cpu_ms": statistics.median(cpu[name]),
            "cpu_ratio": statistics.median(cpu[name]) / cpu_baseline,
            "exit_status": statuses[name],
        }
        for name, values in timings.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20, help="in-process passes over the corpus (default 20)")
    parser.add_argument("--process-rounds", type=int, default=30, help="interleaved process rounds (default 30)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-guard-") as scratch:
        root = Path(scratch).resolve() / "ws"
        case_env = build_workspace(root)
        cases = load_corpus()
        in_process = bench_in_process(root, case_env, cases, args.rounds)
        process_env = {
            **os.environ,
            "HOME": case_env["HOME"],
            "XDG_CONFIG_HOME": str(Path(scratch) / "config"),
            "SAFESHELL_WORKSPACE": str(root),
        }
        processes = bench_processes(root, process_env, args.process_rounds)

    print(f"in-process check_command over {in_process['commands']} commands x {args.rounds} rounds:")
    print(f"  p50 {in_process['p50_ms']:.3f} ms   p99 {in_process['p99_ms']:.3f} ms   max {in_process['max_ms']:.1f} ms")
    print(
        f"  policy evaluation only (check_operations): p50 {in_process['policy_p50_ms']:.3f} ms   "
        f"p99 {in_process['policy_p99_ms']:.3f} ms"
    )
    print(
        f"whole process, {args.process_rounds} interleaved rounds "
        "(median wall and CPU time, each with its ratio to python3 -I -S -c pass):"
    )
    for name, row in processes.items():
        print(
            f"  {name:<42} wall {row['median_ms']:7.1f} ms {row['ratio_to_python']:5.2f}x   "
            f"cpu {row['cpu_ms']:6.1f} ms {row['cpu_ratio']:5.2f}x   (exit {row['exit_status']})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
