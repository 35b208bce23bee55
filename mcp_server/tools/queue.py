"""Tools over the training queue of data files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal, TypeVar

import anyio.to_thread
from pydantic import Field

from mcp_server.gate import Plan, ToolCall
from mcp_server.paths import relative_to_root, resolve_file_inside
from mcp_server.registry import READ_ONLY, Hints, NoArguments, ToolInput, ToolOutput, ToolSpec
from safeshell.operations import Operation, OperationKind
from safeshell.workspace import Workspace
from trainer.data import DataSummary, validate_file
from trainer.queue import Queue, QueueEntry

T = TypeVar("T")

MAX_PATH_CHARS = 4096
PRIORITY_LIMIT = 1000
Priority = Literal["high", "normal", "low"] | Annotated[int, Field(ge=-PRIORITY_LIMIT, le=PRIORITY_LIMIT)]
PRIORITY_DESCRIPTION = (
    f"'high' (10), 'normal' (0), 'low' (-10) or an integer from -{PRIORITY_LIMIT} to {PRIORITY_LIMIT}; "
    "higher runs first."
)


class QueueAddInput(ToolInput):
    file: str = Field(
        max_length=MAX_PATH_CHARS,
        description="A JSONL data file inside the workspace (relative to the workspace root, or absolute). "
        "A file outside inbox/ is copied into inbox/.",
    )
    priority: Priority = Field(default="normal", description=PRIORITY_DESCRIPTION)


class QueueEntryInput(ToolInput):
    entry_id: int = Field(ge=1, description="The queue entry's id, as queue_list shows it.")


class QueueSetPriorityInput(ToolInput):
    entry_id: int = Field(ge=1, description="The queue entry's id, as queue_list shows it.")
    priority: Priority = Field(description=PRIORITY_DESCRIPTION)


class QueueItem(ToolOutput):
    """One data file in the queue; ``file`` is relative to the workspace root."""

    id: int
    file: str
    priority: int
    state: str  # queued, running, done, failed, skipped, missing or removed
    added_at: str
    digest: str
    lines: int
    records: int
    size: int
    attempts: int
    head: bool  # returned to the head of the queue after a stop or pause


class QueueListing(ToolOutput):
    entries: list[QueueItem]  # run order: the running entry first


class QueueChange(ToolOutput):
    entry: QueueItem
    message: str


def _item(workspace: Workspace, entry: QueueEntry) -> QueueItem:
    return QueueItem(
        id=entry.id,
        file=relative_to_root(workspace, Path(entry.file)),
        priority=entry.priority,
        state=entry.state,
        added_at=entry.added_at,
        digest=entry.digest,
        lines=entry.lines,
        records=entry.records,
        size=entry.size,
        attempts=entry.attempts,
        head=entry.head,
    )


async def _with_queue(workspace: Workspace, action: Callable[[Queue], T]) -> T:
    """Run ``action`` on a fresh queue connection in a worker thread (SQLite may wait for its lock)."""

    def run() -> T:
        queue = Queue(workspace)
        try:
            return action(queue)
        finally:
            queue.close()

    return await anyio.to_thread.run_sync(run)


async def queue_list(call: ToolCall) -> QueueListing:
    entries = await _with_queue(call.workspace, lambda queue: queue.list())
    return QueueListing(entries=[_item(call.workspace, entry) for entry in entries])


async def plan_queue_add(call: ToolCall) -> Plan:
    arguments: QueueAddInput = call.arguments  # type: ignore[assignment]
    path = resolve_file_inside(call.workspace, arguments.file, argument="file")
    # An invalid file (DataError naming the line) is rejected before the policy decides, so
    # nothing is recorded or changed for it.
    summary = await anyio.to_thread.run_sync(validate_file, path)
    read = Operation(OperationKind.READ, (str(path),), source="queue_add")
    return Plan(touched=(str(path),), operations=(read,), data=summary)


async def queue_add(call: ToolCall) -> QueueChange:
    arguments: QueueAddInput = call.arguments  # type: ignore[assignment]
    summary: DataSummary = call.plan.data
    entry = await _with_queue(call.workspace, lambda queue: queue.add(summary.path, arguments.priority, summary=summary))
    item = _item(call.workspace, entry)
    return QueueChange(entry=item, message=f"Queued {item.file} as entry {item.id} with priority {item.priority}.")


async def queue_remove(call: ToolCall) -> QueueChange:
    arguments: QueueEntryInput = call.arguments  # type: ignore[assignment]
    entry = await _with_queue(call.workspace, lambda queue: queue.remove(arguments.entry_id))
    item = _item(call.workspace, entry)
    return QueueChange(entry=item, message=f"Removed entry {item.id}; its file is now {item.file}.")


async def queue_set_priority(call: ToolCall) -> QueueChange:
    arguments: QueueSetPriorityInput = call.arguments  # type: ignore[assignment]
    entry = await _with_queue(
        call.workspace, lambda queue: queue.set_priority(arguments.entry_id, arguments.priority)
    )
    item = _item(call.workspace, entry)
    return QueueChange(entry=item, message=f"Entry {item.id} now has priority {item.priority}.")


SPECS = [
    ToolSpec(
        name="queue_list",
        title="List the queue",
        description="List the queued and running data files in run order (running first, then entries "
        "returned to the head, then by priority and arrival).",
        input_model=NoArguments,
        output_model=QueueListing,
        hints=READ_ONLY,
        handler=queue_list,
    ),
    ToolSpec(
        name="queue_add",
        title="Queue a data file",
        description="Validate a JSONL data file inside the workspace and add it to the queue. Each line must be "
        'a JSON object with "text", "messages" or "prompt"/"completion"; an invalid file is rejected with the '
        "line and the problem, and nothing changes. Paths outside the workspace (also through symlinks) are "
        f"rejected; paths are at most {MAX_PATH_CHARS} characters.",
        input_model=QueueAddInput,
        output_model=QueueChange,
        hints=Hints(read_only=False, destructive=False, idempotent=False),
        handler=queue_add,
        plan=plan_queue_add,
    ),
    ToolSpec(
        name="queue_remove",
        title="Remove a queued file",
        description="Take a waiting entry off the queue; its data file moves to inbox/removed/. A running entry "
        "cannot be removed (use training_skip).",
        input_model=QueueEntryInput,
        output_model=QueueChange,
        hints=Hints(read_only=False, destructive=True, idempotent=True),
        handler=queue_remove,
    ),
    ToolSpec(
        name="queue_set_priority",
        title="Change a queue entry's priority",
        description="Set the priority of a queued or running entry; higher runs first.",
        input_model=QueueSetPriorityInput,
        output_model=QueueChange,
        hints=Hints(read_only=False, destructive=False, idempotent=True),
        handler=queue_set_priority,
    ),
]
