"""Materialize a version as real files beside ``current_model/`` and swap it in.

The copy is never a hard link into the store, because ``torch.save`` and
``save_pretrained`` rewrite some files in place and would alter the object.
A reflink clone shares blocks copy-on-write, so it is as safe as a copy.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from models import fsutil
from models.errors import VerificationError
from models.objects import ObjectStore
from models.records import FileEntry, Problem, ProblemKind, Version, VerifyReport

logger = logging.getLogger(__name__)

WORKING_FILE_MODE = 0o644  # readable by group and others; safetensors itself writes 0600
WORKERS = max(1, min(4, os.cpu_count() or 1))


def incoming_path(current_model: Path, version_id: str) -> Path:
    return current_model.parent / fsutil.temp_name(f"{current_model.name}.incoming-{version_id}")


def build_working_copy(objects: ObjectStore, version: Version, destination: Path) -> VerifyReport:
    """Copy every file of ``version`` into the new directory ``destination``, hashing each byte.

    Raises :class:`VerificationError` (and removes ``destination``) when any
    object is missing or does not hash to its manifest digest.
    """
    report = VerifyReport(scope=version.id)
    destination.mkdir(mode=0o755)
    try:
        for directory in sorted({str(Path(entry.path).parent) for entry in version.files}):
            if directory != ".":
                (destination / directory).mkdir(mode=0o755, parents=True, exist_ok=True)

        clone_supported = _probe_clone(objects, version, destination)
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            results = pool.map(
                lambda entry: _copy_one(objects, entry, destination, clone_supported, version.id), version.files
            )
            for entry, problem in zip(version.files, results, strict=True):
                report.checked_files += 1
                report.checked_bytes += entry.size
                if problem is not None:
                    report.problems.append(problem)

        if not report.ok:
            raise VerificationError(
                f"version {version.id} failed verification; current_model/ was left unchanged:\n"
                + "\n".join(f"  {problem}" for problem in report.problems),
                report=report,
                hint="restore it from a verified backup with 'trainctl backups restore BACKUP_ID' "
                "(list them with 'trainctl backups list'), or choose another version",
            )
        for directory, _subdirectories, _names in os.walk(destination):
            fsutil.fsync_dir(Path(directory))
    except BaseException:
        fsutil.remove_tree(destination)
        raise
    return report


def _probe_clone(objects: ObjectStore, version: Version, destination: Path) -> bool:
    """Tell whether reflinks work between the object store and ``destination``."""
    probe = destination / fsutil.temp_name(".clone-probe")
    for entry in version.files:
        source = objects.path(entry.sha256)
        if source.exists():
            try:
                supported = fsutil.clone_file(source, probe, mode=WORKING_FILE_MODE)
            except OSError:
                supported = False
            probe.unlink(missing_ok=True)
            return supported
    return False


def _copy_one(
    objects: ObjectStore, entry: FileEntry, destination: Path, clone: bool, scope: str
) -> Problem | None:
    """Copy one object with the kernel while another thread hashes it; return its problem, if any.

    The object is hashed rather than the copy: objects are read-only and the
    kernel copies exactly what it reads, and hashing in parallel with the copy
    keeps the checkout close to plain copy speed.
    """
    source = objects.path(entry.sha256)
    target = destination / entry.path
    hashed: dict[str, tuple[str, int] | OSError] = {}

    def hash_source() -> None:
        try:
            hashed["result"] = fsutil.hash_file(source)
        except OSError as exc:
            hashed["result"] = exc

    hasher = threading.Thread(target=hash_source, name=f"hash {entry.path}")
    hasher.start()
    try:
        # NOTE: the reflink branch has only run where FICLONE is unsupported (ext4,
        # tmpfs); no test covers a successful clone.
        if not (clone and fsutil.clone_file(source, target, mode=WORKING_FILE_MODE)):
            fsutil.kernel_copy(source, target, mode=WORKING_FILE_MODE)
        os.chmod(target, WORKING_FILE_MODE)
        copied_size = os.stat(target).st_size
    except FileNotFoundError:
        hasher.join()
        return Problem(ProblemKind.MISSING, str(source), f"object of {entry.path!r} is missing", scope)
    except OSError as exc:
        hasher.join()
        raise fsutil.os_failure(exc, "copying", source) from exc
    hasher.join()

    result = hashed["result"]
    if isinstance(result, OSError):
        return Problem(ProblemKind.UNREADABLE, str(source), f"cannot be read: {result.strerror}", scope)
    digest, size = result
    if size < entry.size:
        return Problem(ProblemKind.TRUNCATED, str(source), f"object of {entry.path!r} has {size} bytes, expected {entry.size}", scope)
    if size != entry.size or digest != entry.sha256 or copied_size != size:
        return Problem(ProblemKind.ALTERED, str(source), f"object of {entry.path!r} hashes to {digest}", scope)
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
