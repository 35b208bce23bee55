"""Record a directory's files into the object store, re-hashing only what changed.

A stat cache maps each path to (size, mtime_ns, ctime_ns, inode, sha256). A
file whose four stat values match its cache entry, and whose object exists,
is not read again. So a snapshot of an unchanged model costs one ``stat`` per
file. ``ctime_ns`` cannot be set from user space, so a rewrite
that restores size and mtime is still caught.
"""

from __future__ import annotations

import logging
import os
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from models.errors import ModelDirectoryError
from models.fsutil import os_failure
from models.objects import ObjectStore
from models.records import FileEntry

logger = logging.getLogger(__name__)

StatCache = dict[str, list]  # path -> [size, mtime_ns, ctime_ns, inode, sha256]
STABLE_READ_ATTEMPTS = 3
WORKERS = max(1, min(4, os.cpu_count() or 1))


def stat_key(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def list_files(root: Path) -> list[tuple[str, Path, os.stat_result]]:
    """List regular files under ``root`` as (relative POSIX path, path, stat), sorted.

    Symbolic links are followed; anything that is not a regular file after
    that (a socket, a dangling link) is an error naming the file.
    """
    if not root.is_dir():
        raise ModelDirectoryError(
            f"model directory {str(root)!r} is missing or not a directory",
            hint="restore the last version with 'trainctl versions restore ID' (list them with 'trainctl versions list')",
        )
    found: list[tuple[str, Path, os.stat_result]] = []
    for directory, subdirectories, names in os.walk(root):
        subdirectories.sort()
        for name in names:
            path = Path(directory) / name
            relative = path.relative_to(root).as_posix()
            try:
                st = os.stat(path)
            except OSError as exc:
                raise ModelDirectoryError(
                    f"cannot read {str(path)!r} in the model directory: {exc.strerror}",
                    hint="remove the broken link or fix its permissions, then retry",
                ) from exc
            if not stat.S_ISREG(st.st_mode):
                raise ModelDirectoryError(
                    f"{str(path)!r} is not a regular file; the store records only regular files",
                    hint="move it out of the model directory, then retry",
                )
            found.append((relative, path, st))
    found.sort(key=lambda item: item[0])
    if not found:
        raise ModelDirectoryError(
            f"model directory {str(root)!r} is empty; there is nothing to record",
            hint="restore a version with 'trainctl versions restore ID' (list them with 'trainctl versions list')",
        )
    return found


def record_directory(root: Path, objects: ObjectStore, cache: StatCache | None) -> tuple[list[FileEntry], StatCache]:
    """Store every file of ``root`` as an object; return its manifest entries and a new stat cache.

    Files whose stat matches the cache are not read; the rest are hashed and
    stored by a few threads (hashlib and file reads release the GIL).
    """
    known: dict[str, tuple[str, list[int]]] = {}
    changed: list[tuple[str, Path]] = []
    for relative, path, st in list_files(root):
        key = stat_key(st)
        cached = (cache or {}).get(relative)
        if cached is not None and cached[:4] == key and objects.has(cached[4], st.st_size):
            known[relative] = (cached[4], key)
        else:
            changed.append((relative, path))

    if changed:
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            stored = pool.map(lambda item: _store_stable(item[1], item[0], objects), changed)
            for (relative, _path), result in zip(changed, stored, strict=True):
                known[relative] = result

    entries: list[FileEntry] = []
    new_cache: StatCache = {}
    for relative in sorted(known):
        digest, key = known[relative]
        entries.append(FileEntry(relative, key[0], digest))
        new_cache[relative] = [*key, digest]
    return entries, new_cache


def _store_stable(path: Path, relative: str, objects: ObjectStore) -> tuple[str, list[int]]:
    """Store one file, retrying while it is being modified under us."""
    for _attempt in range(STABLE_READ_ATTEMPTS):
        try:
            before = stat_key(os.stat(path))
            logger.debug("hashing %s (%d bytes)", relative, before[0])
            digest, size = objects.put_file(path)
            after = stat_key(os.stat(path))
        except PermissionError as exc:
            raise ModelDirectoryError(
                f"cannot read {str(path)!r}: permission denied",
                hint=f"make it readable ('chmod u+r {path}'), then retry",
            ) from exc
        except FileNotFoundError as exc:
            raise ModelDirectoryError(
                f"{str(path)!r} disappeared while being recorded",
                hint="wait until nothing writes to the model directory, then retry",
            ) from exc
        except OSError as exc:
            raise os_failure(exc, "storing", path) from exc
        if before == after and size == after[0]:
            return digest, after
    raise ModelDirectoryError(
        f"{str(path)!r} kept changing while being recorded ({STABLE_READ_ATTEMPTS} attempts)",
        hint="stop the process writing to the model directory, then retry",
    )
