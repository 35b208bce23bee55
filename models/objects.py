"""Content-addressed, write-once object files: ``objects/<2 hex>/<sha256>``.

The store's object directory also keeps seals (``objects/seals.jsonl``):
each line records the ``stat`` of one object (size, mtime, ctime, inode,
device) at a moment its bytes hashed to its name. A checkout copies an
object whose current ``stat`` equals its last seal without hashing it
again, because any write through the file system changes its ctime, and
ctime cannot be set back. File times are coarse (the kernel's clock tick), so
a write in the same tick as the seal could keep every stat value. As git does
for its index, a seal is therefore trusted only for an object whose ctime is
at least ``RACY_WINDOW_NS`` older than the moment the seal was recorded. Full verification (``versions verify``) always
hashes, renews the seals of objects that pass and revokes the seals of
objects that fail, so a version that failed verification is hashed (and
rejected) by the next checkout too.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from models import fsutil
from models.errors import StoreError
from models.records import Problem, ProblemKind

logger = logging.getLogger(__name__)

OBJECT_MODE = 0o444
SEALS_NAME = "seals.jsonl"
# Rewrite the seal log without superseded lines once it has this many more lines than objects.
SEALS_SLACK = 1000

RACY_WINDOW_NS = 2_000_000_000

StatKey = list[int]
Seal = tuple[StatKey, int]  # the object's stat and when the seal was recorded (ns since the epoch)


def stat_key(status: os.stat_result) -> StatKey:
    return [status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev]


class ObjectStore:
    """The objects directory of a store or of a backup.

    ``seals`` turns the seal log on; backups keep none, because their
    directory holds only what their manifest lists.
    """

    def __init__(self, root: Path, *, seals: bool = False) -> None:
        self.root = root
        self.temp_dir = root / "tmp"
        self.seals_file = root / SEALS_NAME if seals else None

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
        # The bytes were hashed as they were written to the private temp file,
        # and the rename keeps the inode, so the object is sealed right away.
        self.seal([digest])

    def check(self, digest: str, size: int, *, scope: str = "") -> Problem | None:
        """Stream one object through SHA-256; return the problem found, if any."""
        path = self.path(digest)
        try:
            found_digest, found_size = self.hash_and_seal(digest)
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

    def hash_and_seal(self, digest: str) -> tuple[str, int]:
        """Hash one object; return (digest, size) and seal it when it matches its name. Raises OSError.

        The seal records the ``stat`` taken before hashing, and only when the
        ``stat`` after hashing is the same, so a write during the hash
        leaves the object unsealed.
        """
        path = self.path(digest)
        before = stat_key(os.stat(path))
        found_digest, found_size = fsutil.hash_file(path)
        if found_digest == digest and found_size == before[0] and stat_key(os.stat(path)) == before:
            self._append([{"sha256": digest, "stat": before, "at": time.time_ns()}])
        return found_digest, found_size

    def check_and_seal(self, digest: str, size: int, *, scope: str = "") -> Problem | None:
        """Hash one object like :meth:`check`, and revoke its seal when it fails."""
        problem = self.check(digest, size, scope=scope)
        if problem is not None:
            self.revoke([digest])
        return problem

    def load_seals(self) -> dict[str, Seal]:
        """Return the last seal of each object; an unreadable log counts as empty."""
        if self.seals_file is None:
            return {}
        try:
            raw = self.seals_file.read_bytes()
        except OSError:
            return {}
        seals: dict[str, Seal | None] = {}
        lines = raw.splitlines()
        for line in lines:
            try:
                record = json.loads(line)
                key, at = record["stat"], record.get("at")
                seals[record["sha256"]] = (key, at) if isinstance(key, list) and isinstance(at, int) else None
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # a line torn by a crash seals nothing
        live = {digest: seal for digest, seal in seals.items() if seal is not None}
        if len(lines) > len(live) + SEALS_SLACK:
            self._compact(live)
        return live

    def is_sealed(self, seals: dict[str, Seal], digest: str, size: int) -> bool:
        """Tell whether the object still has the ``stat`` it had when it last hashed to ``digest``."""
        seal = seals.get(digest)
        if seal is None:
            return False
        key, at = seal
        if len(key) != 5 or key[2] >= at - RACY_WINDOW_NS:
            return False  # changed too close to the seal for its times to tell a later write apart
        try:
            status = os.stat(self.path(digest))
        except OSError:
            return False
        return status.st_size == size and stat_key(status) == key

    def seal(self, digests: Iterable[str]) -> None:
        """Record the current ``stat`` of objects whose bytes just hashed to their names."""
        lines = []
        for digest in digests:
            try:
                key: StatKey | None = stat_key(os.stat(self.path(digest)))
            except OSError:
                continue
            lines.append({"sha256": digest, "stat": key, "at": time.time_ns()})
        self._append(lines)

    def revoke(self, digests: Iterable[str]) -> None:
        """Record that objects failed a check, so no checkout trusts their earlier seals."""
        self._append([{"sha256": digest, "stat": None} for digest in digests])

    def _append(self, records: list[dict[str, object]]) -> None:
        if self.seals_file is None or not records:
            return
        data = "".join(json.dumps(record, separators=(",", ":")) + "\n" for record in records).encode()
        try:
            # One O_APPEND write per call keeps lines of concurrent writers whole.
            # No fsync: a lost seal costs one more hash, never a wrong result.
            fd = os.open(self.seals_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
        except OSError as exc:
            logger.warning("cannot record object seals in %s: %s", self.seals_file, exc.strerror)

    def _compact(self, live: dict[str, Seal]) -> None:
        # A seal appended by another process during the rewrite may be lost,
        # which only costs that object one more hash.
        assert self.seals_file is not None
        lines = [{"sha256": digest, "stat": key, "at": at}
                 for digest, (key, at) in sorted(live.items()) if self.path(digest).exists()]
        data = "".join(json.dumps(record, separators=(",", ":")) + "\n" for record in lines).encode()
        try:
            fsutil.write_bytes_atomic(self.seals_file, data)
        except StoreError as exc:
            logger.warning("cannot compact the object seals in %s: %s", self.seals_file, exc.message)

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
