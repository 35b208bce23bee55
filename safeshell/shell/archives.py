"""Member names of archives that ``tar -x`` and ``unzip`` would extract.

Extracting writes every member below the target directory, so the members
are the paths written. Zip archives list their members cheaply at any size;
tar archives are read only up to :data:`MAX_TAR_BYTES` because a compressed
tar must be decompressed to list it. None means the members are unknown.
"""

from __future__ import annotations

import os
import tarfile
import zipfile

MAX_TAR_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 10_000


def members(path: str | None) -> list[str] | None:
    """Return the member names of the archive at ``path``, or None when unknown."""
    if path is None or not os.path.isfile(path):
        return None
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        elif os.path.getsize(path) <= MAX_TAR_BYTES and tarfile.is_tarfile(path):
            names = []
            with tarfile.open(path) as archive:
                for member in archive:
                    names.append(member.name)
                    if len(names) > MAX_MEMBERS:
                        return None
        else:
            return None
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError, ValueError):
        return None
    if len(names) > MAX_MEMBERS:
        return None
    return [name for name in names if name and "\0" not in name]
