"""File system steps the store is built from: durable writes, copies, hashing, swaps.

Every function here either completes or leaves only a temporary file whose
name carries the writer's pid (``-p<pid>-``), so recovery can tell a stale
temporary file from one that a live process is still writing.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import re
import secrets
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from models.errors import CorruptStoreError, DiskFullError, StoreError

CHUNK_BYTES = 1 << 20
FICLONE = 0x40049409  # _IOW(0x94, 9, int) from linux/fs.h
RENAME_EXCHANGE = 2  # from linux/fs.h
SYNC_FILE_RANGE_WRITE = 2  # from linux/fs.h
# Bytes per copy_file_range call; writeback of each such range starts as soon as it is copied.
WRITEBACK_BYTES = 64 << 20
AT_FDCWD = -100
_PID_IN_NAME = re.compile(r"-p(\d+)(?:-|$)")


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def temp_name(prefix: str) -> str:
    """Name a temporary file or directory so recovery can find its owner's pid."""
    return f"{prefix}-p{os.getpid()}-{secrets.token_hex(3)}"


def owner_pid(name: str) -> int | None:
    match = _PID_IN_NAME.search(name)
    return int(match.group(1)) if match else None


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stale(name: str) -> bool:
    """Tell whether a temporary name belongs to a process that no longer runs."""
    pid = owner_pid(name)
    return pid is None or (pid != os.getpid() and not pid_alive(pid))


def os_failure(exc: OSError, action: str, path: Path | str) -> StoreError:
    """Translate an OS error into the store's tree, naming what failed and where."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFullError(
            f"no space left while {action} {str(path)!r}; nothing stored was changed",
            hint="free disk space (or prune old versions with 'trainctl versions prune --keep N') and retry",
        )
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StoreError(
            f"permission denied while {action} {str(path)!r}: {exc.strerror}",
            hint="check that the file system is mounted read-write and the directory is writable",
        )
    return StoreError(f"failed while {action} {str(path)!r}: {exc.strerror or exc}")


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data``: temp file, fsync, rename, fsync of the directory."""
    temp = path.parent / temp_name(f".{path.name}.tmp")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise os_failure(exc, "writing", path) from exc


def write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    write_bytes_atomic(path, (json.dumps(data, indent=1, sort_keys=False) + "\n").encode())


def append_line(path: Path, data: dict[str, Any]) -> None:
    """Append one JSON line and fsync it; O_APPEND keeps concurrent lines whole."""
    line = (json.dumps(data, sort_keys=False) + "\n").encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise os_failure(exc, "appending to", path) from exc


