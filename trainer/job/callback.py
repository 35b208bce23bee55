"""Trainer callbacks of the job: control decisions, checkpoint markers, status writes.

Only global rank 0 reads ``control/``, signals and the daemon's liveness. It
broadcasts one decision code to every rank at each optimizer-step boundary,
so all ranks stop at the same step and save the same checkpoint.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from safeshell.workspace import Workspace
from trainer import checkpoints, control
from trainer.fsutil import utc_now
from trainer.job.spec import JobSpec
from trainer.status import pid_alive, read_status, write_status

logger = logging.getLogger(__name__)

# Decision codes broadcast between ranks, in precedence order when several requests are pending.
NONE, STOP, PAUSE, SKIP = 0, 1, 2, 3
ACTION_OF = {STOP: "stop", PAUSE: "pause", SKIP: "skip"}


@dataclass
class JobContext:
    """State shared by the callbacks of one job process."""

    spec: JobSpec
    rank: int
    world_size: int
    outcome: str | None = None  # "stopped", "paused" or "skipped" once decided
    pending_ack: control.ControlRequest | None = None
    signal_received: int | None = None
    status: dict[str, Any] = field(default_factory=dict)
    started_monotonic: float = field(default_factory=time.monotonic)
    first_step: int = 0
    last_log: tuple[float, int] | None = None  # (monotonic time, tokens seen)
    last_checkpoint: str | None = None

    @property
    def workspace(self) -> Workspace:
        return Workspace(Path(self.spec.workspace))

    def install_signal_handlers(self) -> None:
        def handle(signum: int, frame: object) -> None:
            self.signal_received = signum

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)

    def write_status(self) -> None:
        if self.rank == 0:
            write_status(self.workspace, self.status)

    def acknowledge(self, action: str, request: control.ControlRequest | None) -> None:
        self.status["control"] = {"requested": action, "acknowledged": action, "at": utc_now(),
                                  "request_id": request.request_id if request else None}
        self.write_status()
        logger.info("control %s acknowledged at step %s", action, (self.status.get("job") or {}).get("step"))


class ControlCallback(TrainerCallback):
    """Decide at each optimizer step whether to stop, pause or skip."""

    def __init__(self, context: JobContext) -> None:
        self.context = context
        self.control_dir = context.workspace.control_dir

    def _local_decision(self) -> tuple[int, control.ControlRequest | None]:
        context = self.context
        if context.signal_received is not None:
            return STOP, control.ControlRequest("stop", "", utc_now(), f"signal {context.signal_received}")
        if context.spec.daemon_pid and not pid_alive(context.spec.daemon_pid):
            return STOP, control.ControlRequest("stop", "", utc_now(), "daemon exited")
        try:
            pending = set(os.listdir(self.control_dir))
        except FileNotFoundError:
            return NONE, None
        for code in (STOP, PAUSE, SKIP):
            if ACTION_OF[code] in pending:
                return code, control.read_request(context.workspace, ACTION_OF[code])
        return NONE, None

    def on_step_end(self, args: TrainingArguments, state: TrainerState, ctrl: TrainerControl, **kwargs: Any) -> TrainerControl:
        context = self.context
        code, request = self._local_decision() if context.rank == 0 else (NONE, None)
        if context.world_size > 1:
            code = broadcast_decision(code)
        if code == NONE:
            return ctrl

        action = ACTION_OF[code]
        ctrl.should_training_stop = True
        if code == SKIP:
            ctrl.should_save = False
            context.outcome = "skipped"
            context.status["state"] = "stopping"
            context.acknowledge("skip", request)
        else:
            ctrl.should_save = True
            context.outcome = "paused" if code == PAUSE else "stopped"
            context.pending_ack = request
            context.status["state"] = "stopping"
            context.status["control"] = {"requested": action, "acknowledged": None, "at": utc_now(),
                                         "request_id": request.request_id if request else None}
            context.write_status()
        logger.info("control %s decided at step %d (source: %s)", action, state.global_step,
                    request.source if request else "rank 0")
        return ctrl


class CheckpointMarkerCallback(TrainerCallback):
    """Fsync each saved checkpoint and write its completion marker; then acknowledge stop or pause."""

    def __init__(self, context: JobContext) -> None:
        self.context = context

    def on_save(self, args: TrainingArguments, state: TrainerState, ctrl: TrainerControl, **kwargs: Any) -> TrainerControl:
        context = self.context
        if context.world_size > 1:
            dist.barrier()  # every rank has written its RNG state before rank 0 hashes the directory
        if context.rank == 0:
            checkpoint = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            checkpoints.write_marker(checkpoint, step=state.global_step, data_digest=context.spec.data_digest,
                                     args_digest=context.spec.args_digest, world_size=context.world_size)
            context.last_checkpoint = str(checkpoint)
            context.status["job"].update({"step": state.global_step, "checkpoint": str(checkpoint)})
            if context.outcome in ("stopped", "paused"):
                action = "stop" if context.outcome == "stopped" else "pause"
                context.status["state"] = context.outcome
                context.acknowledge(action, context.pending_ack)
        if context.world_size > 1:
            dist.barrier()
        return ctrl


class StatusCallback(TrainerCallback):
    """Write the status file at each logging step (rank 0 only)."""

    def __init__(self, context: JobContext) -> None:
        self.context = context

    def on_train_begin(self, args: TrainingArguments, state: TrainerState, ctrl: TrainerControl, **kwargs: Any) -> TrainerControl:
        context = self.context
        context.first_step = state.global_step
        context.started_monotonic = time.monotonic()
        context.last_log = (context.started_monotonic, state.num_input_tokens_seen)
        context.status["job"].update({"step": state.global_step, "max_steps": state.max_steps})
        context.status["state"] = "training"
        context.write_status()
        return ctrl

    def on_log(self, args: TrainingArguments, state: TrainerState, ctrl: TrainerControl,
               logs: dict[str, float] | None = None, **kwargs: Any) -> TrainerControl:
        context = self.context
        if context.rank != 0 or not logs or "loss" not in logs:
            return ctrl
        now = time.monotonic()
        previous_time, previous_tokens = context.last_log or (context.started_monotonic, 0)
        elapsed = max(now - previous_time, 1e-9)
        tokens_per_second = (state.num_input_tokens_seen - previous_tokens) / elapsed
        context.last_log = (now, state.num_input_tokens_seen)

        steps_done = state.global_step - context.first_step
        seconds_per_step = (now - context.started_monotonic) / steps_done if steps_done else 0.0
        context.status["job"].update({
            "step": state.global_step,
            "max_steps": state.max_steps,
            "epoch": round(state.epoch or 0.0, 4),
            "loss": logs["loss"],
            "learning_rate": logs.get("learning_rate"),
            "tokens_per_second": round(tokens_per_second, 1),
            "tokens_seen": state.num_input_tokens_seen,
            "eta_seconds": round(seconds_per_step * (state.max_steps - state.global_step)),
        })
        context.status.setdefault("loss_history", []).append([state.global_step, logs["loss"]])
        try:
            from trainer.queue import Queue

            queue = Queue(context.workspace)
            context.status["queue_length"] = queue.length()
            queue.close()
        except Exception:  # noqa: BLE001 - the queue length is informative; a busy database must not stop training
            pass
        context.write_status()
        return ctrl


def broadcast_decision(code: int) -> int:
    """Send rank 0's decision to every rank (collective: all ranks call it each step)."""
    device = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else torch.device("cpu")
    tensor = torch.tensor([code], dtype=torch.int64, device=device)
    dist.broadcast(tensor, src=0)
    return int(tensor.item())


def initial_status(spec: JobSpec) -> dict[str, Any]:
    """Start from the daemon's last status so its fields (pid, control, history) carry over."""
    status = read_status(Workspace(Path(spec.workspace)))
    status.pop("recorded_state", None)
    status.update({"state": "training", "daemon_pid": spec.daemon_pid or None,
                   "queue_length": spec.queue_length, "current_version": spec.current_version,
                   "last_error": None})
    job = status.get("job") if isinstance(status.get("job"), dict) else {}
    if job.get("id") != spec.job_id:
        job = {}
    workspace_root = Path(spec.workspace)
    data_file = Path(spec.data_file)
    job.update({"id": spec.job_id,
                "file": data_file.relative_to(workspace_root).as_posix()
                if data_file.is_relative_to(workspace_root) else str(data_file),
                "started_at": job.get("started_at") or utc_now(), "pid": os.getpid()})
    status["job"] = job
    return status
