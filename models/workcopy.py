"""Materialize a version as real files beside ``current_model/`` and swap it in.

The copy is never a hard link into the store, because ``torch.save`` and
``save_pretrained`` rewrite some files in place and would alter the object.
A reflink clone shares blocks copy-on-write, so it is as safe as a copy.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from models import fsutil
from models.background import BackgroundThreads
from models.errors import VerificationError
from models.objects import ObjectStore
from models.records import FileEntry, Problem, ProblemKind, Version, VerifyReport

logger = logging.getLogger(__name__)

WORKING_FILE_MODE = 0o644  # readable by group and others; safetensors itself writes 0600
WORKERS = max(1, min(4, os.cpu_count() or 1))
REMOVAL_NICE = 19  # the background removal of a replaced copy yields the CPU to everything else

_removals = BackgroundThreads()


def incoming_path(current_model: Path, version_id: str) -> Path:
    return current_model.parent / fsutil.temp_name(f"{current_model.name}.incoming-{version_id}")


def build_working_copy(
    objects: ObjectStore, version: Version, destination: Path, *, sync_files: bool = True
) -> VerifyReport:
    """Copy every file of ``version`` into the new directory ``destination`` and verify every object.

    Two thread pools run side by side: one copies (reflink clone, else
    ``copy_file_range``, starting writeback as it goes) and one hashes the
    objects whose seal no longer matches their ``stat`` (see
    :mod:`models.objects`). Only when every object matched its manifest
    digest are the copied files fsynced, all in parallel, then their
    directories. With ``sync_files`` false the files themselves are left
    to writeback (the caller records that, see :mod:`models.syncing`).
    Raises :class:`VerificationError` (and removes ``destination``) when
    any object is missing or does not hash to its manifest digest.
    """
    report = VerifyReport(scope=version.id)
    destination.mkdir(mode=0o755)
    try:
        for directory in sorted({str(Path(entry.path).parent) for entry in version.files}):
            if directory != ".":
                (destination / directory).mkdir(mode=0o755, parents=True, exist_ok=True)

        clone_supported = _probe_clone(objects, version, destination)
        # Largest first, so the last file to finish is a small one and no thread idles long.
        largest_first = sorted(version.files, key=lambda entry: entry.size, reverse=True)
        seals = objects.load_seals()
        with ThreadPoolExecutor(max_workers=WORKERS) as copiers, ThreadPoolExecutor(max_workers=WORKERS) as hashers:
            try:
                hashes: dict[FileEntry, Future[tuple[str, int] | OSError]] = {}
                for entry in largest_first:
                    if objects.is_sealed(seals, entry.sha256, entry.size):
                        hashes[entry] = _done((entry.sha256, entry.size))
                    else:
                        hashes[entry] = hashers.submit(_hash_object, objects, entry)
                copies = {
                    entry: copiers.submit(_copy_object, objects, entry, destination, clone_supported, sync_files)
                    for entry in largest_first
                }
                for entry in version.files:
                    report.checked_files += 1
                    report.checked_bytes += entry.size
                    problem = _check_copy(objects, entry, copies[entry].result(), hashes[entry].result(), version.id)
                    if problem is not None:
                        report.problems.append(problem)
                if not report.ok:
                    objects.revoke(entry.sha256 for entry in version.files if hashes[entry].result() != (entry.sha256, entry.size))
                    raise VerificationError(
                        f"version {version.id} failed verification; current_model/ was left unchanged:\n"
                        + "\n".join(f"  {problem}" for problem in report.problems),
                        report=report,
                        hint="restore it from a verified backup with 'trainctl backups restore BACKUP_ID' "
                        "(list them with 'trainctl backups list'), or choose another version",
                    )
                if sync_files:
                    # Writeback of every file is already under way, so these fsyncs mostly wait for the disk.
                    for synced in [copiers.submit(fsutil.fsync_file, destination / entry.path) for entry in largest_first]:
                        synced.result()
            except BaseException:
                copiers.shutdown(cancel_futures=True)
                hashers.shutdown(cancel_futures=True)
                raise
        for directory, _subdirectories, _names in os.walk(destination, topdown=False):
            fsutil.fsync_dir(Path(directory))
        fsutil.fsync_dir(destination.parent)
    except OSError as exc:
        fsutil.remove_tree(destination)
        raise fsutil.os_failure(exc, "building", destination) from exc
    except BaseException:
        fsutil.remove_tree(destination)
        raise
    return report


def _done(result: tuple[str, int]) -> Future[tuple[str, int] | OSError]:
    future: Future[tuple[str, int] | OSError] = Future()
    future.set_result(result)
    return future


def _probe_clone(objects: ObjectStore, version: Version, destination: Path) -> bool:
    """Tell whether reflinks work between the object store and ``destination``."""
    probe = destination / fsutil.temp_name(".clone-probe")
    for entry in version.files:
        source = objects.path(entry.sha256)
        if source.exists():
            try:
                supported = fsutil.clone_file(source, probe, mode=WORKING_FILE_MODE, sync=False)
            except OSError:
                supported = False
            probe.unlink(missing_ok=True)
            return supported
    return False


def _copy_object(objects: ObjectStore, entry: FileEntry, destination: Path, clone: bool, writeback: bool) -> int | None:
    """Copy one object to its place in ``destination`` without fsync; return its size, None if it is missing."""
    source = objects.path(entry.sha256)
    target = destination / entry.path
    try:
        # NOTE: only test_working_copy_is_a_reflink_clone runs a successful clone, and it
        # is skipped unless the tests run as root with mkfs.xfs installed.
        if clone and fsutil.clone_file(source, target, mode=WORKING_FILE_MODE, sync=False):
            copied_size = os.stat(target).st_size
        else:
            copied_size = fsutil.kernel_copy(source, target, mode=WORKING_FILE_MODE, sync=False, writeback=writeback)
        os.chmod(target, WORKING_FILE_MODE)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise fsutil.os_failure(exc, "copying", source) from exc
    return copied_size


def _hash_object(objects: ObjectStore, entry: FileEntry) -> tuple[str, int] | OSError:
    """Hash the object behind ``entry``; return (digest, size) or the error that stopped the read.

    The object is hashed rather than the copy: objects are read-only, the
    kernel copies exactly what it reads, and hashing while another thread
    copies keeps the checkout close to plain copy speed.
    """
    try:
        return objects.hash_and_seal(entry.sha256)
    except OSError as exc:
        return exc


def _check_copy(
    objects: ObjectStore, entry: FileEntry, copied_size: int | None, hashed: tuple[str, int] | OSError, scope: str
) -> Problem | None:
    """Compare one copied object with its manifest entry; return the problem found, if any."""
    source = str(objects.path(entry.sha256))
    if copied_size is None:
        return Problem(ProblemKind.MISSING, source, f"object of {entry.path!r} is missing", scope)
    if isinstance(hashed, OSError):
        return Problem(ProblemKind.UNREADABLE, source, f"cannot be read: {hashed.strerror}", scope)
    digest, size = hashed
    if size < entry.size:
        return Problem(ProblemKind.TRUNCATED, source, f"object of {entry.path!r} has {size} bytes, expected {entry.size}", scope)
    if size != entry.size or digest != entry.sha256 or copied_size != size:
        return Problem(ProblemKind.ALTERED, source, f"object of {entry.path!r} hashes to {digest}", scope)
    return None


def swap_directories(current_model: Path, incoming: Path, old: Path) -> None:
    """Make ``incoming`` the working copy atomically; the replaced copy ends at ``incoming`` or ``old``.

    With renameat2(RENAME_EXCHANGE) the old copy is at ``incoming`` afterwards;
    with two renames it is at ``old``. Raises OSError.
    """
    if not current_model.exists():
        os.rename(incoming, current_model)
    elif not fsutil.exchange(current_model, incoming):
        # NOTE: between these two renames current_model/ does not exist; recovery
        # finishes the swap from the journal.
        os.rename(current_model, old)
        os.rename(incoming, current_model)
    fsutil.fsync_dir(current_model.parent)


def discard(path: Path, trash_dir: Path) -> None:
    """Move a replaced working copy into ``trash_dir`` and remove it in a background thread.

    Unlinking a large model takes a noticeable share of a checkout (freeing
    its extents and cached pages), so it runs after the swap has committed.
    Where the rename fails (``trash_dir`` on another file system), the copy is
    removed where it is. Either name carries this process's pid, so recovery
    removes the remains when the process dies before the thread finishes.
    The thread is not a daemon: the interpreter waits for it before exiting.
    """
    if not path.exists():
        return
    try:
        trash_dir.mkdir(exist_ok=True)
        aside = trash_dir / fsutil.temp_name("working-copy")
        os.rename(path, aside)
    except OSError as exc:
        logger.debug("removing %s in place: cannot move it into %s (%s)", path, trash_dir, exc)
        aside = path
    _removals.start(_remove_quietly, aside, name=f"remove {aside.name}")


def removals_pending() -> bool:
    """Tell whether a replaced working copy of this process is still being removed."""
    return _removals.pending()


def wait_for_removals() -> None:
    """Block until every replaced working copy that this process discarded is removed."""
    _removals.wait()


def _remove_quietly(path: Path) -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), REMOVAL_NICE)
    except OSError as exc:
        logger.debug("removing %s at normal priority: %s", path, exc)
    try:
        fsutil.remove_tree(path)
    except OSError as exc:
        logger.warning("could not remove the replaced working copy %s (%s); recovery removes it once this process has exited", path, exc)
