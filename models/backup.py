"""Backups: self-contained copies of a version at a backup target, verified by reading back.

A backup is only marked verified after every byte was read back from the
target (with its cached pages dropped first) and re-hashed. Creating one
holds the store lock, so prune cannot remove the objects being copied.
"""

from __future__ import annotations

import logging
import math
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models import fsutil
from models.errors import BackupError, CorruptStoreError, StoreError, VerificationError
from models.manifest import parse_manifest_files
from models.objects import ObjectStore
from models.records import FORMAT, Backup, Problem, ProblemKind, Version, VerifyReport
from models.workcopy import WORKERS

if TYPE_CHECKING:
    from models.store import Store

logger = logging.getLogger(__name__)

BACKUP_ID = re.compile(r"^b(\d{4,})$")
# Why a backup was taken: by hand, on a schedule, in an emergency, or before
# a risky operation ("pre-op").
KINDS = ("manual", "scheduled", "emergency", "pre-op")


def create(store: Store, version_id: str | None, *, kind: str, reason: str, target: Path | None) -> Backup:
    """Copy one version (default: the current one) to a backup target and verify it."""
    if kind not in KINDS:
        raise BackupError(f"unknown backup kind {kind!r}", hint=f"use one of {', '.join(KINDS)}")
    root = _usable_target(store, Path(target).absolute() if target else store.backup_target)
    # NOTE: the lock is held for the whole copy and read-back, so a snapshot
    # (for example before a training run) waits for a large backup to finish.
    with store.locked():
        version_id = version_id or store.current_id()
        if version_id is None:
            raise BackupError("there is no version to back up yet", hint="record one with 'trainctl versions snapshot'")
        version = store.get(version_id)
        backup_id = _allocate_id(store, root)
        logger.info("creating backup %s of %s at %s", backup_id, version.id, root)
        temp = root / fsutil.temp_name(f".tmp-{backup_id}")
        try:
            record = _write_backup(store, version, backup_id, kind, reason, temp)
            os.rename(temp, root / backup_id)
            fsutil.fsync_dir(root)
        except BaseException as exc:
            fsutil.remove_tree(temp)
            (store.refs_dir / f"{backup_id}.json").unlink(missing_ok=True)
            if isinstance(exc, OSError):
                raise BackupError(
                    f"backup {backup_id} to {str(root)!r} failed: {exc.strerror or exc}; nothing was marked verified",
                    hint="check that the backup target is mounted read-write with enough free space, then retry",
                ) from exc
            raise
        _write_ref(store, backup_id, root, pid=None)
        logger.info("backup %s of %s verified (%d bytes)", backup_id, version.id, version.total_bytes)
        return _to_backup(record, root)


def _usable_target(store: Store, root: Path) -> Path:
    if root == store.default_backup_target:
        root.mkdir(parents=True, exist_ok=True)
    if not root.is_dir():
        raise BackupError(
            f"backup target {str(root)!r} does not exist or is not a directory",
            hint="create or mount it, or set 'backup_target' in config.json (null means models/backups)",
        )
    if not os.access(root, os.W_OK):
        raise BackupError(
            f"backup target {str(root)!r} is not writable",
            hint="mount it read-write or fix its permissions, or choose another target",
        )
    return root


def _allocate_id(store: Store, root: Path) -> str:
    """Pick the next backup id and reserve it with a reference file (lock held)."""
    store.refs_dir.mkdir(parents=True, exist_ok=True)
    numbers = [int(m.group(1)) for name in os.listdir(store.refs_dir) if (m := BACKUP_ID.match(Path(name).stem))]
    numbers += [int(m.group(1)) for name in os.listdir(root) if (m := BACKUP_ID.match(name))]
    backup_id = f"b{max(numbers, default=0) + 1:04d}"
    _write_ref(store, backup_id, root, pid=os.getpid())
    return backup_id


def _write_ref(store: Store, backup_id: str, root: Path, *, pid: int | None, **extra: Any) -> None:
    data: dict[str, Any] = {"format": FORMAT, "id": backup_id, "target": str(root), **extra}
    if pid is not None:
        data["pid"] = pid
    fsutil.write_json_atomic(store.refs_dir / f"{backup_id}.json", data)


