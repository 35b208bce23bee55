"""Retention: pins, job locks, prune and delete, which decide what the store may delete."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from models import fsutil
from models.errors import CorruptStoreError, DeleteRefusedError, PruneRefusedError
from models.records import FORMAT

if TYPE_CHECKING:
    from models.store import Store

logger = logging.getLogger(__name__)


def pinned(store: Store) -> set[str]:
    if not store.pins_file.exists():
        return set()
    return set(fsutil.read_json(store.pins_file, what="pin list").get("pinned", []))


def pin(store: Store, version_id: str) -> None:
    with store.locked():
        store.get(version_id)
        fsutil.write_json_atomic(store.pins_file, {"format": FORMAT, "pinned": sorted(pinned(store) | {version_id})})
        logger.info("pinned %s", version_id)


def unpin(store: Store, version_id: str) -> None:
    with store.locked():
        fsutil.write_json_atomic(store.pins_file, {"format": FORMAT, "pinned": sorted(pinned(store) - {version_id})})
        logger.info("unpinned %s", version_id)


@contextmanager
def job_lock(store: Store, version_ids: set[str]) -> Iterator[Path]:
    """Protect ``version_ids`` from prune while this process runs a job."""
    store.jobs_dir.mkdir(parents=True, exist_ok=True)
    path = store.jobs_dir / f"job-p{os.getpid()}.json"
    fsutil.write_json_atomic(path, {"format": FORMAT, "pid": os.getpid(), "versions": sorted(version_ids)})
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def job_protected(store: Store) -> set[str]:
    """Versions named by job lock files of live processes."""
    protected: set[str] = set()
    if not store.jobs_dir.is_dir():
        return protected
    for path in store.jobs_dir.glob("job-p*.json"):
        try:
            data = fsutil.read_json(path, what="job lock")
        except CorruptStoreError:
            continue
        if fsutil.pid_alive(int(data.get("pid", 0))):
            protected.update(data.get("versions", []))
    return protected


def prune(store: Store, keep: int, *, protected: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Remove all but the last ``keep`` versions, and objects no remaining version needs.

    Never removes the current, pinned, ``protected`` or job-locked
    versions. Refuses (removing nothing) while any stored version fails
    verification.
    """
    if keep < 1:
        raise PruneRefusedError(f"--keep must be at least 1, got {keep!r}", hint="pass --keep N with N >= 1")
    with store.locked():
        store._finish_interrupted_swap()
        _refuse_unless_verified(store, "prune")
        ids = store.version_ids()
        kept = set(ids[-keep:]) | pinned(store) | set(protected) | job_protected(store)
        current_id = store.current_id()
        if current_id:
            kept.add(current_id)
        removed = [version_id for version_id in ids if version_id not in kept]
        for version_id in removed:
            _remove_version_directory(store, version_id)
            logger.info("pruned %s", version_id)
        collect_garbage(store)
        return removed


def delete_version(store: Store, version_id: str) -> None:
    """Remove one version, and the objects no remaining version references.

    Refuses (removing nothing) for the current version, a pinned version, a
    version a live job lock names, an unknown id, and while any stored
    version fails verification. The newest version and the ancestors of the
    current version may be deleted: each manifest lists every file of its
    version, so no version needs its parent's directory or objects. Backups
    are self-contained copies at their target and reference no store object.
    """
    with store.locked():
        store._finish_interrupted_swap()
        store.get(version_id)  # VersionNotFoundError names the id and how to list versions
        if version_id == store.current_id():
            raise DeleteRefusedError(
                f"version {version_id!r} is the current version (current_model/ contains it), so it was not deleted",
                hint="restore another version first with 'trainctl versions restore ID', then delete this one",
            )
        if version_id in pinned(store):
            raise DeleteRefusedError(
                f"version {version_id!r} is pinned, so it was not deleted",
                hint=f"unpin it first with 'trainctl versions unpin {version_id}', then retry",
            )
        if version_id in job_protected(store):
            raise DeleteRefusedError(
                f"version {version_id!r} is used by a running training job, so it was not deleted",
                hint="wait for the job to finish ('trainctl status' shows it), then retry",
            )
        _refuse_unless_verified(store, "delete")
        if int(version_id[1:]) == store.highest_id_number():
            # Written before the directory goes, so a crash in between cannot
            # free the id for reuse.
            fsutil.write_json_atomic(store.deleted_id_file, {"format": FORMAT, "version": version_id})
        _remove_version_directory(store, version_id)
        logger.info("deleted %s", version_id)
        collect_garbage(store)


def _refuse_unless_verified(store: Store, operation: str) -> None:
    """Raise when any stored version fails verification (lock held)."""
    report = store.verify(working_copy=False)
    if report.ok:
        return
    error = PruneRefusedError if operation == "prune" else DeleteRefusedError
    raise error(
        f"{operation} refused: the store has {len(report.problems)} problem(s):\n"
        + "\n".join(f"  {problem}" for problem in report.problems[:20]),
        hint="repair it first ('trainctl versions verify' lists the problems; "
        "'trainctl backups restore ID' restores a version), then retry",
    )


def _remove_version_directory(store: Store, version_id: str) -> None:
    """Rename the version out of the id namespace, then remove it (lock held).

    After the rename and the directory fsync, no reader sees the version. A
    crash before the tree is removed leaves a ``.trash-`` directory, which
    recovery removes. Objects only that version used stay until the next
    prune or delete collects them.
    """
    trash = store.versions_dir / fsutil.temp_name(f".trash-{version_id}")
    os.rename(store.versions_dir / version_id, trash)
    fsutil.fsync_dir(store.versions_dir)
    fsutil.remove_tree(trash)


def collect_garbage(store: Store) -> int:
    """Remove objects no version references (lock held)."""
    referenced = {entry.sha256 for version in store.versions() for entry in version.files}
    removed = 0
    for name, path in store.objects.digests():
        if name not in referenced:
            path.unlink(missing_ok=True)
            removed += 1
    logger.info("removed %d unreferenced object(s)", removed)
    return removed
