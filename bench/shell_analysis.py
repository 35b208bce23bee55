"""Time safeshell.shell.analyze and the quick pre-screen over the command corpus.

Run: .venv/bin/python bench/shell_analysis.py [ROUNDS]
Prints p50/p99 of the per-command time (each command's best of ROUNDS runs,
and all runs), in milliseconds, measured in one process on the corpus
fixture built in a temporary directory. Then the median start-up time of a
fresh `python -I -S` that runs nothing, the quick screen, or the full
analysis, side by side, as ratios to the bare start.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from safeshell.shell import analyze  # noqa: E402
from safeshell.shell.quick import screen  # noqa: E402
from tests.safeshell.shell.corpus_fixture import build_fixture, corpus_cases  # noqa: E402


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    with tempfile.TemporaryDirectory() as directory:
        root = (Path(directory) / "ws").resolve()
        root.mkdir()
        env = build_fixture(root)
        cases = [(case["command"], str(root / case["cwd"])) for case in corpus_cases()]
        best: list[float] = []
        every: list[float] = []
        quick_hits = 0
        for command, cwd in cases:
            runs = []
            for _ in range(rounds):
                started = time.perf_counter()
                analyze(command, cwd=cwd, env=env)
                runs.append(time.perf_counter() - started)
            best.append(min(runs))
            every.extend(runs)
            if screen(command, cwd=cwd, env=env) is not None:
                quick_hits += 1
        print(f"commands: {len(cases)}, rounds: {rounds}")
        print(f"analyze best-of-rounds: p50 {percentile(best, 0.5) * 1e3:.3f} ms, p99 {percentile(best, 0.99) * 1e3:.3f} ms, mean {statistics.mean(best) * 1e3:.3f} ms")
        print(f"analyze all runs:       p50 {percentile(every, 0.5) * 1e3:.3f} ms, p99 {percentile(every, 0.99) * 1e3:.3f} ms")
        print(f"quick pre-screen answers {quick_hits} of {len(cases)} commands")
    startup()


def startup(runs: int = 21) -> None:
    """Print median process start-up: bare Python, quick screen, full analysis."""
    repo = str(Path(__file__).resolve().parent.parent)
    packages = sysconfig.get_paths()["purelib"]
    prelude = f"import sys; sys.path[:0] = [{repo!r}, {packages!r}]; "
    command = "ls -la current_model && cat config.json"
    programs = {
        "bare": "pass",
        "quick": prelude + f"from safeshell.shell.quick import screen_reads; screen_reads({command!r}, cwd='/tmp', env={{}})",
        "full": prelude + f"from safeshell.shell import analyze; analyze({command!r}, cwd='/tmp', env={{}})",
    }
    medians = {}
    for name, code in programs.items():
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-I", "-S", "-c", code], check=True)
            times.append(time.perf_counter() - started)
        medians[name] = statistics.median(times)
    bare = medians["bare"]
    print(f"start-up medians: bare {bare * 1e3:.0f} ms, quick {medians['quick'] * 1e3:.0f} ms "
          f"({medians['quick'] / bare:.1f}x), full analysis {medians['full'] * 1e3:.0f} ms ({medians['full'] / bare:.1f}x)")


if __name__ == "__main__":
    main()