def _write_backup(store: Store, version: Version, backup_id: str, kind: str, reason: str, temp: Path) -> dict[str, Any]:
    objects = ObjectStore(temp / "objects")
    temp.mkdir()
    wanted = {entry.sha256: entry.size for entry in version.files}
    items = sorted(wanted.items())
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        copied = list(pool.map(lambda item: objects.put_verified_copy(store.objects.path(item[0]), *item), items))
    problems = [store.objects.check(digest, size, scope=version.id) for (digest, size), ok in zip(items, copied) if not ok]
    if problems:
        report = VerifyReport(scope=version.id, problems=[p for p in problems if p is not None])
        raise VerificationError(
            f"backup {backup_id} aborted: version {version.id} failed verification:\n"
            + "\n".join(f"  {problem}" for problem in report.problems),
            report=report,
            hint="back up another version, or repair this one from an older backup ('trainctl backups restore ID')",
        )
    fsutil.remove_tree(objects.temp_dir)

    version_dir = store.versions_dir / version.id
    record: dict[str, Any] = {
        "format": FORMAT,
        "id": backup_id,
        "version": version.id,
        "kind": kind,
        "reason": reason,
        "created_at": fsutil.utc_now(),
        "verified": False,
        "verified_at": None,
        "manifest": fsutil.read_json(version_dir / "manifest.json", what=f"manifest of {version.id}"),
        "metadata": fsutil.read_json(version_dir / "metadata.json", what=f"metadata of {version.id}"),
    }
    fsutil.write_json_atomic(temp / "backup.json", record)

    report = _read_back(objects, wanted, scope=backup_id)
    if not report.ok:
        raise VerificationError(
            f"backup {backup_id} failed read-back verification at {str(temp)!r}:\n"
            + "\n".join(f"  {problem}" for problem in report.problems),
            report=report,
            hint="the backup target returned different bytes than were written; check the disk, then retry",
        )
    record["verified"] = True
    record["verified_at"] = fsutil.utc_now()
    fsutil.write_json_atomic(temp / "backup.json", record)
    return record


def _read_back(objects: ObjectStore, wanted: dict[str, int], *, scope: str) -> VerifyReport:
    report = VerifyReport(scope=scope)

    def check(item: tuple[str, int]) -> Problem | None:
        try:
            fsutil.drop_cache(objects.path(item[0]))
        except OSError:
            pass  # check() below reports the missing or unreadable object
        return objects.check(item[0], item[1], scope=scope)

    items = sorted(wanted.items())
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        for (_digest, size), problem in zip(items, pool.map(check, items), strict=True):
            report.checked_files += 1
            report.checked_bytes += size
            if problem is not None:
                report.problems.append(problem)
    return report


def _ref(store: Store, backup_id: str) -> dict[str, Any]:
    path = store.refs_dir / f"{backup_id}.json"
    if not BACKUP_ID.match(backup_id) or not path.exists():
        raise BackupError(f"no backup {backup_id!r}", hint="list the backups with 'trainctl backups list'")
    return fsutil.read_json(path, what=f"reference of backup {backup_id}")


def _load(store: Store, backup_id: str) -> tuple[dict[str, Any], Path]:
    """Return (backup.json contents, backup directory); raises BackupError."""
    ref = _ref(store, backup_id)
    directory = Path(ref["target"]) / backup_id
    try:
        record = fsutil.read_json(directory / "backup.json", what=f"backup manifest of {backup_id}")
    except CorruptStoreError as exc:
        raise BackupError(exc.message, hint=f"the backup is unusable; delete it with 'trainctl backups delete {backup_id}'") from exc
    return record, directory


def _to_backup(record: dict[str, Any], root: Path) -> Backup:
    files = record.get("manifest", {}).get("files", [])
    return Backup(
        id=record["id"],
        version_id=record.get("version", ""),
        kind=record.get("kind", ""),
        created_at=record.get("created_at", ""),
        target=root,
        verified=bool(record.get("verified")),
        verified_at=record.get("verified_at"),
        reason=record.get("reason", ""),
        total_bytes=sum(item.get("size", 0) for item in files),
        file_count=len(files),
    )


