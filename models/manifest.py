"""Manifest and metadata helpers: validating entries, serializing, library versions."""

from __future__ import annotations

import functools
import json
import re
import sys
from pathlib import Path
from typing import Any

from models.errors import CorruptStoreError
from models.records import FileEntry

LIBRARIES = ("safeshell", "torch", "transformers", "tokenizers", "safetensors", "accelerate")


def parse_manifest_files(manifest: dict[str, Any], path: Path) -> tuple[FileEntry, ...]:
    """Validate the ``files`` list of a manifest; raises CorruptStoreError naming the entry."""
    raw = manifest.get("files")
    if not isinstance(raw, list):
        raise CorruptStoreError(f"manifest {str(path)!r} has no 'files' list")
    entries = []
    for index, item in enumerate(raw):
        valid = (
            isinstance(item, dict)
            and isinstance(item.get("path"), str)
            and isinstance(item.get("size"), int)
            and isinstance(item.get("sha256"), str)
            and re.fullmatch(r"[0-9a-f]{64}", item["sha256"]) is not None
        )
        if not valid or item["path"].startswith("/") or ".." in item["path"].split("/"):
            raise CorruptStoreError(f"manifest {str(path)!r}: entry {index} is invalid: {item!r}")
        entries.append(FileEntry(item["path"], item["size"], item["sha256"]))
    return tuple(entries)


def json_bytes(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=1) + "\n").encode()


@functools.cache
def library_versions() -> dict[str, str]:
    """Versions of Python and the libraries a model depends on, read without importing them."""
    from importlib import metadata as importlib_metadata  # slow to import; needed only here

    found = {"python": sys.version.split()[0]}
    for name in LIBRARIES:
        try:
            found[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            continue
    return found
