"""Tools over the model store's versions: list, show, rollback, restore, delete."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import anyio.to_thread
from pydantic import Field

from mcp_server.errors import ToolArgumentError
from mcp_server.gate import Plan, ToolCall
from mcp_server.registry import READ_ONLY, Hints, NoArguments, ToolInput, ToolOutput, ToolSpec
from models.records import Version
from models.store import Store
from safeshell.operations import Operation, OperationKind
from safeshell.workspace import Workspace

T = TypeVar("T")

VERSION_ID_PATTERN = r"^v[0-9]{3,9}$"
MAX_LISTED_FILES = 1000


class VersionListInput(ToolInput):
    limit: int = Field(default=50, ge=1, le=1000, description="How many of the newest versions to list (1 to 1000).")


class VersionIdInput(ToolInput):
    version_id: str = Field(pattern=VERSION_ID_PATTERN, description='A version id such as "v003".')


class VersionChangeInput(ToolInput):
    version_id: str = Field(pattern=VERSION_ID_PATTERN, description='A version id such as "v003".')


class VersionInfo(ToolOutput):
    """One recorded model version."""

    id: str
    parent: str | None
    created_at: str
    reason: str
    total_bytes: int
    file_count: int
    pinned: bool
    current: bool  # the version the current-version pointer names
    metadata: dict[str, Any]  # training data, metrics, library versions, stop reason


class FileInfo(ToolOutput):
    path: str
    size: int
    sha256: str


class VersionListing(ToolOutput):
    current: str | None
    versions: list[VersionInfo]  # oldest first
    total: int  # versions in the store, listed or not


class VersionDetail(ToolOutput):
    version: VersionInfo
    files: list[FileInfo]
    files_truncated: bool  # true when the manifest has more than the listed files


class VersionChange(ToolOutput):
    version: VersionInfo  # the version that current_model/ now contains
    previous: str | None  # the version the pointer named before
    message: str


class VersionDeleted(ToolOutput):
    deleted: str
    message: str


def version_info(version: Version, current_id: str | None) -> VersionInfo:
    return VersionInfo(
        id=version.id,
        parent=version.parent,
        created_at=version.created_at,
        reason=version.reason,
        total_bytes=version.total_bytes,
        file_count=len(version.files),
        pinned=version.pinned,
        current=version.id == current_id,
        metadata=dict(version.metadata),
    )


async def with_store(workspace: Workspace, action: Callable[[Store], T]) -> T:
    """Run ``action`` on the workspace's store in a worker thread (it may wait for the store lock)."""
    return await anyio.to_thread.run_sync(lambda: action(Store.for_workspace(workspace)))


async def version_list(call: ToolCall) -> VersionListing:
    arguments: VersionListInput = call.arguments  # type: ignore[assignment]

    def read(store: Store) -> VersionListing:
        current_id = store.current_id()
        versions = store.versions()
        listed = versions[-arguments.limit :]
        return VersionListing(
            current=current_id, versions=[version_info(v, current_id) for v in listed], total=len(versions)
        )

    return await with_store(call.workspace, read)


async def version_show(call: ToolCall) -> VersionDetail:
    arguments: VersionIdInput = call.arguments  # type: ignore[assignment]

    def read(store: Store) -> VersionDetail:
        version = store.get(arguments.version_id)
        files = [FileInfo(path=e.path, size=e.size, sha256=e.sha256) for e in version.files[:MAX_LISTED_FILES]]
        return VersionDetail(
            version=version_info(version, store.current_id()),
            files=files,
            files_truncated=len(version.files) > MAX_LISTED_FILES,
        )

    return await with_store(call.workspace, read)


async def version_rollback(call: ToolCall) -> VersionChange:
    def change(store: Store) -> VersionChange:
        previous = store.current_id()
        version = store.rollback()
        return VersionChange(
            version=version_info(version, store.current_id()),
            previous=previous,
            message=f"current_model/ is now {version.id} (rolled back from {previous}).",
        )

    return await with_store(call.workspace, change)


