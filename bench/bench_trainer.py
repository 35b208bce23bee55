"""Benchmark the training system's overhead and stop latency on the built-in model.

Side by side in one run, on the same data and ``TrainingArguments``:

- tokens/s of a job run through ``trainctl daemon --once`` (control callback,
  status writes, checkpoint markers) against a bare ``Trainer`` loop in its
  own process; runs alternate to spread machine noise over both;
- seconds from ``control.request("stop")`` to the acknowledgement, which the
  job writes after the checkpoint and its completion marker are on disk,
  next to the duration of one optimizer step.

Run: .venv/bin/python bench/bench_trainer.py [--rounds 3] [--steps 40]
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
# One intra-op thread in every training process, so runs on a shared machine compete less.
os.environ.setdefault("OMP_NUM_THREADS", "1")
# The daemon sets this for its job processes; the bare loop gets the same environment.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(REPO))

from safeshell.cli.init_cmd import create_layout  # noqa: E402
from safeshell.workspace import Workspace  # noqa: E402
from trainer import control  # noqa: E402
from trainer.config import load_config, record_accepted  # noqa: E402
from trainer.status import read_status  # noqa: E402

CONFIG = {"batch_size": 8, "max_length": 96, "logging_steps": 5, "save_steps": 20, "learning_rate": 0.001,
          "warmup_steps": 0, "save_total_limit": 2}


def make_workspace(root: Path, template: Path | None, steps: int) -> Workspace:
    create_layout(root)
    workspace = Workspace(root.resolve())
    if template is None:
        subprocess.run([sys.executable, "-m", "trainer.cli.main", "init-model", "--workspace", str(root)], check=True)
    else:
        for name in ("models", "current_model"):
            shutil.copytree(template / name, root / name, dirs_exist_ok=True)
    config = json.loads(workspace.config_file.read_text())
    config.update(CONFIG, max_steps=steps)
    workspace.config_file.write_text(json.dumps(config, indent=2))
    record_accepted(workspace, load_config(workspace), accepted_by="benchmark")
    return workspace


def write_data(path: Path, records: int) -> None:
    import itertools

    from trainer.corpus import docstrings

    with open(path, "w", encoding="utf-8") as handle:
        for text in itertools.islice(docstrings(), records):
            handle.write(json.dumps({"text": text}) + "\n")


def run_daemon_job(workspace: Workspace, data: Path) -> dict[str, float]:
    target = workspace.inbox / "bench.jsonl"
    target.write_bytes(data.read_bytes())
    subprocess.run([sys.executable, "-m", "trainer.cli.main", "daemon", "--once", "--poll", "0.1",
                    "--workspace", str(workspace.root)], check=True)
    result_files = sorted((workspace.state_dir / "jobs").glob("job-*/result.json"))
    result = json.loads(result_files[-1].read_text())
    return {"tokens": result["tokens"], "runtime_s": result["train_runtime_s"], "steps": result["steps"]}


def run_bare(workspace: Workspace, data: Path, output: Path) -> dict[str, float]:
    completed = subprocess.run([sys.executable, __file__, "--bare", str(workspace.root), str(data), str(output)],
                               check=True, capture_output=True, text=True)
    return json.loads(completed.stdout.strip().splitlines()[-1])


def bare_loop(root: str, data: str, output: str) -> None:
    """Train with a plain Trainer on the job's arguments and data, without safeshell's callbacks."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers import Trainer, set_seed

    from trainer.job.dataset import PaddingCollator, load_dataset
    from trainer.job.run import build_training_arguments, load_model_and_tokenizer

    workspace = Workspace(Path(root))
    config = load_config(workspace).to_dict()
    set_seed(config["seed"])
    model, tokenizer = load_model_and_tokenizer(workspace.current_model)
    dataset = load_dataset(Path(data), tokenizer, config["max_length"])
    trainer = Trainer(model=model, args=build_training_arguments(config, Path(output)), train_dataset=dataset,
                      data_collator=PaddingCollator(tokenizer.pad_token_id))
    metrics = trainer.train().metrics
    print(json.dumps({"tokens": trainer.state.num_input_tokens_seen, "runtime_s": metrics["train_runtime"],
                      "steps": trainer.state.global_step}))


def measure_stop(workspace: Workspace, data: Path) -> dict[str, float]:
    (workspace.inbox / "stop.jsonl").write_bytes(data.read_bytes())
    daemon = subprocess.Popen([sys.executable, "-m", "trainer.cli.main", "daemon", "--poll", "0.1",
                               "--workspace", str(workspace.root)])
    try:
        deadline = time.monotonic() + 600
        while True:
            job = read_status(workspace).get("job") or {}
            if (job.get("step") or 0) >= 10 and read_status(workspace)["state"] == "training":
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the job did not reach step 10")
            time.sleep(0.02)
        started = time.monotonic()
        request = control.request(workspace, "stop")
        if not control.wait_for_ack(workspace, "stop", 300, request_id=request.request_id):
            raise RuntimeError("stop was not acknowledged")
        latency = time.monotonic() - started
        daemon.wait(timeout=300)
    finally:
        if daemon.poll() is None:
            daemon.kill()
    return {"stop_to_checkpoint_s": latency}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each kind (default 3)")
    parser.add_argument("--steps", type=int, default=40, help="optimizer steps per run (default 40)")
    parser.add_argument("--records", type=int, default=480, help="docstring records in the data file (default 480)")
    parser.add_argument("--bare", nargs=3, metavar=("WORKSPACE", "DATA", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        bare_loop(*args.bare)
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-trainer-") as temporary:
        base = Path(temporary)
        data = base / "data.jsonl"
        write_data(data, args.records)
        template = make_workspace(base / "template", None, args.steps).root

        daemon_runs, bare_runs = [], []
        for round_index in range(args.rounds):
            workspace = make_workspace(base / f"daemon-{round_index}", template, args.steps)
            daemon_runs.append(run_daemon_job(workspace, data))
            bare_workspace = make_workspace(base / f"bare-{round_index}", template, args.steps)
            bare_runs.append(run_bare(bare_workspace, data, base / f"bare-output-{round_index}"))

        stop_workspace = make_workspace(base / "stop", template, 1000)
        stop = measure_stop(stop_workspace, data)

    daemon_rate = statistics.median(run["tokens"] / run["runtime_s"] for run in daemon_runs)
    bare_rate = statistics.median(run["tokens"] / run["runtime_s"] for run in bare_runs)
    step_s = statistics.median(run["runtime_s"] / run["steps"] for run in bare_runs)
    print(f"bare Trainer loop:      {bare_rate:8.0f} tokens/s  (runs: "
          + ", ".join(f"{run['tokens'] / run['runtime_s']:.0f}" for run in bare_runs) + ")")
    print(f"daemon job:             {daemon_rate:8.0f} tokens/s  (runs: "
          + ", ".join(f"{run['tokens'] / run['runtime_s']:.0f}" for run in daemon_runs) + ")")
    print(f"overhead:               {100 * (bare_rate - daemon_rate) / bare_rate:8.1f} %")
    print(f"one optimizer step:     {step_s:8.3f} s")
    print(f"stop to checkpoint ack: {stop['stop_to_checkpoint_s']:8.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