def read_json(path: Path, *, what: str, hint: str | None = None) -> dict[str, Any]:
    """Read a store JSON file, raising :class:`CorruptStoreError` naming it when invalid."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CorruptStoreError(f"{what} {str(path)!r} is missing", hint=hint) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CorruptStoreError(f"{what} {str(path)!r} cannot be read: {exc}", hint=hint) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CorruptStoreError(
            f"{what} {str(path)!r} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            hint=hint,
        ) from exc
    if not isinstance(data, dict) or data.get("format") != 1:
        found = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise CorruptStoreError(f"{what} {str(path)!r} has unknown format {found!r} (expected 1)", hint=hint)
    return data


def hash_file(path: Path, *, chunk: int = CHUNK_BYTES) -> tuple[str, int]:
    """Stream ``path`` through SHA-256; return (hex digest, size in bytes)."""
    digest = hashlib.sha256()
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    size = 0
    with open(path, "rb", buffering=0) as handle:
        while count := handle.readinto(buffer):
            digest.update(view[:count])
            size += count
    return digest.hexdigest(), size


def copy_hashing(source: Path, destination: Path, *, mode: int, chunk: int = CHUNK_BYTES) -> tuple[str, int]:
    """Copy ``source`` to a new file ``destination`` in one pass, hashing what was read.

    The digest describes exactly the bytes written, even if ``source`` changes
    during the copy. Writeback starts every ``WRITEBACK_BYTES``, so the disk
    writes while the rest is hashed. The destination is fsynced. Raises OSError.
    """
    digest = hashlib.sha256()
    buffer = bytearray(chunk)
    view = memoryview(buffer)
    size = 0
    written_back = 0
    with open(source, "rb", buffering=0) as reader:
        fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            while count := reader.readinto(buffer):
                digest.update(view[:count])
                written = 0
                while written < count:
                    written += os.write(fd, view[written:count])
                size += count
                if size - written_back >= WRITEBACK_BYTES:
                    start_writeback(fd, written_back, size - written_back)
                    written_back = size
            os.fsync(fd)
        finally:
            os.close(fd)
    return digest.hexdigest(), size


def clone_file(source: Path, destination: Path, *, mode: int, sync: bool = True) -> bool:
    """Reflink ``source`` to a new ``destination``; False where the file system cannot.

    On False, no destination file is left behind. With ``sync=False`` the
    caller must fsync ``destination`` (see :func:`fsync_file`) before relying on it.
    """
    with open(source, "rb") as reader:
        fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            fcntl.ioctl(fd, FICLONE, reader.fileno())
        except OSError as exc:
            os.close(fd)
            os.unlink(destination)
            if exc.errno in (errno.EOPNOTSUPP, errno.EXDEV, errno.EINVAL, errno.ENOTTY, errno.EBADF):
                return False
            raise
        try:
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
    return True


def kernel_copy(source: Path, destination: Path, *, mode: int, sync: bool = True, writeback: bool = True) -> int:
    """Copy with ``copy_file_range`` (data stays in the kernel), else shutil; return the bytes copied.

    With ``writeback``, writeback of each copied range starts at once
    (:func:`start_writeback`), so the disk writes while later ranges and
    files are still being copied. Without it the copy only fills the page
    cache, which is faster when nothing waits for the disk. With
    ``sync=False`` the caller must fsync ``destination`` before relying on it.
    """
    with open(source, "rb") as reader:
        fd = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        try:
            remaining = os.fstat(reader.fileno()).st_size
            offset = 0
            try:
                while remaining > 0:
                    copied = os.copy_file_range(reader.fileno(), fd, min(remaining, WRITEBACK_BYTES))
                    if copied == 0:
                        break
                    if writeback:
                        start_writeback(fd, offset, copied)
                    offset += copied
                    remaining -= copied
            except OSError as exc:
                if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL):
                    raise
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                reader.seek(0)
                with os.fdopen(os.dup(fd), "wb") as writer:
                    shutil.copyfileobj(reader, writer, CHUNK_BYTES)
            if sync:
                os.fsync(fd)
            return os.fstat(fd).st_size
        finally:
            os.close(fd)


def start_writeback(fd: int, offset: int, count: int) -> None:
    """Start writing a dirty byte range of ``fd`` to disk without waiting for it.

    Uses sync_file_range(SYNC_FILE_RANGE_WRITE). This is not durability: it
    only makes a later fsync wait less. Where the call is missing or fails,
    nothing happens and the fsync does all the work.
    """
    function = _sync_file_range()
    if function is not None:
        function(fd, offset, count, SYNC_FILE_RANGE_WRITE)


def fsync_file(path: Path) -> None:
    """Flush the data and metadata of the file at ``path`` to disk (any descriptor of an inode flushes it)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def drop_cache(path: Path) -> None:
    """Ask the kernel to forget cached pages of ``path``, so a read-back hits the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


_libc: ctypes.CDLL | None = None
_sync_file_range_function: Any = None


def _load_libc() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _sync_file_range() -> Any:
    """Return libc's sync_file_range with 64-bit offsets, or None where libc lacks it."""
    global _sync_file_range_function
    if _sync_file_range_function is None:
        function = getattr(_load_libc(), "sync_file_range", None)
        if function is not None:
            function.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
            function.restype = ctypes.c_int
        _sync_file_range_function = function or False
    return _sync_file_range_function or None


def exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically with renameat2(RENAME_EXCHANGE); False where unsupported."""
    renameat2 = getattr(_load_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(first))


def remove_tree(path: Path) -> None:
    """Remove a directory tree or a file; read-only files go too (unlink needs only the directory's mode)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
