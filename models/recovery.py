"""Recovery after a crash: finish swaps, drop stale temporary files, repair the event log.

Cheap enough to run before every command: it lists a few directories and
reads one or two small files. Temporary names carry their writer's pid, so a
file that a live process is still writing is left alone.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

from models import fsutil
from models.errors import CorruptStoreError

if TYPE_CHECKING:
    from models.store import Store

logger = logging.getLogger(__name__)


def recover(store: Store) -> list[str]:
    """Repair what a crash left behind (store lock held); return one line per fix."""
    fixed: list[str] = []
    if store._finish_interrupted_swap():
        fixed.append(f"finished an interrupted swap; current_model/ is {store.current_id()}")

    from models import syncing

    fixed.extend(syncing.settle(store))

    parent = store.current_model.parent
    prefixes = (f"{store.current_model.name}.incoming-", f"{store.current_model.name}.old-")
    if parent.is_dir():
        for name in sorted(os.listdir(parent)):
            if name.startswith(prefixes) and fsutil.is_stale(name):
                fsutil.remove_tree(parent / name)
                fixed.append(f"removed an unfinished working copy {name}")

    for directory, prefixes_here in (
        (store.objects.temp_dir, (".tmp",)),
        (store.versions_dir, (".tmp-", ".trash-")),
        (store.models_dir, (".",)),
        (store.versions_dir, (".",)),
        (store.trash_dir, ("",)),
    ):
        fixed.extend(_remove_stale(directory, prefixes_here))

    if store.jobs_dir.is_dir():
        for path in sorted(store.jobs_dir.glob("job-p*.json")):
            if fsutil.is_stale(path.stem):
                path.unlink(missing_ok=True)
                fixed.append(f"released the job lock {path.name} of a process that no longer runs")

    fixed.extend(_repair_event_log(store))

    from models import backup

    fixed.extend(backup.recover_backups(store))
    for line in fixed:
        logger.warning("recovery: %s", line)
    return fixed


def _remove_stale(directory: Path, prefixes: tuple[str, ...]) -> list[str]:
    fixed: list[str] = []
    if not directory.is_dir():
        return fixed
    for name in sorted(os.listdir(directory)):
        if name.startswith(prefixes) and "-p" in name and fsutil.is_stale(name):
            fsutil.remove_tree(directory / name)
            fixed.append(f"removed the temporary {str(directory / name)!r}")
    return fixed


def _repair_event_log(store: Store) -> list[str]:
    """Append a ``recovered`` event when a crash came between the pointer write and its event."""
    try:
        current_id = store.current_id()
    except CorruptStoreError as exc:
        logger.error("%s", exc.message)
        return []
    if current_id is None:
        return []
    events = store.events()
    last = events[-1].get("to") if events else None
    if last == current_id:
        return []
    fsutil.append_line(
        store.events_file,
        {
            "format": 1,
            "at": fsutil.utc_now(),
            "event": "recovered",
            "from": last,
            "to": current_id,
            "reason": "the pointer moved before its event was written",
            "pid": os.getpid(),
        },
    )
    return [f"logged the pointer move to {current_id} that a crash left unrecorded"]
