"""Verify after execute: catch and undo what an allowed command changed anyway.

Static analysis cannot see into every script or unknown program, so around
each command it runs, safeshell takes a cheap record of the protected state
and compares after:

- every file under ``current_model/`` is stat-ed (inode, size, mode, mtime,
  ctime). A file whose stat matches its entry in the model store's
  ``models/stat-cache.json`` is backed by a store object with a known
  SHA-256 and needs nothing more; any other file is hard-linked into
  ``.safeshell/verify/<run id>/model/`` (no data is copied). Hard links are
  the fallback, not the rule, because creating one changes the file's ctime,
  which makes the store's stat cache miss and the next snapshot re-hash it;
- ``config.json`` and ``safeshell.yaml`` are kept in memory (a few KB);
- the model store's pointer (``models/CURRENT``, ``models/events.jsonl``,
  ``models/swap.json``) is fingerprinted, so a change made through the store
  (checkout, rollback, the end of a training run) is told apart from a stray
  one;
- the names of the store's version and backup directories are listed, so
  removing one outside the store is reported (it cannot be restored from
  the record).

After the command, a deleted or replaced file is put back from its store
object (copied and re-hashed) or its hard link (whatever took its place is moved into the record's ``displaced/``), a file
added to a non-empty model directory is moved there as well, ``config.json``
is put back when a critical key changed (changes of other keys are what
``trainctl config set`` does and are kept), and ``safeshell.yaml`` is put back
on any change. A file written in place shares its inode with the hard link,
so it cannot be restored from a link; the report names it and the model
version to roll back to. The record is removed when nothing changed and kept
(with the displaced files) when something did.

NOTE: a write in place that keeps size and mtime (``touch -d`` afterwards)
is not detected, and a record left by a safeshell that was killed mid-run
stays under ``.safeshell/verify/`` until removed by hand. Two guarded
commands running at once each see the other's changes as their own.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
import time

from safeshell import fastjson, logs, records
from safeshell.workspace import CONFIG_FILE, POLICY_FILE, STATE_DIR, Workspace

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from typing import Callable, Iterable

logger = logs.get_logger(__name__)

VERIFY_DIR = "verify"
MODEL_DIR = "current_model"
MODELS_DIR = "models"  # the model store
SMALL_FILES = (CONFIG_FILE, POLICY_FILE)


# Records and slots classes rather than dataclasses: every allowed
# `safeshell -c` takes a record, and importing dataclasses would double its
# start-up (see safeshell.records).
class FileState(records.Record):
    """Stat values recorded for one file under current_model/."""

    __slots__ = ("inode", "size", "mtime_ns", "mode", "linked", "digest")
    inode: int
    size: int
    mtime_ns: int
    mode: int
    linked: bool  # a hard link in the record keeps the content
    digest: str | None  # SHA-256 of the store object with this content, if known

    def __init__(self, inode: int, size: int, mtime_ns: int, mode: int, linked: bool,
                 digest: str | None = None) -> None:
        self._init(inode=inode, size=size, mtime_ns=mtime_ns, mode=mode, linked=linked, digest=digest)


class Record:
    """The protected state before a command ran."""

    __slots__ = ("workspace", "run_id", "directory", "model_files", "model_dirs", "small_files",
                 "store_marker", "store_entries", "link_failures")

    def __init__(
        self,
        workspace: Workspace,
        run_id: str,
        directory: str,
        model_files: dict[str, FileState],
        model_dirs: set[str],
        small_files: dict[str, bytes | None],
        store_marker: tuple[object, ...],
        store_entries: frozenset[str] = frozenset(),
        link_failures: list[str] | None = None,
    ) -> None:
        self.workspace = workspace
        self.run_id = run_id
        self.directory = directory  # .safeshell/verify/<run id>/
        self.model_files = model_files
        self.model_dirs = model_dirs
        self.small_files = small_files  # workspace-relative path -> content (None: absent)
        self.store_marker = store_marker
        self.store_entries = store_entries  # "versions/v001", "backups/b0001", ...
        self.link_failures: list[str] = [] if link_failures is None else link_failures


class VerifyReport:
    """Changes a command made to protected state, and what was done about each."""

    __slots__ = ("restored", "displaced", "unrestorable", "lost", "accepted", "store_changed",
                 "record_dir", "rollback_version")

    def __init__(self) -> None:
        self.restored: list[str] = []  # workspace-relative paths put back
        self.displaced: list[str] = []  # paths moved into the record's displaced/
        self.unrestorable: list[str] = []  # changed paths the record cannot put back
        self.lost: list[str] = []  # store versions and backups removed outside the store
        self.accepted: list[str] = []  # changes that were expected (non-critical config keys)
        self.store_changed = False  # the store moved current_model/; nothing was restored
        self.record_dir: str | None = None  # kept when something changed
        self.rollback_version: str | None = None  # newest version to roll back to for unrestorable changes

    @property
    def changed(self) -> bool:
        return bool(self.restored or self.displaced or self.unrestorable or self.lost)


def take_record(workspace: Workspace) -> Record:
    """Record the protected state of ``workspace`` before a command runs."""
    run_id = f"{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{os.getpid()}-{os.urandom(3).hex()}"
    directory = workspace.path(STATE_DIR, VERIFY_DIR, run_id)
    record = Record(
        workspace=workspace,
        run_id=run_id,
        directory=directory,
        model_files={},
        model_dirs=set(),
        small_files={name: _read_optional(workspace.path(name)) for name in SMALL_FILES},
        store_marker=_store_marker(workspace),
        store_entries=_store_entries(workspace),
    )
    model_root = workspace.path(MODEL_DIR)
    if not os.path.isdir(model_root):
        return record

    link_root = os.path.join(directory, "model")
    known = _store_digests(workspace)
    objects_dir = workspace.path(MODELS_DIR, "objects")
    for relative, entry_stat in _walk(model_root):
        if stat.S_ISDIR(entry_stat.st_mode):
            record.model_dirs.add(relative)
            continue
        digest = _backing_object(objects_dir, known.get(relative), entry_stat)
        if digest:
            linked = False
        else:
            linked = _link_into(os.path.join(model_root, relative), os.path.join(link_root, relative), record)
        record.model_files[relative] = FileState(
            inode=entry_stat.st_ino,
            size=entry_stat.st_size,
            mtime_ns=entry_stat.st_mtime_ns,
            mode=entry_stat.st_mode,
            linked=linked,
            digest=digest,
        )
    return record


def verify_and_restore(record: Record, *, critical_keys: Iterable[str]) -> VerifyReport:
    """Compare the protected state with ``record`` and put back what changed unexpectedly."""
    report = VerifyReport()
    model_changes = _model_changes(record)
    lost_entries = sorted(record.store_entries - _store_entries(record.workspace))
    small_changes = _small_file_changes(record, frozenset(critical_keys), report)
    if not model_changes and not small_changes and not lost_entries:
        discard(record)
        return report

    with _store_lock(record.workspace) as store_idle:
        if not store_idle or _store_marker(record.workspace) != record.store_marker:
            # A checkout, rollback or training commit moved current_model/ through
            # the store; that is not the command's stray change.
            report.store_changed = True
            model_changes = []
        _restore_model(record, model_changes, report)
        _restore_small_files(record, small_changes, report)
        if store_idle and not report.store_changed:
            # Prune and backup deletion run under the store lock and move no
            # pointer, so only entries lost while the store was idle are stray.
            report.lost.extend(f"models/{entry}" for entry in lost_entries)

    if report.changed:
        report.record_dir = record.directory
        if report.unrestorable:
            report.rollback_version = _current_version(record.workspace)
        _write_report(record, report)
    else:
        discard(record)
    return report


def discard(record: Record) -> None:
    """Remove the record's hard links and directory (none exists when every file was store-backed)."""
    if os.path.exists(record.directory):
        _remove_tree(record.directory)


