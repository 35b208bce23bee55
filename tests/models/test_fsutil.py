"""OS errors are translated into the store's error tree where they enter."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from models import DiskFullError, StoreError
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
