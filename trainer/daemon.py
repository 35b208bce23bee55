"""The training daemon: one per workspace, never imports torch.

Each turn of the loop: act on control requests, scan the inbox, run
pre-flight checks, run the next queue entry as a job process, and record the
outcome. SIGTERM and SIGINT mean stop: a running job saves a resumable
checkpoint first.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import signal
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

from models import Store
from safeshell.cli import exit_codes
from safeshell.errors import SafeshellError
from safeshell.workspace import Workspace
from trainer import control, daemon_log, preflight
from trainer.errors import ConfigError, DaemonLockError, DataError
from trainer.fsutil import utc_now
from trainer.intake import Inbox, write_reason
from trainer.queue import Queue, QueueEntry, move_file
from trainer.runner import JobRunner, RunOutcome
from trainer.status import empty_status, read_status, write_status

logger = logging.getLogger(__name__)

LOCK_FILE = "daemon.lock"
# After a workspace-wide problem (invalid config, broken model), checks repeat at most this often.
RETRY_INTERVAL_S = 30.0


class DaemonLock:
    """An ``flock`` on ``.safeshell/daemon.lock``; the kernel releases it when its holder dies."""

    def __init__(self, workspace: Workspace) -> None:
        self.path = workspace.state_dir / LOCK_FILE
        self._handle: TextIO | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise DaemonLockError(f"another daemon (pid {holder}) already serves this workspace ({str(self.path)!r})",
                                  hint="stop it with 'trainctl stop', or watch it with 'trainctl status'") from None
        # A lock file left by a dead daemon carries its old pid; holding the flock makes it ours.
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class Daemon:
    """Serves one workspace until stopped (or, with ``once``, until nothing is left to do)."""

    def __init__(self, workspace: Workspace, *, once: bool = False, poll_s: float = 1.0,
                 progress: TextIO | None = None) -> None:
        self.workspace = workspace
        self.once = once
        self.poll_s = poll_s
        self.progress = progress
        self.wake = threading.Event()
        self.stop_requested = False
        self.status: dict[str, Any] = empty_status("idle")
        self._last_progress = ""

    # -- lifecycle -------------------------------------------------------

    def run(self) -> int:
        lock = DaemonLock(self.workspace)
        lock.acquire()
        handler = daemon_log.install(self.workspace.logs_dir)
        previous_handlers = self._install_signal_handlers()
        self.queue = Queue(self.workspace)
        self.store = Store.for_workspace(self.workspace)
        self.runner = JobRunner(self.workspace, self.queue, self.store, wake=self.wake, on_poll=self._on_job_poll)
        self.inbox = Inbox(self.workspace, self.queue)
        logger.info("daemon started (pid %d, workspace %s%s)", os.getpid(), self.workspace.root,
                    ", until the queue is empty" if self.once else "")
        try:
            self._recover()
            return self._loop()
        except SafeshellError as exc:
            logger.error("daemon stopped by an error: %s", exc)
            self._set_status("error", last_error=str(exc))
            raise
        finally:
            if self.status.get("state") not in ("error", "paused", "stopped"):
                self._set_status("stopped", job=None)
            logger.info("daemon exited (state %s)", self.status.get("state"))
            for signum, previous in previous_handlers.items():
                signal.signal(signum, previous)
            self.queue.close()
            lock.release()
            for name in ("trainer", "models"):
                logging.getLogger(name).removeHandler(handler)
            handler.close()

    def _install_signal_handlers(self) -> dict[int, Any]:
        previous = {}

        def handle(signum: int, frame: object) -> None:
            if not self.stop_requested:
                logger.info("signal %s received: stopping", signal.Signals(signum).name)
                self.stop_requested = True
                if self.runner.process is not None:
                    self.runner.request_stop()
            self.wake.set()

        if threading.current_thread() is threading.main_thread():
            # HUP too: a closed terminal stops the daemon with a checkpoint instead of killing it.
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                previous[signum] = signal.signal(signum, handle)
        return previous

    def _recover(self) -> None:
        for line in self.store.recover():
            logger.info("store recovery: %s", line)
        for action in ("stop", "skip", "resume"):
            stale = control.read_request(self.workspace, action)
            if stale is not None:
                logger.info("discarding control request %s from %s made before this daemon started",
                            action, stale.requested_at or "an unknown time")
                control.clear(self.workspace, action)
        for entry in self.queue.running():
            self.queue.requeue_at_head(entry.id, error="interrupted: the daemon exited while the job ran",
                                       interrupted=True)
            logger.warning("job %d was interrupted by the previous daemon's exit; it resumes from its last "
                           "complete checkpoint", entry.id)
        shutil.rmtree(self.workspace.state_dir / "tmp", ignore_errors=True)
        current = self.store.current_id()
        self.status = read_status(self.workspace)
        self.status.pop("recorded_state", None)
        self._set_status("idle", daemon_pid=os.getpid(), job=None, current_version=current)

    # -- the loop --------------------------------------------------------

    def _loop(self) -> int:
        while True:
            self._handle_idle_controls()
            if self.stop_requested:
                return exit_codes.OK
            if control.read_request(self.workspace, "pause") is not None:
                if self.status.get("state") != "paused":
                    self._acknowledge("pause", state="paused")
                if self.once:
                    return exit_codes.OK
                self._wait(self.poll_s)
                continue

            report = self.inbox.scan()
            entry = self.queue.next_queued()
            if entry is None:
                if self.once and report.unsettled == 0:
                    return exit_codes.OK
                self._set_status("idle", job=None, queue_length=0)
                self._wait(self.poll_s)
                continue

            try:
                config = preflight.check_workspace(self.workspace)
            except SafeshellError as exc:
                if self._hold(exc):
                    return exit_codes.CONFIG if isinstance(exc, ConfigError) else exit_codes.ERROR
                continue
            try:
                preflight.check_data_file(entry)
            except DataError as exc:
                self._reject_queued(entry, exc)
                continue

            outcome = self._run_job(entry, config)
            if outcome.outcome == "stopped":
                control.clear(self.workspace, "stop")
                self._set_status("stopped")
                return exit_codes.OK
            if outcome.outcome == "held":
                if self._hold(SafeshellError(outcome.error or "job held")):
                    return exit_codes.ERROR
            if self.stop_requested:
                return exit_codes.OK

    def _run_job(self, entry: QueueEntry, config: Any) -> RunOutcome:
        fresh = not entry.head
        self._set_status("training", queue_length=self.queue.length(), last_error=None,
                         job={"id": entry.id, "file": self._relative(entry.file), "step": 0},
                         **({"loss_history": [], "eval_loss_history": []} if fresh else {}))
        outcome = self.runner.run(entry, config)

        # The job wrote the status while it ran; keep its history and acknowledgements.
        self.status = {**self.status, **read_status(self.workspace)}
        self.status.pop("recorded_state", None)
        self.status["daemon_pid"] = os.getpid()
        self.status["current_version"] = self.store.current_id()
        self.status["queue_length"] = self.queue.length()
        if outcome.outcome == "completed":
            self._set_status("idle", job=None, last_error=None)
        elif outcome.outcome == "paused":
            self._set_status("paused")
        elif outcome.outcome == "skipped":
            control.clear(self.workspace, "skip")
            self._set_status("idle", job=None)
        elif outcome.outcome in ("failed", "interrupted"):
            self._set_status("idle", job=None, last_error=outcome.error)
        self._end_progress_line()
        return outcome

    # -- helpers ---------------------------------------------------------

    def _handle_idle_controls(self) -> None:
        if control.read_request(self.workspace, "stop") is not None:
            request = control.read_request(self.workspace, "stop")
            control.clear(self.workspace, "stop")
            self.stop_requested = True
            logger.info("control stop received while no job runs: exiting")
            self._acknowledge("stop", state="stopped", request=request)
        for action in ("skip", "resume"):
            request = control.read_request(self.workspace, action)
            if request is not None:
                control.clear(self.workspace, action)
                logger.info("control %s received while no job runs%s", action,
                            ": the queue is released" if action == "resume" else ": nothing to skip")
                self._acknowledge(action, state="idle", request=request)

    def _acknowledge(self, action: str, *, state: str, request: control.ControlRequest | None = None) -> None:
        request = request or control.read_request(self.workspace, action)
        self._set_status(state, control={"requested": action, "acknowledged": action,
                                         "at": utc_now(),
                                         "request_id": request.request_id if request else None})
        logger.info("control %s acknowledged", action)

    def _hold(self, error: SafeshellError) -> bool:
        """Record a workspace-wide problem; return True when the daemon should exit (``once``)."""
        logger.error("queue held: %s", error)
        self._set_status("error", last_error=str(error), job=None, queue_length=self.queue.length())
        if self.once:
            return True
        self._wait(RETRY_INTERVAL_S, watch=True)
        return False

    def _reject_queued(self, entry: QueueEntry, error: DataError) -> None:
        if not Path(entry.file).exists():
            self.queue.finish(entry.id, "missing", error=error.message)
            logger.error("entry %d: %s", entry.id, error.message)
            return
        moved = move_file(Path(entry.file), self.workspace.inbox / "rejected")
        if moved is not None:
            write_reason(moved, error)
        self.queue.finish(entry.id, "failed", file=moved, error=error.message)
        logger.error("entry %d rejected: %s (moved to %s)", entry.id, error.message, moved)

    def _wait(self, seconds: float, *, watch: bool = False) -> None:
        """Sleep up to ``seconds``; wake early on a signal, a control file, or (``watch``) a changed config or model."""
        signature = self._watch_signature()
        remaining = seconds
        while remaining > 0 and not self.wake.is_set():
            step = min(self.poll_s, remaining)
            self.wake.wait(step)
            remaining -= step
            if any(self.workspace.control_dir.glob("[a-z]*")) and self._controls_changed():
                break
            if watch and self._watch_signature() != signature:
                break
        self.wake.clear()

    def _controls_changed(self) -> bool:
        pending = {path.name for path in self.workspace.control_dir.iterdir() if not path.name.startswith(".")}
        held = {"pause"} if self.status.get("state") == "paused" else set()
        return bool(pending - held)

    def _watch_signature(self) -> tuple[int, ...]:
        paths = [self.workspace.config_file, self.workspace.state_dir / "accepted_config.json",
                 self.workspace.current_model, self.workspace.policy_file]
        signature = []
        for path in paths:
            try:
                signature.append(path.stat().st_mtime_ns)
            except FileNotFoundError:
                signature.append(0)
        return tuple(signature)

    def _set_status(self, state: str, **fields: Any) -> None:
        self.status.update(fields)
        self.status["state"] = state
        self.status["daemon_pid"] = os.getpid()
        write_status(self.workspace, self.status)

    def _relative(self, file: str) -> str:
        path = Path(file)
        return path.relative_to(self.workspace.root).as_posix() if path.is_relative_to(self.workspace.root) else file

    def _on_job_poll(self) -> None:
        if self.progress is None:
            return
        job = read_status(self.workspace).get("job") or {}
        if not job.get("step"):
            return
        line = (f"job {job.get('id')} {job.get('file')}: step {job.get('step')}/{job.get('max_steps')} "
                f"loss {job.get('loss') or 0:.4f} {job.get('tokens_per_second') or 0:.0f} tok/s "
                f"ETA {job.get('eta_seconds') or 0}s")
        if line != self._last_progress:
            self.progress.write("\r" + line.ljust(len(self._last_progress)))
            self.progress.flush()
            self._last_progress = line

    def _end_progress_line(self) -> None:
        if self.progress is not None and self._last_progress:
            self.progress.write("\n")
            self.progress.flush()
            self._last_progress = ""


def progress_stream() -> TextIO | None:
    """Return stdout when it is a terminal (for the progress line), else None."""
    return sys.stdout if sys.stdout.isatty() else None
