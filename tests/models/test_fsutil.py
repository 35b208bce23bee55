"""OS errors are translated into the store's error tree where they enter."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import pytest

from models import DiskFullError, StoreError, fsutil
from models.fsutil import os_failure, owner_pid, temp_name, write_bytes_atomic


@pytest.mark.parametrize(
    ("code", "expected_type", "expected_text"),
    [
        (errno.ENOSPC, DiskFullError, "no space left while writing '/x'"),
        (errno.EDQUOT, DiskFullError, "no space left while writing '/x'"),
        (errno.EROFS, StoreError, "permission denied while writing '/x'"),
        (errno.EACCES, StoreError, "permission denied while writing '/x'"),
        (errno.EIO, StoreError, "failed while writing '/x'"),
    ],
)
def test_os_errors_are_translated(code: int, expected_type: type, expected_text: str) -> None:
    error = os_failure(OSError(code, os.strerror(code)), "writing", "/x")
    assert type(error) is expected_type
    assert error.message.startswith(expected_text)


def test_temp_names_carry_pid() -> None:
    name = temp_name(".tmp-v003")
    assert owner_pid(name) == os.getpid()
    assert owner_pid("v003") is None


def test_atomic_write_leaves_no_temp_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "CURRENT"
    with pytest.raises(StoreError, match="failed while writing"):
        write_bytes_atomic(target, b"{}")
    assert not (tmp_path / "missing-dir").exists()


@pytest.mark.parametrize("sync", [True, False])
def test_kernel_copy_in_ranges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sync: bool) -> None:
    # Small ranges make a 1 MiB file take many copy_file_range calls, each followed by a writeback start.
    monkeypatch.setattr(fsutil, "WRITEBACK_BYTES", 64 << 10)
    data = os.urandom((1 << 20) + 123)
    (tmp_path / "source").write_bytes(data)
    copied = fsutil.kernel_copy(tmp_path / "source", tmp_path / "copy", mode=0o644, sync=sync)
    fsutil.fsync_file(tmp_path / "copy")
    assert copied == len(data)
    assert (tmp_path / "copy").read_bytes() == data
    assert os.stat(tmp_path / "copy").st_mode & 0o777 == 0o644


def test_copy_hashing_in_ranges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fsutil, "WRITEBACK_BYTES", 64 << 10)
    data = os.urandom((1 << 20) + 123)
    (tmp_path / "source").write_bytes(data)
    digest, size = fsutil.copy_hashing(tmp_path / "source", tmp_path / "copy", mode=0o444, chunk=48 << 10)
    assert (digest, size) == (hashlib.sha256(data).hexdigest(), len(data))
    assert (tmp_path / "copy").read_bytes() == data


def test_writeback_of_pipe_is_ignored() -> None:
    # sync_file_range fails with ESPIPE on a pipe; starting writeback is advisory, so nothing is raised.
    read_end, write_end = os.pipe()
    try:
        os.write(write_end, b"data")
        fsutil.start_writeback(write_end, 0, 4)
        assert os.read(read_end, 4) == b"data"
    finally:
        os.close(read_end)
        os.close(write_end)
