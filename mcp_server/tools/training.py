"""Tools that read the training status and send graceful control requests."""

from __future__ import annotations

import functools
import math
from typing import Any, Literal

import anyio.to_thread
from pydantic import Field, ValidationError

from mcp_server.gate import Plan, ToolCall
from mcp_server.registry import READ_ONLY, Hints, NoArguments, ToolInput, ToolOutput, ToolSpec
from safeshell.errors import SafeshellError
from trainer import control
from trainer.status import pid_alive, read_status

MAX_WAIT_S = 60
# Points of the loss curve returned by training_status; the monitor shows the rest.
LOSS_TAIL_POINTS = 20

ControlAction = Literal["stop", "pause", "resume", "skip"]


class ControlInput(ToolInput):
    wait_s: int = Field(
        default=10,
        ge=0,
        le=MAX_WAIT_S,
        description=f"Seconds to wait for the daemon's acknowledgement (0 to {MAX_WAIT_S}); "
        "the request stays pending when the wait ends first.",
    )


class TrainingJob(ToolOutput):
    """The training job in progress."""

    id: int | None = None
    file: str | None = None
    pid: int | None = None
    step: int | None = None
    max_steps: int | None = None
    epoch: float | None = None
    loss: float | None = None
    learning_rate: float | None = None
    tokens_per_second: float | None = None
    tokens_seen: int | None = None
    eta_seconds: float | None = None
    started_at: str | None = None
    checkpoint: str | None = None  # the last checkpoint the job saved


class ControlState(ToolOutput):
    requested: str | None = None
    acknowledged: str | None = None
    at: str | None = None


class TrainingStatus(ToolOutput):
    state: str  # idle, training, paused, stopping, stopped, error or unknown
    updated_at: str | None
    daemon_running: bool
    daemon_pid: int | None
    job: TrainingJob | None
    queue_length: int
    current_version: str | None
    last_error: str | None
    control: ControlState
    loss_tail: list[tuple[float, float | None]]  # the last [step, loss] points; null for a NaN or infinite loss


class ControlResult(ToolOutput):
    action: ControlAction
    request_id: str
    acknowledged: bool
    daemon_running: bool
    state: str
    message: str


def status_output(status: dict[str, Any]) -> TrainingStatus:
    """Map the status file's dict onto the typed output, ignoring fields it does not know.

    A NaN or infinite number (a diverged loss) becomes null, which JSON and
    the output schema can carry. Raises :class:`SafeshellError` when a known
    field has a value of the wrong type.
    """
    try:
        return _status_output(status)
    except ValidationError as exc:
        raise SafeshellError(
            f"the training status file has unexpected values: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}",
            hint="check status/training_status.json; 'trainctl status' reads the same file",
        ) from exc


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _status_output(status: dict[str, Any]) -> TrainingStatus:
    job = status.get("job")
    control_state = status.get("control") or {}
    fields = TrainingJob.model_fields
    return TrainingStatus(
        state=str(status.get("state", "unknown")),
        updated_at=status.get("updated_at"),
        daemon_running=pid_alive(status.get("daemon_pid")),
        daemon_pid=status.get("daemon_pid") if isinstance(status.get("daemon_pid"), int) else None,
        job=TrainingJob(**{key: _finite(value) for key, value in job.items() if key in fields})
        if isinstance(job, dict)
        else None,
        queue_length=int(status.get("queue_length") or 0),
        current_version=status.get("current_version"),
        last_error=status.get("last_error"),
        control=ControlState(
            requested=control_state.get("requested"),
            acknowledged=control_state.get("acknowledged"),
            at=control_state.get("at"),
        ),
        loss_tail=[(step, _finite(loss)) for step, loss in (status.get("loss_history") or [])[-LOSS_TAIL_POINTS:]],
    )


async def training_status(call: ToolCall) -> TrainingStatus:
    return status_output(read_status(call.workspace))


def _plan_control(action: ControlAction):
    def plan(call: ToolCall) -> Plan:
        return Plan(touched=(str(call.workspace.control_dir / action),))

    return plan


def _control_handler(action: ControlAction):
    async def handler(call: ToolCall) -> ControlResult:
        workspace = call.workspace
        arguments: ControlInput = call.arguments  # type: ignore[assignment]
        record = control.request(workspace, action, source="mcp")
        daemon_running = pid_alive(read_status(workspace).get("daemon_pid"))

        acknowledged = False
        if daemon_running and arguments.wait_s > 0:
            await call.report_progress(0, None, f"{action} requested; waiting for the daemon")
            wait = functools.partial(
                control.wait_for_ack, workspace, action, float(arguments.wait_s), request_id=record.request_id
            )
            acknowledged = await anyio.to_thread.run_sync(wait, abandon_on_cancel=True)

        state = str(read_status(workspace).get("state", "unknown"))
        if acknowledged:
            message = f"The training daemon acknowledged {action}; the state is now {state}."
        elif daemon_running:
            message = (
                f"{action} is requested; the daemon acts on it at the next optimizer step. "
                "Call training_status to see when it is acknowledged."
            )
        else:
            message = (
                f"No training daemon is running, so nothing acknowledged {action}; "
                f"the request is written to control/{action}."
            )
        return ControlResult(
            action=action,
            request_id=record.request_id,
            acknowledged=acknowledged,
            daemon_running=daemon_running,
            state=state,
            message=message,
        )

    return handler


def _control_spec(action: ControlAction, title: str, description: str, hints: Hints) -> ToolSpec:
    return ToolSpec(
        name=f"training_{action}",
        title=title,
        description=description,
        input_model=ControlInput,
        output_model=ControlResult,
        hints=hints,
        handler=_control_handler(action),
        plan=_plan_control(action),
    )


WAIT_NOTE = (
    f"Returns when the daemon acknowledges the request or after wait_s seconds (at most {MAX_WAIT_S}), "
    "with the request still pending; it returns at once when no daemon is running."
)

SPECS = [
    ToolSpec(
        name="training_status",
        title="Training status",
        description="Read the training daemon's status: state, current job and its progress, queue length, "
        f"current model version, last error and the last {LOSS_TAIL_POINTS} loss points. Reads one file.",
        input_model=NoArguments,
        output_model=TrainingStatus,
        hints=READ_ONLY,
        handler=training_status,
    ),
    _control_spec(
        "stop",
        "Stop training",
        "Stop training gracefully: the job saves a resumable checkpoint at the next optimizer step and exits; "
        "its data file returns to the head of the queue. " + WAIT_NOTE,
        Hints(read_only=False, destructive=False, idempotent=True),
    ),
    _control_spec(
        "pause",
        "Pause training",
        "Pause training: like stop, and the queue is held until training_resume. " + WAIT_NOTE,
        Hints(read_only=False, destructive=False, idempotent=True),
    ),
    _control_spec(
        "resume",
        "Resume training",
        "Release a pause: the held queue runs again, resuming from the saved checkpoint. " + WAIT_NOTE,
        Hints(read_only=False, destructive=False, idempotent=True),
    ),
    _control_spec(
        "skip",
        "Skip the current job",
        "Abandon the running job without saving: the model stays as it was before the job and the data file "
        "moves to inbox/skipped/. The job's training progress is lost. " + WAIT_NOTE,
        Hints(read_only=False, destructive=True, idempotent=False),
    ),
]