def list_backups(store: Store) -> list[Backup]:
    """Return every backup with a reference, oldest first; an unreadable one shows as unverified."""
    if not store.refs_dir.is_dir():
        return []
    found = []
    names = [Path(name).stem for name in os.listdir(store.refs_dir) if BACKUP_ID.match(Path(name).stem)]
    for backup_id in sorted(names, key=lambda name: int(name[1:])):
        try:
            ref = _ref(store, backup_id)
            if "pid" in ref:
                continue  # still being written
            record, _directory = _load(store, backup_id)
            found.append(_to_backup(record, Path(ref["target"])))
        except StoreError as exc:
            logger.warning("backup %s is unreadable: %s", backup_id, exc.message)
            found.append(Backup(backup_id, "", "", "", Path(ref.get("target", "?")), False, None, reason=exc.message))
    return found


def verify(store: Store, backup_id: str, *, sample_percent: float | None = None) -> VerifyReport:
    """Re-hash a backup's objects: all of them, or a rotating ``sample_percent`` share."""
    record, directory = _load(store, backup_id)
    objects = ObjectStore(directory / "objects")
    wanted = {item["sha256"]: item["size"] for item in record["manifest"]["files"]}
    digests = sorted(wanted)
    full = sample_percent is None or sample_percent >= 100
    if not full:
        if not 0 < sample_percent <= 100:
            raise BackupError(f"--sample must be in (0, 100], got {sample_percent!r}", hint="pass a percentage such as 10")
        ref = _ref(store, backup_id)
        count = max(1, math.ceil(len(digests) * sample_percent / 100))
        start = int(ref.get("sample_offset", 0)) % max(1, len(digests))
        digests = [digests[(start + i) % len(digests)] for i in range(min(count, len(digests)))]
        _write_ref(store, backup_id, Path(ref["target"]), pid=None, sample_offset=(start + count) % max(1, len(wanted)))

    report = _read_back(objects, {digest: wanted[digest] for digest in digests}, scope=backup_id)
    for name, path in objects.digests():
        if name not in wanted:
            report.problems.append(Problem(ProblemKind.EXTRA, str(path), "no manifest entry names it", backup_id))

    if full or not report.ok:
        record["verified"] = report.ok
        record["verified_at"] = fsutil.utc_now() if report.ok else None
        fsutil.write_json_atomic(directory / "backup.json", record)
    logger.info("verified backup %s: %s", backup_id, report.summary())
    return report


def restore(store: Store, backup_id: str) -> Version:
    """Bring a backup's version back into the store and check it out (verified swap)."""
    record, directory = _load(store, backup_id)
    if not record.get("verified"):
        raise BackupError(
            f"backup {backup_id} is not marked verified; refusing to restore from it",
            hint=f"run 'trainctl backups verify {backup_id}' first, or restore another backup",
        )
    files = parse_manifest_files(record["manifest"], directory / "backup.json")
    backup_objects = ObjectStore(directory / "objects")
    with store.locked():
        version = _matching_version(store, record["version"], files)
        if version is None:
            _import_objects(store, backup_objects, {entry.sha256: entry.size for entry in files}, backup_id, force=False)
            metadata = {k: v for k, v in record["metadata"].items() if k not in ("format", "version")}
            metadata["restored_from"] = {"backup": backup_id, "version": record["version"]}
            version = store._write_version(
                list(files),
                parent=record["metadata"].get("parent"),
                reason=f"restored from backup {backup_id} (version {record['version']})",
                metadata={k: v for k, v in metadata.items() if k not in ("parent", "reason", "created_at")},
            )
        reason = f"restore of backup {backup_id}"
        try:
            return store.checkout(version.id, reason=reason)
        except VerificationError as exc:
            # The stored objects are damaged: repair them from the backup and retry once.
            damaged = {entry.sha256: entry.size for entry in version.files if store.objects.check(entry.sha256, entry.size)}
            logger.warning("repairing %d damaged object(s) of %s from %s: %s", len(damaged), version.id, backup_id, exc.message)
            _import_objects(store, backup_objects, damaged, backup_id, force=True)
            return store.checkout(version.id, reason=reason)