def _remove_tree(top: str) -> None:
    # shutil.rmtree(top, ignore_errors=True) without importing shutil, which
    # imports fnmatch and re; symbolic links are removed, never followed.
    for directory, subdirectories, files in os.walk(top, topdown=False):
        for name in files:
            _ignore_os_error(os.unlink, os.path.join(directory, name))
        for name in subdirectories:
            path = os.path.join(directory, name)
            _ignore_os_error(os.unlink if os.path.islink(path) else os.rmdir, path)
    _ignore_os_error(os.rmdir, top)


def _ignore_os_error(function: Callable[[str], None], path: str) -> None:
    try:
        function(path)
    except OSError:
        pass


def render_report(report: VerifyReport, command: str) -> str:
    """Return the loud stderr message for a command that changed protected state."""
    lines = [
        "safeshell: WARNING: the command changed protected files although the policy allowed it:",
        f"  command: {command}",
    ]
    lines.extend(f"  restored: {path}" for path in report.restored)
    lines.extend(f"  moved aside: {path}" for path in report.displaced)
    lines.extend(f"  NOT restored (changed in place): {path}" for path in report.unrestorable)
    lines.extend(f"  REMOVED, cannot be restored from the record: {path}" for path in report.lost)
    if report.unrestorable:
        if report.rollback_version:
            lines.append(
                f"  roll the model back with 'trainctl versions restore {report.rollback_version}' "
                "(the current version)"
            )
        else:
            lines.append("  no model version is recorded to roll back to ('trainctl versions list')")
    displaced = os.path.join(report.record_dir, "displaced") if report.record_dir is not None else None
    if displaced is not None and os.path.isdir(displaced):
        lines.append(f"  the files it replaced or added are kept in {displaced}/")
    elif report.record_dir is not None:
        lines.append(f"  the report is kept in {report.record_dir}/report.json")
    return "\n".join(lines)


