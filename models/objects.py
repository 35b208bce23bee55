"""Content-addressed, write-once object files: ``objects/<2 hex>/<sha256>``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from models import fsutil
from models.records import Problem, ProblemKind

OBJECT_MODE = 0o444


class ObjectStore:
    """The objects directory of a store or of a backup."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.temp_dir = root / "tmp"

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest

    def has(self, digest: str, size: int) -> bool:
        """Tell whether the object exists with the expected size (content is checked by verify)."""
        try:
            return os.stat(self.path(digest)).st_size == size
        except OSError:
            return False

    def put_file(self, source: Path) -> tuple[str, int]:
        """Store the bytes of ``source``; return (digest, size). Raises OSError.

        The bytes are hashed as they are copied, so the name always matches
        the content even if ``source`` changes meanwhile.
        """
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        temp = self.temp_dir / fsutil.temp_name(".tmp")
        try:
            digest, size = fsutil.copy_hashing(source, temp, mode=OBJECT_MODE)
            self._install(temp, digest, size)
        finally:
            temp.unlink(missing_ok=True)
        return digest, size

    def put_verified_copy(self, source: Path, digest: str, size: int) -> bool:
        """Copy an object from another object directory if its bytes hash to ``digest``.

        Returns False (storing nothing) when the source is altered or truncated.
        """
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        temp = self.temp_dir / fsutil.temp_name(".tmp")
        try:
            found_digest, found_size = fsutil.copy_hashing(source, temp, mode=OBJECT_MODE)
            if (found_digest, found_size) != (digest, size):
                return False
            self._install(temp, digest, size)
        finally:
            temp.unlink(missing_ok=True)
        return True

    def _install(self, temp: Path, digest: str, size: int) -> None:
        final = self.path(digest)
        if self.has(digest, size) and self.check(digest, size) is None:
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, final)
        fsutil.fsync_dir(final.parent)

    def check(self, digest: str, size: int, *, scope: str = "") -> Problem | None:
        """Stream one object through SHA-256; return the problem found, if any."""
        path = self.path(digest)
        try:
            found_digest, found_size = fsutil.hash_file(path)
        except FileNotFoundError:
            return Problem(ProblemKind.MISSING, str(path), f"object of {size} bytes is missing", scope)
        except OSError as exc:
            return Problem(ProblemKind.UNREADABLE, str(path), f"cannot be read: {exc.strerror}", scope)
        if found_size < size:
            return Problem(ProblemKind.TRUNCATED, str(path), f"has {found_size} bytes, expected {size}", scope)
        if found_size != size:
            return Problem(ProblemKind.ALTERED, str(path), f"has {found_size} bytes, expected {size}", scope)
        if found_digest != digest:
            return Problem(ProblemKind.ALTERED, str(path), f"content hashes to {found_digest}", scope)
        return None

    def digests(self) -> Iterator[tuple[str, Path]]:
        """Yield (name, path) of every file under the object directories except temp files."""
        if not self.root.is_dir():
            return
        for prefix in sorted(os.listdir(self.root)):
            directory = self.root / prefix
            if prefix == "tmp" or not directory.is_dir():
                continue
            for name in sorted(os.listdir(directory)):
                yield name, directory / name

    def remove(self, digest: str) -> None:
        self.path(digest).unlink(missing_ok=True)
