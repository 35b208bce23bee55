"""What the daemon hands a job, and what the job hands back (JSON files, no torch)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from trainer.fsutil import atomic_write_json

# Training arguments that decide the weights; a checkpoint resumes only under the same values.
WEIGHT_KEYS = ("learning_rate", "batch_size", "gradient_accumulation_steps", "max_length", "epochs",
               "max_steps", "warmup_steps", "weight_decay", "lr_scheduler_type", "seed", "precision")
OUTCOMES = ("completed", "stopped", "paused", "skipped", "failed")


def args_digest(config: dict[str, Any]) -> str:
    chosen = {key: config[key] for key in WEIGHT_KEYS}
    return hashlib.sha256(json.dumps(chosen, sort_keys=True).encode()).hexdigest()


@dataclass
class JobSpec:
    """Everything the job process needs; paths are absolute."""

    job_id: int
    workspace: str
    data_file: str
    data_digest: str
    model_dir: str
    job_dir: str
    config: dict[str, Any]
    args_digest: str
    daemon_pid: int
    resume_from: str | None = None
    parent_version: str | None = None
    current_version: str | None = None
    queue_length: int = 0

    @property
    def output_dir(self) -> Path:
        return Path(self.job_dir) / "output"

    @property
    def final_dir(self) -> Path:
        return Path(self.job_dir) / "final"

    @property
    def result_file(self) -> Path:
        return Path(self.job_dir) / "result.json"

    @property
    def quarantine_dir(self) -> Path:
        return Path(self.job_dir) / "quarantine"

    @property
    def lock_file(self) -> Path:
        return Path(self.job_dir) / "job.lock"

    def write(self, path: Path) -> None:
        atomic_write_json(path, asdict(self), durable=True)

    @classmethod
    def read(cls, path: Path) -> "JobSpec":
        return cls(**json.loads(path.read_text(encoding="utf-8")))


@dataclass
class JobResult:
    """The job's outcome; ``error`` is set when ``outcome`` is "failed"."""

    outcome: str
    error: str | None = None
    error_kind: str | None = None  # the exception class, e.g. "ModelLoadError"
    steps: int = 0
    max_steps: int = 0
    tokens: int = 0
    train_runtime_s: float = 0.0
    tokens_per_second: float = 0.0
    final_loss: float | None = None
    loss_history: list[list[float]] = field(default_factory=list)
    started_at: str | None = None
    ended_at: str | None = None
    resumed_from: str | None = None
    checkpoint: str | None = None
    examples: int = 0
    libraries: dict[str, str] = field(default_factory=dict)

    def write(self, path: Path) -> None:
        atomic_write_json(path, asdict(self), durable=True)

    @classmethod
    def read(cls, path: Path) -> "JobResult":
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {key: value for key, value in data.items() if key in cls.__dataclass_fields__}
        return cls(**known)
