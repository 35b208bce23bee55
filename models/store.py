"""The model store: versions of ``current_model/`` as manifests over write-once objects.

The on-disk format, its invariants and the order of writes are specified in
``docs/store-format.md``. Every pointer move, version id allocation, swap and
object removal happens under ``store.lock`` (an ``flock``, released by the
kernel if its holder dies).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import filelock

from models import fsutil, retention, scan, syncing, workcopy
from models.errors import (
    CorruptStoreError,
    StoreBusyError,
    StoreError,
    VersionNotFoundError,
)
from models.manifest import json_bytes, library_versions, parse_manifest_files
from models.objects import ObjectStore
from models.records import FORMAT, Backup, FileChange, FileEntry, Version, VerifyReport

if TYPE_CHECKING:
    from safeshell.workspace import Workspace

logger = logging.getLogger(__name__)

VERSION_ID = re.compile(r"^v(\d{3,})$")
RESERVED_METADATA = ("format", "version", "parent", "created_at", "reason")
DEFAULT_LOCK_TIMEOUT_S = 600.0


class Store:
    """Versions, pointer, working copy and backups of one workspace's model."""

    def __init__(
        self,
        models_dir: Path,
        current_model: Path,
        *,
        backup_target: Path | None = None,
        lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    ) -> None:
        self.models_dir = Path(models_dir).absolute()
        self.current_model = Path(current_model).absolute()
        self.objects = ObjectStore(self.models_dir / "objects", seals=True)
        self.versions_dir = self.models_dir / "versions"
        self.pointer_file = self.models_dir / "CURRENT"
        self.events_file = self.models_dir / "events.jsonl"
        self.pins_file = self.models_dir / "pins.json"
        # The newest id a deleted version had, so a later version never reuses it.
        self.deleted_id_file = self.models_dir / "deleted-id.json"
        self.cache_file = self.models_dir / "stat-cache.json"
        self.journal_file = self.models_dir / "swap.json"
        self.jobs_dir = self.models_dir / "jobs"
        self.refs_dir = self.models_dir / "backup-refs"
        # Replaced working copies wait here until a background thread has removed them.
        self.trash_dir = self.models_dir / "trash"
        # Markers of working copies swapped in before their files reached the disk (models.syncing).
        self.unsynced_dir = self.models_dir / "unsynced"
        self.default_backup_target = self.models_dir / "backups"
        self.backup_target = Path(backup_target).absolute() if backup_target else self.default_backup_target
        self._lock = filelock.FileLock(self.models_dir / "store.lock", timeout=lock_timeout_s)

    @classmethod
    def for_workspace(cls, workspace: Workspace) -> Store:
        """Open the store of ``workspace``, taking ``backup_target`` from its config.json."""
        target: Path | None = None
        try:
            config = json.loads(workspace.config_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            logger.debug("no usable config.json for backup_target (%s); using models/backups", exc)
            config = {}
        value = config.get("backup_target") if isinstance(config, dict) else None
        if isinstance(value, str) and value:
            target = Path(value).expanduser()
            if not target.is_absolute():
                target = workspace.root / target
        return cls(workspace.models_dir, workspace.current_model, backup_target=target)

    # --- locking and recovery -------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store lock (re-entrant within one Store object)."""
        self._ensure_dirs()
        try:
            with self._lock:
                yield
        except filelock.Timeout as exc:
            raise StoreBusyError(
                f"the store lock {str(self._lock.lock_file)!r} is held by another process",
                hint="wait for the running snapshot, backup or restore to finish, then retry",
            ) from exc

    def _ensure_dirs(self) -> None:
        try:
            for directory in (self.models_dir, self.objects.root, self.versions_dir):
                directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise fsutil.os_failure(exc, "creating", self.models_dir) from exc

    def recover(self, *, wait: bool = True) -> list[str]:
        """Finish or undo what a crash interrupted; return one line per fix.

        With ``wait=False``, return at once when another process holds the
        store lock: that process is alive and recovers before its own work.
        """
        from models import recovery

        if not wait:
            self._ensure_dirs()
            try:
                self._lock.acquire(timeout=0)
            except filelock.Timeout:
                logger.debug("store lock busy; recovery left to its holder")
                return []
            try:
                return recovery.recover(self)
            finally:
                self._lock.release()
        with self.locked():
            return recovery.recover(self)

    # --- reading ---------------------------------------------------------------

    def current(self) -> Version | None:
        """Return the version the pointer names, or None before the first version."""
        version_id = self.current_id()
        return self.get(version_id) if version_id else None

    def current_id(self) -> str | None:
        if not self.pointer_file.exists():
            return None
        data = fsutil.read_json(
            self.pointer_file,
            what="version pointer",
            hint="check 'trainctl versions list', then point at a good version with 'trainctl versions restore ID'",
        )
        version_id = data.get("version")
        if not isinstance(version_id, str) or not VERSION_ID.match(version_id):
            raise CorruptStoreError(f"version pointer {str(self.pointer_file)!r} names an invalid id {version_id!r}")
        return version_id

    def version_ids(self) -> list[str]:
        if not self.versions_dir.is_dir():
            return []
        names = [name for name in os.listdir(self.versions_dir) if VERSION_ID.match(name)]
        return sorted(names, key=lambda name: int(name[1:]))

    def highest_id_number(self) -> int:
        """Return the number of the newest id ever allocated (0 before the first version).

        Counts deleted versions too, so an id never names two different models.
        """
        ids = self.version_ids()
        highest = int(ids[-1][1:]) if ids else 0
        if self.deleted_id_file.exists():
            deleted = fsutil.read_json(self.deleted_id_file, what="deleted version id").get("version")
            if not isinstance(deleted, str) or not VERSION_ID.match(deleted):
                raise CorruptStoreError(
                    f"{str(self.deleted_id_file)!r} names an invalid version id {deleted!r}",
                    hint="write the newest id any version ever had, e.g. "
                    '{"format": 1, "version": "v007"}, into that file',
                )
            highest = max(highest, int(deleted[1:]))
        return highest

    def versions(self) -> list[Version]:
        """Return every readable version, oldest first; unreadable ones are logged and left out."""
        found = []
        for version_id in self.version_ids():
            try:
                found.append(self.get(version_id))
            except CorruptStoreError as exc:
                logger.warning("%s", exc.message)
        return found

    def get(self, version_id: str) -> Version:
        """Load one version; raises VersionNotFoundError or CorruptStoreError."""
        directory = self.versions_dir / version_id
        if not VERSION_ID.match(version_id) or not directory.is_dir():
            known = self.version_ids()
            listing = ", ".join(known[-5:]) if known else "none yet"
            raise VersionNotFoundError(
                f"no version {version_id!r} in {str(self.versions_dir)!r} (latest: {listing})",
                hint="list the versions with 'trainctl versions list'",
            )
        hint = f"run 'trainctl versions verify {version_id}'; restore it from a backup with 'trainctl backups restore ID'"
        manifest = fsutil.read_json(directory / "manifest.json", what=f"manifest of {version_id}", hint=hint)
        meta = fsutil.read_json(directory / "metadata.json", what=f"metadata of {version_id}", hint=hint)
        files = parse_manifest_files(manifest, directory / "manifest.json")
        return Version(
            id=version_id,
            parent=meta.get("parent"),
            created_at=str(meta.get("created_at", "")),
            reason=str(meta.get("reason", "")),
            metadata=meta,
            files=files,
            total_bytes=sum(entry.size for entry in files),
            pinned=version_id in self.pinned(),
        )

    def events(self) -> list[dict[str, Any]]:
        """Return every pointer move, oldest first (a torn last line is skipped)."""
        if not self.events_file.exists():
            return []
        events = []
        for line in self.events_file.read_text(encoding="utf-8").splitlines():
            try:
                events.append(json.loads(line))
            except json.JSONDecodeError:
                logger.warning("skipping an unreadable line in %s", self.events_file)
        return events

    # --- recording -------------------------------------------------------------

    def snapshot(self, *, reason: str, metadata: dict[str, Any] | None = None) -> Version:
        """Record ``current_model/`` as a version and point at it.

        When it matches the current version's manifest, return that version
        (no new version; costs one stat per file).
        """
        with self.locked():
            self._finish_interrupted_swap()
            return self._snapshot_locked(reason=reason, metadata=metadata or {})

    def _snapshot_locked(self, *, reason: str, metadata: dict[str, Any]) -> Version:
        old_cache = self._read_cache()
        entries, cache = scan.record_directory(self.current_model, self.objects, old_cache)
        current_id = self.current_id()
        try:
            current = self.get(current_id) if current_id else None
        except CorruptStoreError as exc:
            # The live model must still be recordable when its version's files are damaged.
            logger.warning("recording current_model/ as a new version: %s", exc.message)
            current = None
        if current is not None and tuple(entries) == current.files:
            if cache != old_cache:
                self._write_cache(current.id, cache)
            logger.debug("current_model/ matches %s; no new version", current.id)
            return current

        logger.info("recording current_model/ (%d files): %s", len(entries), reason)
        version = self._write_version(entries, parent=current_id, reason=reason, metadata=metadata)
        self._move_pointer(version.id, event="snapshot", previous=current_id, reason=reason)
        self._write_cache(version.id, cache)
        logger.info("recorded %s (%d files, %d bytes)", version.id, len(version.files), version.total_bytes)
        return version

    def commit_directory(self, source: Path, *, parent: str | None, reason: str, metadata: dict[str, Any]) -> Version:
        """Record ``source`` (a training output directory) as a new version; the pointer does not move."""
        with self.locked():
            if parent is not None:
                self.get(parent)
            logger.info("recording %s: %s", source, reason)
            entries, _cache = scan.record_directory(Path(source), self.objects, None)
            version = self._write_version(entries, parent=parent, reason=reason, metadata=metadata)
            logger.info("recorded %s (%d files, %d bytes)", version.id, len(version.files), version.total_bytes)
            return version

    def _write_version(
        self, entries: list[FileEntry], *, parent: str | None, reason: str, metadata: dict[str, Any]
    ) -> Version:
        """Write manifest and metadata under a temp name, then rename into place (lock held)."""
        version_id = f"v{self.highest_id_number() + 1:03d}"
        meta: dict[str, Any] = {
            "format": FORMAT,
            "version": version_id,
            "parent": parent,
            "created_at": fsutil.utc_now(),
            "reason": reason,
            "libraries": library_versions(),
        }
        meta.update({key: value for key, value in metadata.items() if key not in RESERVED_METADATA})
        manifest = {
            "format": FORMAT,
            "version": version_id,
            "total_bytes": sum(entry.size for entry in entries),
            "files": [entry.to_dict() for entry in entries],
        }

        temp = self.versions_dir / fsutil.temp_name(f".tmp-{version_id}")
        try:
            temp.mkdir()
            fsutil.write_bytes_atomic(temp / "manifest.json", json_bytes(manifest))
            fsutil.write_bytes_atomic(temp / "metadata.json", json_bytes(meta))
            os.rename(temp, self.versions_dir / version_id)
            fsutil.fsync_dir(self.versions_dir)
        except OSError as exc:
            fsutil.remove_tree(temp)
            raise fsutil.os_failure(exc, "writing version", self.versions_dir / version_id) from exc
        except StoreError:
            fsutil.remove_tree(temp)
            raise
        return self.get(version_id)

    def _move_pointer(self, version_id: str, *, event: str, previous: str | None, reason: str) -> None:
        fsutil.write_json_atomic(
            self.pointer_file, {"format": FORMAT, "version": version_id, "updated_at": fsutil.utc_now()}
        )
        fsutil.append_line(
            self.events_file,
            {
                "format": FORMAT,
                "at": fsutil.utc_now(),
                "event": event,
                "from": previous,
                "to": version_id,
                "reason": reason,
                "pid": os.getpid(),
            },
        )

    def _read_cache(self) -> scan.StatCache | None:
        try:
            data = json.loads(self.cache_file.read_text(encoding="utf-8"))
            files = data["files"]
            return files if isinstance(files, dict) else None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _write_cache(self, version_id: str, cache: scan.StatCache) -> None:
        try:
            fsutil.write_json_atomic(self.cache_file, {"format": FORMAT, "version": version_id, "files": cache})
        except StoreError as exc:
            logger.warning("stat cache not written (the next snapshot re-hashes): %s", exc.message)

    # --- working copy ----------------------------------------------------------

    def checkout(self, version_id: str, *, reason: str | None = None) -> Version:
        """Make ``current_model/`` a verified copy of ``version_id`` and point at it.

        A live model that drifted from its version is recorded first, so the
        checkout can be undone. Raises VerificationError if the version fails
        verification; then nothing changes.
        """
        with self.locked():
            self._finish_interrupted_swap()
            target = self.get(version_id)
            live = self.current_model.is_dir() and any(self.current_model.iterdir())
            previous = self._preserve_live_model(f"live model before checkout of {version_id}")
            # A deleted or emptied working copy must be rebuilt even when the pointer names the target.
            if previous == version_id and live:
                logger.info("current_model/ already is %s", version_id)
                return target
            self._swap_in(target, previous=previous, reason=reason or f"checkout of {version_id}")
            return target

    def rollback(self) -> Version:
        """Check out the parent of the current version (after recording any drift)."""
        with self.locked():
            self._finish_interrupted_swap()
            current_id = self._preserve_live_model("live model before rollback")
            if current_id is None:
                raise StoreError("there is no current version to roll back from", hint="record one with 'trainctl versions snapshot'")
            parent = self.get(current_id).parent
            if parent is None:
                raise StoreError(
                    f"version {current_id} has no parent to roll back to",
                    hint="choose a version with 'trainctl versions list' and 'trainctl versions restore ID'",
                )
            logger.info("rolling back from %s to %s", current_id, parent)
            return self.checkout(parent, reason=f"rollback from {current_id}")

    def _preserve_live_model(self, reason: str) -> str | None:
        """Record current_model/ if it drifted; return the id the pointer names afterwards."""
        has_files = self.current_model.is_dir() and any(names for _d, _s, names in os.walk(self.current_model))
        if not has_files:
            return self.current_id()
        return self._snapshot_locked(reason=reason, metadata={}).id

    def _swap_in(self, target: Version, *, previous: str | None, reason: str, durable: bool = False) -> None:
        """Build ``target`` beside current_model/ and swap it in (steps 2-6 of the spec).

        Unless ``durable``, the files are not fsynced before the swap: a
        marker is written first and a background thread flushes them after
        (see :mod:`models.syncing`).
        """
        incoming = workcopy.incoming_path(self.current_model, target.id)
        if workcopy.removals_pending() and shutil.disk_usage(incoming.parent).free < target.total_bytes:
            logger.info("waiting for the removal of a replaced working copy to free disk space")
            workcopy.wait_for_removals()
        logger.info("building %s from %s", incoming.name, target.id)
        workcopy.build_working_copy(self.objects, target, incoming, sync_files=durable)
        marker = None if durable else syncing.mark(self, target.id)
        journal = {
            "format": FORMAT,
            "target": target.id,
            "previous": previous,
            "reason": reason,
            "incoming": str(incoming),
            "incoming_inode": os.stat(incoming).st_ino,
        }
        fsutil.write_json_atomic(self.journal_file, journal)
        self._complete_swap(journal)
        if marker is not None:
            syncing.sync_in_background(marker, self.current_model)

    def rebuild_working_copy(self, version: Version) -> None:
        """Replace current_model/ with a durable copy of ``version`` without recording it first (store lock held).

        Recovery calls this when a restart lost bytes of a working copy that
        was swapped in unsynced, so the damaged copy is not worth keeping.
        """
        self._swap_in(version, previous=self.current_id(), reason="rebuilt after a restart", durable=True)

    def _complete_swap(self, journal: dict[str, Any]) -> None:
        """Run the swap described by ``journal`` from wherever it stopped (steps 4-6 of the spec)."""
        incoming = Path(journal["incoming"])
        old = incoming.with_name(incoming.name.replace(".incoming-", ".old-", 1))
        try:
            swapped = self.current_model.exists() and os.stat(self.current_model).st_ino == journal["incoming_inode"]
            if not swapped:
                if incoming.exists():
                    workcopy.swap_directories(self.current_model, incoming, old)
                elif old.exists() and not self.current_model.exists():
                    raise CorruptStoreError(f"swap journal {str(self.journal_file)!r} names a missing incoming copy")
        except OSError as exc:
            raise fsutil.os_failure(exc, "swapping in", self.current_model) from exc
        if not self.current_model.is_dir():
            raise CorruptStoreError(
                f"swap journal {str(self.journal_file)!r} names {incoming.name!r}, but neither it nor "
                f"{str(self.current_model)!r} exists",
                hint=f"restore the model with 'trainctl versions restore {journal['target']}' after removing {self.journal_file.name}",
            )

        target_id = journal["target"]
        if self.current_id() != target_id:
            self._move_pointer(target_id, event="checkout", previous=journal.get("previous"), reason=journal.get("reason", ""))
        for leftover in (incoming, old):
            workcopy.discard(leftover, self.trash_dir)
        self._cache_working_copy(self.get(target_id))
        self.journal_file.unlink(missing_ok=True)
        fsutil.fsync_dir(self.models_dir)
        logger.info("current_model/ is now %s", target_id)

    def _finish_interrupted_swap(self) -> bool:
        if not self.journal_file.exists():
            return False
        journal = fsutil.read_json(self.journal_file, what="swap journal")
        logger.warning("finishing an interrupted swap to %s", journal.get("target"))
        self._complete_swap(journal)
        return True

    def _cache_working_copy(self, version: Version) -> None:
        """Record stat results of the freshly built working copy, so the next snapshot hashes nothing."""
        cache: scan.StatCache = {}
        for entry in version.files:
            try:
                st = os.stat(self.current_model / entry.path)
            except OSError:
                return
            cache[entry.path] = [*scan.stat_key(st), entry.sha256]
        self._write_cache(version.id, cache)

    # --- integrity -------------------------------------------------------------

    def verify(self, version_id: str | None = None, *, working_copy: bool = True) -> VerifyReport:
        """Hash every stored byte of one version, or of the whole store and the working copy."""
        from models import verify

        if version_id is not None:
            return verify.verify_version(self, self.get(version_id))
        return verify.verify_store(self, working_copy=working_copy)

    def diff(self, a: str, b: str) -> list[FileChange]:
        """List files added, removed or modified going from version ``a`` to ``b``."""
        old = {entry.path: entry for entry in self.get(a).files}
        new = {entry.path: entry for entry in self.get(b).files}
        changes = []
        for path in sorted(old.keys() | new.keys()):
            before, after = old.get(path), new.get(path)
            if before is None:
                changes.append(FileChange(path, "added", None, after))
            elif after is None:
                changes.append(FileChange(path, "removed", before, None))
            elif before != after:
                changes.append(FileChange(path, "modified", before, after))
        return changes

    # --- pins, jobs, prune, delete (implemented in models.retention) --------------------

    def pinned(self) -> set[str]:
        return retention.pinned(self)

    def pin(self, version_id: str) -> None:
        retention.pin(self, version_id)

    def unpin(self, version_id: str) -> None:
        retention.unpin(self, version_id)

    def job_lock(self, version_ids: set[str]) -> contextlib.AbstractContextManager[Path]:
        """Protect ``version_ids`` from prune while this process runs a job."""
        return retention.job_lock(self, version_ids)

    def job_protected(self) -> set[str]:
        return retention.job_protected(self)

    def prune(self, keep: int, *, protected: set[str] | frozenset[str] = frozenset()) -> list[str]:
        """Remove all but the last ``keep`` versions, and objects no remaining version needs.

        Never removes the current, pinned, ``protected`` or job-locked
        versions. Refuses (removing nothing) while any stored version fails
        verification.
        """
        return retention.prune(self, keep, protected=protected)

    def delete_version(self, version_id: str) -> None:
        """Remove one version, and the objects no remaining version references.

        Refuses (removing nothing, raising DeleteRefusedError or
        VersionNotFoundError) for the current version, a pinned or job-locked
        version, an unknown id, and while any stored version fails
        verification. The newest version and the current version's ancestors
        may be deleted, because every manifest is self-contained.
        """
        retention.delete_version(self, version_id)

    # --- backups (implemented in models.backup) --------------------------------

    def create_backup(
        self, version_id: str | None = None, *, kind: str = "scheduled", reason: str = "", target: Path | None = None
    ) -> Backup:
        from models import backup

        return backup.create(self, version_id, kind=kind, reason=reason, target=target)

    def backups(self) -> list[Backup]:
        from models import backup

        return backup.list_backups(self)

    def verify_backup(self, backup_id: str, *, sample_percent: float | None = None) -> VerifyReport:
        from models import backup

        return backup.verify(self, backup_id, sample_percent=sample_percent)

    def restore_backup(self, backup_id: str) -> Version:
        from models import backup

        return backup.restore(self, backup_id)

    def delete_backup(self, backup_id: str) -> None:
        from models import backup

        backup.delete(self, backup_id)
