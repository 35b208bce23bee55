"""The command line that starts a job process, built from config.json."""

from __future__ import annotations

import sys
from pathlib import Path

from trainer.config import TrainingConfig


def world_size(config: TrainingConfig) -> int:
    return 1 if config.launcher == "python" else config.num_processes


def job_command(config: TrainingConfig, spec_path: Path) -> list[str]:
    """Return argv for ``launcher``: plain python, ``accelerate launch`` or ``torchrun``."""
    job = ["-m", "trainer.job", str(spec_path)]
    if config.launcher == "torchrun":
        return [sys.executable, "-m", "torch.distributed.run", "--standalone",
                f"--nproc-per-node={config.num_processes}", *job]
    # NOTE: the tests run the python and torchrun launchers; this accelerate command line is untested.
    if config.launcher == "accelerate":
        return [sys.executable, "-m", "accelerate.commands.launch",
                f"--num_processes={config.num_processes}", *job]
    return [sys.executable, *job]