def _matching_version(store: Store, version_id: str, files: tuple) -> Version | None:
    try:
        version = store.get(version_id)
    except StoreError:
        return None
    return version if version.files == files else None


def _import_objects(store: Store, source: ObjectStore, wanted: dict[str, int], backup_id: str, *, force: bool) -> None:
    """Copy the ``wanted`` objects from a backup into the store, verifying each, several at a time."""

    def import_one(item: tuple[str, int]) -> tuple[bool, Problem | None]:
        digest, size = item
        try:
            if force:
                store.objects.remove(digest)
            ok = store.objects.put_verified_copy(source.path(digest), digest, size)
        except FileNotFoundError:
            ok = False
        except OSError as exc:
            raise fsutil.os_failure(exc, "restoring object", store.objects.path(digest)) from exc
        return ok, None if ok else source.check(digest, size, scope=backup_id)

    items = [(digest, size) for digest, size in sorted(wanted.items()) if force or not store.objects.has(digest, size)]
    # Largest first, so the last object to finish is a small one and no thread idles long.
    items.sort(key=lambda item: item[1], reverse=True)
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(import_one, items))
    if not all(ok for ok, _problem in results):
        problems = sorted((problem for _ok, problem in results if problem is not None), key=lambda problem: problem.path)
        report = VerifyReport(scope=backup_id, problems=problems)
        raise VerificationError(
            f"backup {backup_id} failed verification; nothing was restored:\n"
            + "\n".join(f"  {problem}" for problem in report.problems),
            report=report,
            hint="restore another backup ('trainctl backups list')",
        )


def delete(store: Store, backup_id: str) -> None:
    """Remove a backup's directory and its reference."""
    with store.locked():
        ref = _ref(store, backup_id)
        directory = Path(ref["target"]) / backup_id
        if directory.exists():
            trash = directory.parent / fsutil.temp_name(f".trash-{backup_id}")
            os.rename(directory, trash)
            fsutil.remove_tree(trash)
        (store.refs_dir / f"{backup_id}.json").unlink(missing_ok=True)
        logger.info("deleted backup %s at %s", backup_id, directory)


def recover_backups(store: Store) -> list[str]:
    """Drop references of backups whose writer died, and their temp directories (lock held)."""
    fixed: list[str] = []
    if not store.refs_dir.is_dir():
        return fixed
    targets = {store.backup_target, store.default_backup_target}
    for path in sorted(store.refs_dir.glob("b*.json")):
        try:
            ref = fsutil.read_json(path, what="backup reference")
        except CorruptStoreError:
            continue
        targets.add(Path(ref["target"]))
        pid = ref.get("pid")
        if pid is not None and not fsutil.pid_alive(int(pid)) and int(pid) != os.getpid():
            if (Path(ref["target"]) / ref["id"] / "backup.json").is_file():
                # The writer died after renaming the verified backup into place.
                _write_ref(store, ref["id"], Path(ref["target"]), pid=None)
                fixed.append(f"completed the reference of backup {ref['id']}")
            else:
                path.unlink(missing_ok=True)
                fixed.append(f"dropped backup {ref['id']}, whose writer died before it was verified")
    for root in sorted(targets):
        if not root.is_dir():
            continue
        for name in sorted(os.listdir(root)):
            if name.startswith((".tmp-b", ".trash-b")) and fsutil.is_stale(name):
                fsutil.remove_tree(root / name)
                fixed.append(f"removed the unfinished backup directory {str(root / name)!r}")
    for directory in (store.refs_dir, store.jobs_dir):
        if directory.is_dir():
            for name in sorted(os.listdir(directory)):
                if name.startswith(".") and fsutil.is_stale(name):
                    fsutil.remove_tree(directory / name)
                    fixed.append(f"removed the temporary {str(directory / name)!r}")
    return fixed
