"""Whole-process time of ``safeshell hook claude-code`` per call, next to a bare interpreter.

Each round runs every case once, in turn, so machine noise hits all cases
alike; the report gives the median and 90th percentile wall time of each
case, its median CPU time (user + system, less sensitive to a busy
machine), and both medians relative to ``python3 -I -S -c pass`` (the
cheapest possible Python process). Run from the repository root:

    .venv/bin/python bench/bench_hook.py --rounds 30
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAFESHELL = Path(sys.executable).parent / "safeshell"


def make_workspace(root: Path) -> None:
    from safeshell.cli.init_cmd import create_layout

    create_layout(root)
    (root / "current_model" / "model.safetensors").write_bytes(b"weights")


def payload(tool: str, tool_input: dict, cwd: Path) -> bytes:
    return json.dumps({
        "session_id": "bench", "transcript_path": "/dev/null", "cwd": str(cwd),
        "permission_mode": "default", "hook_event_name": "PreToolUse",
        "tool_name": tool, "tool_input": tool_input, "tool_use_id": "toolu_bench",
    }).encode()


def cases(root: Path, outside: Path) -> list[tuple[str, list[str], bytes]]:
    from safeshell.integrations.commands import hook_command

    # The command 'safeshell init --assistant claude-code' writes (no --workspace:
    # the payload's cwd decides), run without a shell in between.
    argv = shlex.split(hook_command("claude-code", root))
    hook = argv[: argv.index("--workspace")]
    return [
        ("python3 -I -S -c pass", [sys.executable, "-I", "-S", "-c", "pass"], b""),
        # The floor of any process that uses safeshell's records: dataclasses
        # imports inspect, which imports ast, dis and tokenize.
        ("python3 -I -S -c 'import dataclasses'", [sys.executable, "-I", "-S", "-c", "import dataclasses"], b""),
        ("console script: safeshell hook (site)", [str(SAFESHELL), "hook", "claude-code"],
         payload("Bash", {"command": "ls"}, outside)),
        ("hook: cwd outside any workspace", hook, payload("Bash", {"command": "ls"}, outside)),
        ("hook: Read config.json", hook, payload("Read", {"file_path": str(root / "config.json")}, root)),
        ("hook: Edit config.json (key diff)", hook, payload("Edit", {
            "file_path": str(root / "config.json"),
            "old_string": '"logging_steps": 5', "new_string": '"logging_steps": 10'}, root)),
        ("hook: Bash ls -la (shell analysis)", hook, payload("Bash", {"command": "ls -la"}, root)),
        ("hook: Bash git status (tree-sitter)", hook, payload("Bash", {"command": "git status"}, root)),
        ("hook: Bash rm -rf current_model", hook, payload("Bash", {"command": "rm -rf current_model"}, root)),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30, help="runs of each case (default: 30)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-hook-") as temporary:
        base = Path(temporary)
        root, outside = base / "ws", base / "elsewhere"
        make_workspace(root)
        outside.mkdir()
        env = {**os.environ, "XDG_CONFIG_HOME": str(base / "xdg")}
        env.pop("SAFESHELL_WORKSPACE", None)
        env.pop("CLAUDE_CODE_SHELL_PREFIX", None)

        timings: dict[str, list[float]] = {}
        cpu: dict[str, list[float]] = {}
        table = cases(root, outside)
        for name, argv, data in table:  # warm the policy cache and the OS page cache
            subprocess.run(argv, input=data, capture_output=True, env=env, check=False)
        for _ in range(args.rounds):
            for name, argv, data in table:
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                started = time.perf_counter()
                completed = subprocess.run(argv, input=data, capture_output=True, env=env, check=False)
                timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                cpu.setdefault(name, []).append(used * 1000)
                if completed.returncode not in (0,):
                    raise SystemExit(f"{name}: exit {completed.returncode}: {completed.stderr.decode()}")

    baseline = statistics.median(timings[table[0][0]])
    cpu_baseline = statistics.median(cpu[table[0][0]])
    print(f"{'case':<38} {'wall ms':>8} {'p90 ms':>8} {'x bare':>7} {'cpu ms':>8} {'x bare':>7}")
    for name, _, _ in table:
        values = sorted(timings[name])
        median = statistics.median(values)
        p90 = values[int(0.9 * (len(values) - 1))]
        cpu_median = statistics.median(cpu[name])
        print(f"{name:<38} {median:>8.1f} {p90:>8.1f} {median / baseline:>7.1f} "
              f"{cpu_median:>8.1f} {cpu_median / cpu_baseline:>7.1f}")
    print(f"rounds: {args.rounds}; python {sys.version.split()[0]}; cpus: {os.cpu_count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
