"""Deferred durability of a working copy that a checkout has just swapped in.

A working copy is derived data: every byte of it is also in a store object
that was fsynced before its version existed. So a checkout swaps the new
copy in as soon as the kernel has copied it, without waiting for the disk,
and a background thread then fsyncs every file. A marker,
``models/unsynced/<name>.json``, is written (durably) before the swap and
removed after that fsync:

    {"format": 1, "version": "v002", "boot_id": "8d3c...", "at": "2026-12-04T23:20:00.000000Z"}

Recovery settles a marker whose process is gone. When the machine has not
restarted since (same ``boot_id``), the page cache still contains every byte,
so fsyncing the files is enough. After a restart, the bytes may never have
reached the disk: the working copy is hashed against the version's manifest
and rebuilt from the store objects, durably, if any file differs. Until the
background fsync ends, a power loss can lose nothing but this derivable copy.

NOTE: recovery runs when the trainer starts and before every ``trainctl
versions``/``backups`` command. A program that reads ``current_model/``
directly after a power loss that hit the flush (about 0.6 s per GiB on an
SSD) and before any of those can read damaged files.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from models import fsutil
from models.background import BackgroundThreads
from models.errors import CorruptStoreError

if TYPE_CHECKING:
    from models.records import Version
    from models.store import Store

logger = logging.getLogger(__name__)

FORMAT = 1
BOOT_ID_FILE = Path("/proc/sys/kernel/random/boot_id")

_syncs = BackgroundThreads()


def boot_id() -> str | None:
    """Return the kernel's id of the current boot, or None where the system has none."""
    try:
        return BOOT_ID_FILE.read_text(encoding="ascii").strip() or None
    except OSError:
        return None


def mark(store: Store, version_id: str) -> Path:
    """Durably record that the working copy of ``version_id`` is about to be swapped in unsynced."""
    store.unsynced_dir.mkdir(exist_ok=True)
    marker = store.unsynced_dir / f"{fsutil.temp_name('swap')}.json"
    fsutil.write_json_atomic(
        marker, {"format": FORMAT, "version": version_id, "boot_id": boot_id(), "at": fsutil.utc_now()}
    )
    return marker


def sync_in_background(marker: Path, working_copy: Path) -> None:
    """Fsync every file of ``working_copy`` in a thread, then remove ``marker``.

    The thread is not a daemon, so the interpreter waits for it before it
    exits; a process killed first leaves the marker for recovery.
    """
    _syncs.start(_sync, marker, working_copy, name=f"sync {marker.name}")


def wait_for_syncs() -> None:
    """Block until every working copy this process swapped in is on disk."""
    _syncs.wait()


def _sync(marker: Path, working_copy: Path) -> None:
    try:
        _fsync_tree(working_copy)
        marker.unlink(missing_ok=True)
        fsutil.fsync_dir(marker.parent)
    except OSError as exc:
        logger.warning("could not flush %s to disk (%s); recovery flushes it once this process has exited",
                       working_copy, exc)


def _fsync_tree(root: Path) -> None:
    for directory, _subdirectories, names in os.walk(root):
        for name in names:
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                fsutil.fsync_file(path)


def settle(store: Store) -> list[str]:
    """Finish the markers of processes that are gone (store lock held); return one line per fix."""
    fixed: list[str] = []
    if not store.unsynced_dir.is_dir():
        return fixed
    for marker in sorted(store.unsynced_dir.glob("*.json")):
        if not fsutil.is_stale(marker.stem):
            continue  # the process that wrote it is still flushing
        fixed.append(_settle_one(store, marker))
        marker.unlink(missing_ok=True)
        fsutil.fsync_dir(store.unsynced_dir)
    return fixed


def _settle_one(store: Store, marker: Path) -> str:
    try:
        record = fsutil.read_json(marker, what="unsynced working copy marker")
        version_id = record["version"]
        marked_boot = record.get("boot_id")
    except (CorruptStoreError, KeyError, TypeError):
        version_id, marked_boot = store.current_id(), None  # unreadable: assume the worst
    if version_id is None or version_id != store.current_id():
        return f"dropped the marker {marker.name}: a later checkout replaced that working copy"
    if marked_boot is not None and marked_boot == boot_id():
        _fsync_tree(store.current_model)
        return f"flushed the working copy of {version_id} that a process left unsynced"
    version = store.get(version_id)
    if _matches(store.current_model, version):
        _fsync_tree(store.current_model)
        return f"checked the working copy of {version_id} after a restart: intact, now flushed"
    store.rebuild_working_copy(version)
    return f"rebuilt current_model/ as {version_id}: a restart lost data that had not reached the disk"


def _matches(working_copy: Path, version: Version) -> bool:
    for entry in version.files:
        try:
            found = fsutil.hash_file(working_copy / entry.path)
        except OSError:
            return False
        if found != (entry.sha256, entry.size):
            return False
    return True
