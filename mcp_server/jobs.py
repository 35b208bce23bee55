"""Background jobs: long tool calls that outlive the client's request timeout.

A backup can take longer than an MCP client waits for a tool result (the
TypeScript SDK's default request timeout is 60 s). Such tools start their work as a background job on a thread of the
server process and wait for it for a bounded time, forwarding its progress.
They return the finished result or, when the job still runs, its handle,
and ``job_status`` reports on the handle later. These jobs are MCP server
operations, distinct from the training jobs of the queue.

Jobs live in the server process only.
NOTE: a server restart forgets running and finished jobs; the store's own
records (backups, versions) still show what a finished job produced.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal

from pydantic import BaseModel

from mcp_server.errors import ToolArgumentError
from mcp_server.registry import ToolOutput
from mcp_server.results import ErrorBody
from safeshell.errors import SafeshellError

logger = logging.getLogger(__name__)

JobState = Literal["running", "succeeded", "failed"]
ProgressFn = Callable[[float, float | None, str], None]

# Finished jobs kept for job_status; the oldest finished one is dropped first.
MAX_FINISHED_JOBS = 200


class JobInfo(ToolOutput):
    """The state of one background job as tools report it."""

    job_id: str
    tool: str
    state: JobState
    progress: float
    total: float | None
    message: str
    started_at: str
    finished_at: str | None
    result: dict[str, Any] | None  # the tool's output once the job succeeded
    error: ErrorBody | None


@dataclass
class Job:
    """One background job; every field is guarded by ``changed``'s lock."""

    job_id: str
    tool: str
    started_at: str
    state: JobState = "running"
    progress: float = 0.0
    total: float | None = None
    message: str = "started"
    finished_at: str | None = None
    result: dict[str, Any] | None = None
    error: ErrorBody | None = None
    version: int = 0  # incremented on every change, so waiters can tell what they have seen
    changed: threading.Condition = field(default_factory=threading.Condition)

    def snapshot(self) -> JobInfo:
        with self.changed:
            return JobInfo(
                job_id=self.job_id,
                tool=self.tool,
                state=self.state,
                progress=self.progress,
                total=self.total,
                message=self.message,
                started_at=self.started_at,
                finished_at=self.finished_at,
                result=self.result,
                error=self.error,
            )

    def wait_for_change(self, seen_version: int, timeout_s: float) -> int:
        """Block until the job changes after ``seen_version`` or the timeout passes; return the version."""
        deadline = time.monotonic() + timeout_s
        with self.changed:
            while self.version == seen_version and self.state == "running":
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.changed.wait(remaining)
            return self.version

    def _update(self, **values: Any) -> None:
        with self.changed:
            for name, value in values.items():
                setattr(self, name, value)
            self.version += 1
            self.changed.notify_all()


class JobRegistry:
    """The background jobs of one server process."""

    def __init__(self) -> None:
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, tool: str, work: Callable[[ProgressFn], BaseModel]) -> Job:
        """Run ``work(progress)`` on a new thread and return its job at once."""
        job = Job(job_id=f"job-{secrets.token_hex(4)}", tool=tool, started_at=_now())
        with self._lock:
            self._jobs[job.job_id] = job
            self._forget_old_jobs()

        def progress(done: float, total: float | None, message: str) -> None:
            job._update(progress=float(done), total=total, message=message)

        def run() -> None:
            logger.info("job %s (%s) started", job.job_id, tool)
            try:
                output = work(progress)
            except SafeshellError as exc:
                logger.info("job %s (%s) failed: %s", job.job_id, tool, exc.message)
                error = ErrorBody(error=type(exc).__name__, message=exc.message, hint=exc.hint)
                job._update(state="failed", error=error, message=exc.message, finished_at=_now())
                return
            except Exception:
                logger.exception("job %s (%s) crashed", job.job_id, tool)
                error = ErrorBody(
                    error="InternalError",
                    message=f"{tool} failed with an internal error",
                    hint="see the safeshell-mcp log in the workspace's logs/ directory",
                )
                job._update(state="failed", error=error, message=error.message, finished_at=_now())
                return
            logger.info("job %s (%s) succeeded", job.job_id, tool)
            job._update(
                state="succeeded",
                result=output.model_dump(mode="json"),
                message="done",
                finished_at=_now(),
            )

        threading.Thread(target=run, name=f"mcp-{job.job_id}", daemon=True).start()
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise ToolArgumentError(
                f"no job {job_id!r} in this server process",
                hint="jobs are kept only while safeshell-mcp runs; list backups or versions to see what finished",
            )
        return job

    def _forget_old_jobs(self) -> None:
        finished = [job_id for job_id, job in self._jobs.items() if job.state != "running"]
        for job_id in finished[: max(0, len(finished) - MAX_FINISHED_JOBS)]:
            del self._jobs[job_id]


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
