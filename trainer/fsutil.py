"""File helpers shared by the daemon and the job: atomic writes, digests, times."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

CHUNK_BYTES = 1 << 20


def utc_now() -> str:
    """Return the current UTC time as ISO 8601 with a Z suffix, in milliseconds."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def atomic_write_text(path: Path, text: str, *, durable: bool = False) -> None:
    """Write ``text`` to a temporary file beside ``path`` and rename it over ``path``.

    Readers see the old or the new content, never a mix. ``durable`` also
    fsyncs the file and its directory, so the rename survives a power loss.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        if durable:
            handle.flush()
            os.fsync(handle.fileno())
    os.replace(temporary, path)
    if durable:
        fsync_dir(path.parent)


def atomic_write_json(path: Path, data: Any, *, durable: bool = False) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n", durable=durable)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def fsync_file(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def unique_destination(directory: Path, name: str) -> Path:
    """Return ``directory/name``, or ``directory/STEM.N.SUFFIX`` when that exists."""
    directory.mkdir(parents=True, exist_ok=True)
    candidate = directory / name
    stem, dot, suffix = name.partition(".")
    number = 1
    while candidate.exists():
        number += 1
        candidate = directory / f"{stem}.{number}{dot}{suffix}"
    return candidate