# --- recording ---------------------------------------------------------------


def _walk(root: str, prefix: str = "") -> Iterable[tuple[str, os.stat_result]]:
    try:
        entries = list(os.scandir(root))
    except OSError as exc:
        logger.warning("cannot list %s for verify-after-execute: %s", root, exc)
        return
    for entry in entries:
        relative = f"{prefix}{entry.name}"
        try:
            entry_stat = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        yield relative, entry_stat
        if stat.S_ISDIR(entry_stat.st_mode):
            yield from _walk(entry.path, relative + "/")


def _link_into(source: str, target: str, record: Record) -> bool:
    try:
        try:
            os.link(source, target, follow_symlinks=False)
        except FileNotFoundError:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.link(source, target, follow_symlinks=False)
        return True
    except OSError as exc:
        # EXDEV (current_model/ on another filesystem) or EPERM: the change is
        # still detected, but a deleted file cannot be put back.
        record.link_failures.append(f"{source}: {exc.strerror}")
        if len(record.link_failures) == 1:
            logger.warning("verify-after-execute cannot hard-link %s: %s", source, exc.strerror)
        return False


def _read_optional(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        logger.warning("cannot read %s for verify-after-execute: %s", path, exc)
        return None


def _store_digests(workspace: Workspace) -> dict[str, list[object]]:
    """Read the store's stat cache: relative path -> [size, mtime_ns, ctime_ns, inode, sha256]."""
    try:
        with open(workspace.path(MODELS_DIR, "stat-cache.json"), encoding="utf-8") as handle:
            cache = fastjson.loads(handle.read())
        files = cache["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return files if isinstance(files, dict) else {}


def _backing_object(objects_dir: str, entry: list[object] | None, status: os.stat_result) -> str | None:
    """Return the SHA-256 of the store object holding this file's content, or None if unknown."""
    if not isinstance(entry, list) or len(entry) != 5 or not stat.S_ISREG(status.st_mode):
        return None
    if entry[:4] != [status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino]:
        return None
    digest = entry[4]
    if not isinstance(digest, str) or len(digest) != 64:
        return None
    try:
        # Plain strings, not Path objects: this runs once per model file on every command.
        if os.stat(f"{objects_dir}/{digest[:2]}/{digest}").st_size != status.st_size:
            return None
    except OSError:
        return None
    return digest


def _object_path(workspace: Workspace, digest: str) -> str:
    return workspace.path(MODELS_DIR, "objects", digest[:2], digest)


def _store_entries(workspace: Workspace) -> frozenset[str]:
    """List the store's version and backup directories (names only: two directory reads)."""
    entries: set[str] = set()
    for folder in ("versions", "backups"):
        try:
            with os.scandir(workspace.path(MODELS_DIR, folder)) as listing:
                entries.update(f"{folder}/{entry.name}" for entry in listing if not entry.name.startswith("."))
        except OSError:
            continue
    return frozenset(entries)


def _store_marker(workspace: Workspace) -> tuple[object, ...]:
    marker: list[object] = []
    models = workspace.path(MODELS_DIR)
    for name in ("CURRENT", "events.jsonl", "swap.json"):
        try:
            entry = os.stat(os.path.join(models, name))
            marker.append((name, entry.st_ino, entry.st_size, entry.st_mtime_ns))
        except OSError:
            marker.append((name, None))
    return tuple(marker)


# --- comparing ---------------------------------------------------------------


class _Change(records.Record):
    __slots__ = ("kind", "path")
    kind: str  # "deleted", "replaced", "modified", "added", "dir_deleted"
    path: str  # relative to current_model/

    def __init__(self, kind: str, path: str) -> None:
        self._init(kind=kind, path=path)


def _model_changes(record: Record) -> list[_Change]:
    model_root = record.workspace.path(MODEL_DIR)
    model_root_exists = os.path.isdir(model_root)
    now: dict[str, os.stat_result] = dict(_walk(model_root)) if model_root_exists else {}
    changes: list[_Change] = []
    for relative, before in record.model_files.items():
        after = now.get(relative)
        if after is None or stat.S_ISDIR(after.st_mode):
            changes.append(_Change("deleted", relative))
        elif after.st_ino != before.inode:
            changes.append(_Change("replaced", relative))
        elif (after.st_size, after.st_mtime_ns, after.st_mode) != (before.size, before.mtime_ns, before.mode):
            changes.append(_Change("modified", relative))
    for relative in record.model_dirs:
        if relative not in now:
            changes.append(_Change("dir_deleted", relative))
    if record.model_files:
        for relative, after in now.items():
            if not stat.S_ISDIR(after.st_mode) and relative not in record.model_files:
                changes.append(_Change("added", relative))
    if record.model_files and not model_root_exists:
        changes.append(_Change("dir_deleted", ""))
    return changes


def _small_file_changes(record: Record, critical_keys: frozenset[str], report: VerifyReport) -> list[str]:
    changed: list[str] = []
    for name, before in record.small_files.items():
        after = _read_optional(record.workspace.path(name))
        if after == before:
            continue
        if name == CONFIG_FILE:
            keys = _changed_config_keys(before, after)
            if keys is not None and not (keys & critical_keys):
                report.accepted.append(f"{name} (keys {', '.join(sorted(keys))})")
                continue
        changed.append(name)
    return changed


def _changed_config_keys(before: bytes | None, after: bytes | None) -> set[str] | None:
    """Return the top-level keys that differ, or None when either side is not a JSON object."""
    try:
        old = fastjson.loads(before.decode("utf-8")) if before is not None else None
        new = fastjson.loads(after.decode("utf-8")) if after is not None else None
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(old, dict) or not isinstance(new, dict):
        return None
    return {key for key in old.keys() | new.keys() if old.get(key, _MISSING) != new.get(key, _MISSING)}


_MISSING = object()


# --- restoring ---------------------------------------------------------------


def _restore_model(record: Record, changes: list[_Change], report: VerifyReport) -> None:
    model_root = record.workspace.path(MODEL_DIR)
    for change in sorted(changes, key=lambda item: item.path):
        shown = f"{MODEL_DIR}/{change.path}".rstrip("/")
        target = os.path.join(model_root, change.path)
        if change.kind == "dir_deleted":
            os.makedirs(target, exist_ok=True)
            continue
        if change.kind == "added":
            _displace(record, target, shown, report)
            continue
        state = record.model_files[change.path]
        if change.kind == "modified" or not (state.linked or state.digest):
            report.unrestorable.append(shown)
            continue
        if change.kind == "replaced":
            _displace(record, target, shown, report)
        try:
            if state.linked:
                _put_back(os.path.join(record.directory, "model", change.path), target)
            else:
                _copy_object(_object_path(record.workspace, state.digest), state, target)
        except (OSError, ValueError) as exc:
            logger.error("cannot restore %s: %s", target, exc)
            report.unrestorable.append(shown)
            continue
        report.restored.append(shown)


def _restore_temporary(target: str) -> str:
    directory, name = os.path.split(target)
    return os.path.join(directory, f".{name}.safeshell-restore-{os.getpid()}")


def _put_back(saved: str, target: str) -> None:
    """Put the recorded file back at ``target`` without sharing its inode with anything else."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    temporary = _restore_temporary(target)
    if os.lstat(saved).st_nlink == 1:
        # The record has the only remaining link (the command deleted the file): relink, then drop the record's link.
        os.link(saved, temporary, follow_symlinks=False)
        os.replace(temporary, target)
        os.unlink(saved)
    else:
        import shutil

        # The command moved it elsewhere, where it may still be written: copy.
        shutil.copy2(saved, temporary, follow_symlinks=False)
        os.replace(temporary, target)


def _copy_object(source: str, state: FileState, target: str) -> None:
    """Copy a store object to ``target``, re-hashing it; raise ValueError if its content is not ``state.digest``."""
    import hashlib

    os.makedirs(os.path.dirname(target), exist_ok=True)
    temporary = _restore_temporary(target)
    digest = hashlib.sha256()
    try:
        with open(source, "rb") as reader, open(temporary, "wb") as writer:
            while chunk := reader.read(1 << 20):
                digest.update(chunk)
                writer.write(chunk)
        if digest.hexdigest() != state.digest:
            raise ValueError(f"store object {source} does not match its name")
        os.chmod(temporary, stat.S_IMODE(state.mode))
        os.replace(temporary, target)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)


def _restore_small_files(record: Record, names: list[str], report: VerifyReport) -> None:
    for name in names:
        path = record.workspace.path(name)
        before = record.small_files[name]
        if os.path.exists(path):
            _displace(record, path, name, report, record_only=True)
        try:
            if before is None:
                if os.path.lexists(path):
                    os.unlink(path)
            else:
                temporary = _restore_temporary(path)
                with open(temporary, "wb") as handle:
                    handle.write(before)
                os.replace(temporary, path)
        except OSError as exc:
            logger.error("cannot restore %s: %s", path, exc)
            report.unrestorable.append(name)
            continue
        report.restored.append(name)


def _displace(record: Record, path: str, shown: str, report: VerifyReport, *, record_only: bool = False) -> None:
    """Move ``path`` into the record's displaced/ (copy it there when ``record_only``)."""
    import shutil

    destination = os.path.join(record.directory, "displaced", shown)
    os.makedirs(os.path.dirname(destination), exist_ok=True)
    try:
        if record_only:
            shutil.copy2(path, destination)
        else:
            os.replace(path, destination)
            report.displaced.append(shown)
    except OSError as exc:
        logger.error("cannot move %s aside: %s", path, exc)


class _store_lock:
    """Hold the store lock for a block; ``as`` gives False when another process holds it.

    A class rather than a contextlib generator, because importing contextlib
    costs every guarded command start-up time.
    """

    def __init__(self, workspace: Workspace) -> None:
        self._path = workspace.path(MODELS_DIR, "store.lock")
        self._fd = -1

    def __enter__(self) -> bool:
        try:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            return True  # no store yet, so nothing can hold its lock
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                os.close(self._fd)
                self._fd = -1
                raise
            return False
        return True

    def __exit__(self, *exc_info: object) -> None:
        if self._fd >= 0:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = -1


def _current_version(workspace: Workspace) -> str | None:
    try:
        with open(workspace.path(MODELS_DIR, "CURRENT"), encoding="utf-8") as handle:
            pointer = fastjson.loads(handle.read())
    except (OSError, ValueError):
        return None
    version = pointer.get("version") if isinstance(pointer, dict) else None
    return version if isinstance(version, str) else None


def _write_report(record: Record, report: VerifyReport) -> None:
    data = {
        "run_id": record.run_id,
        "restored": report.restored,
        "displaced": report.displaced,
        "unrestorable": report.unrestorable,
        "lost": report.lost,
        "rollback_version": report.rollback_version,
        "link_failures": record.link_failures,
    }
    try:
        os.makedirs(record.directory, exist_ok=True)
        with open(os.path.join(record.directory, "report.json"), "w", encoding="utf-8") as handle:
            handle.write(fastjson.dumps(data, indent=2) + "\n")
    except OSError as exc:
        logger.warning("cannot write %s/report.json: %s", record.directory, exc)