async def version_restore(call: ToolCall) -> VersionChange:
    arguments: VersionChangeInput = call.arguments  # type: ignore[assignment]

    def change(store: Store) -> VersionChange:
        previous = store.current_id()
        version = store.checkout(arguments.version_id, reason=f"restore of {arguments.version_id} (MCP)")
        return VersionChange(
            version=version_info(version, store.current_id()),
            previous=previous,
            message=f"current_model/ is now {version.id} (was {previous}); the live model was recorded first "
            "if it had changed.",
        )

    return await with_store(call.workspace, change)


def plan_version_delete(call: ToolCall) -> Plan:
    """Refuse what the store would refuse before a human is asked to approve it."""
    arguments: VersionChangeInput = call.arguments  # type: ignore[assignment]
    target = arguments.version_id
    store = Store.for_workspace(call.workspace)
    store.get(target)  # VersionNotFoundError
    if target == store.current_id():
        raise ToolArgumentError(
            f"version {target!r} is the current version and cannot be deleted",
            hint="restore another version first (version_restore), then delete this one",
        )
    if target in store.pinned():
        raise ToolArgumentError(
            f"version {target!r} is pinned", hint=f"unpin it first with 'trainctl versions unpin {target}'"
        )
    if target in store.job_protected():
        raise ToolArgumentError(
            f"version {target!r} is used by a running training job and cannot be deleted",
            hint="wait for the job to finish (training_status shows it), then retry",
        )
    path = str(store.versions_dir / target)
    return Plan(
        touched=(path,),
        operations=(Operation(OperationKind.DELETE, (path,), source="version_delete"),),
    )


async def version_delete(call: ToolCall) -> VersionDeleted:
    arguments: VersionChangeInput = call.arguments  # type: ignore[assignment]
    target = arguments.version_id

    def delete(store: Store) -> VersionDeleted:
        # Checks again under the store lock: the version may have become
        # current, pinned or job-locked since the plan (DeleteRefusedError).
        store.delete_version(target)
        return VersionDeleted(deleted=target, message=f"Deleted {target} and the objects no other version uses.")

    return await with_store(call.workspace, delete)


SPECS = [
    ToolSpec(
        name="version_list",
        title="List model versions",
        description="List recorded model versions, oldest first (at most `limit`, the newest ones), with the "
        "current one marked.",
        input_model=VersionListInput,
        output_model=VersionListing,
        hints=READ_ONLY,
        handler=version_list,
    ),
    ToolSpec(
        name="version_show",
        title="Show a model version",
        description=f"Show one version's metadata and manifest (the first {MAX_LISTED_FILES} files).",
        input_model=VersionIdInput,
        output_model=VersionDetail,
        hints=READ_ONLY,
        handler=version_show,
    ),
    ToolSpec(
        name="version_rollback",
        title="Roll back the model",
        description="Replace current_model/ with the parent of the current version, verified and swapped in "
        "atomically. A live model that changed since its version is recorded as a new version first, so the "
        "rollback can be undone. Needs approval under the default policy.",
        input_model=NoArguments,
        output_model=VersionChange,
        hints=Hints(read_only=False, destructive=True, idempotent=False),
        handler=version_rollback,
    ),
    ToolSpec(
        name="version_restore",
        title="Restore a model version",
        description="Replace current_model/ with the given version, verified and swapped in atomically; the live "
        "model is recorded first if it changed. Needs approval on a terminal under the default policy.",
        input_model=VersionChangeInput,
        output_model=VersionChange,
        hints=Hints(read_only=False, destructive=True, idempotent=True),
        handler=version_restore,
    ),
    ToolSpec(
        name="version_delete",
        title="Delete a model version",
        description="Delete one version and the stored files no other version uses. The current and pinned "
        "versions and those a running job uses are kept; nothing is deleted while any version fails "
        "verification. Needs approval on a terminal under the default policy.",
        input_model=VersionChangeInput,
        output_model=VersionDeleted,
        hints=Hints(read_only=False, destructive=True, idempotent=True),
        handler=version_delete,
        plan=plan_version_delete,
    ),
]
