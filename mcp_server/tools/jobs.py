"""Following background jobs, and the job_status tool."""

from __future__ import annotations

import anyio
import anyio.to_thread
from pydantic import Field

from mcp_server.gate import ToolCall
from mcp_server.jobs import Job, JobInfo
from mcp_server.registry import READ_ONLY, ToolInput, ToolSpec

MAX_WAIT_S = 50
WAIT_DESCRIPTION = (
    f"Seconds to wait for the job to finish (0 to {MAX_WAIT_S}), reporting progress meanwhile; "
    "when the wait ends first, the result is the job's handle for job_status."
)


class JobStatusInput(ToolInput):
    job_id: str = Field(pattern=r"^job-[0-9a-f]{8}$", description='A job handle such as "job-1a2b3c4d".')
    wait_s: int = Field(default=0, ge=0, le=MAX_WAIT_S, description=WAIT_DESCRIPTION)


async def follow_job(call: ToolCall, job: Job, wait_s: int) -> JobInfo:
    """Wait up to ``wait_s`` seconds for ``job`` to finish, forwarding its progress to the client."""
    deadline = anyio.current_time() + wait_s
    seen = -1
    while True:
        version = job.version
        info = job.snapshot()
        if version != seen:
            await call.report_progress(info.progress, info.total, info.message)
            seen = version
        remaining = deadline - anyio.current_time()
        if info.state != "running" or remaining <= 0:
            return info
        await anyio.to_thread.run_sync(job.wait_for_change, seen, remaining, abandon_on_cancel=True)


async def job_status(call: ToolCall) -> JobInfo:
    arguments: JobStatusInput = call.arguments  # type: ignore[assignment]
    job = call.state.jobs.get(arguments.job_id)
    return await follow_job(call, job, arguments.wait_s)


SPECS = [
    ToolSpec(
        name="job_status",
        title="Background job status",
        description="Report the progress or result of a background job that backup_create, backup_verify or "
        "backup_restore started and returned as a handle. Jobs are kept while this server process runs "
        f"(the last 200 finished ones). Optionally waits up to {MAX_WAIT_S} s for the job to finish.",
        input_model=JobStatusInput,
        output_model=JobInfo,
        hints=READ_ONLY,
        handler=job_status,
    ),
]
