"""Run one queue entry as a job: snapshot, spec, launch, wait, and act on the outcome."""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from models import Store
from safeshell.errors import SafeshellError
from safeshell.workspace import Workspace
from trainer import checkpoints, control
from trainer.config import TrainingConfig
from trainer.errors import CheckpointError, TrainerError
from trainer.fsutil import utc_now
from trainer.job.spec import JobResult, JobSpec, args_digest
from trainer.launcher import job_command, world_size
from trainer.queue import Queue, QueueEntry, move_file

logger = logging.getLogger(__name__)

# A job interrupted this many times (killed, or crashed without a result) fails instead of resuming again.
MAX_INTERRUPTIONS = 3
# How long to wait for an orphaned job process of a previous daemon to save and exit.
ORPHAN_WAIT_S = 600.0


@dataclass
class RunOutcome:
    """Outcome of one job run; it decides the daemon's next step."""

    outcome: str  # completed, stopped, paused, skipped, failed, interrupted, held
    version: str | None = None
    error: str | None = None


def jobs_root(workspace: Workspace) -> Path:
    return workspace.state_dir / "jobs"


def job_dir_for(workspace: Workspace, entry_id: int) -> Path:
    return jobs_root(workspace) / f"job-{entry_id:04d}"


class JobRunner:
    """Runs entries for one daemon; ``wake`` interrupts waits when a signal arrives."""

    def __init__(self, workspace: Workspace, queue: Queue, store: Store, *, wake: threading.Event,
                 on_poll: Callable[[], None] = lambda: None) -> None:
        self.workspace = workspace
        self.queue = queue
        self.store = store
        self.wake = wake
        self.on_poll = on_poll
        self.process: subprocess.Popen[bytes] | None = None

    def run(self, entry: QueueEntry, config: TrainingConfig) -> RunOutcome:
        name = entry.name
        parent = self.store.snapshot(reason=f"before training job {entry.id} on {name}")
        job_dir = job_dir_for(self.workspace, entry.id)
        job_dir.mkdir(parents=True, exist_ok=True)
        self._wait_for_orphan(job_dir / "job.lock")

        config_values = config.to_dict()
        digest_of_args = args_digest(config_values)
        try:
            resume_from = checkpoints.find_resumable(job_dir / "output", job_dir / "quarantine",
                                                     data_digest=entry.digest, args_digest=digest_of_args,
                                                     world_size=world_size(config))
        except CheckpointError as exc:
            self.queue.requeue_at_head(entry.id, error=exc.message)
            return RunOutcome("held", error=str(exc))

        entry = self.queue.mark_running(entry.id, parent_version=parent.id)
        parent_id = entry.parent_version or parent.id
        spec = JobSpec(
            job_id=entry.id, workspace=str(self.workspace.root), data_file=entry.file, data_digest=entry.digest,
            model_dir=str(self.workspace.current_model), job_dir=str(job_dir), config=config_values,
            args_digest=digest_of_args, daemon_pid=os.getpid(),
            resume_from=str(resume_from) if resume_from else None, parent_version=parent_id,
            current_version=parent.id, queue_length=self.queue.length())
        spec_path = job_dir / "spec.json"
        spec.write(spec_path)
        spec.result_file.unlink(missing_ok=True)
        shutil.rmtree(spec.final_dir, ignore_errors=True)

        logger.info("job %d started on %s (parent %s, attempt %d%s)", entry.id, name, parent_id, entry.attempts,
                    f", resuming from {resume_from.name}" if resume_from else "")
        with self.store.job_lock({parent_id, parent.id}):
            returncode = self._launch(job_command(config, spec_path), job_dir / "job.log")
        return self._finish(entry, spec, returncode)

    def _launch(self, command: list[str], log_path: Path) -> int:
        environment = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
        with open(log_path, "ab") as log:
            # A new session keeps a terminal's Ctrl-C away from the job: the daemon turns it into a stop request.
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment,
                                            start_new_session=True)
            logger.info("job process %d: %s", self.process.pid, " ".join(command))
            while True:
                try:
                    returncode = self.process.wait(timeout=0.25)
                    break
                except subprocess.TimeoutExpired:
                    self.on_poll()
        self.process = None
        return returncode

    def _finish(self, entry: QueueEntry, spec: JobSpec, returncode: int) -> RunOutcome:
        result = _read_result(spec.result_file)
        if result is None:
            return self._interrupted(entry, f"job process exited with status {returncode} and no result")
        if result.outcome == "completed":
            return self._commit(entry, spec, result)
        if result.outcome in ("stopped", "paused"):
            self.queue.requeue_at_head(entry.id)
            logger.info("control %s carried out: job %d %s at step %d with checkpoint %s",
                        "stop" if result.outcome == "stopped" else "pause", entry.id, result.outcome,
                        result.steps, result.checkpoint)
            return RunOutcome(result.outcome)
        if result.outcome == "skipped":
            moved = move_file(Path(entry.file), self.workspace.inbox / "skipped")
            self.queue.finish(entry.id, "skipped", file=moved)
            logger.info("control skip carried out: job %d skipped at step %d; %s moved to %s", entry.id,
                        result.steps, entry.name, moved)
            return RunOutcome("skipped")
        error = result.error or "unknown error"
        if result.error_kind == "ModelLoadError":
            self.queue.requeue_at_head(entry.id, error=error)
            return RunOutcome("held", error=error)
        moved = move_file(Path(entry.file), self.workspace.inbox / "failed")
        if moved is not None:
            moved.with_name(moved.name + ".reason.txt").write_text(f"training failed: {error}\n", encoding="utf-8")
        self.queue.finish(entry.id, "failed", file=moved, error=error)
        logger.error("job %d failed: %s (file moved to %s; log: %s)", entry.id, error, moved,
                     Path(spec.job_dir) / "job.log")
        return RunOutcome("failed", error=error)

    def _interrupted(self, entry: QueueEntry, error: str) -> RunOutcome:
        current = self.queue.requeue_at_head(entry.id, error=error, interrupted=True)
        if current.interruptions >= MAX_INTERRUPTIONS:
            self.queue.finish(entry.id, "failed", error=f"{error}; gave up after {current.interruptions} interruptions")
            logger.error("job %d failed: %s; gave up after %d interruptions (file left at %s)", entry.id, error,
                         current.interruptions, entry.file)
            return RunOutcome("failed", error=error)
        logger.warning("job %d interrupted: %s; it resumes from its last complete checkpoint", entry.id, error)
        return RunOutcome("interrupted", error=error)

    def _commit(self, entry: QueueEntry, spec: JobSpec, result: JobResult) -> RunOutcome:
        metadata = {
            "job_id": entry.id,
            "data_files": [{"file": entry.name, "sha256": entry.digest, "lines": entry.lines,
                            "records": entry.records}],
            "steps": result.steps,
            "tokens": result.tokens,
            "started_at": result.started_at,
            "ended_at": result.ended_at,
            "final_loss": result.final_loss,
            "loss": _loss_summary(result.loss_history),
            "training_config": spec.config,
            "resumed_from": result.resumed_from,
            "libraries": result.libraries,
        }
        try:
            version = self.store.commit_directory(spec.final_dir, parent=spec.parent_version,
                                                  reason=f"trained on {entry.name} (job {entry.id})", metadata=metadata)
            self.store.checkout(version.id, reason=f"training job {entry.id} finished")
        except SafeshellError as exc:
            self.queue.requeue_at_head(entry.id, error=exc.message)
            logger.error("job %d: recording the result failed: %s", entry.id, exc)
            return RunOutcome("held", error=str(exc))
        moved = move_file(Path(entry.file), self.workspace.inbox / "done")
        self.queue.finish(entry.id, "done", file=moved, version=version.id)
        _remove_complete_checkpoints(spec)
        # final_loss is None when no loss was logged, e.g. fewer steps than logging_steps.
        loss = f"{result.final_loss:.4f}" if result.final_loss is not None else "not logged"
        logger.info("job %d completed: %s is current (%d steps, final loss %s); %s moved to %s", entry.id,
                    version.id, result.steps, loss, entry.name, moved)
        return RunOutcome("completed", version=version.id)

    def _wait_for_orphan(self, lock_path: Path) -> None:
        """Wait until no job process (of this or an earlier daemon) holds ``lock_path``."""
        deadline = time.monotonic() + ORPHAN_WAIT_S
        lock_path.touch(exist_ok=True)
        with open(lock_path, "a+") as handle:
            logged = False
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    fcntl.flock(handle, fcntl.LOCK_UN)
                    return
                except BlockingIOError:
                    if not logged:
                        logger.warning("a job process of an earlier daemon still holds %s; waiting for it to save and exit",
                                       lock_path)
                        logged = True
                    if time.monotonic() > deadline:
                        raise TrainerError(f"a job process still holds {str(lock_path)!r} after {ORPHAN_WAIT_S:.0f} s",
                                           hint="find it with 'fuser -v' on the lock file and stop it with SIGTERM")
                    self.wake.wait(0.25)

    def request_stop(self) -> None:
        """Ask the running job to stop with a checkpoint (used for SIGTERM and SIGINT)."""
        control.request(self.workspace, "stop", source="daemon signal")


def _read_result(path: Path) -> JobResult | None:
    try:
        return JobResult.read(path)
    except (OSError, ValueError, TypeError):
        return None


def _loss_summary(history: list[list[float]]) -> dict[str, float | None]:
    losses = [loss for _, loss in history]
    if not losses:
        return {"first": None, "last": None, "min": None}
    return {"first": losses[0], "last": losses[-1], "min": min(losses)}


def _remove_complete_checkpoints(spec: JobSpec) -> None:
    """Free the disk after a commit; quarantined (incomplete) checkpoints stay."""
    for _, checkpoint in checkpoints.checkpoints_newest_first(spec.output_dir):
        if (checkpoint / checkpoints.MARKER).is_file():
            shutil.rmtree(checkpoint, ignore_errors=True)
    shutil.rmtree(spec.final_dir, ignore_errors=True)
    (Path(spec.job_dir) / "finished_at").write_text(utc_now() + "\n", encoding="utf-8")
